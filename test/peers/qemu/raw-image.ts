/**
 * Raw disk images for QEMU `-drive file=…,format=raw`, each in its own temp directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SECTOR_BYTES = 512;

export interface RawImage {
  readonly path: string;
  /** The bytes written to the file (the expected disk contents). */
  readonly bytes: Uint8Array;
  /** `-drive` value for this image with the given id (`if=none`, so a `-device` attaches it). */
  driveArg(id: string): string;
  /** Delete the image and its directory. */
  remove(): void;
}

/** Create a raw image of `sizeBytes` (a multiple of 512); `fill` writes the initial contents. */
export function createRawImage(sizeBytes: number, fill?: (bytes: Uint8Array) => void): RawImage {
  if (!Number.isInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % SECTOR_BYTES !== 0) {
    throw new RangeError(`raw image size ${sizeBytes} is not a positive multiple of ${SECTOR_BYTES}`);
  }
  const bytes = new Uint8Array(sizeBytes);
  fill?.(bytes);
  const dir = mkdtempSync(join(tmpdir(), 'ringside-qemu-'));
  const path = join(dir, 'disk.raw');
  writeFileSync(path, bytes);
  return {
    path,
    bytes,
    driveArg: (id) => `file=${path},if=none,id=${id},format=raw`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
