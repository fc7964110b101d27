/**
 * Guest-physical memory: flat, little-endian, over a SharedArrayBuffer (DESIGN §4).
 *
 * - `u8…u64` / `setU8…setU64`: ring metadata and register-sized fields; not metered.
 * - `read` / `write`: copies performed by the virtualization layer; metered as
 *   `copy{bytes, by}` where `by` is the side that owns this accessor.
 * - `zeroCopy`: in-place access to guest bytes (as QEMU/vhost map guest RAM); metered
 *   as `zeroCopy{bytes}`, returns the offset into `bytes`.
 * - `load` / `store`: the application's own data (a workload filling its buffers);
 *   not a virtualization cost, so not metered.
 *
 * Every access is bounds-checked; a bad address raises GuestMemoryFault, which a host
 * half catches at its device boundary and turns into the protocol's error state.
 */
import { copyBytes } from './bytes.js';
import type { CopySide, Meter } from './meter.js';

export class GuestMemoryFault extends Error {
  readonly addr: number;
  readonly len: number;
  constructor(addr: number, len: number, size: number) {
    super(`guest memory access [0x${addr.toString(16)}, +${len}) outside guest RAM (size 0x${size.toString(16)})`);
    this.name = 'GuestMemoryFault';
    this.addr = addr;
    this.len = len;
  }
}

/** The guest memory contract; the QEMU qtest peer implements it over qtest commands. */
export interface GuestMemory {
  readonly size: number;
  /** True iff [addr, addr+len) lies inside guest RAM (len may be 0). Safe for any numeric input. */
  inRange(addr: number, len: number): boolean;
  u8(addr: number): number;
  u16(addr: number): number;
  u32(addr: number): number;
  /** 64-bit field as a number: exact below 2^53; larger values are far outside any guest RAM. */
  u64(addr: number): number;
  setU8(addr: number, v: number): void;
  setU16(addr: number, v: number): void;
  setU32(addr: number, v: number): void;
  setU64(addr: number, v: number): void;
  /** Metered copy out of guest memory into `into[intoOffset…]`. */
  read(addr: number, len: number, into: Uint8Array, intoOffset?: number): void;
  /** Metered copy into guest memory from `src[srcOffset…srcOffset+len)`. */
  write(addr: number, src: Uint8Array, srcOffset?: number, len?: number): void;
  fill(addr: number, len: number, byte: number): void;
  /** Unmetered application access (workload data), see the module comment. */
  load(addr: number, len: number, into: Uint8Array, intoOffset?: number): void;
  store(addr: number, src: Uint8Array, srcOffset?: number, len?: number): void;
  /**
   * Full memory barrier: every store before it is visible to the peer before any load after it
   * (the full barriers B, E, F of specs/virtio.md §3.6). A no-op while both halves share one
   * thread; real when the halves run on different threads.
   */
  fence(): void;
}

/** Guest memory with in-place access: only the SharedArrayBuffer implementation has it. */
export interface DirectGuestMemory extends GuestMemory {
  /** The whole of guest RAM; index = guest-physical address. */
  readonly bytes: Uint8Array;
  /** Validate, meter a zero-copy access of `len` bytes and return the offset into `bytes`. */
  zeroCopy(addr: number, len: number): number;
}

const TWO32 = 4294967296;

export interface SabGuestMemoryOptions {
  /**
   * The two halves run on different threads (threads engine): `fence()` becomes a sequentially
   * consistent Atomics read-modify-write of `fenceWord`. Off by default, so the sim engine's
   * ring paths stay free of atomic operations.
   */
  readonly concurrent?: boolean;
  /**
   * Element 0 is the word every side's fence operates on; give both halves the same word so their
   * fences are totally ordered against each other (JS memory model). Allocated when omitted.
   */
  readonly fenceWord?: Int32Array;
}

export class SabGuestMemory implements DirectGuestMemory {
  readonly size: number;
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  private readonly meter: Meter;
  private readonly side: CopySide;
  /** Set only for concurrent halves. */
  private readonly fenceWord: Int32Array | undefined;

  /** One accessor per side over the same buffer: the side decides who a copy is billed to. */
  constructor(buffer: SharedArrayBuffer, meter: Meter, side: CopySide, options: SabGuestMemoryOptions = {}) {
    this.size = buffer.byteLength;
    this.bytes = new Uint8Array(buffer);
    this.dv = new DataView(buffer);
    this.meter = meter;
    this.side = side;
    if (options.concurrent === true) {
      const word = options.fenceWord ?? new Int32Array(new SharedArrayBuffer(4));
      if (word.length < 1 || !(word.buffer instanceof SharedArrayBuffer)) {
        throw new RangeError('fenceWord: expected an Int32Array over a SharedArrayBuffer');
      }
      this.fenceWord = word;
    }
  }

  static allocate(size: number): SharedArrayBuffer {
    return new SharedArrayBuffer(size);
  }

  /** A second accessor over the same bytes for another side / meter (same fence word, if any). */
  withSide(meter: Meter, side: CopySide): SabGuestMemory {
    const options = this.fenceWord === undefined ? {} : { concurrent: true, fenceWord: this.fenceWord };
    return new SabGuestMemory(this.bytes.buffer as SharedArrayBuffer, meter, side, options);
  }

  /** Whether `fence()` is a real barrier (the halves run on different threads). */
  get concurrent(): boolean {
    return this.fenceWord !== undefined;
  }

  fence(): void {
    // A seq-cst RMW is a full barrier on every JS target (x86: a lock-prefixed instruction).
    if (this.fenceWord !== undefined) Atomics.add(this.fenceWord, 0, 1);
  }

  inRange(addr: number, len: number): boolean {
    return Number.isInteger(addr) && Number.isInteger(len) && addr >= 0 && len >= 0 && addr <= this.size - len;
  }

  private check(addr: number, len: number): void {
    if (!this.inRange(addr, len)) throw new GuestMemoryFault(addr, len, this.size);
  }

  u8(addr: number): number {
    this.check(addr, 1);
    return this.bytes[addr] as number;
  }
  u16(addr: number): number {
    this.check(addr, 2);
    return this.dv.getUint16(addr, true);
  }
  u32(addr: number): number {
    this.check(addr, 4);
    return this.dv.getUint32(addr, true);
  }
  u64(addr: number): number {
    this.check(addr, 8);
    return this.dv.getUint32(addr + 4, true) * TWO32 + this.dv.getUint32(addr, true);
  }
  setU8(addr: number, v: number): void {
    this.check(addr, 1);
    this.bytes[addr] = v;
  }
  setU16(addr: number, v: number): void {
    this.check(addr, 2);
    this.dv.setUint16(addr, v, true);
  }
  setU32(addr: number, v: number): void {
    this.check(addr, 4);
    this.dv.setUint32(addr, v >>> 0, true);
  }
  setU64(addr: number, v: number): void {
    this.check(addr, 8);
    this.dv.setUint32(addr, v >>> 0, true);
    this.dv.setUint32(addr + 4, Math.floor(v / TWO32) >>> 0, true);
  }

  read(addr: number, len: number, into: Uint8Array, intoOffset = 0): void {
    this.load(addr, len, into, intoOffset);
    this.meter.copy(len, this.side);
  }
  write(addr: number, src: Uint8Array, srcOffset = 0, len = src.length - srcOffset): void {
    this.store(addr, src, srcOffset, len);
    this.meter.copy(len, this.side);
  }
  fill(addr: number, len: number, byte: number): void {
    this.check(addr, len);
    this.bytes.fill(byte, addr, addr + len);
  }
  load(addr: number, len: number, into: Uint8Array, intoOffset = 0): void {
    this.check(addr, len);
    if (intoOffset < 0 || intoOffset + len > into.length) throw new RangeError('load: destination too small');
    copyBytes(this.bytes, addr, into, intoOffset, len);
  }
  store(addr: number, src: Uint8Array, srcOffset = 0, len = src.length - srcOffset): void {
    this.check(addr, len);
    if (srcOffset < 0 || srcOffset + len > src.length) throw new RangeError('store: source too small');
    copyBytes(src, srcOffset, this.bytes, addr, len);
  }
  zeroCopy(addr: number, len: number): number {
    this.check(addr, len);
    this.meter.zeroCopy(len);
    return addr;
  }
}

export function isDirect(mem: GuestMemory): mem is DirectGuestMemory {
  return (mem as Partial<DirectGuestMemory>).bytes !== undefined;
}
