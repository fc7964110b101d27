/**
 * NE2000 under a hostile guest (specs/trap-emulate.md §8 H1, H9–H12, H14; QEMU hw/net/ne2000.c
 * range checks of 2015–16): out-of-memory remote DMA, wild ring registers, transmit ranges past
 * card memory, impossible frame sizes, reset/STP storms, and fast-check-generated register
 * sequences. Required outcome: no exception escapes a handler, every loop ends, nothing is read
 * or written outside card memory, and the documented invariants hold.
 */
import fc from 'fast-check';
import { CardMemory } from '../../../../models/emulated/ne2000/index.js';
import type { AccessSize } from '../../../../models/platform/bus.js';
import { expectAtLeast, expectAtMost, expectBelow, expectDeepEqual, expectEqual, expectNoThrow } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { BROADCAST, CARD_MAC, makeFrame, OTHER_MAC, RawCard } from '../../support/emulated-ne2000-raw-card.js';
import { referenceStack } from '../../support/emulated-ne2000-stack.js';

const cases: ConformanceCase[] = [];
function ne2000HostileCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `emulated-ne2000-hostile.${id}`, title, ref, models: ['emulated'], run });
}
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/trap-emulate.md',
  section,
  level,
  paraphrase,
});

// §8 H1 remote DMA stays inside the PROM and packet RAM (ne2000_mem_*)
ne2000HostileCase(
  'H1',
  'the gap 0x0020–0x3FFF and addresses ≥ 0xC000 read all-ones; writes there change nothing',
  sheet('§8 H1', 'the gap 0x0020–0x3FFF and addresses ≥ 0xC000 read all-ones; writes there change nothing'),
  () => {
    const c = new RawCard();
    const before = Uint8Array.from(c.card.memory.bytes);
    c.out(0x0e, 0x49);
    for (const address of [0x0020, 0x1234, 0x3ff0, 0xc000, 0xfff0]) {
      c.remote(address, 8);
      c.out(0, 0x12);
      c.out(0x10, 0xabcd, 2);
      c.out(0x10, 0x12345678, 4);
      c.remote(address, 8);
      c.out(0, 0x0a);
      expectDeepEqual([c.in(0x10, 2), c.in(0x10, 4)], [0xffff, 0xffffffff], '[c.in(0x10, 2), c.in(0x10, 4)]');
    }
    expectDeepEqual(c.card.memory.bytes, before, 'c.card.memory.bytes');
  },
);

ne2000HostileCase(
  'H1-2',
  'a 32-bit access must end at or below 0xC000; a 16-bit one at 0xBFFF uses 0xBFFE',
  sheet('§8 H1', 'a 32-bit access must end at or below 0xC000; a 16-bit one at 0xBFFF uses 0xBFFE'),
  () => {
    const c = new RawCard();
    c.out(0x0e, 0x49);
    c.remote(0xbffe, 8);
    c.out(0, 0x12);
    c.out(0x10, 0x11223344, 4);
    expectDeepEqual(
      Array.from(c.card.memory.bytes.subarray(0xbffc, 0xc000)),
      [0, 0, 0, 0],
      'Array.from(c.card.memory.bytes.subarray(0xbffc, 0xc000))',
    );
    c.remote(0xbfff, 2);
    c.out(0x10, 0x5566, 2);
    expectDeepEqual(
      Array.from(c.card.memory.bytes.subarray(0xbffe, 0xc000)),
      [0x66, 0x55],
      'Array.from(c.card.memory.bytes.subarray(0xbffe, 0xc000))',
    );
    c.remote(0xbffe, 4);
    c.out(0, 0x0a);
    expectEqual(c.in(0x10, 4), 0xffffffff, 'c.in(0x10, 4)');
  },
);

ne2000HostileCase(
  'H1-3',
  'RSAR counting past 0xFFFF keeps reading all-ones (QEMU keeps a 32-bit counter)',
  sheet('§8 H1', 'RSAR counting past 0xFFFF keeps reading all-ones (QEMU keeps a 32-bit counter)'),
  () => {
    const c = new RawCard();
    c.remote(0xffff, 4);
    c.out(0, 0x0a);
    expectDeepEqual(
      [c.in(0x10), c.in(0x10), c.in(0x08), c.in(0x09)],
      [0xff, 0xff, 0x01, 0x00],
      '[c.in(0x10), c.in(0x10), c.in(0x08), c.in(0x09)]',
    );
    expectEqual(c.card.rsar, 0x10001, 'c.card.rsar');
  },
);

// §8 H9 ring registers outside RAM, PSTOP ≤ PSTART, wild CURR/BNRY (ne2000_receive, ne2000_buffer_full)
ne2000HostileCase(
  'H9',
  'PSTOP ≤ PSTART counts as full: canReceive() is false and frames are dropped',
  sheet('§8 H9', 'PSTOP ≤ PSTART counts as full: canReceive() is false and frames are dropped'),
  () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x60, pstop: 0x60 });
    expectEqual(c.device.canReceive(), false, 'c.device.canReceive()');
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    c.out(0x02, 0x50);
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expectDeepEqual(
      [c.card.stats.rxFrames, c.card.stats.rxDroppedFull],
      [0, 2],
      '[c.card.stats.rxFrames, c.card.stats.rxDroppedFull]',
    );
  },
);

ne2000HostileCase(
  'H9-2',
  'CURR below PSTART or at PSTOP: the frame is stored inside card memory and the copy ends',
  sheet('§8 H9', 'CURR below PSTART or at PSTOP: the frame is stored inside card memory and the copy ends'),
  () => {
    for (const curr of [0x00, 0x10, 0x3f, 0x60, 0xbf]) {
      const c = new RawCard();
      c.setupRing({ pstart: 0x50, pstop: 0x60 });
      c.out(0x03, curr === 0xbf ? 0x50 : 0x10);
      c.out(0, 0x62);
      c.out(0x07, curr);
      c.out(0, 0x22);
      c.push(makeFrame(CARD_MAC, OTHER_MAC, 1514, curr));
      expectEqual(c.card.memory.bytes.length, CardMemory.bytes, 'c.card.memory.bytes.length');
      expectBelow(c.card.curr, 0x100, 'c.card.curr');
    }
  },
);

ne2000HostileCase(
  'H9-3',
  'a CURR the card computed past 0xC0 restarts at PSTART',
  sheet('§8 H9', 'a CURR the card computed past 0xC0 restarts at PSTART'),
  () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x40, pstop: 0xc0 });
    c.card.curr = 0xc2; // unreachable by a register write; reachable only through next-page arithmetic
    c.card.bnry = 0xbf;
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60, 1));
    expectDeepEqual(c.peek(0x4000, 4), [0x01, 0x41, 64, 0], 'c.peek(0x4000, 4)');
    expectEqual(c.card.curr, 0x41, 'c.card.curr');
  },
);

// §8 H10 transmit ranges (ne2000_ioport_write E8390_TRANS)
ne2000HostileCase(
  'H10',
  'TPSR/TBCR past 0xC000 send nothing but still report PTX and TSR 0x01',
  sheet('§8 H10', 'TPSR/TBCR past 0xC000 send nothing but still report PTX and TSR 0x01'),
  () => {
    const c = new RawCard();
    c.setupRing({ imr: 0x02 });
    for (const [tpsr, tbcr] of [
      [0xbf, 0x200],
      [0x40, 0xffff],
      [0xff, 0x8000],
    ] as const) {
      c.out(0x04, tpsr);
      c.out(0x05, tbcr & 0xff);
      c.out(0x06, tbcr >> 8);
      c.out(0, 0x26);
      expectDeepEqual(
        [c.in(0x04), c.in(0x07) & 0x02, c.line],
        [0x01, 0x02, true],
        '[c.in(0x04), c.in(0x07) & 0x02, c.line]',
      );
      c.out(0x07, 0x02);
    }
    expectEqual(c.backend.sent.length, 0, 'length of c.backend.sent');
    expectEqual(c.card.stats.txOutOfRange, 3, 'c.card.stats.txOutOfRange');
  },
);

ne2000HostileCase(
  'H10-2',
  'divergence tx-oversize-frame: TBCR 2,000 reaches the backend whole; the reference backend drops it',
  sheet(
    '§8 H10',
    'divergence tx-oversize-frame: TBCR 2,000 reaches the backend whole; the reference backend drops it',
    'SHOULD',
  ),
  () => {
    const s = referenceStack({ mode: 'sink' });
    const card = s.device.card;
    const io = s.m.guest.io;
    io.out(0x304, 1, 0x40);
    io.out(0x305, 1, 2000 & 0xff);
    io.out(0x306, 1, 2000 >> 8);
    io.out(0x300, 1, 0x26);
    expectEqual(card.stats.txFrames, 1, 'card.stats.txFrames');
    expectEqual(s.backend.stats.bytesFromGuest, 2000, 's.backend.stats.bytesFromGuest');
    expectEqual(s.backend.stats.droppedMalformed, 1, 's.backend.stats.droppedMalformed');
  },
);

// §8 H11 impossible frame sizes from the backend
ne2000HostileCase(
  'H11',
  'negative, fractional, NaN and out-of-buffer lengths are dropped without an exception',
  sheet('§8 H11', 'negative, fractional, NaN and out-of-buffer lengths are dropped without an exception'),
  () => {
    const c = new RawCard();
    c.setupRing({ rcr: 0x10 });
    const f = makeFrame(CARD_MAC, OTHER_MAC, 100);
    const rx = c.device;
    for (const [offset, length] of [
      [0, -1],
      [0, 1.5],
      [0, Number.NaN],
      [0, 101],
      [-4, 50],
      [90, 20],
      [0, Number.POSITIVE_INFINITY],
    ] as const) {
      expectNoThrow(() => rx.receive(f, offset, length), '() => rx.receive(f, offset, length)');
    }
    expectDeepEqual(
      [c.card.stats.rxFrames, c.card.stats.rxDroppedMalformed],
      [0, 7],
      '[c.card.stats.rxFrames, c.card.stats.rxDroppedMalformed]',
    );
  },
);

ne2000HostileCase(
  'H11-2',
  'H11 / divergence rx-oversize-frame: a frame larger than the free ring space is dropped, not wrapped over',
  sheet(
    '§8 H11',
    'H11 / divergence rx-oversize-frame: a frame larger than the free ring space is dropped, not wrapped over',
    'SHOULD',
  ),
  () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x40, pstop: 0x48, rcr: 0x10 });
    const curr = c.card.curr;
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 70_000));
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 1900));
    expectDeepEqual(
      [c.card.curr, c.card.stats.rxDroppedMalformed, c.in(0x07) & 0x01],
      [curr, 2, 0],
      '[c.card.curr, c.card.stats.rxDroppedMalformed, c.in(0x07) & 0x01]',
    );
    // A zero-length frame in promiscuous mode is a runt: 60 zero bytes, as QEMU pads it.
    c.push(new Uint8Array(0));
    expectDeepEqual(c.peek(curr << 8, 4), [0x01, curr + 1, 64, 0], 'c.peek(curr << 8, 4)');
  },
);

// §8 H12 reset-port and STP storms; RBCR 0 (ne2000_reset, ne2000_ioport_write)
ne2000HostileCase(
  'H12',
  '10,000 reset reads and STP/start writes leave a consistent card that still works',
  sheet('§8 H12', '10,000 reset reads and STP/start writes leave a consistent card that still works'),
  () => {
    const c = new RawCard();
    c.setupRing();
    for (let i = 0; i < 10_000; i++) {
      c.in(0x1f);
      c.out(0, i & 1 ? 0x21 : 0x22);
    }
    expectEqual(c.in(0x07), 0x80, 'c.in(0x07)');
    c.out(0, 0x22);
    expectEqual(c.in(0x07), 0x00, 'c.in(0x07)');
    expectDeepEqual(
      c.peek(0, 12),
      Array.from(CARD_MAC).flatMap((b) => [b, b]),
      'c.peek(0, 12)',
    );
    c.push(makeFrame(BROADCAST, OTHER_MAC, 60));
    expectEqual(c.card.stats.rxFrames, 1, 'c.card.stats.rxFrames');
  },
);

ne2000HostileCase(
  'H12-2',
  'remote DMA commands with RBCR = 0 complete at once; data writes are dropped',
  sheet('§8 H12', 'remote DMA commands with RBCR = 0 complete at once; data writes are dropped'),
  () => {
    const c = new RawCard();
    c.remote(0x4000, 0);
    c.out(0, 0x12);
    c.out(0x10, 0x77);
    expectDeepEqual(
      [c.in(0x07), c.card.memory.bytes[0x4000], c.card.rsar],
      [0x40, 0, 0x4000],
      '[c.in(0x07), c.card.memory.bytes[0x4000], c.card.rsar]',
    );
  },
);

/** One guest or network action in the property tests. */
type Action =
  | { readonly kind: 'in'; readonly offset: number; readonly size: AccessSize }
  | { readonly kind: 'out'; readonly offset: number; readonly size: AccessSize; readonly value: number }
  | { readonly kind: 'frame'; readonly dst: number; readonly length: number; readonly seed: number }
  | { readonly kind: 'link'; readonly open: boolean };

const sizeArb = fc.constantFrom<AccessSize>(1, 1, 1, 2, 4);
const accessArb = fc
  .tuple(sizeArb, fc.integer({ min: 0, max: 0x1f }), fc.boolean(), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([size, offset, read, value]): Action => {
    // Accesses never cross the window end (see the window-straddle divergence).
    const o = Math.min(offset, 0x20 - size);
    return read ? { kind: 'in', offset: o, size } : { kind: 'out', offset: o, size, value: value >>> (32 - 8 * size) };
  });
// Writes to CR, the ring registers, ISR/IMR and the data port dominate, as they matter most.
const focusedArb = fc
  .tuple(fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x0e, 0x0f, 0x10), fc.nat(255))
  .map(([offset, value]): Action => ({ kind: 'out', offset, size: 1, value }));
const frameArb = fc
  .tuple(fc.nat(3), fc.integer({ min: 0, max: 4000 }), fc.nat(255))
  .map(([dst, length, seed]): Action => ({ kind: 'frame', dst, length, seed }));
const actionArb = fc.oneof(
  { weight: 5, arbitrary: accessArb },
  { weight: 5, arbitrary: focusedArb },
  { weight: 2, arbitrary: frameArb },
  { weight: 1, arbitrary: fc.boolean().map((open): Action => ({ kind: 'link', open })) },
);
const DESTINATIONS = [CARD_MAC, BROADCAST, OTHER_MAC, [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]] as const;

// §8 H1/H9–H12/H14 property: random register sequences and frames (fast-check)
ne2000HostileCase(
  'H1-4',
  'no exception escapes, memory stays 48 KiB, ring registers stay in range, the line follows ISR & IMR',
  sheet('§8 H1', 'no exception escapes, memory stays 48 KiB, ring registers stay in range, the line follows ISR & IMR'),
  () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 300 }), (actions) => {
        const c = new RawCard();
        c.setupRing({ pstart: 0x46, pstop: 0x60, rcr: 0x14 });
        for (const a of actions) {
          if (a.kind === 'in') c.in(a.offset, a.size);
          else if (a.kind === 'out') c.out(a.offset, a.value, a.size);
          else if (a.kind === 'frame')
            c.push(makeFrame(DESTINATIONS[a.dst] as ArrayLike<number>, OTHER_MAC, a.length, a.seed));
          else if (a.open) c.backend.openLink();
          else c.backend.linkOpen = false;
          const card = c.card;
          expectEqual(card.memory.bytes.length, CardMemory.bytes, 'card.memory.bytes.length');
          expectAtMost(card.pstart, 0xc0, 'card.pstart');
          expectAtMost(card.pstop, 0xc0, 'card.pstop');
          expectBelow(card.bnry, 0xc0, 'card.bnry');
          expectAtLeast(card.rbcr, 0, 'card.rbcr');
          expectAtMost(card.rbcr, 0xffff, 'card.rbcr');
          expectEqual(
            Number.isInteger(card.rsar) && card.rsar >= 0 && card.rsar <= 0xffffffff,
            true,
            'Number.isInteger(card.rsar) && card.rsar >= 0 && card.rsar <= 0xfff…',
          );
          // Whenever ISR or IMR was written, the line equals (ISR & IMR & 0x7F) ≠ 0.
          if (a.kind === 'out' && a.size === 1 && (a.offset === 0x07 || a.offset === 0x0f) && card.page === 0) {
            expectEqual(card.irqLevel, (card.isr & card.imr & 0x7f) !== 0, 'card.irqLevel');
          }
        }
        // Edges alternate, start with a raise, and end at the level the card last drove.
        c.edges.forEach((e, i) => {
          expectEqual(e.level, i % 2 === 0, 'e.level');
        });
        expectEqual(c.edges.length % 2 === 1, c.card.irqLevel, 'c.edges.length % 2 === 1');
        for (const f of c.backend.sent) expectAtMost(f.length, CardMemory.packetEnd, 'f.length');
      }),
      { numRuns: 150 },
    );
  },
);

ne2000HostileCase(
  'H1-5',
  'the driver survives a card whose ring holds garbage: no exception, bounded work, resynchronised',
  sheet('§8 H1', 'the driver survives a card whose ring holds garbage: no exception, bounded work, resynchronised'),
  () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 64 }),
        fc.integer({ min: 0x4c, max: 0x7f }),
        (junk, curr) => {
          const s = referenceStack({ mode: 'sink' });
          const { m, device, driver } = s;
          const card = device.card;
          // Scribble over the ring and move CURR as a broken card might, then raise PRX.
          card.memory.bytes.set(junk, 0x4d00);
          card.curr = curr;
          card.isr |= 0x01;
          card.updateIrq();
          const events = m.run({ maxEvents: 1000 });
          expectEqual(events.reason, 'idle', 'events.reason');
          expectAtLeast(
            driver.stats.rxErrors + driver.stats.rxFrames,
            curr === 0x4d ? 0 : 1,
            'driver.stats.rxErrors + driver.stats.rxFrames',
          );
          expectEqual(card.irqLevel, false, 'card.irqLevel');
        },
      ),
      { numRuns: 60 },
    );
  },
);

export const EMULATED_NE2000_HOSTILE_CASES: readonly ConformanceCase[] = cases;
