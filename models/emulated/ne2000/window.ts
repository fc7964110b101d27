/**
 * The NE2000's 32-port I/O window as the bus sees it (trap-emulate.md §4 "Window"; QEMU
 * ne2000.c `ne2000_read`/`ne2000_write`): byte registers at +0x00–0x0F, the data port at
 * +0x10 (1, 2 or 4 bytes), the reset port at +0x1F; everything else reads all-ones and drops
 * writes, as do aligned wider accesses to the registers.
 *
 * An unaligned access is split the way QEMU's memory core splits it (softmmu/physmem.c
 * `memory_access_size`, since the device declares no unaligned support): pieces of the largest
 * power of two that fits both the bytes left and the alignment of the current offset, each
 * dispatched on its own — so `inw +0x0F` reads register 0x0F and then the data port as a byte
 * (trap-emulate.md §4 [O]; checked against QEMU in test/peers/qemu).
 */
import type { AccessSize, IoHandler } from '../../platform/bus.js';
import type { Dp8390 } from './dp8390.js';
import { WindowOffset } from './registers.js';

const ALL_ONES = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

/** Largest access size QEMU dispatches at `offset` for `left` remaining bytes. */
function pieceSize(offset: number, left: number): AccessSize {
  let n = left >= 4 ? 4 : left >= 2 ? 2 : 1;
  const alignment = offset & -offset;
  if (alignment !== 0 && alignment < n) n = alignment;
  return n as AccessSize;
}

export class Ne2000Window implements IoHandler {
  constructor(private readonly card: Dp8390) {}

  read(offset: number, size: AccessSize): number {
    if (size === 1 || (offset & (size - 1)) === 0) return this.dispatchRead(offset, size);
    let value = 0;
    let done = 0;
    while (done < size) {
      const n = pieceSize(offset + done, size - done);
      // Little-endian assembly; multiplication keeps bit 31 unsigned.
      value += this.dispatchRead(offset + done, n) * 2 ** (8 * done);
      done += n;
    }
    return value;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (size === 1 || (offset & (size - 1)) === 0) {
      this.dispatchWrite(offset, size, value);
      return;
    }
    let done = 0;
    while (done < size) {
      const n = pieceSize(offset + done, size - done);
      this.dispatchWrite(offset + done, n, (Math.floor(value / 2 ** (8 * done)) & ALL_ONES[n]) >>> 0);
      done += n;
    }
  }

  /** One access as ne2000.c's `ne2000_read` receives it. */
  private dispatchRead(offset: number, size: AccessSize): number {
    if (offset < WindowOffset.registersEnd) {
      return size === 1 ? this.card.readRegister(offset) : ALL_ONES[size];
    }
    if (offset === WindowOffset.data) return (this.card.readData(size) & ALL_ONES[size]) >>> 0;
    if (offset === WindowOffset.reset && size === 1) {
      this.card.stats.resets++;
      this.card.reset();
      return 0;
    }
    return ALL_ONES[size];
  }

  private dispatchWrite(offset: number, size: AccessSize, value: number): void {
    if (offset < WindowOffset.registersEnd) {
      if (size === 1) this.card.writeRegister(offset, value);
      return;
    }
    if (offset === WindowOffset.data) this.card.writeData(size, value);
    // Reset-port writes end the reset pulse: nothing to do. Other offsets are not decoded.
  }
}
