/**
 * A hand-made driver for split virtqueues: writes descriptors, indirect tables and avail entries byte by
 * byte (little-endian, virtio 1.2 §2.7), independently of models/virtio/ring, so tests and conformance
 * cases can build any ring a buggy or hostile driver could, and read back what a device did.
 * `RecordingMemory` wraps a GuestMemory and logs every access, to prove a device touched nothing outside
 * the ranges it was given.
 */
import type { GuestMemory } from '../../../models/platform/memory.js';

export interface RingAreas {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
}

/** A raw descriptor; `addr` as bigint reaches values above 2^53 (e.g. wrapping 2^64). */
export interface RawDescriptor {
  readonly addr: number | bigint;
  readonly len: number;
  readonly flags?: number;
  readonly next?: number;
}

/** A buffer segment of a chain the builder lays out. */
export interface Segment {
  readonly addr: number;
  readonly len: number;
  readonly write?: boolean;
}

// Spec values written out here on purpose: the builder must not share constants with the code under test.
const F_NEXT = 1;
const F_WRITE = 2;
export const F_INDIRECT = 4;

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

/** Three areas placed one after another from `base` with the §2.7.1 alignments (16 / 2 / 4). */
export function layoutRing(base: number, size: number): RingAreas {
  const desc = alignUp(base, 16);
  const avail = desc + 16 * size;
  const used = alignUp(avail + 6 + 2 * size, 4);
  return { desc, avail, used };
}

/** Bytes from `base` that `layoutRing(base, size)` occupies. */
export function ringFootprint(areas: RingAreas, size: number): number {
  return areas.used + 6 + 8 * size - areas.desc;
}

export class VirtqBuilder {
  private readonly scratch = new Uint8Array(8);
  /** The builder's own avail.idx (free-running, mod 2^16). */
  private nextAvail = 0;

  constructor(
    readonly mem: GuestMemory,
    readonly size: number,
    readonly areas: RingAreas,
  ) {}

  /** Write `bytes` little-endian bytes of `value` at `addr`, one byte at a time. */
  put(addr: number, value: number | bigint, bytes: number): this {
    let v = BigInt(value);
    for (let i = 0; i < bytes; i++) {
      this.scratch[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.mem.store(addr, this.scratch, 0, bytes);
    return this;
  }

  /** Read `bytes` little-endian bytes at `addr`. */
  get(addr: number, bytes: number): number {
    this.mem.load(addr, bytes, this.scratch, 0);
    let v = 0;
    for (let i = bytes - 1; i >= 0; i--) v = v * 256 + (this.scratch[i] as number);
    return v;
  }

  /** Zero all three areas (a fresh ring). */
  clear(): this {
    this.mem.fill(this.areas.desc, 16 * this.size, 0);
    this.mem.fill(this.areas.avail, 6 + 2 * this.size, 0);
    this.mem.fill(this.areas.used, 6 + 8 * this.size, 0);
    this.nextAvail = 0;
    return this;
  }

  /** Write descriptor `index` of the table at `table` (the ring's own table by default). */
  desc(index: number, d: RawDescriptor, table = this.areas.desc): this {
    const at = table + 16 * index;
    return this.put(at, d.addr, 8)
      .put(at + 8, d.len, 4)
      .put(at + 12, d.flags ?? 0, 2)
      .put(at + 14, d.next ?? 0, 2);
  }

  /** Lay `segments` out at descriptor `indices` (same length), linked with NEXT. Returns the head. */
  chain(indices: readonly number[], segments: readonly Segment[], table = this.areas.desc): number {
    if (indices.length !== segments.length || indices.length === 0) throw new Error('chain: indices/segments');
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i] as Segment;
      const last = i === segments.length - 1;
      this.desc(
        indices[i] as number,
        {
          addr: s.addr,
          len: s.len,
          flags: (s.write === true ? F_WRITE : 0) | (last ? 0 : F_NEXT),
          next: last ? 0 : (indices[i + 1] as number),
        },
        table,
      );
    }
    return indices[0] as number;
  }

  /** Write an indirect table of `segments` at `tableAddr` and point descriptor `index` at it. */
  indirect(index: number, tableAddr: number, segments: readonly Segment[]): number {
    this.chain(
      segments.map((_, i) => i),
      segments,
      tableAddr,
    );
    this.desc(index, { addr: tableAddr, len: 16 * segments.length, flags: F_INDIRECT });
    return index;
  }

  availFlags(v: number): this {
    return this.put(this.areas.avail, v, 2);
  }
  /** Store avail.idx (the builder's own count follows it). */
  availIdx(v: number): this {
    this.nextAvail = v & 0xffff;
    return this.put(this.areas.avail + 2, v & 0xffff, 2);
  }
  availSlot(slot: number, head: number): this {
    return this.put(this.areas.avail + 4 + 2 * slot, head, 2);
  }
  usedEvent(v: number): this {
    return this.put(this.areas.avail + 4 + 2 * this.size, v & 0xffff, 2);
  }

  /** Put `head` in the next avail slot and publish it (avail.idx + 1). */
  offer(head: number): this {
    this.availSlot(this.nextAvail % this.size, head);
    return this.availIdx(this.nextAvail + 1);
  }

  usedFlags(): number {
    return this.get(this.areas.used, 2);
  }
  usedIdx(): number {
    return this.get(this.areas.used + 2, 2);
  }
  usedElem(slot: number): { id: number; len: number } {
    const at = this.areas.used + 4 + 8 * (slot % this.size);
    return { id: this.get(at, 4), len: this.get(at + 4, 4) };
  }
  availEvent(): number {
    return this.get(this.areas.used + 4 + 8 * this.size, 2);
  }
}

export interface Access {
  readonly op: 'read' | 'write';
  readonly addr: number;
  readonly len: number;
}

/** A half-open guest range [addr, addr + len). */
export interface Range {
  readonly addr: number;
  readonly len: number;
}

/** A GuestMemory that forwards to `inner` and logs every data access (range checks are not accesses). */
export class RecordingMemory implements GuestMemory {
  readonly accesses: Access[] = [];
  recording = true;

  constructor(private readonly inner: GuestMemory) {}

  get size(): number {
    return this.inner.size;
  }

  private log(op: 'read' | 'write', addr: number, len: number): void {
    if (this.recording) this.accesses.push({ op, addr, len });
  }

  clear(): void {
    this.accesses.length = 0;
  }

  /** Accesses of kind `op` not wholly inside one of `allowed`. */
  outside(op: 'read' | 'write', allowed: readonly Range[]): Access[] {
    return this.accesses.filter(
      (a) => a.op === op && !allowed.some((r) => a.addr >= r.addr && a.addr + a.len <= r.addr + r.len),
    );
  }

  writes(): Access[] {
    return this.accesses.filter((a) => a.op === 'write');
  }

  inRange(addr: number, len: number): boolean {
    return this.inner.inRange(addr, len);
  }
  /** A barrier is not a data access: forwarded, not logged. */
  fence(): void {
    this.inner.fence();
  }
  u8(addr: number): number {
    this.log('read', addr, 1);
    return this.inner.u8(addr);
  }
  u16(addr: number): number {
    this.log('read', addr, 2);
    return this.inner.u16(addr);
  }
  u32(addr: number): number {
    this.log('read', addr, 4);
    return this.inner.u32(addr);
  }
  u64(addr: number): number {
    this.log('read', addr, 8);
    return this.inner.u64(addr);
  }
  setU8(addr: number, v: number): void {
    this.log('write', addr, 1);
    this.inner.setU8(addr, v);
  }
  setU16(addr: number, v: number): void {
    this.log('write', addr, 2);
    this.inner.setU16(addr, v);
  }
  setU32(addr: number, v: number): void {
    this.log('write', addr, 4);
    this.inner.setU32(addr, v);
  }
  setU64(addr: number, v: number): void {
    this.log('write', addr, 8);
    this.inner.setU64(addr, v);
  }
  read(addr: number, len: number, into: Uint8Array, intoOffset?: number): void {
    this.log('read', addr, len);
    this.inner.read(addr, len, into, intoOffset);
  }
  write(addr: number, src: Uint8Array, srcOffset?: number, len?: number): void {
    this.log('write', addr, len ?? src.length - (srcOffset ?? 0));
    this.inner.write(addr, src, srcOffset, len);
  }
  fill(addr: number, len: number, byte: number): void {
    this.log('write', addr, len);
    this.inner.fill(addr, len, byte);
  }
  load(addr: number, len: number, into: Uint8Array, intoOffset?: number): void {
    this.log('read', addr, len);
    this.inner.load(addr, len, into, intoOffset);
  }
  store(addr: number, src: Uint8Array, srcOffset?: number, len?: number): void {
    this.log('write', addr, len ?? src.length - (srcOffset ?? 0));
    this.inner.store(addr, src, srcOffset, len);
  }
}
