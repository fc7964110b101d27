/**
 * PNG `tEXt` chunks (PNG 1.2 §4.2.3.1: keyword, NUL, Latin-1 text) so a chart image carries
 * the run it came from (measurement.md §7.3: run id, commit, profile), as fio-plot does with
 * its settings. Chunks go right after IHDR; each is length, type, data, CRC-32 over type + data.
 */
import { crc32 } from 'node:zlib';

/** PNG file signature (PNG 1.2 §3.1). */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(data: Uint8Array): boolean {
  return data.length > 8 + 25 && Buffer.from(data.subarray(0, 8)).equals(PNG_SIGNATURE);
}

function chunk(type: string, data: Buffer): Buffer {
  const typeBytes = Buffer.from(type, 'latin1');
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeBytes.copy(out, 4);
  data.copy(out, 8);
  out.writeUInt32BE(crc32(Buffer.concat([typeBytes, data])), 8 + data.length);
  return out;
}

/** Keywords are 1–79 Latin-1 characters (PNG 1.2 §4.2.3); text is written as Latin-1, others replaced by `?`. */
function latin1(text: string): Buffer {
  return Buffer.from(text.replace(/[^\x20-\x7e\xa0-\xff\n]/g, '?'), 'latin1');
}

export function addTextChunks(png: Buffer, entries: Readonly<Record<string, string>>): Buffer {
  if (!isPng(png)) throw new Error('addTextChunks: not a PNG file');
  const ihdrLength = png.readUInt32BE(8);
  const afterIhdr = 8 + 12 + ihdrLength;
  const chunks = Object.entries(entries).map(([key, value]) => {
    if (!/^[\x20-\x7e]{1,79}$/.test(key)) throw new Error(`addTextChunks: invalid keyword ${JSON.stringify(key)}`);
    return chunk('tEXt', Buffer.concat([latin1(key), Buffer.from([0]), latin1(value)]));
  });
  return Buffer.concat([png.subarray(0, afterIhdr), ...chunks, png.subarray(afterIhdr)]);
}

export interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
  readonly crcOk: boolean;
}

/** Every chunk of a PNG in order, with its CRC checked. */
export function readChunks(png: Buffer): PngChunk[] {
  if (!isPng(png)) throw new Error('readChunks: not a PNG file');
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = png.readUInt32BE(at + 8 + length);
    chunks.push({ type, data, crcOk: crc === crc32(png.subarray(at + 4, at + 8 + length)) });
    at += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

export function readTextChunks(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of readChunks(png)) {
    if (c.type !== 'tEXt') continue;
    const nul = c.data.indexOf(0);
    out[c.data.toString('latin1', 0, nul)] = c.data.toString('latin1', nul + 1);
  }
  return out;
}
