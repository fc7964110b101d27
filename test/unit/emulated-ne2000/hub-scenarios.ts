/**
 * Receive and transmit traces for the NE2000 differential on a QEMU hub (trap-emulate.md §9):
 * card A (0x300, IRQ 9) is the card under test, card B (0x320, IRQ 10) sends the injected frames
 * and receives what A transmits, in promiscuous mode. `sender` produces B's qtest commands and
 * reads B's ring back. Each scenario cites the §7 / §8 item and the ne2000.c function it checks.
 */
import type { QtestProcess } from '../../peers/qemu/qtest-process.js';
import { BROADCAST, CARD_MAC, makeFrame, OTHER_MAC } from './raw-card.js';
import { inb, inw, outb, type Step } from './trace.js';

const B = 0x320;
const hex = (n: number): string => `0x${n.toString(16)}`;
const B_PSTART = 0x4c;
const B_PSTOP = 0x80;

function wordsOf(frame: Uint8Array): number[] {
  const words: number[] = [];
  for (let i = 0; i < frame.length; i += 2) words.push((frame[i] as number) | ((frame[i + 1] ?? 0) << 8));
  return words;
}

export const sender = {
  /** Word mode, promiscuous, ring 0x4C–0x7F, no interrupts, started. */
  setupCommands(): string[] {
    const w = (r: number, v: number): string => `outb ${hex(B + r)} ${hex(v)}`;
    return [
      w(0, 0x21),
      w(0x0e, 0x49),
      w(0x0a, 0),
      w(0x0b, 0),
      w(0x0c, 0x10),
      w(0x0d, 0),
      w(0x04, 0x40),
      w(0x01, B_PSTART),
      w(0x03, B_PSTART),
      w(0x02, B_PSTOP),
      w(0x07, 0xff),
      w(0x0f, 0),
      w(0, 0x61),
      w(0x07, B_PSTART + 1),
      w(0, 0x22),
    ];
  },

  /** B transmits `frame` (remote write to 0x4000, TPSR, TBCR, CR = 0x26), then acks its ISR. */
  transmitCommands(frame: Uint8Array): string[] {
    const w = (r: number, v: number): string => `outb ${hex(B + r)} ${hex(v)}`;
    const even = frame.length + (frame.length & 1);
    return [
      w(0x0a, even & 0xff),
      w(0x0b, even >>> 8),
      w(0x08, 0),
      w(0x09, 0x40),
      w(0, 0x12),
      ...wordsOf(frame).map((v) => `outw ${hex(B + 0x10)} ${hex(v)}`),
      w(0x07, 0xff),
      w(0x04, 0x40),
      w(0x05, frame.length & 0xff),
      w(0x06, frame.length >>> 8),
      w(0, 0x26),
      w(0x07, 0xff),
    ];
  },

  /** Frames B has stored since the last drain (payload only, as stored: runts padded), then an empty ring. */
  async drainReceived(q: QtestProcess): Promise<Uint8Array[]> {
    await q.outb(B, 0x62);
    const curr = await q.inb(B + 0x07);
    await q.outb(B, 0x22);
    const frames: Uint8Array[] = [];
    let page = B_PSTART + 1;
    for (let guard = 0; page !== curr && guard < B_PSTOP - B_PSTART; guard++) {
      const header = await readCard(q, page << 8, 4);
      const count = (header[2] as number) | ((header[3] as number) << 8);
      frames.push(await readCard(q, (page << 8) + 4, count - 4));
      page = header[1] as number;
    }
    await q.batch([
      `outb ${hex(B)} 0x61`,
      `outb ${hex(B + 0x07)} ${hex(B_PSTART + 1)}`,
      `outb ${hex(B)} 0x22`,
      `outb ${hex(B + 0x03)} ${hex(B_PSTART)}`,
      `outb ${hex(B + 0x07)} 0xff`,
    ]);
    return frames;
  },

  /** What a QEMU NE2000 stores for a frame it receives: runts zero-padded to 60 bytes. */
  asReceived(frame: Uint8Array): Uint8Array {
    if (frame.length >= 60) return frame;
    const padded = new Uint8Array(60);
    padded.set(frame);
    return padded;
  },
};

/** `count` bytes of B's card memory at `address` (word-mode remote read; RSAR wraps at PSTOP). */
async function readCard(q: QtestProcess, address: number, count: number): Promise<Uint8Array> {
  const even = count + (count & 1);
  const words = await q.batch([
    `outb ${hex(B + 0x0a)} ${hex(even & 0xff)}`,
    `outb ${hex(B + 0x0b)} ${hex(even >>> 8)}`,
    `outb ${hex(B + 0x08)} ${hex(address & 0xff)}`,
    `outb ${hex(B + 0x09)} ${hex(address >>> 8)}`,
    `outb ${hex(B)} 0x0a`,
    ...Array.from({ length: even / 2 }, () => `inw ${hex(B + 0x10)}`),
  ]);
  const out = new Uint8Array(even);
  words.slice(5).forEach((r, i) => {
    const v = Number.parseInt(r.trim(), 16);
    out[2 * i] = v & 0xff;
    out[2 * i + 1] = v >>> 8;
  });
  return out.subarray(0, count);
}

// ---- traces for card A --------------------------------------------------------------------------

interface RingSetup {
  pstart?: number;
  pstop?: number;
  bnry?: number;
  curr?: number;
  rcr?: number;
  imr?: number;
}

/** Stop, word mode, ring registers, RCR, ISR cleared, IMR, CURR (page 1), start. */
export function ringSetup(o: RingSetup = {}): Step[] {
  const pstart = o.pstart ?? 0x40;
  return [
    outb(0, 0x21),
    outb(0x0e, 0x49),
    outb(0x01, pstart),
    outb(0x02, o.pstop ?? 0x80),
    outb(0x03, o.bnry ?? pstart),
    outb(0x0c, o.rcr ?? 0x04),
    outb(0x07, 0xff),
    outb(0x0f, o.imr ?? 0x3f),
    outb(0, 0x61),
    outb(0x07, o.curr ?? pstart + 1),
    outb(0, 0x22),
  ];
}

/** CURR (page 1), then ISR and RSR (page 0). */
export const readPointers: Step[] = [outb(0, 0x62), inb(0x07), outb(0, 0x22), inb(0x07), inb(0x0c)];

/** Word-mode remote read of `count` bytes at `address`, RDC acked. */
export function readCardSteps(address: number, count: number): Step[] {
  const even = count + (count & 1);
  return [
    outb(0x0a, even & 0xff),
    outb(0x0b, even >>> 8),
    outb(0x08, address & 0xff),
    outb(0x09, address >>> 8),
    outb(0, 0x0a),
    ...Array.from({ length: even / 2 }, () => inw(0x10)),
    inb(0x07),
    outb(0x07, 0x40),
  ];
}

const inject = (frame: Uint8Array, divergence?: string): Step =>
  divergence === undefined ? { op: 'inject', frame } : { op: 'inject', frame, divergence };
const ack = (bits: number): Step => outb(0x07, bits);
const MULTICAST = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb] as const;

export interface Scenario {
  readonly name: string;
  readonly steps: Step[];
}

export const rxScenarios: readonly Scenario[] = [
  {
    name: '§7.21 ne2000_receive: 60 B broadcast at page 0x47 → header 21 48 40 00 (fact-sheet oracle)',
    steps: [
      ...ringSetup({ bnry: 0x46, curr: 0x47 }),
      inject(makeFrame(BROADCAST, OTHER_MAC, 60, 3)),
      ...readPointers,
      ...readCardSteps(0x4700, 64),
    ],
  },
  {
    name: '§7.21 ne2000_receive: 1,514 B unicast to the PROM MAC takes 6 pages; CURR, RSR, PRX',
    steps: [
      ...ringSetup(),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 1514, 4)),
      ...readPointers,
      ...readCardSteps(0x4100, 1518),
      ack(0x01),
    ],
  },
  {
    name: '§7.21 ne2000_receive: runts padded to 60, odd lengths, 4 CRC bytes in the next-page sum',
    steps: [
      ...ringSetup(),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 42, 5)),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 14, 6)),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 61, 7)),
      ...readPointers,
      ...readCardSteps(0x4100, 3 * 256),
      // 248 B: header + frame fill one page exactly, the CRC allowance takes a second.
      inject(makeFrame(CARD_MAC, OTHER_MAC, 248, 8)),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 252, 9)),
      ...readPointers,
    ],
  },
  {
    name: '§7.21 ne2000_receive: payload wraps PSTOP → PSTART, next page wrapped, RSAR wraps on readback',
    steps: [
      ...ringSetup({ pstart: 0x40, pstop: 0x60, bnry: 0x5c, curr: 0x5e }),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 1000, 8)),
      ...readPointers,
      ...readCardSteps(0x5e00, 1004),
    ],
  },
  {
    name: '§7.21 filters: AB, AM + MAR CRC bit, PRO, unicast matched against the PROM not PAR0–5',
    steps: [
      ...ringSetup({ rcr: 0x00 }),
      inject(makeFrame(BROADCAST, OTHER_MAC, 60)),
      inject(makeFrame(OTHER_MAC, CARD_MAC, 60)),
      inject(makeFrame(MULTICAST, OTHER_MAC, 60)),
      ...readPointers,
      // PAR0–5 := OTHER_MAC: frames to it are still rejected, frames to the PROM MAC accepted.
      outb(0, 0x62),
      ...OTHER_MAC.map((b, i) => outb(1 + i, b)),
      outb(0, 0x22),
      inject(makeFrame(OTHER_MAC, CARD_MAC, 60)),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 60)),
      ...readPointers,
      outb(0x0c, 0x08),
      inject(makeFrame(MULTICAST, OTHER_MAC, 60)),
      ...readPointers,
      outb(0, 0x62),
      ...Array.from({ length: 8 }, (_, i) => outb(8 + i, 0xff)),
      outb(0, 0x22),
      inject(makeFrame(MULTICAST, OTHER_MAC, 60)),
      ...readPointers,
      outb(0x0c, 0x04),
      inject(makeFrame(BROADCAST, OTHER_MAC, 60)),
      outb(0x0c, 0x10),
      inject(makeFrame(OTHER_MAC, CARD_MAC, 60)),
      ...readPointers,
    ],
  },
  {
    name: '§7.21 ne2000_buffer_full: full ring drops silently; BNRY frees room; STP and PSTOP ≤ PSTART drop',
    steps: [
      ...ringSetup({ pstart: 0x40, pstop: 0x50 }),
      ...[1, 2, 3].flatMap((seed) => [inject(makeFrame(CARD_MAC, OTHER_MAC, 1514, seed)), ...readPointers]),
      outb(0x03, 0x46),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 1514, 4)),
      ...readPointers,
      outb(0, 0x21),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 60)),
      ...readPointers,
      outb(0x02, 0x40),
      outb(0, 0x22),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 60)),
      ...readPointers,
    ],
  },
  {
    name: '§7.21 ne2000_update_irq: PRX raises the line only through IMR; acks lower it',
    steps: [
      ...ringSetup({ imr: 0x02 }),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 60)),
      inb(0x07),
      outb(0x0f, 0x03),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 60)),
      ack(0x02),
      ack(0x01),
      outb(0x0f, 0x00),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 60)),
      outb(0x0f, 0x01),
      outb(0x0f, 0x00),
    ],
  },
  {
    name: '§8 H9 ne2000_receive: CURR below PSTART or at PSTOP stores safely, copy loop ends',
    steps: [
      ...ringSetup({ pstart: 0x50, pstop: 0x60, bnry: 0x10, curr: 0x20 }),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 300, 9)),
      ...readPointers,
      ...readCardSteps(0x5000, 512),
      ...ringSetup({ pstart: 0x50, pstop: 0x60, bnry: 0x50, curr: 0x60 }),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 300, 10)),
      ...readPointers,
      ...readCardSteps(0x5000, 512),
    ],
  },
  {
    name: 'divergence rx-oversize-frame: a frame longer than the free ring space',
    steps: [
      ...ringSetup({ pstart: 0x40, pstop: 0x48 }),
      inject(makeFrame(CARD_MAC, OTHER_MAC, 1900, 11), 'rx-oversize-frame'),
      ...readPointers,
    ],
  },
];

/** Card A sends `frame`: word-mode remote write to 0x4000, RDC acked, TPSR/TBCR, CR = 0x26, PTX acked. */
export function transmitSteps(frame: Uint8Array, options: { tpsr?: number; tbcr?: number } = {}): Step[] {
  const even = frame.length + (frame.length & 1);
  const words = wordsOf(frame);
  const tbcr = options.tbcr ?? frame.length;
  return [
    outb(0x0a, even & 0xff),
    outb(0x0b, even >>> 8),
    outb(0x08, 0),
    outb(0x09, 0x40),
    outb(0, 0x12),
    ...words.map((v) => ({ op: 'out', offset: 0x10, size: 2, value: v }) as const),
    inb(0x07),
    outb(0x07, 0x40),
    outb(0x04, options.tpsr ?? 0x40),
    outb(0x05, tbcr & 0xff),
    outb(0x06, tbcr >>> 8),
    outb(0, 0x26),
    inb(0x04),
    inb(0x07),
    outb(0x07, 0x02),
  ];
}

export interface TxScenario extends Scenario {
  /** Frames that must reach the peer. */
  readonly frames: number;
}

export const txScenarios: readonly TxScenario[] = [
  {
    name: '§7.20 ne2000_ioport_write E8390_TRANS: exact TBCR bytes from TPSR reach the peer (60, 61, 1514, 42 B)',
    steps: [
      ...ringSetup({ imr: 0x02 }),
      ...transmitSteps(makeFrame(OTHER_MAC, CARD_MAC, 60, 1)),
      ...transmitSteps(makeFrame(OTHER_MAC, CARD_MAC, 61, 2)),
      ...transmitSteps(makeFrame(OTHER_MAC, CARD_MAC, 1514, 3)),
      ...transmitSteps(makeFrame(BROADCAST, CARD_MAC, 42, 4)),
    ],
    frames: 4,
  },
  {
    name: '§8 H10: TPSR/TBCR past card memory send nothing but report PTX; TPSR ≥ 0xC0 aliases 32 KiB lower',
    steps: [
      ...ringSetup({ imr: 0x02 }),
      ...transmitSteps(makeFrame(OTHER_MAC, CARD_MAC, 100, 5), { tpsr: 0xbf, tbcr: 0x200 }),
      ...transmitSteps(makeFrame(OTHER_MAC, CARD_MAC, 100, 6), { tpsr: 0xc0 }),
    ],
    frames: 1,
  },
];
