/**
 * The device side against a hostile driver (specs/virtio.md §10): rings built byte by byte, each
 * violation must raise a typed VirtqueueError, leave the ring state alone, write nothing, and read
 * nothing outside the ring areas and the indirect tables the driver described.
 */
import { describe, expect, it } from 'vitest';
import type { SabGuestMemory } from '../../../models/platform/memory.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing, type DeviceRingOptions } from '../../../models/virtio/ring/device-ring.js';
import { VirtqueueError, type VirtqueueErrorCode } from '../../../models/virtio/ring/errors.js';
import {
  F_INDIRECT,
  layoutRing,
  type Range,
  RecordingMemory,
  type RingAreas,
  VirtqBuilder,
} from '../../support/virtq-builder.js';
import { memories, RING_BASE } from './fixture.js';

const NEXT = 1;
const WRITE = 2;
const BUF = 0x20000;
const TABLE = 0x40000;

interface Rig {
  readonly size: number;
  readonly areas: RingAreas;
  readonly b: VirtqBuilder;
  readonly rec: RecordingMemory;
  readonly device: DeviceRing;
  readonly chain: DescriptorChain;
}

function rig(
  size = 8,
  opts: Partial<DeviceRingOptions> & { capacity?: number; memoryBytes?: number; memory?: RecordingMemory } = {},
): Rig {
  const m = memories(opts.memoryBytes);
  const rec = opts.memory ?? new RecordingMemory(m.host);
  const areas = layoutRing(RING_BASE, size);
  const b = new VirtqBuilder(opts.memory ?? m.guest, size, areas).clear();
  const device = new DeviceRing(rec, size, areas, { eventIdx: opts.eventIdx ?? true, indirect: opts.indirect ?? true });
  return { size, areas, b, rec, device, chain: new DescriptorChain(opts.capacity ?? size) };
}

function ringRanges(r: Rig): Range[] {
  return [
    { addr: r.areas.desc, len: 16 * r.size },
    { addr: r.areas.avail, len: 6 + 2 * r.size },
    { addr: r.areas.used, len: 6 + 8 * r.size },
  ];
}

/** Pop must throw `code`, change nothing, write nothing and read only the ring and `tables`. */
function expectRejected(r: Rig, code: VirtqueueErrorCode, tables: Range[] = []): VirtqueueError {
  const before = [r.device.lastAvail, r.device.usedIdx, r.device.inFlight];
  r.rec.clear();
  let caught: unknown;
  try {
    r.device.pop(r.chain);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(VirtqueueError);
  const err = caught as VirtqueueError;
  expect(err.code).toBe(code);
  expect(r.rec.writes()).toEqual([]);
  expect(r.rec.outside('read', [...ringRanges(r), ...tables])).toEqual([]);
  expect([r.device.lastAvail, r.device.usedIdx, r.device.inFlight]).toEqual(before);
  return err;
}

function descriptorReads(r: Rig): number {
  return r.rec.accesses.filter((a) => a.op === 'read' && a.addr >= r.areas.desc && a.addr < r.areas.desc + 16 * r.size)
    .length;
}

describe('hostile driver: indices (specs/virtio.md §10)', () => {
  it('H1: head ≥ QS is refused', () => {
    const r = rig();
    r.b.offer(8);
    expectRejected(r, 'H1');
    r.b.availSlot(0, 0xffff);
    expectRejected(r, 'H1');
  });

  it('H2: next ≥ QS, and next ≥ entries inside an indirect table, are refused', () => {
    const r = rig();
    r.b.desc(0, { addr: BUF, len: 16, flags: NEXT, next: 8 }).offer(0);
    expectRejected(r, 'H2');
    const t = rig();
    t.b.desc(0, { addr: TABLE, len: 32, flags: F_INDIRECT });
    t.b.desc(0, { addr: BUF, len: 16, flags: NEXT, next: 2 }, TABLE); // table has 2 entries
    t.b.desc(1, { addr: BUF, len: 16 }, TABLE);
    t.b.offer(0);
    expectRejected(t, 'H2', [{ addr: TABLE, len: 32 }]);
  });

  it('H3: a 2-cycle and a self-loop are refused within QS descriptor reads', () => {
    const r = rig();
    r.b.desc(0, { addr: BUF, len: 16, flags: NEXT, next: 1 });
    r.b.desc(1, { addr: BUF, len: 16, flags: NEXT, next: 0 });
    r.b.offer(0);
    expectRejected(r, 'H3');
    expect(descriptorReads(r)).toBeLessThanOrEqual(4 * r.size);
    const s = rig();
    s.b.desc(3, { addr: BUF, len: 16, flags: WRITE | NEXT, next: 3 }).offer(3);
    expectRejected(s, 'H3');
    expect(descriptorReads(s)).toBeLessThanOrEqual(4 * s.size);
  });

  it('H4: a chain of all QS descriptors is accepted; one more (a loop back) is not', () => {
    const r = rig();
    const indices = [0, 1, 2, 3, 4, 5, 6, 7];
    r.b.chain(
      indices,
      indices.map((i) => ({ addr: BUF + 64 * i, len: 64, write: i >= 4 })),
    );
    r.b.offer(0);
    expect(r.device.pop(r.chain)).toBe(true);
    expect([r.chain.count, r.chain.readableCount, r.chain.writableCount]).toEqual([8, 4, 4]);
    const l = rig();
    l.b.chain(
      indices,
      indices.map(() => ({ addr: BUF, len: 64 })),
    );
    l.b.desc(7, { addr: BUF, len: 64, flags: NEXT, next: 0 }).offer(0);
    expectRejected(l, 'H3');
  });

  it('H4: an indirect table longer than QS is accepted up to len/16; a loop inside it is bounded by len/16', () => {
    const entries = 20;
    const r = rig(8, { capacity: 32 });
    const segments = Array.from({ length: entries }, (_, i) => ({ addr: BUF + 16 * i, len: 16, write: i >= 10 }));
    r.b.indirect(2, TABLE, segments);
    r.b.offer(2);
    expect(r.device.pop(r.chain)).toBe(true);
    expect([r.chain.count, r.chain.indirect, r.chain.descriptorsRead]).toEqual([entries, true, entries + 1]);
    const l = rig(8, { capacity: 32 });
    l.b.indirect(2, TABLE, segments);
    l.b.desc(entries - 1, { addr: BUF, len: 16, flags: WRITE | NEXT, next: 0 }, TABLE);
    l.b.offer(2);
    const err = expectRejected(l, 'H3', [{ addr: TABLE, len: 16 * entries }]);
    expect(err.message).toMatch(/longer than 20/);
  });

  it('H5: avail.idx jumping by more than QS, or going backwards, is refused; a jump of exactly QS is not', () => {
    const r = rig(4);
    for (let i = 0; i < 4; i++) r.b.desc(i, { addr: BUF, len: 8 }).availSlot(i, i);
    r.b.availIdx(5);
    expectRejected(r, 'H5');
    r.b.availIdx(4);
    let popped = 0;
    while (r.device.pop(r.chain)) popped++;
    expect(popped).toBe(4);
    r.b.availIdx(3); // backwards: (3 − 4) mod 2^16 = 65535 > QS
    expectRejected(r, 'H5');
  });

  it('H6/H20: a head made available again while in flight is refused (no double completion, bounded state)', () => {
    const r = rig(4);
    for (let i = 0; i < 4; i++) r.b.desc(i, { addr: BUF, len: 8, flags: WRITE }).offer(i);
    for (let i = 0; i < 4; i++) expect(r.device.pop(r.chain)).toBe(true);
    expect(r.device.inFlight).toBe(4);
    r.b.offer(2);
    expectRejected(r, 'H20');
    // Once returned, the same head may come back.
    r.device.pushUsed(2, 8);
    expect(r.device.pop(r.chain)).toBe(true);
    expect(r.chain.head).toBe(2);
  });
});

describe('hostile driver: buffers and chains (specs/virtio.md §10)', () => {
  it('H7: zero-length descriptors are refused, directly and inside a table', () => {
    const r = rig();
    r.b.desc(0, { addr: BUF, len: 0 }).offer(0);
    expectRejected(r, 'H7');
    const t = rig();
    t.b.indirect(0, TABLE, [
      { addr: BUF, len: 16 },
      { addr: BUF, len: 0, write: true },
    ]);
    t.b.offer(0);
    expectRejected(t, 'H7', [{ addr: TABLE, len: 32 }]);
  });

  it('H8: buffers leaving guest RAM or wrapping 2^64 are refused without being touched', () => {
    for (const addr of [0xfffff000, 2n ** 64n - 0x1000n, 1n << 53n, 0x100000 - 8]) {
      const r = rig();
      r.b.desc(0, { addr, len: 0x2000, flags: WRITE }).offer(0);
      expectRejected(r, 'H8');
    }
  });

  it('H9: a readable descriptor after a writable one is refused, directly and inside a table', () => {
    const r = rig();
    r.b.chain(
      [0, 1],
      [
        { addr: BUF, len: 16, write: true },
        { addr: BUF, len: 16 },
      ],
    );
    r.b.offer(0);
    expectRejected(r, 'H9');
    const t = rig();
    t.b.indirect(0, TABLE, [
      { addr: BUF, len: 16, write: true },
      { addr: BUF, len: 16 },
    ]);
    t.b.offer(0);
    expectRejected(t, 'H9', [{ addr: TABLE, len: 32 }]);
  });

  it('H10: indirect table len 0 or not a multiple of 16 is refused', () => {
    for (const len of [0, 8, 24, 33]) {
      const r = rig();
      r.b.desc(0, { addr: TABLE, len, flags: F_INDIRECT }).offer(0);
      expectRejected(r, 'H10');
    }
  });

  it('H11: an indirect table outside guest RAM is refused', () => {
    const r = rig();
    r.b.desc(0, { addr: 0x100000 - 16, len: 32, flags: F_INDIRECT }).offer(0);
    expectRejected(r, 'H11');
  });

  it('H12: INDIRECT inside an indirect table is refused', () => {
    const r = rig();
    r.b.desc(0, { addr: TABLE, len: 32, flags: F_INDIRECT });
    r.b.desc(0, { addr: BUF, len: 16, flags: NEXT, next: 1 }, TABLE);
    r.b.desc(1, { addr: TABLE, len: 32, flags: F_INDIRECT }, TABLE);
    r.b.offer(0);
    expectRejected(r, 'H12', [{ addr: TABLE, len: 32 }]);
  });

  it('H13: INDIRECT together with NEXT is refused', () => {
    const r = rig();
    r.b.indirect(0, TABLE, [{ addr: BUF, len: 16 }]);
    r.b.desc(0, { addr: TABLE, len: 16, flags: F_INDIRECT | NEXT, next: 1 });
    r.b.desc(1, { addr: BUF, len: 16 }).offer(0);
    expectRejected(r, 'H13');
  });

  it('INDIRECT without VIRTIO_F_INDIRECT_DESC negotiated is refused (§2.7.5.3.1)', () => {
    const r = rig(8, { indirect: false });
    r.b.indirect(0, TABLE, [{ addr: BUF, len: 16 }]);
    r.b.offer(0);
    expectRejected(r, 'INDIRECT_NOT_NEGOTIATED');
  });

  it('H14: an indirect table of more than 65536 entries is refused', () => {
    const r = rig(8, { memoryBytes: 4 << 20 });
    r.b.desc(0, { addr: 0x100000, len: 16 * 65537, flags: F_INDIRECT }).offer(0);
    expectRejected(r, 'H14');
  });

  it('H14: a chain of more than 2^32 bytes is refused; exactly 2^32 is accepted (§2.7.5.2)', () => {
    const make = (lens: number[]): Rig => {
      const m = memories();
      const wide = new WideMemory(m.host);
      const r = rig(8, { memory: wide });
      r.b.chain(
        lens.map((_, i) => i),
        lens.map((len, i) => ({ addr: 2 ** 32 + i, len, write: true })),
      );
      r.b.offer(0);
      return r;
    };
    const over = make([0xffffffff, 0xffffffff]);
    expectRejected(over, 'H14');
    const exact = make([0xffffffff, 1]);
    expect(exact.device.pop(exact.chain)).toBe(true);
    expect(exact.chain.writableBytes).toBe(2 ** 32);
  });

  it('H15: more segments than the caller s/g limit (chain capacity) is refused', () => {
    const r = rig(8, { capacity: 2 });
    r.b.chain(
      [0, 1, 2],
      [
        { addr: BUF, len: 8 },
        { addr: BUF, len: 8 },
        { addr: BUF, len: 8 },
      ],
    );
    r.b.offer(0);
    expectRejected(r, 'H15');
  });
});

describe('hostile driver: queue configuration (H17–H19, H25)', () => {
  const m = memories(1 << 16);
  const areas = layoutRing(RING_BASE, 8);
  const opts = { eventIdx: false, indirect: false };

  function expectConfigFault(size: number, addrs: RingAreas, code: VirtqueueErrorCode): void {
    expect(DeviceRing.validateConfig(m.host, size, addrs)).toMatch(new RegExp(`^${code}: `));
    let caught: unknown;
    try {
      new DeviceRing(m.host, size, addrs, opts);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(VirtqueueError);
    expect((caught as VirtqueueError).code).toBe(code);
  }

  it('H25: queue size 0 is refused before any ring arithmetic', () => {
    expectConfigFault(0, areas, 'H25');
  });

  it('H17: sizes that are not a power of two in 1..32768 are refused', () => {
    for (const size of [3, 6, 1.5, -8, 65536, 2 ** 16 + 2, Number.NaN]) expectConfigFault(size, areas, 'H17');
    for (const size of [1, 2, 8, 1024]) expect(DeviceRing.validateConfig(m.host, size, areas)).toBeUndefined();
  });

  it('H18: areas not aligned 16 / 2 / 4 are refused (§2.7.1)', () => {
    expectConfigFault(8, { ...areas, desc: areas.desc + 8 }, 'H18');
    expectConfigFault(8, { ...areas, avail: areas.avail + 1 }, 'H18');
    expectConfigFault(8, { ...areas, used: areas.used + 2 }, 'H18');
  });

  it('H19: areas outside guest RAM are refused', () => {
    expectConfigFault(8, { ...areas, desc: (1 << 16) - 64 }, 'H19');
    expectConfigFault(8, { ...areas, avail: (1 << 16) - 2 }, 'H19');
    expectConfigFault(8, { ...areas, used: 2 ** 40 }, 'H19');
  });
});

/** 16 GiB of address space over a small buffer: only the ring (low memory) is ever read. */
class WideMemory extends RecordingMemory {
  override get size(): number {
    return 2 ** 34;
  }
  constructor(inner: SabGuestMemory) {
    super(inner);
  }
  override inRange(addr: number, len: number): boolean {
    return Number.isInteger(addr) && Number.isInteger(len) && addr >= 0 && len >= 0 && addr <= this.size - len;
  }
}
