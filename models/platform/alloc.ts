/**
 * Guest-physical page allocator: guest-side state only (the host never sees it).
 * First-fit over a sorted free list, with alignment; enough for rings, buffers and
 * argument blocks. Addresses below `base` are left alone (real-mode area, MMIO holes).
 */
export class GuestAllocator {
  /** Free extents [start, end), sorted and coalesced. */
  private free: { start: number; end: number }[];

  constructor(base: number, limit: number) {
    if (base < 0 || limit <= base) throw new RangeError('GuestAllocator: empty range');
    this.free = [{ start: base, end: limit }];
  }

  /** Allocate `size` bytes aligned to `align` (a power of two). Throws when memory is exhausted. */
  alloc(size: number, align = 16): number {
    if (size <= 0 || !Number.isInteger(size)) throw new RangeError(`alloc(${size})`);
    if (align <= 0 || (align & (align - 1)) !== 0) throw new RangeError(`alignment ${align} is not a power of two`);
    for (let i = 0; i < this.free.length; i++) {
      const e = this.free[i] as { start: number; end: number };
      const a = Math.ceil(e.start / align) * align;
      if (a + size <= e.end) {
        const pieces: { start: number; end: number }[] = [];
        if (a > e.start) pieces.push({ start: e.start, end: a });
        if (a + size < e.end) pieces.push({ start: a + size, end: e.end });
        this.free.splice(i, 1, ...pieces);
        return a;
      }
    }
    throw new RangeError(`guest memory exhausted allocating ${size} bytes`);
  }

  release(addr: number, size: number): void {
    this.free.push({ start: addr, end: addr + size });
    this.free.sort((x, y) => x.start - y.start);
    const merged: { start: number; end: number }[] = [];
    for (const e of this.free) {
      const last = merged[merged.length - 1];
      if (last !== undefined && e.start < last.end) throw new Error(`double free at 0x${addr.toString(16)}`);
      if (last !== undefined && e.start === last.end) last.end = e.end;
      else merged.push({ ...e });
    }
    this.free = merged;
  }

  freeBytes(): number {
    let n = 0;
    for (const e of this.free) n += e.end - e.start;
    return n;
  }
}
