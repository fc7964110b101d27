/**
 * In-memory sparse store: 64 KiB chunks allocated on first write, so a multi-GiB device
 * costs only what was written. Chunks freed by a discard go to a free list and are reused,
 * so discard/write cycles do not allocate in steady state.
 */
import { copyBytes } from '../../platform/bytes.js';
import { checkCapacity, type SectorStore } from './store.js';

const CHUNK_BYTES = 64 * 1024;

export class MemoryStore implements SectorStore {
  readonly capacitySectors: number;
  readonly capacityBytes: number;
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly spare: Uint8Array[] = [];

  constructor(capacitySectors: number) {
    this.capacitySectors = capacitySectors;
    this.capacityBytes = checkCapacity(capacitySectors);
  }

  /** Chunks currently backed by memory (for tests and diagnostics). */
  get allocatedChunks(): number {
    return this.chunks.size;
  }

  readBytes(pos: number, into: Uint8Array, offset: number, length: number): void {
    let done = 0;
    while (done < length) {
      const at = pos + done;
      const index = Math.floor(at / CHUNK_BYTES);
      const inChunk = at - index * CHUNK_BYTES;
      const n = Math.min(length - done, CHUNK_BYTES - inChunk);
      const chunk = this.chunks.get(index);
      if (chunk === undefined) into.fill(0, offset + done, offset + done + n);
      else copyBytes(chunk, inChunk, into, offset + done, n);
      done += n;
    }
  }

  writeBytes(pos: number, from: Uint8Array, offset: number, length: number): void {
    let done = 0;
    while (done < length) {
      const at = pos + done;
      const index = Math.floor(at / CHUNK_BYTES);
      const inChunk = at - index * CHUNK_BYTES;
      const n = Math.min(length - done, CHUNK_BYTES - inChunk);
      let chunk = this.chunks.get(index);
      if (chunk === undefined) {
        chunk = this.spare.pop() ?? new Uint8Array(CHUNK_BYTES);
        this.chunks.set(index, chunk);
      }
      copyBytes(from, offset + done, chunk, inChunk, n);
      done += n;
    }
  }

  zeroBytes(pos: number, length: number): void {
    let done = 0;
    while (done < length) {
      const at = pos + done;
      const index = Math.floor(at / CHUNK_BYTES);
      const inChunk = at - index * CHUNK_BYTES;
      const n = Math.min(length - done, CHUNK_BYTES - inChunk);
      const chunk = this.chunks.get(index);
      if (chunk !== undefined) {
        if (n === CHUNK_BYTES) {
          // A whole chunk: unmap it; it is zeroed now so reuse needs no clearing.
          chunk.fill(0);
          this.chunks.delete(index);
          this.spare.push(chunk);
        } else {
          chunk.fill(0, inChunk, inChunk + n);
        }
      }
      done += n;
    }
  }

  flush(): void {}

  close(): void {
    this.chunks.clear();
    this.spare.length = 0;
  }
}
