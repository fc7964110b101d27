/**
 * NE2000 conformance (specs/trap-emulate.md §4, §7 items 17–21 and 24; N = QEMU hw/net/ne2000.c).
 * Device side: our model driven by raw port accesses (test/unit/emulated-ne2000/raw-card.ts) and
 * checked against the fact sheet's values. Driver side: the Linux-style driver on the sim engine,
 * its exit counts against §4's derivations. The same sequences run against QEMU in
 * test/peers/qemu/emulated-ne2000*.test.ts.
 */
import { HOST_DEVICE } from '../../../../harness/engine/sim/machine.js';
import { createNetBackend } from '../../../../models/backend/index.js';
import { multicastHashIndex } from '../../../../models/emulated/ne2000/index.js';
import { expectAbove, expectDeepEqual, expectEqual } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import {
  BROADCAST,
  CARD_MAC,
  makeFrame,
  OTHER_MAC,
  RawCard,
  ScriptedNetBackend,
} from '../../support/emulated-ne2000-raw-card.js';
import { bringUp, exitCounts, referenceStack, stackMachine } from '../../support/emulated-ne2000-stack.js';

const cases: ConformanceCase[] = [];
function ne2000Case(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `emulated-ne2000.${id}`, title, ref, models: ['emulated'], run });
}
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/trap-emulate.md',
  section,
  level,
  paraphrase,
});

const PEER = [0x52, 0x54, 0x00, 0x00, 0x00, 0x01];

// §7.17 power-up, reset port, PROM (N ne2000_reset; Linux ne.c probe)
ne2000Case(
  '7.17',
  '§7.17 N ne2000_reset: power-up CR 0x00, ISR 0x80, every other register 0 on pages 0–2',
  sheet('§7.17', '§7.17 N ne2000_reset: power-up CR 0x00, ISR 0x80, every other register 0 on pages 0–2'),
  () => {
    const c = new RawCard();
    expectEqual(c.in(0), 0x00, 'c.in(0)');
    const page0 = Array.from({ length: 15 }, (_, i) => c.in(i + 1));
    // ISR (7) is 0x80; the RTL8029 ID bytes (0x0A, 0x0B) read 'P', 'C'.
    expectDeepEqual(page0, [0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x50, 0x43, 0, 0, 0, 0], 'page0');
    c.out(0, 0x40);
    expectDeepEqual(
      Array.from({ length: 15 }, (_, i) => c.in(i + 1)),
      new Array(15).fill(0),
      'Array.from({ length: 15 }, (_, i) => c.in(i + 1))',
    );
    c.out(0, 0x80);
    expectDeepEqual(
      Array.from({ length: 15 }, (_, i) => c.in(i + 1)),
      new Array(15).fill(0),
      'Array.from({ length: 15 }, (_, i) => c.in(i + 1))',
    );
    expectEqual(c.line, false, 'c.line');
  },
);

ne2000Case(
  '7.17-2',
  '§7.17 N ne2000_reset_ioport_read: reading +0x1F returns 0, sets ISR := 0x80 and keeps other registers',
  sheet(
    '§7.17',
    '§7.17 N ne2000_reset_ioport_read: reading +0x1F returns 0, sets ISR := 0x80 and keeps other registers',
  ),
  () => {
    const c = new RawCard();
    c.setupRing({ imr: 0x3f });
    c.out(0x07, 0xff);
    c.out(0x0a, 0);
    c.out(0, 0x0a); // zero-count remote read: RDC
    expectEqual(c.in(0x07), 0x40, 'c.in(0x07)');
    expectEqual(c.in(0x1f), 0, 'c.in(0x1f)');
    expectEqual(c.in(0x07), 0x80, 'c.in(0x07)');
    c.out(0, 0xa1);
    expectDeepEqual([c.in(0x01), c.in(0x02), c.in(0x0f)], [0x4c, 0x80, 0], '[c.in(0x01), c.in(0x02), c.in(0x0f)]');
    c.out(0, 0x21);
    c.out(0x1f, 0x55); // writes end the reset pulse: no effect
    expectEqual(c.in(0x07), 0x80, 'c.in(0x07)');
    c.out(0, 0x22); // any CR write without STP clears RST
    expectEqual(c.in(0x07), 0x00, 'c.in(0x07)');
  },
);

ne2000Case(
  '7.17-3',
  '§7.17 N ne2000_reset: PROM bytes 0–11 = MAC doubled, 28–31 = 0x57 (byte mode); words 0x5252… (word mode)',
  sheet(
    '§7.17',
    '§7.17 N ne2000_reset: PROM bytes 0–11 = MAC doubled, 28–31 = 0x57 (byte mode); words 0x5252… (word mode)',
  ),
  () => {
    const c = new RawCard();
    const prom = c.peek(0, 32);
    expectDeepEqual(
      prom.slice(0, 12),
      [0x52, 0x52, 0x54, 0x54, 0x00, 0x00, 0x12, 0x12, 0x34, 0x34, 0x56, 0x56],
      'prom.slice(0, 12)',
    );
    expectDeepEqual(prom.slice(28, 32), [0x57, 0x57, 0x57, 0x57], 'prom.slice(28, 32)');
    c.out(0x0e, 0x49);
    c.remote(0, 12);
    c.out(0, 0x0a);
    expectDeepEqual(
      Array.from({ length: 6 }, () => c.in(0x10, 2)),
      [0x5252, 0x5454, 0x0000, 0x1212, 0x3434, 0x5656],
      'Array.from({ length: 6 }, () => c.in(0x10, 2))',
    );
  },
);

ne2000Case(
  '7.17-4',
  '§7.17 Linux ne.c probe: the driver resets the card, checks the signature and reads the MAC',
  sheet('§7.17', '§7.17 Linux ne.c probe: the driver resets the card, checks the signature and reads the MAC'),
  () => {
    const s = referenceStack({ mode: 'sink' });
    expectDeepEqual(Array.from(s.driver.info.mac), Array.from(CARD_MAC), 'Array.from(s.driver.info.mac)');
    expectEqual(s.device.card.stats.resets, 1, 's.device.card.stats.resets');
    // Started, word mode, ring 0x4C–0x80, BNRY/CURR per the Linux convention, every source but RDC enabled.
    const card = s.device.card;
    expectDeepEqual(
      [card.cr, card.dcr, card.pstart, card.pstop, card.bnry, card.curr, card.imr],
      [0x22, 0x49, 0x4c, 0x80, 0x4c, 0x4d, 0x3f],
      '[card.cr, card.dcr, card.pstart, card.pstop, card.bnry, card.curr, …',
    );
    expectDeepEqual(Array.from(card.par), Array.from(CARD_MAC), 'Array.from(card.par)');
  },
);

// §7.18 pages, page-1 read-back, RTL8029 bytes (N ne2000_ioport_read/write)
ne2000Case(
  '7.18',
  '§7.18 CR reads back on every page; PAR0–5, CURR, MAR0–7 read back on page 1',
  sheet('§7.18', '§7.18 CR reads back on every page; PAR0–5, CURR, MAR0–7 read back on page 1'),
  () => {
    const c = new RawCard();
    c.out(0, 0x61);
    for (let r = 1; r < 16; r++) c.out(r, 0x10 + r);
    expectDeepEqual(
      Array.from({ length: 15 }, (_, i) => c.in(i + 1)),
      Array.from({ length: 15 }, (_, i) => 0x11 + i),
      'Array.from({ length: 15 }, (_, i) => c.in(i + 1))',
    );
    expectEqual(c.in(0), 0x61, 'c.in(0)');
    c.out(0, 0xe1);
    expectEqual(c.in(0), 0xe1, 'c.in(0)');
  },
);

ne2000Case(
  '7.18-2',
  '§7.18 page 2 answers PSTART/PSTOP only; page 3 answers the RTL8029 config bytes; both ignore writes',
  sheet('§7.18', '§7.18 page 2 answers PSTART/PSTOP only; page 3 answers the RTL8029 config bytes; both ignore writes'),
  () => {
    const c = new RawCard();
    c.out(0, 0x21);
    c.out(0x01, 0x46);
    c.out(0x02, 0x60);
    c.out(0x0c, 0x1c);
    c.out(0, 0xa1);
    c.out(0x01, 0x99);
    expectDeepEqual(
      Array.from({ length: 15 }, (_, i) => c.in(i + 1)),
      [0x46, 0x60, ...new Array(13).fill(0)],
      'Array.from({ length: 15 }, (_, i) => c.in(i + 1))',
    );
    c.out(0, 0xe1);
    c.out(0x05, 0x12);
    expectDeepEqual(
      Array.from({ length: 15 }, (_, i) => c.in(i + 1)),
      [0, 0, 0, 0, 0x40, 0x40, ...new Array(9).fill(0)],
      'Array.from({ length: 15 }, (_, i) => c.in(i + 1))',
    );
  },
);

ne2000Case(
  '7.18-3',
  '§7.18 CRDA0/1 read the current remote address; ID bytes 0x50 0x43 where RBCR is written',
  sheet('§7.18', '§7.18 CRDA0/1 read the current remote address; ID bytes 0x50 0x43 where RBCR is written'),
  () => {
    const c = new RawCard();
    c.out(0x08, 0x34);
    c.out(0x09, 0x12);
    expectDeepEqual(
      [c.in(0x08), c.in(0x09), c.in(0x0a), c.in(0x0b)],
      [0x34, 0x12, 0x50, 0x43],
      '[c.in(0x08), c.in(0x09), c.in(0x0a), c.in(0x0b)]',
    );
  },
);

ne2000Case(
  'H9',
  '§8 H9 N ne2000_ioport_write: PSTART/PSTOP above 0xC0 and BNRY/CURR at or above 0xC0 are ignored',
  sheet('§8 H9', '§8 H9 N ne2000_ioport_write: PSTART/PSTOP above 0xC0 and BNRY/CURR at or above 0xC0 are ignored'),
  () => {
    const c = new RawCard();
    c.out(0x01, 0x40);
    c.out(0x02, 0xc0);
    c.out(0x01, 0xc1);
    c.out(0x02, 0xff);
    c.out(0x03, 0x50);
    c.out(0x03, 0xc0);
    expectDeepEqual(
      [c.card.pstart, c.card.pstop, c.card.bnry],
      [0x40, 0xc0, 0x50],
      '[c.card.pstart, c.card.pstop, c.card.bnry]',
    );
    c.out(0, 0x40);
    c.out(0x07, 0xbf);
    c.out(0x07, 0xc0);
    expectEqual(c.in(0x07), 0xbf, 'c.in(0x07)');
  },
);

ne2000Case(
  '4',
  '§4 window: wide register accesses read all-ones and drop; unaligned ones split into QEMU pieces',
  sheet('§4', '§4 window: wide register accesses read all-ones and drop; unaligned ones split into QEMU pieces'),
  () => {
    const c = new RawCard();
    expectDeepEqual(
      [c.in(0, 2), c.in(0, 4), c.in(0x0e, 2), c.in(0x11, 2), c.in(0x1e, 2)],
      [0xffff, 0xffffffff, 0xffff, 0xffff, 0xffff],
      '[c.in(0, 2), c.in(0, 4), c.in(0x0e, 2), c.in(0x11, 2), c.in(0x1e, 2)]',
    );
    c.out(0x01, 0x4142, 2); // split: PSTART := 0x42, PSTOP := 0x41
    expectDeepEqual([c.card.pstart, c.card.pstop], [0x42, 0x41], '[c.card.pstart, c.card.pstop]');
    c.out(0x0e, 0x0101, 2); // aligned word to DCR: dropped
    expectEqual(c.card.dcr, 0, 'c.card.dcr');
    // inw +0x0F = register 0x0F then a data-port byte (PROM byte 0 = 0x52).
    c.remote(0, 4);
    expectEqual(c.in(0x0f, 2), 0x5200, 'c.in(0x0f, 2)');
    expectEqual(c.card.rsar, 1, 'c.card.rsar');
  },
);

// §7.19 remote DMA (N ne2000_asic_ioport_*, ne2000_dma_update)
ne2000Case(
  '7.19',
  '§7.19 WTS=0 moves a byte per access, WTS=1 a word (also for 8-bit accesses), 32-bit accesses 4 bytes',
  sheet(
    '§7.19',
    '§7.19 WTS=0 moves a byte per access, WTS=1 a word (also for 8-bit accesses), 32-bit accesses 4 bytes',
  ),
  () => {
    const c = new RawCard();
    c.poke(0x4000, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    c.remote(0x4000, 10);
    c.out(0, 0x0a);
    expectDeepEqual([c.in(0x10), c.card.rsar], [1, 0x4001], '[c.in(0x10), c.card.rsar]');
    c.out(0x0e, 0x01);
    // Wider accesses clear address bit 0 but advance RSAR from where it was.
    expectDeepEqual([c.in(0x10, 2), c.card.rsar], [0x0201, 0x4003], '[c.in(0x10, 2), c.card.rsar]');
    expectDeepEqual([c.in(0x10, 1), c.card.rsar], [0x03, 0x4005], '[c.in(0x10, 1), c.card.rsar]');
    expectDeepEqual([c.in(0x10, 4), c.card.rsar], [0x08070605, 0x4009], '[c.in(0x10, 4), c.card.rsar]');
  },
);

ne2000Case(
  '7.19-2',
  '§7.19 RSAR wraps to PSTART when it reaches PSTOP; RBCR counts down and RDC is set at 0',
  sheet('§7.19', '§7.19 RSAR wraps to PSTART when it reaches PSTOP; RBCR counts down and RDC is set at 0'),
  () => {
    const c = new RawCard();
    c.out(0x01, 0x40);
    c.out(0x02, 0x42);
    c.out(0x07, 0xff);
    c.remote(0x41fe, 4);
    c.out(0, 0x12);
    c.out(0x10, 0xaa);
    c.out(0x10, 0xbb);
    expectEqual(c.card.rsar, 0x4000, 'c.card.rsar');
    expectEqual(c.card.rbcr, 2, 'c.card.rbcr');
    expectEqual(c.in(0x07) & 0x40, 0, 'c.in(0x07) & 0x40');
    c.out(0x10, 0xcc);
    c.out(0x10, 0xdd);
    expectEqual(c.in(0x07) & 0x40, 0x40, 'c.in(0x07) & 0x40');
    expectEqual(c.card.rbcr, 0, 'c.card.rbcr');
    c.out(0x10, 0xee); // RBCR = 0: dropped
    expectDeepEqual(
      c.peek(0x41fe, 2).concat(c.peek(0x4000, 3)),
      [0xaa, 0xbb, 0xcc, 0xdd, 0x00],
      'c.peek(0x41fe, 2).concat(c.peek(0x4000, 3))',
    );
  },
);

ne2000Case(
  '7.19-3',
  '§7.19 reads proceed past the count and set RDC again; the RD direction is not checked',
  sheet('§7.19', '§7.19 reads proceed past the count and set RDC again; the RD direction is not checked'),
  () => {
    const c = new RawCard();
    c.poke(0x4000, [9, 8, 7]);
    c.out(0x07, 0xff);
    c.remote(0x4000, 1);
    c.out(0, 0x12); // "remote write" command, then reads
    expectDeepEqual([c.in(0x10), c.in(0x10), c.in(0x10)], [9, 8, 7], '[c.in(0x10), c.in(0x10), c.in(0x10)]');
    expectEqual(c.in(0x07), 0x40, 'c.in(0x07)');
  },
);

ne2000Case(
  '7.19-4',
  '§7.19 an RD command with RBCR = 0 sets RDC at once (read, write, send); abort and STP do not',
  sheet('§7.19', '§7.19 an RD command with RBCR = 0 sets RDC at once (read, write, send); abort and STP do not'),
  () => {
    const c = new RawCard();
    const rdcAfter = (cr: number): number => {
      c.out(0x07, 0x40);
      c.out(0, cr);
      return c.in(0x07) & 0x40;
    };
    expectDeepEqual(
      [rdcAfter(0x0a), rdcAfter(0x12), rdcAfter(0x1a), rdcAfter(0x22), rdcAfter(0x09)],
      [0x40, 0x40, 0x40, 0, 0],
      '[rdcAfter(0x0a), rdcAfter(0x12), rdcAfter(0x1a), rdcAfter(0x22), rd…',
    );
  },
);

ne2000Case(
  '7.19-5',
  '§7.19 RDC interrupts only through IMR bit 6',
  sheet('§7.19', '§7.19 RDC interrupts only through IMR bit 6'),
  () => {
    const c = new RawCard();
    c.out(0x0f, 0x40);
    c.out(0, 0x0a);
    expectEqual(c.line, true, 'c.line');
    c.out(0x07, 0x40);
    expectEqual(c.line, false, 'c.line');
    c.out(0x0f, 0x3f);
    c.out(0, 0x0a);
    expectEqual(c.line, false, 'c.line');
  },
);

// §7.20 transmit (N ne2000_ioport_write, E8390_TRANS)
ne2000Case(
  '7.20',
  '§7.20 CR = 0x26 sends exactly TBCR bytes from TPSR, unpadded, and reports TSR 0x01 + PTX within the write',
  sheet(
    '§7.20',
    '§7.20 CR = 0x26 sends exactly TBCR bytes from TPSR, unpadded, and reports TSR 0x01 + PTX within the write',
  ),
  () => {
    const c = new RawCard();
    c.setupRing({ imr: 0x02 });
    const frame = makeFrame(OTHER_MAC, CARD_MAC, 30, 5);
    c.poke(0x4000, frame);
    c.out(0x07, 0x40); // the poke's RDC
    c.out(0x04, 0x40);
    c.out(0x05, 30);
    c.out(0x06, 0);
    const at = c.step;
    c.out(0, 0x26);
    expectDeepEqual(c.edgesAt(at), [true], 'c.edgesAt(at)');
    expectDeepEqual(
      c.backend.sent.map((f) => Array.from(f)),
      [Array.from(frame)],
      'c.backend.sent.map((f) => Array.from(f))',
    );
    expectDeepEqual([c.in(0), c.in(0x04), c.in(0x07)], [0x22, 0x01, 0x02], '[c.in(0), c.in(0x04), c.in(0x07)]');
  },
);

ne2000Case(
  '7.20-2',
  '§7.20 TXP with STP set does nothing and stays in CR; TPSR ≥ 0xC0 aliases 32 KiB lower',
  sheet('§7.20', '§7.20 TXP with STP set does nothing and stays in CR; TPSR ≥ 0xC0 aliases 32 KiB lower'),
  () => {
    const c = new RawCard();
    c.out(0x04, 0xc0);
    c.out(0x05, 8);
    c.out(0, 0x25);
    expectEqual(c.backend.sent.length, 0, 'length of c.backend.sent');
    expectEqual(c.in(0), 0x25, 'c.in(0)');
    c.poke(0x4000, [1, 2, 3, 4, 5, 6, 7, 8]);
    c.out(0, 0x26);
    expectDeepEqual(
      c.backend.sent.map((f) => Array.from(f)),
      [[1, 2, 3, 4, 5, 6, 7, 8]],
      'c.backend.sent.map((f) => Array.from(f))',
    );
  },
);

ne2000Case(
  '7.20-3',
  'divergence tx-backpressure: a refused frame keeps TXP set, no PTX until the backend is ready',
  sheet(
    '§7.20',
    'divergence tx-backpressure: a refused frame keeps TXP set, no PTX until the backend is ready',
    'SHOULD',
  ),
  () => {
    const c = new RawCard();
    c.setupRing({ imr: 0x02 });
    c.poke(0x4000, makeFrame(OTHER_MAC, CARD_MAC, 60));
    c.out(0x07, 0x40);
    c.backend.linkOpen = false;
    c.out(0x04, 0x40);
    c.out(0x05, 60);
    c.out(0, 0x26);
    expectDeepEqual(
      [c.in(0), c.in(0x07), c.line, c.backend.sent.length],
      [0x26, 0x00, false, 0],
      '[c.in(0), c.in(0x07), c.line, c.backend.sent.length]',
    );
    c.backend.openLink();
    expectDeepEqual(
      [c.in(0), c.in(0x07), c.in(0x04), c.line, c.backend.sent.length],
      [0x22, 0x02, 0x01, true, 1],
      '[c.in(0), c.in(0x07), c.in(0x04), c.line, c.backend.sent.length]',
    );
  },
);

// §7.21 receive ring, filters, IRQ (N ne2000_receive, ne2000_buffer_full, ne2000_update_irq)
ne2000Case(
  '7.21',
  '§7.21 fact-sheet oracle: a 60 B broadcast at page 0x47 gets header 21 48 40 00; CURR 0x48, RSR 0x21, PRX',
  sheet(
    '§7.21',
    '§7.21 fact-sheet oracle: a 60 B broadcast at page 0x47 gets header 21 48 40 00; CURR 0x48, RSR 0x21, PRX',
    'SHOULD',
  ),
  () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x40, pstop: 0x80 });
    c.out(0, 0x62);
    c.out(0x07, 0x47);
    c.out(0, 0x22);
    const frame = makeFrame(BROADCAST, OTHER_MAC, 60, 2);
    c.push(frame);
    expectDeepEqual([c.card.curr, c.in(0x0c), c.in(0x07)], [0x48, 0x21, 0x01], '[c.card.curr, c.in(0x0c), c.in(0x07)]');
    expectEqual(c.line, true, 'c.line');
    expectDeepEqual(c.peek(0x4700, 4), [0x21, 0x48, 0x40, 0x00], 'c.peek(0x4700, 4)');
    expectDeepEqual(c.peek(0x4704, 60), Array.from(frame), 'c.peek(0x4704, 60)');
  },
);

ne2000Case(
  '7.21-2',
  '§7.21 a 1,514 B unicast takes 6 pages (count 1,518); runts are zero-padded to 60',
  sheet('§7.21', '§7.21 a 1,514 B unicast takes 6 pages (count 1,518); runts are zero-padded to 60'),
  () => {
    const c = new RawCard();
    c.setupRing();
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 1514));
    expectDeepEqual(c.peek(0x4d00, 4), [0x01, 0x53, 1518 & 0xff, 1518 >> 8], 'c.peek(0x4d00, 4)');
    const runt = makeFrame(CARD_MAC, OTHER_MAC, 42, 3);
    c.push(runt);
    expectDeepEqual(c.peek(0x5300, 4), [0x01, 0x54, 64, 0], 'c.peek(0x5300, 4)');
    expectDeepEqual(c.peek(0x5304, 60), [...Array.from(runt), ...new Array(18).fill(0)], 'c.peek(0x5304, 60)');
    expectEqual(c.card.curr, 0x54, 'c.card.curr');
  },
);

ne2000Case(
  '7.21-3',
  '§7.21 the payload wraps from PSTOP to PSTART and the next page is wrapped by the ring size',
  sheet('§7.21', '§7.21 the payload wraps from PSTOP to PSTART and the next page is wrapped by the ring size'),
  () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x40, pstop: 0x60 });
    c.out(0x03, 0x5c);
    c.out(0, 0x62);
    c.out(0x07, 0x5e);
    c.out(0, 0x22);
    const frame = makeFrame(CARD_MAC, OTHER_MAC, 1000, 4);
    c.push(frame);
    // 1004 + 4 bytes from 0x5E00: 4 pages → 0x62 - 0x20 = 0x42.
    expectDeepEqual(c.peek(0x5e00, 4), [0x01, 0x42, 1004 & 0xff, 1004 >> 8], 'c.peek(0x5e00, 4)');
    const stored = [...c.peek(0x5e04, 0x200 - 4), ...c.peek(0x4000, 1000 - (0x200 - 4))];
    expectDeepEqual(stored, Array.from(frame), 'stored');
    expectEqual(c.card.curr, 0x42, 'c.card.curr');
  },
);

ne2000Case(
  '7.21-4',
  '§7.21 filters: broadcast needs AB, multicast needs AM and its CRC-32 MAR bit, PRO takes all',
  sheet('§7.21', '§7.21 filters: broadcast needs AB, multicast needs AM and its CRC-32 MAR bit, PRO takes all'),
  () => {
    const c = new RawCard();
    c.setupRing({ rcr: 0 });
    const mcast = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb];
    const taken = (dst: ArrayLike<number>): boolean => {
      const before = c.card.stats.rxFrames;
      c.push(makeFrame(dst, OTHER_MAC, 60));
      return c.card.stats.rxFrames > before;
    };
    expectDeepEqual(
      [taken(BROADCAST), taken(mcast), taken(OTHER_MAC), taken(CARD_MAC)],
      [false, false, false, true],
      '[taken(BROADCAST), taken(mcast), taken(OTHER_MAC), taken(CARD_MAC)]',
    );
    c.out(0x0c, 0x0c);
    expectDeepEqual([taken(BROADCAST), taken(mcast)], [true, false], '[taken(BROADCAST), taken(mcast)]');
    // The MAR bit is the top 6 bits of the Ethernet CRC-32 register of the address (IEEE 802.3 §3.2.9).
    const bit = multicastHashIndex(Uint8Array.from(mcast), 0);
    c.out(0, 0x62);
    c.out(0x08 + (bit >> 3), 1 << (bit & 7));
    c.out(0, 0x22);
    expectEqual(taken(mcast), true, 'taken(mcast)');
    c.out(0x0c, 0x10);
    expectEqual(taken(OTHER_MAC), true, 'taken(OTHER_MAC)');
  },
);

ne2000Case(
  '7.21-5',
  '§7.21 unicast is matched against the PROM MAC, not PAR0–5 (QEMU)',
  sheet('§7.21', '§7.21 unicast is matched against the PROM MAC, not PAR0–5 (QEMU)'),
  () => {
    const c = new RawCard();
    c.setupRing();
    c.out(0, 0x62);
    for (let i = 0; i < 6; i++) c.out(1 + i, OTHER_MAC[i] as number);
    c.out(0, 0x22);
    c.push(makeFrame(OTHER_MAC, CARD_MAC, 60));
    expectEqual(c.card.stats.rxFrames, 0, 'c.card.stats.rxFrames');
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expectEqual(c.card.stats.rxFrames, 1, 'c.card.stats.rxFrames');
  },
);

ne2000Case(
  '7.21-6',
  '§7.21 full ring (divergence rx-ring-full-backpressure): canReceive() false; a frame handed over anyway is dropped silently; BNRY frees room',
  sheet(
    '§7.21',
    '§7.21 full ring (divergence rx-ring-full-backpressure): canReceive() false; a frame handed over anyway is dropped silently; BNRY frees room',
    'SHOULD',
  ),
  () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x40, pstop: 0x50 });
    expectEqual(
      c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 1)),
      true,
      'c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 1))',
    );
    expectEqual(
      c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 2)),
      true,
      'c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 2))',
    );
    expectEqual(
      c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 3)),
      false,
      'c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 3))',
    );
    c.out(0x07, 0x01);
    const curr = c.card.curr;
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expectDeepEqual(
      [c.card.curr, c.in(0x07) & 0x11, c.card.stats.rxDroppedFull],
      [curr, 0, 1],
      '[c.card.curr, c.in(0x07) & 0x11, c.card.stats.rxDroppedFull]',
    );
    const ready = c.backend.rxReadyCalls;
    c.out(0x03, 0x46);
    expectEqual(c.backend.rxReadyCalls, ready + 1, 'c.backend.rxReadyCalls');
    expectEqual(
      c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 4)),
      true,
      'c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 4))',
    );
  },
);

ne2000Case(
  '7.21-7',
  '§7.21 a stopped NIC and a ring with PSTOP ≤ PSTART drop frames',
  sheet('§7.21', '§7.21 a stopped NIC and a ring with PSTOP ≤ PSTART drop frames'),
  () => {
    const c = new RawCard();
    c.setupRing();
    c.out(0, 0x21);
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    c.out(0, 0x22);
    c.out(0x02, 0x4c);
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expectDeepEqual(
      [c.card.stats.rxDroppedStopped, c.card.stats.rxDroppedFull, c.card.stats.rxFrames],
      [1, 1, 0],
      '[c.card.stats.rxDroppedStopped, c.card.stats.rxDroppedFull, c.card.…',
    );
  },
);

ne2000Case(
  '7.21-8',
  '§7.21 N ne2000_update_irq: line = ISR & IMR & 0x7F; ISR bits clear by writing 1; RST never interrupts',
  sheet(
    '§7.21',
    '§7.21 N ne2000_update_irq: line = ISR & IMR & 0x7F; ISR bits clear by writing 1; RST never interrupts',
  ),
  () => {
    const c = new RawCard();
    c.out(0x0f, 0xff);
    expectEqual(c.line, false, 'c.line'); // ISR = RST only
    c.setupRing({ imr: 0x02 });
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expectEqual(c.line, false, 'c.line');
    let at = c.step;
    c.out(0x0f, 0x01);
    expectDeepEqual(c.edgesAt(at), [true], 'c.edgesAt(at)');
    c.out(0x07, 0x02);
    expectEqual(c.line, true, 'c.line');
    at = c.step;
    c.out(0x07, 0x81);
    expectDeepEqual(c.edgesAt(at), [false], 'c.edgesAt(at)');
    expectEqual(c.in(0x07), 0x00, 'c.in(0x07)');
  },
);

// §7.24 driver exit counts against §4 "Driver sequences"
for (const [n, exits] of [
  [60, 45],
  [1514, 772],
] as const) {
  ne2000Case(
    `7.24-tx-${n}`,
    `TX of ${n} bytes: 15 + N/2 = ${exits} user exits, 1 interrupt, 2 slave-PIC EOI kernel exits`,
    sheet('§7.24', 'a transmit costs 15 + N/2 user exits, 1 interrupt and 2 EOI kernel exits'),
    () => {
      const s = referenceStack({ mode: 'sink' });
      const { m, driver } = s;
      const addr = m.guest.alloc.alloc(2048, 64);
      m.guest.mem.store(addr, makeFrame(PEER, driver.info.mac, n));
      const before = exitCounts(m);
      let done = false;
      m.guest.sched.after(0, () =>
        driver.send(addr, n, () => {
          done = true;
        }),
      );
      m.run({ until: () => done, maxEvents: 10_000 });
      const after = exitCounts(m);
      expectDeepEqual(
        [after.user - before.user, after.kernel - before.kernel, after.interrupts - before.interrupts],
        [exits, 2, 1],
        '[after.user - before.user, after.kernel - before.kernel, after.inte…',
      );
      expectEqual(s.backend.stats.framesFromGuest, 1, 's.backend.stats.framesFromGuest');
    },
  );
}

for (const [n, exits] of [
  [60, 21],
  [1514, 22],
] as const) {
  ne2000Case(
    `7.24-rx-${n}`,
    `RX of ${n} bytes: 20 + ceil(N/1024) = ${exits} user exits, 1 interrupt, 2 EOI kernel exits`,
    sheet('§7.24', 'a receive costs 20 + ceil(N/1024) user exits, 1 interrupt and 2 EOI kernel exits'),
    () => {
      const m = stackMachine();
      const backend = new ScriptedNetBackend(CARD_MAC);
      const s = bringUp(m, backend);
      let got: Uint8Array | undefined;
      s.driver.onReceive((addr, len) => {
        got = new Uint8Array(len);
        m.guest.mem.load(addr, len, got);
      });
      const frame = makeFrame(CARD_MAC, PEER, n, 7);
      const before = exitCounts(m);
      m.host.actor(HOST_DEVICE).after(0, () => backend.offer(frame));
      m.run({ maxEvents: 10_000 });
      const after = exitCounts(m);
      expectDeepEqual(Array.from(got ?? []), Array.from(frame), 'Array.from(got ?? [])');
      expectDeepEqual(
        [after.user - before.user, after.kernel - before.kernel, after.interrupts - before.interrupts],
        [exits, 2, 1],
        '[after.user - before.user, after.kernel - before.kernel, after.inte…',
      );
    },
  );
}

ne2000Case(
  '7.24',
  'exits=kernel meters the same accesses as kernel exits',
  sheet('§7.24, §4', 'exits=kernel meters the same accesses as kernel exits'),
  () => {
    const m = stackMachine();
    const backend = createNetBackend({ peer: { mode: 'sink' } }, m.host.actor(HOST_DEVICE), m.host.meter, m.host.rng);
    const before = exitCounts(m);
    const s = bringUp(m, backend, {
      knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'copy' },
      options: { exits: 'kernel' },
    });
    const after = exitCounts(m);
    expectEqual(after.user - before.user, 0, 'after.user - before.user');
    expectAbove(after.kernel - before.kernel, 40, 'after.kernel - before.kernel');
    expectEqual(s.device.mapping.kind, 'kernel', 's.device.mapping.kind');
  },
);

export const EMULATED_NE2000_CASES: readonly ConformanceCase[] = cases;
