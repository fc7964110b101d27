/**
 * The split-ring device side against a hostile driver (specs/virtio.md §10), indices and
 * buffers: each violation must be refused with a typed VirtqueueError, leave the ring state
 * alone, write nothing, and read nothing outside the ring and the tables the driver described.
 */
import { expectAtMost, expectDeepEqual, expectEqual, expectMatch } from '../../assert.js';
import type { ConformanceCase } from '../../case.js';
import { F_INDIRECT } from '../../support/virtq-builder.js';
import {
  BUF,
  descriptorReads,
  expectRejected,
  type HostileRig,
  hostile,
  memories,
  NEXT,
  rig,
  ringCase,
  TABLE,
  WideMemory,
  WRITE,
} from './hostile-rig.js';

const indexCases: readonly ConformanceCase[] = [
  ringCase(
    'H1',
    'head ≥ QS is refused',
    hostile('H1', '§2.7.6', 'an available head outside the table is an error'),
    () => {
      const r = rig();
      r.b.offer(8);
      expectRejected(r, 'H1');
      r.b.availSlot(0, 0xffff);
      expectRejected(r, 'H1');
    },
  ),

  ringCase(
    'H2',
    'next ≥ QS, and next ≥ entries inside an indirect table, are refused',
    hostile('H2', '§2.7.5', 'a next index outside the table is an error'),
    () => {
      const r = rig();
      r.b.desc(0, { addr: BUF, len: 16, flags: NEXT, next: 8 }).offer(0);
      expectRejected(r, 'H2');
      const t = rig();
      t.b.desc(0, { addr: TABLE, len: 32, flags: F_INDIRECT });
      t.b.desc(0, { addr: BUF, len: 16, flags: NEXT, next: 2 }, TABLE); // table has 2 entries
      t.b.desc(1, { addr: BUF, len: 16 }, TABLE);
      t.b.offer(0);
      expectRejected(t, 'H2', [{ addr: TABLE, len: 32 }]);
    },
  ),

  ringCase(
    'H3',
    'a 2-cycle and a self-loop are refused within QS descriptor reads',
    hostile('H3', '§2.7.5.2', 'a looping chain is detected within a bounded walk'),
    () => {
      const r = rig();
      r.b.desc(0, { addr: BUF, len: 16, flags: NEXT, next: 1 });
      r.b.desc(1, { addr: BUF, len: 16, flags: NEXT, next: 0 });
      r.b.offer(0);
      expectRejected(r, 'H3');
      expectAtMost(descriptorReads(r), 4 * r.size, 'descriptor reads for a 2-cycle');
      const s = rig();
      s.b.desc(3, { addr: BUF, len: 16, flags: WRITE | NEXT, next: 3 }).offer(3);
      expectRejected(s, 'H3');
      expectAtMost(descriptorReads(s), 4 * s.size, 'descriptor reads for a self-loop');
    },
  ),

  ringCase(
    'H4-chain',
    'a chain of all QS descriptors is accepted; one more (a loop back) is not',
    hostile('H4', '§2.7.5.2', 'a chain may use every descriptor, never more'),
    () => {
      const r = rig();
      const indices = [0, 1, 2, 3, 4, 5, 6, 7];
      r.b.chain(
        indices,
        indices.map((i) => ({ addr: BUF + 64 * i, len: 64, write: i >= 4 })),
      );
      r.b.offer(0);
      expectEqual(r.device.pop(r.chain), true, 'pop of a full-length chain');
      expectDeepEqual([r.chain.count, r.chain.readableCount, r.chain.writableCount], [8, 4, 4], 'chain counts');
      const l = rig();
      l.b.chain(
        indices,
        indices.map(() => ({ addr: BUF, len: 64 })),
      );
      l.b.desc(7, { addr: BUF, len: 64, flags: NEXT, next: 0 }).offer(0);
      expectRejected(l, 'H3');
    },
  ),

  ringCase(
    'H4-indirect',
    'an indirect table longer than QS is accepted up to len/16; a loop inside it is bounded by len/16',
    hostile('H4', '§2.7.5.3.1', 'an indirect table is walked at most len/16 entries'),
    () => {
      const entries = 20;
      const r = rig(8, { capacity: 32 });
      const segments = Array.from({ length: entries }, (_, i) => ({ addr: BUF + 16 * i, len: 16, write: i >= 10 }));
      r.b.indirect(2, TABLE, segments);
      r.b.offer(2);
      expectEqual(r.device.pop(r.chain), true, 'pop of a 20-entry indirect chain');
      expectDeepEqual(
        [r.chain.count, r.chain.indirect, r.chain.descriptorsRead],
        [entries, true, entries + 1],
        '[count, indirect, descriptorsRead]',
      );
      const l = rig(8, { capacity: 32 });
      l.b.indirect(2, TABLE, segments);
      l.b.desc(entries - 1, { addr: BUF, len: 16, flags: WRITE | NEXT, next: 0 }, TABLE);
      l.b.offer(2);
      const err = expectRejected(l, 'H3', [{ addr: TABLE, len: 16 * entries }]);
      expectMatch(err.message, /longer than 20/, 'error message');
    },
  ),

  ringCase(
    'H5',
    'avail.idx jumping by more than QS, or going backwards, is refused; a jump of exactly QS is not',
    hostile('H5', '§2.7.6.1', 'avail.idx moves forward by at most the queue size'),
    () => {
      const r = rig(4);
      for (let i = 0; i < 4; i++) r.b.desc(i, { addr: BUF, len: 8 }).availSlot(i, i);
      r.b.availIdx(5);
      expectRejected(r, 'H5');
      r.b.availIdx(4);
      let popped = 0;
      while (r.device.pop(r.chain)) popped++;
      expectEqual(popped, 4, 'chains popped after a jump of exactly QS');
      r.b.availIdx(3); // backwards: (3 − 4) mod 2^16 = 65535 > QS
      expectRejected(r, 'H5');
    },
  ),

  ringCase(
    'H6-H20',
    'a head made available again while in flight is refused (no double completion, bounded state)',
    hostile('H6/H20', '§2.7.6', 'a head in flight cannot be offered again'),
    () => {
      const r = rig(4);
      for (let i = 0; i < 4; i++) r.b.desc(i, { addr: BUF, len: 8, flags: WRITE }).offer(i);
      for (let i = 0; i < 4; i++) expectEqual(r.device.pop(r.chain), true, `pop ${i}`);
      expectEqual(r.device.inFlight, 4, 'in flight');
      r.b.offer(2);
      expectRejected(r, 'H20');
      // Once returned, the same head may come back.
      r.device.pushUsed(2, 8);
      expectEqual(r.device.pop(r.chain), true, 'pop of the returned head');
      expectEqual(r.chain.head, 2, 'head');
    },
  ),
];

const bufferCases: readonly ConformanceCase[] = [
  ringCase(
    'H7',
    'zero-length descriptors are refused, directly and inside a table',
    hostile('H7', '§2.7.5', 'a zero-length buffer is an error (CVE-2016-6490)'),
    () => {
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
    },
  ),

  ringCase(
    'H8',
    'buffers leaving guest RAM or wrapping 2^64 are refused without being touched',
    hostile('H8', '§2.7.5', 'a buffer outside guest RAM is never accessed (CVE-2016-7422)'),
    () => {
      for (const addr of [0xfffff000, 2n ** 64n - 0x1000n, 1n << 53n, 0x100000 - 8]) {
        const r = rig();
        r.b.desc(0, { addr, len: 0x2000, flags: WRITE }).offer(0);
        expectRejected(r, 'H8');
      }
    },
  ),

  ringCase(
    'H9',
    'a readable descriptor after a writable one is refused, directly and inside a table',
    hostile('H9', '§2.7.4.2', 'device-readable descriptors come before device-writable ones'),
    () => {
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
    },
  ),

  ringCase(
    'H10',
    'indirect table len 0 or not a multiple of 16 is refused',
    hostile('H10', '§2.7.5.3.1', 'an indirect table length is a non-zero multiple of 16'),
    () => {
      for (const len of [0, 8, 24, 33]) {
        const r = rig();
        r.b.desc(0, { addr: TABLE, len, flags: F_INDIRECT }).offer(0);
        expectRejected(r, 'H10');
      }
    },
  ),

  ringCase(
    'H11',
    'an indirect table outside guest RAM is refused',
    hostile('H11', '§2.7.5.3', 'an indirect table outside guest RAM is never read'),
    () => {
      const r = rig();
      r.b.desc(0, { addr: 0x100000 - 16, len: 32, flags: F_INDIRECT }).offer(0);
      expectRejected(r, 'H11');
    },
  ),

  ringCase(
    'H12',
    'INDIRECT inside an indirect table is refused',
    hostile('H12', '§2.7.5.3.1', 'indirect tables do not nest'),
    () => {
      const r = rig();
      r.b.desc(0, { addr: TABLE, len: 32, flags: F_INDIRECT });
      r.b.desc(0, { addr: BUF, len: 16, flags: NEXT, next: 1 }, TABLE);
      r.b.desc(1, { addr: TABLE, len: 32, flags: F_INDIRECT }, TABLE);
      r.b.offer(0);
      expectRejected(r, 'H12', [{ addr: TABLE, len: 32 }]);
    },
  ),

  ringCase(
    'H13',
    'INDIRECT together with NEXT is refused',
    hostile('H13', '§2.7.5.3.1', 'a descriptor is not both INDIRECT and NEXT'),
    () => {
      const r = rig();
      r.b.indirect(0, TABLE, [{ addr: BUF, len: 16 }]);
      r.b.desc(0, { addr: TABLE, len: 16, flags: F_INDIRECT | NEXT, next: 1 });
      r.b.desc(1, { addr: BUF, len: 16 }).offer(0);
      expectRejected(r, 'H13');
    },
  ),

  ringCase(
    'indirect-not-negotiated',
    'INDIRECT without VIRTIO_F_INDIRECT_DESC negotiated is refused',
    {
      doc: 'virtio 1.2',
      section: '§2.7.5.3.1',
      level: 'MUST',
      paraphrase: 'the INDIRECT flag is only valid once VIRTIO_F_INDIRECT_DESC is negotiated',
    },
    () => {
      const r = rig(8, { indirect: false });
      r.b.indirect(0, TABLE, [{ addr: BUF, len: 16 }]);
      r.b.offer(0);
      expectRejected(r, 'INDIRECT_NOT_NEGOTIATED');
    },
  ),

  ringCase(
    'H14-table',
    'an indirect table of more than 65536 entries is refused',
    hostile('H14', '§2.7.5.3.1', 'an indirect table holds at most 65536 entries'),
    () => {
      const r = rig(8, { memoryBytes: 4 << 20 });
      r.b.desc(0, { addr: 0x100000, len: 16 * 65537, flags: F_INDIRECT }).offer(0);
      expectRejected(r, 'H14');
    },
  ),

  ringCase(
    'H14-bytes',
    'a chain of more than 2^32 bytes is refused; exactly 2^32 is accepted',
    hostile('H14', '§2.7.5.2', 'a chain totals at most 2^32 bytes'),
    () => {
      const make = (lens: number[]): HostileRig => {
        const wide = new WideMemory(memories().host);
        const r = rig(8, { memory: wide });
        r.b.chain(
          lens.map((_, i) => i),
          lens.map((len, i) => ({ addr: 2 ** 32 + i, len, write: true })),
        );
        r.b.offer(0);
        return r;
      };
      expectRejected(make([0xffffffff, 0xffffffff]), 'H14');
      const exact = make([0xffffffff, 1]);
      expectEqual(exact.device.pop(exact.chain), true, 'pop of a 2^32-byte chain');
      expectEqual(exact.chain.writableBytes, 2 ** 32, 'writable bytes');
    },
  ),

  ringCase(
    'H15',
    'more segments than the caller s/g limit (chain capacity) is refused',
    hostile('H15', '§2.7.5', 'a chain longer than the device s/g limit is an error'),
    () => {
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
    },
  ),
];

export const SPLIT_RING_HOSTILE_CASES: readonly ConformanceCase[] = [...indexCases, ...bufferCases];
