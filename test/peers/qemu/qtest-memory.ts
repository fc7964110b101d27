/**
 * GuestMemory over qtest (virtio.md §11.2 adapter table, "guest RAM"): sized fields via
 * readb…readq / writeb…writeq, bulk copies via `read` / `write` in DATA_BYTES chunks,
 * fill via `memset`. Bounds and metering match SabGuestMemory; RAM is the `pc`
 * machine's default 128 MiB at guest-physical 0.
 */
import { type GuestMemory, GuestMemoryFault } from '../../../models/platform/memory.js';
import type { Meter } from '../../../models/platform/meter.js';
import type { QtestLink } from './qtest-link.js';
import { DATA_BYTES } from './qtest-mailbox.js';

/** QEMU `pc` default `-m` (128 MiB). */
export const PC_RAM_BYTES = 128 * 1024 * 1024;

export class QtestGuestMemory implements GuestMemory {
  constructor(
    private readonly link: QtestLink,
    private readonly meter: Meter,
    readonly size: number = PC_RAM_BYTES,
  ) {}

  inRange(addr: number, len: number): boolean {
    return Number.isInteger(addr) && Number.isInteger(len) && addr >= 0 && len >= 0 && addr <= this.size - len;
  }

  private check(addr: number, len: number): void {
    if (!this.inRange(addr, len)) throw new GuestMemoryFault(addr, len, this.size);
  }

  u8(addr: number): number {
    this.check(addr, 1);
    return this.link.readMem(1, addr);
  }
  u16(addr: number): number {
    this.check(addr, 2);
    return this.link.readMem(2, addr);
  }
  u32(addr: number): number {
    this.check(addr, 4);
    return this.link.readMem(4, addr);
  }
  u64(addr: number): number {
    this.check(addr, 8);
    return this.link.readMem(8, addr);
  }
  setU8(addr: number, v: number): void {
    this.check(addr, 1);
    this.link.writeMem(1, addr, v & 0xff);
  }
  setU16(addr: number, v: number): void {
    this.check(addr, 2);
    this.link.writeMem(2, addr, v & 0xffff);
  }
  setU32(addr: number, v: number): void {
    this.check(addr, 4);
    this.link.writeMem(4, addr, v);
  }
  setU64(addr: number, v: number): void {
    this.check(addr, 8);
    this.link.writeMem(8, addr, v);
  }

  read(addr: number, len: number, into: Uint8Array, intoOffset = 0): void {
    this.load(addr, len, into, intoOffset);
    this.meter.copy(len, 'guest');
  }
  write(addr: number, src: Uint8Array, srcOffset = 0, len = src.length - srcOffset): void {
    this.store(addr, src, srcOffset, len);
    this.meter.copy(len, 'guest');
  }
  fill(addr: number, len: number, byte: number): void {
    this.check(addr, len);
    if (len > 0) this.link.memset(addr, len, byte);
  }

  load(addr: number, len: number, into: Uint8Array, intoOffset = 0): void {
    this.check(addr, len);
    if (intoOffset < 0 || intoOffset + len > into.length) throw new RangeError('load: destination too small');
    const data = this.link.box.data;
    for (let done = 0; done < len; ) {
      const n = Math.min(DATA_BYTES, len - done);
      this.link.readBulk(addr + done, n);
      // Byte loop rather than set(subarray): no view object per chunk.
      for (let i = 0; i < n; i++) into[intoOffset + done + i] = data[i] as number;
      done += n;
    }
  }

  /** Each access is a synchronous round trip through QEMU's own thread: already ordered. */
  fence(): void {}

  store(addr: number, src: Uint8Array, srcOffset = 0, len = src.length - srcOffset): void {
    this.check(addr, len);
    if (srcOffset < 0 || srcOffset + len > src.length) throw new RangeError('store: source too small');
    const data = this.link.box.data;
    for (let done = 0; done < len; ) {
      const n = Math.min(DATA_BYTES, len - done);
      for (let i = 0; i < n; i++) data[i] = src[srcOffset + done + i] as number;
      this.link.writeBulk(addr + done, n);
      done += n;
    }
  }
}
