/**
 * A drive's PIO data buffer (QEMU io_buffer, data_ptr, data_end, end_transfer_func): one block of
 * up to 16 sectors, or the 512-byte IDENTIFY page, moved 2 or 4 bytes per data-port access. The
 * pointer never passes the block end (H1); `next` says what the drive does once the block is done.
 */
import { MAX_MULTIPLE_SECTORS, SECTOR_BYTES } from './registers.js';

/** After the block: end the command, fetch the next read block, or write what the guest sent. */
export type PioEnd = 'stop' | 'next-read' | 'next-write';

export const PIO_BUFFER_BYTES = MAX_MULTIPLE_SECTORS * SECTOR_BYTES;

export class PioBuffer {
  /** Swapped with a request's bounce buffer instead of copied (no copy, no allocation per block). */
  bytes: Uint8Array = new Uint8Array(PIO_BUFFER_BYTES);
  next: PioEnd = 'stop';
  private ptr = 0;
  private end = 0;

  /** Exchange the data buffer with `other` (same size); returns the buffer given up. */
  swap(other: Uint8Array): Uint8Array {
    const mine = this.bytes;
    this.bytes = other;
    return mine;
  }

  start(length: number, next: PioEnd): void {
    this.ptr = 0;
    this.end = length;
    this.next = next;
  }

  /** Empty, outgoing (QEMU's dummy/stop state: reads return 0, writes are refused). */
  halt(): void {
    this.next = 'stop';
    this.ptr = 0;
    this.end = 0;
  }

  /** Data flows to the guest (reads allowed) rather than from it. */
  get outgoing(): boolean {
    return this.next !== 'next-write';
  }

  /** Every byte of the block has moved. */
  get drained(): boolean {
    return this.ptr >= this.end;
  }

  /** Whether `size` more bytes fit before the block end. */
  fits(size: number): boolean {
    return this.ptr + size <= this.end;
  }

  /** Little-endian value of the next `size` bytes; the caller checked `fits`. */
  take(size: 2 | 4): number {
    const b = this.bytes;
    const p = this.ptr;
    this.ptr = p + size;
    const lo = (b[p] as number) | ((b[p + 1] as number) << 8);
    if (size === 2) return lo;
    return (lo | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;
  }

  /** Store `size` bytes of `value`; the caller checked `fits`. */
  put(size: 2 | 4, value: number): void {
    const b = this.bytes;
    const p = this.ptr;
    this.ptr = p + size;
    b[p] = value & 0xff;
    b[p + 1] = (value >>> 8) & 0xff;
    if (size === 4) {
      b[p + 2] = (value >>> 16) & 0xff;
      b[p + 3] = (value >>> 24) & 0xff;
    }
  }
}
