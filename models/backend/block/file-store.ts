/**
 * A raw image file: sector n lives at byte n × 512. Synchronous `node:fs` calls keep the
 * device actor's order of effects (no Promises on protocol paths); `flush` is a real
 * fsync. Reads past the end of a short file return zeros, like a sparse image.
 */
import * as fs from 'node:fs';
import { checkCapacity, type SectorStore } from './store.js';

/** The `node:fs` calls the store makes; injectable so tests can observe fsync. */
export type FileIo = Pick<
  typeof fs,
  'openSync' | 'closeSync' | 'readSync' | 'writeSync' | 'fsyncSync' | 'fstatSync' | 'ftruncateSync'
>;

export interface FileStoreOptions {
  /** Create the file if missing and extend it (sparsely) to the capacity. */
  create?: boolean;
  readOnly?: boolean;
  io?: FileIo;
}

const ZERO_CHUNK_BYTES = 64 * 1024;

export class FileStore implements SectorStore {
  readonly capacitySectors: number;
  readonly capacityBytes: number;
  readonly path: string;
  private readonly io: FileIo;
  private fd: number | undefined;
  /** Source of zeros for write-zeroes/discard (node has no portable hole punching). */
  private zeros: Uint8Array | undefined;

  constructor(path: string, capacitySectors: number, options: FileStoreOptions = {}) {
    this.path = path;
    this.capacitySectors = capacitySectors;
    this.capacityBytes = checkCapacity(capacitySectors);
    this.io = options.io ?? fs;
    const { O_RDONLY, O_RDWR, O_CREAT } = fs.constants;
    const readOnly = options.readOnly === true;
    if (readOnly && options.create === true) throw new Error(`FileStore ${path}: cannot create a read-only image`);
    const flags = readOnly ? O_RDONLY : options.create === true ? O_RDWR | O_CREAT : O_RDWR;
    this.fd = this.io.openSync(path, flags, 0o644);
    if (options.create === true && this.io.fstatSync(this.fd).size < this.capacityBytes) {
      this.io.ftruncateSync(this.fd, this.capacityBytes);
    }
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error(`FileStore ${this.path}: closed`);
    return this.fd;
  }

  readBytes(pos: number, into: Uint8Array, offset: number, length: number): void {
    const fd = this.handle();
    let done = 0;
    while (done < length) {
      const n = this.io.readSync(fd, into, offset + done, length - done, pos + done);
      if (n === 0) {
        into.fill(0, offset + done, offset + length); // past end of file
        return;
      }
      done += n;
    }
  }

  writeBytes(pos: number, from: Uint8Array, offset: number, length: number): void {
    const fd = this.handle();
    let done = 0;
    while (done < length) done += this.io.writeSync(fd, from, offset + done, length - done, pos + done);
  }

  zeroBytes(pos: number, length: number): void {
    const zeros = (this.zeros ??= new Uint8Array(ZERO_CHUNK_BYTES));
    let done = 0;
    while (done < length) {
      const n = Math.min(length - done, zeros.length);
      this.writeBytes(pos + done, zeros, 0, n);
      done += n;
    }
  }

  flush(): void {
    this.io.fsyncSync(this.handle());
  }

  close(): void {
    if (this.fd === undefined) return;
    this.io.closeSync(this.fd);
    this.fd = undefined;
  }
}
