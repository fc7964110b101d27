/**
 * NE2000 conformance (specs/trap-emulate.md §4, §7 items 17–21 and 24; N = QEMU hw/net/ne2000.c).
 * Device side: our model driven by raw port accesses (test/unit/emulated-ne2000/raw-card.ts) and
 * checked against the fact sheet's values. Driver side: the Linux-style driver on the sim engine,
 * its exit counts against §4's derivations. The same sequences run against QEMU in
 * test/peers/qemu/emulated-ne2000*.test.ts.
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HOST_DEVICE } from '../../harness/engine/sim/machine.js';
import { createNetBackend } from '../../models/backend/index.js';
import { multicastHashIndex } from '../../models/emulated/ne2000/index.js';
import { bringUp, exitCounts, referenceStack, stackMachine } from '../unit/emulated-ne2000/ne2000-stack.js';
import {
  BROADCAST,
  CARD_MAC,
  makeFrame,
  OTHER_MAC,
  RawCard,
  ScriptedNetBackend,
} from '../unit/emulated-ne2000/raw-card.js';

const PEER = [0x52, 0x54, 0x00, 0x00, 0x00, 0x01];

describe('§7.17 power-up, reset port, PROM (N ne2000_reset; Linux ne.c probe)', () => {
  it('§7.17 N ne2000_reset: power-up CR 0x00, ISR 0x80, every other register 0 on pages 0–2', () => {
    const c = new RawCard();
    expect(c.in(0)).toBe(0x00);
    const page0 = Array.from({ length: 15 }, (_, i) => c.in(i + 1));
    // ISR (7) is 0x80; the RTL8029 ID bytes (0x0A, 0x0B) read 'P', 'C'.
    expect(page0).toEqual([0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x50, 0x43, 0, 0, 0, 0]);
    c.out(0, 0x40);
    expect(Array.from({ length: 15 }, (_, i) => c.in(i + 1))).toEqual(new Array(15).fill(0));
    c.out(0, 0x80);
    expect(Array.from({ length: 15 }, (_, i) => c.in(i + 1))).toEqual(new Array(15).fill(0));
    expect(c.line).toBe(false);
  });

  it('§7.17 N ne2000_reset_ioport_read: reading +0x1F returns 0, sets ISR := 0x80 and keeps other registers', () => {
    const c = new RawCard();
    c.setupRing({ imr: 0x3f });
    c.out(0x07, 0xff);
    c.out(0x0a, 0);
    c.out(0, 0x0a); // zero-count remote read: RDC
    expect(c.in(0x07)).toBe(0x40);
    expect(c.in(0x1f)).toBe(0);
    expect(c.in(0x07)).toBe(0x80);
    c.out(0, 0xa1);
    expect([c.in(0x01), c.in(0x02), c.in(0x0f)]).toEqual([0x4c, 0x80, 0]);
    c.out(0, 0x21);
    c.out(0x1f, 0x55); // writes end the reset pulse: no effect
    expect(c.in(0x07)).toBe(0x80);
    c.out(0, 0x22); // any CR write without STP clears RST
    expect(c.in(0x07)).toBe(0x00);
  });

  it('§7.17 N ne2000_reset: PROM bytes 0–11 = MAC doubled, 28–31 = 0x57 (byte mode); words 0x5252… (word mode)', () => {
    const c = new RawCard();
    const prom = c.peek(0, 32);
    expect(prom.slice(0, 12)).toEqual([0x52, 0x52, 0x54, 0x54, 0x00, 0x00, 0x12, 0x12, 0x34, 0x34, 0x56, 0x56]);
    expect(prom.slice(28, 32)).toEqual([0x57, 0x57, 0x57, 0x57]);
    c.out(0x0e, 0x49);
    c.remote(0, 12);
    c.out(0, 0x0a);
    expect(Array.from({ length: 6 }, () => c.in(0x10, 2))).toEqual([0x5252, 0x5454, 0x0000, 0x1212, 0x3434, 0x5656]);
  });

  it('§7.17 Linux ne.c probe: the driver resets the card, checks the signature and reads the MAC', () => {
    const s = referenceStack({ mode: 'sink' });
    expect(Array.from(s.driver.info.mac)).toEqual(Array.from(CARD_MAC));
    expect(s.device.card.stats.resets).toBe(1);
    // Started, word mode, ring 0x4C–0x80, BNRY/CURR per the Linux convention, every source but RDC enabled.
    const card = s.device.card;
    expect([card.cr, card.dcr, card.pstart, card.pstop, card.bnry, card.curr, card.imr]).toEqual([
      0x22, 0x49, 0x4c, 0x80, 0x4c, 0x4d, 0x3f,
    ]);
    expect(Array.from(card.par)).toEqual(Array.from(CARD_MAC));
  });
});

describe('§7.18 pages, page-1 read-back, RTL8029 bytes (N ne2000_ioport_read/write)', () => {
  it('§7.18 CR reads back on every page; PAR0–5, CURR, MAR0–7 read back on page 1', () => {
    const c = new RawCard();
    c.out(0, 0x61);
    for (let r = 1; r < 16; r++) c.out(r, 0x10 + r);
    expect(Array.from({ length: 15 }, (_, i) => c.in(i + 1))).toEqual(Array.from({ length: 15 }, (_, i) => 0x11 + i));
    expect(c.in(0)).toBe(0x61);
    c.out(0, 0xe1);
    expect(c.in(0)).toBe(0xe1);
  });

  it('§7.18 page 2 answers PSTART/PSTOP only; page 3 answers the RTL8029 config bytes; both ignore writes', () => {
    const c = new RawCard();
    c.out(0, 0x21);
    c.out(0x01, 0x46);
    c.out(0x02, 0x60);
    c.out(0x0c, 0x1c);
    c.out(0, 0xa1);
    c.out(0x01, 0x99);
    expect(Array.from({ length: 15 }, (_, i) => c.in(i + 1))).toEqual([0x46, 0x60, ...new Array(13).fill(0)]);
    c.out(0, 0xe1);
    c.out(0x05, 0x12);
    expect(Array.from({ length: 15 }, (_, i) => c.in(i + 1))).toEqual([
      0,
      0,
      0,
      0,
      0x40,
      0x40,
      ...new Array(9).fill(0),
    ]);
  });

  it('§7.18 CRDA0/1 read the current remote address; ID bytes 0x50 0x43 where RBCR is written', () => {
    const c = new RawCard();
    c.out(0x08, 0x34);
    c.out(0x09, 0x12);
    expect([c.in(0x08), c.in(0x09), c.in(0x0a), c.in(0x0b)]).toEqual([0x34, 0x12, 0x50, 0x43]);
  });

  it('§8 H9 N ne2000_ioport_write: PSTART/PSTOP above 0xC0 and BNRY/CURR at or above 0xC0 are ignored', () => {
    const c = new RawCard();
    c.out(0x01, 0x40);
    c.out(0x02, 0xc0);
    c.out(0x01, 0xc1);
    c.out(0x02, 0xff);
    c.out(0x03, 0x50);
    c.out(0x03, 0xc0);
    expect([c.card.pstart, c.card.pstop, c.card.bnry]).toEqual([0x40, 0xc0, 0x50]);
    c.out(0, 0x40);
    c.out(0x07, 0xbf);
    c.out(0x07, 0xc0);
    expect(c.in(0x07)).toBe(0xbf);
  });

  it('§4 window: wide register accesses read all-ones and drop; unaligned ones split into QEMU pieces', () => {
    const c = new RawCard();
    expect([c.in(0, 2), c.in(0, 4), c.in(0x0e, 2), c.in(0x11, 2), c.in(0x1e, 2)]).toEqual([
      0xffff, 0xffffffff, 0xffff, 0xffff, 0xffff,
    ]);
    c.out(0x01, 0x4142, 2); // split: PSTART := 0x42, PSTOP := 0x41
    expect([c.card.pstart, c.card.pstop]).toEqual([0x42, 0x41]);
    c.out(0x0e, 0x0101, 2); // aligned word to DCR: dropped
    expect(c.card.dcr).toBe(0);
    // inw +0x0F = register 0x0F then a data-port byte (PROM byte 0 = 0x52).
    c.remote(0, 4);
    expect(c.in(0x0f, 2)).toBe(0x5200);
    expect(c.card.rsar).toBe(1);
  });
});

describe('§7.19 remote DMA (N ne2000_asic_ioport_*, ne2000_dma_update)', () => {
  it('§7.19 WTS=0 moves a byte per access, WTS=1 a word (also for 8-bit accesses), 32-bit accesses 4 bytes', () => {
    const c = new RawCard();
    c.poke(0x4000, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    c.remote(0x4000, 10);
    c.out(0, 0x0a);
    expect([c.in(0x10), c.card.rsar]).toEqual([1, 0x4001]);
    c.out(0x0e, 0x01);
    // Wider accesses clear address bit 0 but advance RSAR from where it was.
    expect([c.in(0x10, 2), c.card.rsar]).toEqual([0x0201, 0x4003]);
    expect([c.in(0x10, 1), c.card.rsar]).toEqual([0x03, 0x4005]);
    expect([c.in(0x10, 4), c.card.rsar]).toEqual([0x08070605, 0x4009]);
  });

  it('§7.19 RSAR wraps to PSTART when it reaches PSTOP; RBCR counts down and RDC is set at 0', () => {
    const c = new RawCard();
    c.out(0x01, 0x40);
    c.out(0x02, 0x42);
    c.out(0x07, 0xff);
    c.remote(0x41fe, 4);
    c.out(0, 0x12);
    c.out(0x10, 0xaa);
    c.out(0x10, 0xbb);
    expect(c.card.rsar).toBe(0x4000);
    expect(c.card.rbcr).toBe(2);
    expect(c.in(0x07) & 0x40).toBe(0);
    c.out(0x10, 0xcc);
    c.out(0x10, 0xdd);
    expect(c.in(0x07) & 0x40).toBe(0x40);
    expect(c.card.rbcr).toBe(0);
    c.out(0x10, 0xee); // RBCR = 0: dropped
    expect(c.peek(0x41fe, 2).concat(c.peek(0x4000, 3))).toEqual([0xaa, 0xbb, 0xcc, 0xdd, 0x00]);
  });

  it('§7.19 reads proceed past the count and set RDC again; the RD direction is not checked', () => {
    const c = new RawCard();
    c.poke(0x4000, [9, 8, 7]);
    c.out(0x07, 0xff);
    c.remote(0x4000, 1);
    c.out(0, 0x12); // "remote write" command, then reads
    expect([c.in(0x10), c.in(0x10), c.in(0x10)]).toEqual([9, 8, 7]);
    expect(c.in(0x07)).toBe(0x40);
  });

  it('§7.19 an RD command with RBCR = 0 sets RDC at once (read, write, send); abort and STP do not', () => {
    const c = new RawCard();
    const rdcAfter = (cr: number): number => {
      c.out(0x07, 0x40);
      c.out(0, cr);
      return c.in(0x07) & 0x40;
    };
    expect([rdcAfter(0x0a), rdcAfter(0x12), rdcAfter(0x1a), rdcAfter(0x22), rdcAfter(0x09)]).toEqual([
      0x40, 0x40, 0x40, 0, 0,
    ]);
  });

  it('§7.19 RDC interrupts only through IMR bit 6', () => {
    const c = new RawCard();
    c.out(0x0f, 0x40);
    c.out(0, 0x0a);
    expect(c.line).toBe(true);
    c.out(0x07, 0x40);
    expect(c.line).toBe(false);
    c.out(0x0f, 0x3f);
    c.out(0, 0x0a);
    expect(c.line).toBe(false);
  });
});

describe('§7.20 transmit (N ne2000_ioport_write, E8390_TRANS)', () => {
  it('§7.20 CR = 0x26 sends exactly TBCR bytes from TPSR, unpadded, and reports TSR 0x01 + PTX within the write', () => {
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
    expect(c.edgesAt(at)).toEqual([true]);
    expect(c.backend.sent.map((f) => Array.from(f))).toEqual([Array.from(frame)]);
    expect([c.in(0), c.in(0x04), c.in(0x07)]).toEqual([0x22, 0x01, 0x02]);
  });

  it('§7.20 TXP with STP set does nothing and stays in CR; TPSR ≥ 0xC0 aliases 32 KiB lower', () => {
    const c = new RawCard();
    c.out(0x04, 0xc0);
    c.out(0x05, 8);
    c.out(0, 0x25);
    expect(c.backend.sent).toHaveLength(0);
    expect(c.in(0)).toBe(0x25);
    c.poke(0x4000, [1, 2, 3, 4, 5, 6, 7, 8]);
    c.out(0, 0x26);
    expect(c.backend.sent.map((f) => Array.from(f))).toEqual([[1, 2, 3, 4, 5, 6, 7, 8]]);
  });

  it('divergence tx-backpressure: a refused frame keeps TXP set, no PTX until the backend is ready', () => {
    const c = new RawCard();
    c.setupRing({ imr: 0x02 });
    c.poke(0x4000, makeFrame(OTHER_MAC, CARD_MAC, 60));
    c.out(0x07, 0x40);
    c.backend.linkOpen = false;
    c.out(0x04, 0x40);
    c.out(0x05, 60);
    c.out(0, 0x26);
    expect([c.in(0), c.in(0x07), c.line, c.backend.sent.length]).toEqual([0x26, 0x00, false, 0]);
    c.backend.openLink();
    expect([c.in(0), c.in(0x07), c.in(0x04), c.line, c.backend.sent.length]).toEqual([0x22, 0x02, 0x01, true, 1]);
  });
});

describe('§7.21 receive ring, filters, IRQ (N ne2000_receive, ne2000_buffer_full, ne2000_update_irq)', () => {
  it('§7.21 fact-sheet oracle: a 60 B broadcast at page 0x47 gets header 21 48 40 00; CURR 0x48, RSR 0x21, PRX', () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x40, pstop: 0x80 });
    c.out(0, 0x62);
    c.out(0x07, 0x47);
    c.out(0, 0x22);
    const frame = makeFrame(BROADCAST, OTHER_MAC, 60, 2);
    c.push(frame);
    expect([c.card.curr, c.in(0x0c), c.in(0x07)]).toEqual([0x48, 0x21, 0x01]);
    expect(c.line).toBe(true);
    expect(c.peek(0x4700, 4)).toEqual([0x21, 0x48, 0x40, 0x00]);
    expect(c.peek(0x4704, 60)).toEqual(Array.from(frame));
  });

  it('§7.21 a 1,514 B unicast takes 6 pages (count 1,518); runts are zero-padded to 60', () => {
    const c = new RawCard();
    c.setupRing();
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 1514));
    expect(c.peek(0x4d00, 4)).toEqual([0x01, 0x53, 1518 & 0xff, 1518 >> 8]);
    const runt = makeFrame(CARD_MAC, OTHER_MAC, 42, 3);
    c.push(runt);
    expect(c.peek(0x5300, 4)).toEqual([0x01, 0x54, 64, 0]);
    expect(c.peek(0x5304, 60)).toEqual([...Array.from(runt), ...new Array(18).fill(0)]);
    expect(c.card.curr).toBe(0x54);
  });

  it('§7.21 the payload wraps from PSTOP to PSTART and the next page is wrapped by the ring size', () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x40, pstop: 0x60 });
    c.out(0x03, 0x5c);
    c.out(0, 0x62);
    c.out(0x07, 0x5e);
    c.out(0, 0x22);
    const frame = makeFrame(CARD_MAC, OTHER_MAC, 1000, 4);
    c.push(frame);
    // 1004 + 4 bytes from 0x5E00: 4 pages → 0x62 - 0x20 = 0x42.
    expect(c.peek(0x5e00, 4)).toEqual([0x01, 0x42, 1004 & 0xff, 1004 >> 8]);
    const stored = [...c.peek(0x5e04, 0x200 - 4), ...c.peek(0x4000, 1000 - (0x200 - 4))];
    expect(stored).toEqual(Array.from(frame));
    expect(c.card.curr).toBe(0x42);
  });

  it('§7.21 filters: broadcast needs AB, multicast needs AM and its CRC-32 MAR bit, PRO takes all', () => {
    const c = new RawCard();
    c.setupRing({ rcr: 0 });
    const mcast = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb];
    const taken = (dst: ArrayLike<number>): boolean => {
      const before = c.card.stats.rxFrames;
      c.push(makeFrame(dst, OTHER_MAC, 60));
      return c.card.stats.rxFrames > before;
    };
    expect([taken(BROADCAST), taken(mcast), taken(OTHER_MAC), taken(CARD_MAC)]).toEqual([false, false, false, true]);
    c.out(0x0c, 0x0c);
    expect([taken(BROADCAST), taken(mcast)]).toEqual([true, false]);
    // The MAR bit is the top 6 bits of the Ethernet CRC-32 register of the address (IEEE 802.3 §3.2.9).
    const bit = multicastHashIndex(Uint8Array.from(mcast), 0);
    c.out(0, 0x62);
    c.out(0x08 + (bit >> 3), 1 << (bit & 7));
    c.out(0, 0x22);
    expect(taken(mcast)).toBe(true);
    c.out(0x0c, 0x10);
    expect(taken(OTHER_MAC)).toBe(true);
  });

  it('§7.21 unicast is matched against the PROM MAC, not PAR0–5 (QEMU)', () => {
    const c = new RawCard();
    c.setupRing();
    c.out(0, 0x62);
    for (let i = 0; i < 6; i++) c.out(1 + i, OTHER_MAC[i] as number);
    c.out(0, 0x22);
    c.push(makeFrame(OTHER_MAC, CARD_MAC, 60));
    expect(c.card.stats.rxFrames).toBe(0);
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expect(c.card.stats.rxFrames).toBe(1);
  });

  it('§7.21 full ring (divergence rx-ring-full-backpressure): canReceive() false; a frame handed over anyway is dropped silently; BNRY frees room', () => {
    const c = new RawCard();
    c.setupRing({ pstart: 0x40, pstop: 0x50 });
    expect(c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 1))).toBe(true);
    expect(c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 2))).toBe(true);
    expect(c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 3))).toBe(false);
    c.out(0x07, 0x01);
    const curr = c.card.curr;
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expect([c.card.curr, c.in(0x07) & 0x11, c.card.stats.rxDroppedFull]).toEqual([curr, 0, 1]);
    const ready = c.backend.rxReadyCalls;
    c.out(0x03, 0x46);
    expect(c.backend.rxReadyCalls).toBe(ready + 1);
    expect(c.backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 1514, 4))).toBe(true);
  });

  it('§7.21 a stopped NIC and a ring with PSTOP ≤ PSTART drop frames', () => {
    const c = new RawCard();
    c.setupRing();
    c.out(0, 0x21);
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    c.out(0, 0x22);
    c.out(0x02, 0x4c);
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expect([c.card.stats.rxDroppedStopped, c.card.stats.rxDroppedFull, c.card.stats.rxFrames]).toEqual([1, 1, 0]);
  });

  it('§7.21 N ne2000_update_irq: line = ISR & IMR & 0x7F; ISR bits clear by writing 1; RST never interrupts', () => {
    const c = new RawCard();
    c.out(0x0f, 0xff);
    expect(c.line).toBe(false); // ISR = RST only
    c.setupRing({ imr: 0x02 });
    c.push(makeFrame(CARD_MAC, OTHER_MAC, 60));
    expect(c.line).toBe(false);
    let at = c.step;
    c.out(0x0f, 0x01);
    expect(c.edgesAt(at)).toEqual([true]);
    c.out(0x07, 0x02);
    expect(c.line).toBe(true);
    at = c.step;
    c.out(0x07, 0x81);
    expect(c.edgesAt(at)).toEqual([false]);
    expect(c.in(0x07)).toBe(0x00);
  });
});

describe('§7.24 driver exit counts against §4 "Driver sequences"', () => {
  it.each([
    [60, 45],
    [1514, 772],
  ])('TX of %i bytes: 15 + N/2 = %i user exits, 1 interrupt, 2 slave-PIC EOI kernel exits', (n, exits) => {
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
    expect([after.user - before.user, after.kernel - before.kernel, after.interrupts - before.interrupts]).toEqual([
      exits,
      2,
      1,
    ]);
    expect(s.backend.stats.framesFromGuest).toBe(1);
  });

  it.each([
    [60, 21],
    [1514, 22],
  ])('RX of %i bytes: 20 + ceil(N/1024) = %i user exits, 1 interrupt, 2 EOI kernel exits', (n, exits) => {
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
    expect(Array.from(got ?? [])).toEqual(Array.from(frame));
    expect([after.user - before.user, after.kernel - before.kernel, after.interrupts - before.interrupts]).toEqual([
      exits,
      2,
      1,
    ]);
  });

  it('exits=kernel meters the same accesses as kernel exits', () => {
    const m = stackMachine();
    const backend = createNetBackend({ peer: { mode: 'sink' } }, m.host.actor(HOST_DEVICE), m.host.meter, m.host.rng);
    const before = exitCounts(m);
    const s = bringUp(m, backend, {
      knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'copy' },
      options: { exits: 'kernel' },
    });
    const after = exitCounts(m);
    expect(after.user - before.user).toBe(0);
    expect(after.kernel - before.kernel).toBeGreaterThan(40);
    expect(s.device.mapping.kind).toBe('kernel');
  });
});

describe('multicast hash (IEEE 802.3 CRC-32; N net_crc32 >> 26)', () => {
  it('equals the top 6 bits of the bit-reversed complement of zlib’s CRC-32', () => {
    const reverse32 = (x: number): number => {
      let r = 0;
      for (let i = 0; i < 32; i++) r = ((r << 1) | ((x >>> i) & 1)) >>> 0;
      return r;
    };
    for (const mac of [[0x01, 0x00, 0x5e, 0x00, 0x00, 0x01], [0x33, 0x33, 0x00, 0x00, 0x00, 0x01], [...BROADCAST]]) {
      const bytes = Uint8Array.from(mac);
      expect(multicastHashIndex(bytes, 0)).toBe(reverse32(~crc32(Buffer.from(bytes)) >>> 0) >>> 26);
    }
  });
});
