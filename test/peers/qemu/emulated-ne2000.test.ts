/**
 * NE2000 differential against QEMU's `ne2k_isa` (specs/trap-emulate.md §9 "Differential recipe",
 * §7 items 17–21; QEMU hw/net/ne2000.c). The same register traces replay from power-up on QEMU
 * (through qtest) and on our device model; every value read and every IRQ 9 edge must match,
 * except at steps tagged with a divergence listed in divergences/ne2000.ts (and such a step must
 * still differ, so the list stays true). Receive traces run two cards on a QEMU hub in running
 * mode: the second card (0x320, IRQ 10) transmits the injected frames and receives ours.
 *
 * Needs qemu-system-x86_64 (Debian/Ubuntu: qemu-system-x86): without it every case fails with
 * QemuMissing's message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringSetup, rxScenarios, sender, txScenarios } from '../../unit/emulated-ne2000/hub-scenarios.js';
import { RawCard } from '../../unit/emulated-ne2000/raw-card.js';
import {
  firstMismatch,
  inb,
  inl,
  inw,
  outb,
  outl,
  outw,
  randomRxTrace,
  randomTrace,
  replayOnModel,
  type Step,
  type StepResult,
} from '../../unit/emulated-ne2000/trace.js';
import { ne2000Divergence } from './divergences/ne2000.js';
import { QtestProcess } from './qtest-process.js';

const A = 0x300;
const IRQ_A = 9;
const MAC_A = '52:54:00:12:34:56';
const MAC_B = '52:54:00:12:34:57';

const SINGLE_CARD = ['-device', `ne2k_isa,mac=${MAC_A}`];
const HUB = [
  '-netdev',
  'hubport,id=n0,hubid=0',
  '-device',
  `ne2k_isa,netdev=n0,mac=${MAC_A}`,
  '-netdev',
  'hubport,id=n1,hubid=0',
  '-device',
  `ne2k_isa,netdev=n1,iobase=0x320,irq=10,mac=${MAC_B}`,
];

const hex = (n: number): string => `0x${n.toString(16)}`;
const SIZE_SUFFIX = { 1: 'b', 2: 'w', 4: 'l' } as const;

/** Replay `steps` on QEMU's card at A; injections are transmitted by the hub's second card. */
async function replayOnQemu(q: QtestProcess, steps: readonly Step[]): Promise<StepResult[]> {
  const commands: string[] = [];
  const stepOf: number[] = [];
  steps.forEach((s, i) => {
    const add = (c: string): void => {
      commands.push(c);
      stepOf.push(i);
    };
    if (s.op === 'in') add(`in${SIZE_SUFFIX[s.size]} ${hex(A + s.offset)}`);
    else if (s.op === 'out') add(`out${SIZE_SUFFIX[s.size]} ${hex(A + s.offset)} ${hex(s.value >>> 0)}`);
    else for (const c of sender.transmitCommands(s.frame)) add(c);
  });
  const r0 = q.replyCount;
  const replies = await q.batch(commands);
  const values: (number | undefined)[] = steps.map(() => undefined);
  const edges: boolean[][] = steps.map(() => []);
  steps.forEach((s, i) => {
    if (s.op !== 'in') return;
    const c = stepOf.indexOf(i);
    values[i] = Number.parseInt((replies[c] as string).trim(), 16);
  });
  for (const e of q.irqEvents(IRQ_A)) {
    const c = e.afterReplies - r0;
    if (c < 0 || c >= commands.length) continue;
    (edges[stepOf[c] as number] as boolean[]).push(e.level);
  }
  return steps.map((_, i) => {
    const v = values[i];
    return v === undefined ? { edges: edges[i] as boolean[] } : { value: v, edges: edges[i] as boolean[] };
  });
}

/**
 * Compare QEMU and our model on one trace. A difference must be at a step tagged with a listed
 * divergence (the comparison ends there: the states have parted); a tagged step must differ.
 */
async function differential(q: QtestProcess, steps: readonly Step[]): Promise<RawCard> {
  const card = new RawCard();
  const ours = replayOnModel(card, steps);
  const theirs = await replayOnQemu(q, steps);
  const m = firstMismatch(steps, ours, theirs);
  const tagged = steps.findIndex((s) => s.divergence !== undefined);
  if (m === undefined) {
    expect(tagged, `step ${tagged} is tagged as a divergence but QEMU and the model agree`).toBe(-1);
    return card;
  }
  if (m.divergence === undefined) throw new Error(`unlisted difference from QEMU at ${m.what}`);
  expect(ne2000Divergence(m.divergence), `divergence ${m.divergence} is not in divergences/ne2000.ts`).toBeDefined();
  expect(m.step, `first difference (${m.what}) comes before the tagged step`).toBe(tagged);
  return card;
}

/** Power-up state of every page, the reset port and the PROM in each width (§7 items 17, 18). */
const powerUpTrace: Step[] = [
  ...[0, 1, 2, 3].flatMap((page) => [outb(0, (page << 6) | 0x21), ...Array.from({ length: 16 }, (_, r) => inb(r))]),
  outb(0, 0x21),
  inb(0x07),
  inb(0x1f),
  outb(0x1f, 0x00),
  inb(0x07),
  // PROM, byte mode (32), then word mode (16 words), then 32-bit (8 dwords).
  outb(0x0e, 0x48),
  outb(0x0a, 32),
  outb(0x0b, 0),
  outb(0x08, 0),
  outb(0x09, 0),
  outb(0, 0x0a),
  ...Array.from({ length: 32 }, () => inb(0x10)),
  inb(0x07),
  outb(0x0e, 0x49),
  outb(0x0a, 32),
  outb(0x08, 0),
  outb(0, 0x0a),
  ...Array.from({ length: 16 }, () => inw(0x10)),
  outb(0x0a, 32),
  outb(0x08, 0),
  outb(0, 0x0a),
  ...Array.from({ length: 8 }, () => inl(0x10)),
  // A second and third reset: PROM bytes 12–27 go stale in QEMU's way.
  inb(0x1f),
  inb(0x1f),
  outb(0x08, 0),
  outb(0x09, 0),
  outb(0x0a, 32),
  outb(0, 0x0a),
  ...Array.from({ length: 16 }, () => inw(0x10)),
];

/** Page 1 read-back, page 2/3 answers, ignored writes and ring-register limits (§7 item 18; H9). */
const pagesTrace: Step[] = [
  outb(0, 0x61),
  ...Array.from({ length: 15 }, (_, r) => outb(r + 1, 0x10 + r * 9)),
  ...Array.from({ length: 15 }, (_, r) => inb(r + 1)),
  outb(0x07, 0xc0),
  inb(0x07),
  outb(0x07, 0xbf),
  inb(0x07),
  outb(0, 0x21),
  outb(0x01, 0xc1),
  outb(0x02, 0xc0),
  outb(0x03, 0xc0),
  inb(0x03),
  outb(0x03, 0x5a),
  outb(0, 0xa1),
  inb(0x01),
  inb(0x02),
  outb(0x01, 0x33),
  inb(0x01),
  ...Array.from({ length: 16 }, (_, r) => inb(r)),
  outb(0, 0xe1),
  outb(0x05, 0x99),
  ...Array.from({ length: 16 }, (_, r) => inb(r)),
  outb(0, 0x21),
  inb(0x0a),
  inb(0x0b),
  outb(0x08, 0x34),
  outb(0x09, 0x12),
  inb(0x08),
  inb(0x09),
];

/** Remote DMA widths, RSAR wrap at PSTOP, RBCR countdown and RDC (§7 item 19; H1, H12). */
const remoteDmaTrace: Step[] = [
  outb(0, 0x21),
  outb(0x01, 0x40),
  outb(0x02, 0x42),
  outb(0x0f, 0x40),
  outb(0x07, 0xff),
  // Byte mode: write 6 bytes across the PSTOP wrap (0x41FE…).
  outb(0x0e, 0x48),
  outb(0x0a, 6),
  outb(0x0b, 0),
  outb(0x08, 0xfd),
  outb(0x09, 0x41),
  outb(0, 0x12),
  ...[0x11, 0x22, 0x33, 0x44, 0x55, 0x66].map((v) => outb(0x10, v)),
  inb(0x07),
  inb(0x08),
  inb(0x09),
  outb(0x10, 0x77),
  outb(0x07, 0x40),
  // Word mode reads from an odd address, past the count.
  outb(0x0e, 0x49),
  outb(0x0a, 3),
  outb(0x08, 0xfd),
  outb(0x09, 0x41),
  outb(0, 0x0a),
  inw(0x10),
  inb(0x07),
  inw(0x10),
  inb(0x07),
  inb(0x10),
  inw(0x10),
  outb(0x07, 0x40),
  // RD with a zero count: RDC at once; abort does not; STP suppresses it.
  outb(0x0a, 0),
  outb(0x0b, 0),
  outb(0, 0x0a),
  inb(0x07),
  outb(0x07, 0x40),
  outb(0, 0x22),
  inb(0x07),
  outb(0, 0x19),
  inb(0x07),
  outb(0, 0x1a),
  inb(0x07),
  outb(0x07, 0x40),
  // 32-bit data port at the top of packet RAM and in the gap; writes past RBCR.
  outb(0x0a, 8),
  outb(0x08, 0xfc),
  outb(0x09, 0xbf),
  outl(0x10, 0xa1b2c3d4),
  outl(0x10, 0x01020304),
  inb(0x08),
  inb(0x09),
  outb(0x0a, 8),
  outb(0x08, 0xfa),
  outb(0x09, 0xbf),
  outb(0, 0x0a),
  inl(0x10),
  inl(0x10),
  inl(0x10),
  outb(0x09, 0x20),
  outb(0x08, 0x00),
  inw(0x10),
  inb(0x10),
  outb(0x09, 0x00),
  outb(0x08, 0x1e),
  outb(0x0a, 4),
  outb(0, 0x12),
  outl(0x10, 0xdeadbeef),
  outb(0x08, 0x1e),
  outb(0, 0x0a),
  inl(0x10),
  inb(0x1f),
  outb(0x08, 0x1c),
  outb(0x0a, 8),
  inl(0x10),
  inl(0x10),
];

/** Synchronous transmit, range checks, TPSR aliasing, TXP while stopped (§7 item 20; H10). */
const transmitTrace: Step[] = [
  outb(0, 0x21),
  outb(0x0f, 0x02),
  outb(0x07, 0xff),
  outb(0x04, 0x40),
  outb(0x05, 30),
  outb(0x06, 0),
  outb(0, 0x26),
  inb(0),
  inb(0x04),
  inb(0x07),
  outb(0x07, 0x02),
  outb(0x04, 0xbf),
  outb(0x05, 0x00),
  outb(0x06, 0x02),
  outb(0, 0x26),
  inb(0x07),
  outb(0x07, 0x02),
  outb(0x04, 0xc0),
  outb(0x05, 60),
  outb(0x06, 0),
  outb(0, 0x26),
  inb(0x07),
  outb(0x07, 0x02),
  outb(0, 0x25),
  inb(0),
  inb(0x07),
  outb(0, 0x26),
  inb(0),
  inb(0x07),
];

/** Wide and unaligned accesses, W1C, IMR, RST never interrupts, reset keeps the line (§4 "Window", §7 item 21). */
const windowAndIrqTrace: Step[] = [
  inw(0),
  inl(0),
  inw(0x0e),
  inw(0x01),
  inl(0x0d),
  inw(0x0f),
  inl(0x0f),
  inl(0x02),
  outw(0x01, 0x4142),
  outb(0, 0x80),
  inb(0x01),
  inb(0x02),
  outb(0, 0x00),
  outl(0x0e, 0x12345678),
  outw(0x0e, 0x0101),
  inb(0x0e),
  inw(0x11),
  inw(0x1e),
  inb(0x11),
  outb(0x0f, 0x80),
  inb(0x07),
  outb(0x0f, 0x7f),
  outb(0x0a, 0),
  outb(0x0b, 0),
  outb(0, 0x0a),
  inb(0x07),
  outb(0x07, 0x3f),
  inb(0x07),
  inb(0x1f),
  inb(0x07),
  outb(0x0f, 0x7f),
  outb(0x0f, 0x40),
  outb(0, 0x0a),
  outb(0x07, 0x40),
];

describe('NE2000 register differential against QEMU ne2k_isa (-S, one card)', () => {
  let q: QtestProcess;

  beforeAll(async () => {
    q = await QtestProcess.start({ extraArgs: SINGLE_CARD });
    await q.irqInterceptIn('ioapic');
  }, 30_000);

  afterAll(async () => {
    await q?.close();
  });

  // Each trace starts from power-up: the card is reset between traces through a fresh QEMU.
  const fresh = async (): Promise<void> => {
    await q.close();
    q = await QtestProcess.start({ extraArgs: SINGLE_CARD });
    await q.irqInterceptIn('ioapic');
  };

  it('§7.17 ne2000.c ne2000_reset: power-up registers, reset port, PROM in 8/16/32-bit reads', async () => {
    await differential(q, powerUpTrace);
  });

  it('§7.18 ne2000.c ne2000_ioport_read/write: pages, page-1 read-back, RTL8029 ID and config bytes', async () => {
    await fresh();
    await differential(q, pagesTrace);
  });

  it('§7.19 ne2000.c ne2000_dma_update: widths per DCR.WTS, RSAR wrap at PSTOP, RBCR countdown, RDC', async () => {
    await fresh();
    await differential(q, remoteDmaTrace);
  });

  it('§7.20 ne2000.c ne2000_ioport_write (E8390_TRANS): TSR/PTX inside the CR write, range checks', async () => {
    await fresh();
    await differential(q, transmitTrace);
  });

  it('§4 window + §7.21 ne2000_update_irq: wide/unaligned splits, W1C, IMR, RST never interrupts', async () => {
    await fresh();
    await differential(q, windowAndIrqTrace);
  });

  it('divergence window-straddle: inw base+0x1F (platform bus) differs as documented', async () => {
    await fresh();
    await differential(q, [
      inb(0x07),
      outb(0x07, 0xff),
      { op: 'in', offset: 0x1f, size: 2, divergence: 'window-straddle' },
    ]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('random register trace, seed %i (400 accesses)', async (seed) => {
    await fresh();
    await differential(q, randomTrace(seed, 400));
  });
});

describe('NE2000 receive/transmit differential against QEMU (two ne2k_isa on a hub, running)', () => {
  let q: QtestProcess;

  const fresh = async (): Promise<void> => {
    await q?.close();
    q = await QtestProcess.start({ extraArgs: HUB, running: true });
    await q.irqInterceptIn('ioapic');
    await q.batch(sender.setupCommands());
  };

  beforeAll(fresh, 30_000);
  afterAll(async () => {
    await q?.close();
  });

  for (const scenario of rxScenarios) {
    it(scenario.name, async () => {
      await fresh();
      await differential(q, scenario.steps);
    });
  }

  it.each([11, 12, 13, 14])('random trace with injected frames, seed %i (300 steps)', async (seed) => {
    await fresh();
    await differential(q, [...ringSetup(), ...randomTrace(seed, 300, { inject: true })]);
  });

  it.each([21, 22, 23, 24, 25, 26])('random receive trace, seed %i (400 steps on a live ring)', async (seed) => {
    await fresh();
    await differential(q, [...ringSetup(), ...randomRxTrace(seed, 400)]);
  });

  for (const scenario of txScenarios) {
    it(scenario.name, async () => {
      await fresh();
      const card = await differential(q, scenario.steps);
      const atPeer = await sender.drainReceived(q);
      // What reached QEMU's second card = what our card handed the backend, runt-padded by the receiver.
      expect(atPeer.map((f) => Array.from(f))).toEqual(card.backend.sent.map((f) => Array.from(sender.asReceived(f))));
      expect(card.backend.sent.length).toBe(scenario.frames);
    });
  }
});
