/**
 * Where a block device's bytes live. Addresses are byte positions (sector × 512 plus an
 * offset inside a scatter-gather walk), so segments need not be sector-sized. Callers
 * bounds-check against `capacityBytes` before calling; a store may assume valid ranges.
 */
import { SECTOR_SIZE } from '../../platform/ports.js';

export interface SectorStore {
  readonly capacitySectors: number;
  readonly capacityBytes: number;
  /** Copy `[pos, pos+length)` into `into[offset…]`; never-written bytes read as zero. */
  readBytes(pos: number, into: Uint8Array, offset: number, length: number): void;
  writeBytes(pos: number, from: Uint8Array, offset: number, length: number): void;
  /** Make `[pos, pos+length)` read as zero (discard and write-zeroes). */
  zeroBytes(pos: number, length: number): void;
  /** Make completed writes durable (fsync for a file). */
  flush(): void;
  close(): void;
}

/** Byte positions stay exact doubles below 2^53. */
export function checkCapacity(capacitySectors: number): number {
  if (!Number.isSafeInteger(capacitySectors) || capacitySectors < 0) {
    throw new RangeError(`capacity ${capacitySectors} sectors is not a non-negative integer`);
  }
  const bytes = capacitySectors * SECTOR_SIZE;
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`capacity ${capacitySectors} sectors exceeds 2^53 bytes`);
  return bytes;
}
