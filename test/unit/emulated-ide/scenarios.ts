/**
 * Curated register-access traces for the IDE differential and the conformance cases
 * (specs/trap-emulate.md §3, §7 items 8–16): each replays from reset on a 1 MiB disk holding
 * `diskPattern`. Steps that QEMU answers differently by design carry a `divergence` id from
 * test/peers/qemu/divergences/ide.ts; `expect` pins values both sides must read.
 */

import { diskByte } from '../../../harness/conformance/support/emulated-ide-disk.js';
import type { AccessSize } from '../../../models/platform/bus.js';
import { BM, BM_BASE, CMD, CTL } from './ide-stack.js';
import { DMA_DONE, NOT_BUSY, type Tagged } from './trace.js';

export { DISK_SECTORS, diskByte, diskPattern } from '../../../harness/conformance/support/emulated-ide-disk.js';

/** Guest RAM used by the DMA traces (inside QEMU's 128 MiB and our 32 MiB, away from low memory). */
export const PRD_AT = 0x100000;
export const BUF_AT = 0x200000;
export const BUF2_AT = 0x240000;

function opt(expect?: number): { expect?: number } {
  return expect === undefined ? {} : { expect };
}
export const inp = (port: number, size: AccessSize = 1, expect?: number): Tagged => ({
  op: 'in',
  port,
  size,
  ...opt(expect),
});
export const outp = (port: number, value: number, size: AccessSize = 1): Tagged => ({ op: 'out', port, size, value });
export const words = (count: number): Tagged => ({ op: 'ins', port: CMD, size: 2, count });
export const settle: Tagged = { op: 'settle', ...NOT_BUSY };
/**
 * After an SRST write: QEMU sets BSY at once and finishes the reset in a bottom half of its main
 * loop, which may run after the next qtest command; waiting for BSY to clear makes it deterministic.
 */
export const srstSettle: Tagged = settle;
export const dmaSettle: Tagged = { op: 'settle', ...DMA_DONE };
export const status = (expect?: number): Tagged => inp(CMD + 7, 1, expect);
export const alt = (expect?: number): Tagged => inp(CTL, 1, expect);

/** Error, count, LBA low/mid/high, device, alternate status. */
export function regs(): Tagged[] {
  return [1, 2, 3, 4, 5, 6].map((r) => inp(CMD + r)).concat([alt()]);
}

/** LBA28 taskfile: device (LBA mode + bits 27:24), count, LBA 7:0, 15:8, 23:16. */
export function lba28(lba: number, count: number, device = 0xe0): Tagged[] {
  return [
    outp(CMD + 6, device | ((lba >>> 24) & 0x0f)),
    outp(CMD + 2, count & 0xff),
    outp(CMD + 3, lba & 0xff),
    outp(CMD + 4, (lba >>> 8) & 0xff),
    outp(CMD + 5, (lba >>> 16) & 0xff),
  ];
}

/** LBA48 taskfile: HOB bytes first, then the low ones. */
export function lba48(lba: number, count: number): Tagged[] {
  const b = (i: number): number => Math.floor(lba / 2 ** (8 * i)) % 256;
  return [
    outp(CMD + 6, 0x40),
    outp(CMD + 2, (count >> 8) & 0xff),
    outp(CMD + 3, b(3)),
    outp(CMD + 4, b(4)),
    outp(CMD + 5, b(5)),
    outp(CMD + 2, count & 0xff),
    outp(CMD + 3, b(0)),
    outp(CMD + 4, b(1)),
    outp(CMD + 5, b(2)),
  ];
}

/** The IDENTIFY page from word `from` on, with TRIM words 69 and 169 tagged (our model omits TRIM). */
export function identifyWords(from = 0): Tagged[] {
  const out: Tagged[] = [];
  let w = from;
  for (const trim of [69, 169]) {
    if (w > trim) continue;
    if (trim > w) out.push(words(trim - w));
    out.push({ ...words(1), divergence: 'identify-trim' });
    w = trim + 1;
  }
  out.push(words(256 - w));
  return out;
}

/** A PRD table: [address, byte count | EOT] pairs, little-endian. */
export function prdTable(entries: readonly (readonly [number, number])[], at = PRD_AT): Tagged {
  const bytes = new Uint8Array(entries.length * 8);
  const dv = new DataView(bytes.buffer);
  entries.forEach(([addr, count], i) => {
    dv.setUint32(i * 8, addr >>> 0, true);
    dv.setUint32(i * 8 + 4, count >>> 0, true);
  });
  return { op: 'ram', addr: at, bytes };
}

const EOT = 0x80000000;

/** A DMA command, START after the command (or before with `startFirst`), outcome registers, data. */
function dma(
  read: boolean,
  lba: number,
  count: number,
  prds: readonly (readonly [number, number])[],
  opts: { startFirst?: boolean; dumpLen?: number; divergence?: string; ext?: boolean } = {},
): Tagged[] {
  const dir = read ? 0x08 : 0x00;
  const tag = opts.divergence === undefined ? {} : { divergence: opts.divergence };
  const steps: Tagged[] = [prdTable(prds), outp(BM.prd, PRD_AT, 4), outp(BM.status, 0x06), outp(BM.cmd, dir)];
  if (opts.startFirst) steps.push(outp(BM.cmd, dir | 1));
  steps.push(...(opts.ext ? lba48(lba, count) : lba28(lba, count)));
  const opcode = opts.ext ? (read ? 0x25 : 0x35) : read ? 0xc8 : 0xca;
  steps.push(outp(CMD + 7, opcode));
  if (!opts.startFirst) steps.push(inp(BM.status), alt(0x58), outp(BM.cmd, dir | 1));
  const outcome: Tagged[] = [
    dmaSettle,
    inp(BM.status),
    alt(),
    inp(CMD + 1),
    ...regs(),
    outp(BM.cmd, 0),
    inp(BM.status),
    status(),
  ];
  steps.push(...outcome);
  // A documented divergence covers everything from the command on (the IRQ moves to another step).
  const commandAt = steps.findIndex((s) => s.op === 'out' && s.port === CMD + 7);
  if (opts.dumpLen !== undefined) steps.push({ op: 'dump', addr: BUF_AT, len: opts.dumpLen });
  return steps.map((s, i) => (i >= commandAt ? { ...s, ...tag } : s));
}

export interface Scenario {
  readonly name: string;
  readonly steps: readonly Tagged[];
}

const wordsOf = (lba: number, n: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(diskByte(lba * 512 + 2 * i) | (diskByte(lba * 512 + 2 * i + 1) << 8));
  return out;
};

export const SCENARIOS: readonly Scenario[] = [
  {
    name: '§7.8 power-on registers, SRST signature 01/01/00/00, every SRST write resets',
    steps: [
      ...regs(),
      status(0x50),
      outp(CTL, 0x04),
      srstSettle,
      ...regs(),
      status(0x50),
      outp(CTL, 0x04),
      srstSettle,
      status(),
      outp(CTL, 0x00),
      outp(CTL, 0x06),
      srstSettle,
      ...regs(),
      status(),
      outp(CTL, 0x00),
    ],
  },
  {
    name: '§7.8 absent slave: status 0x00, commands ignored, FF/FF signature, selection survives SRST',
    steps: [
      outp(CMD + 2, 0x33),
      outp(CMD + 6, 0xb0),
      ...regs(),
      status(0x00),
      outp(CMD + 7, 0xec),
      alt(0x00),
      outp(CMD + 7, 0xff),
      alt(),
      outp(CTL, 0x04),
      srstSettle,
      outp(CTL, 0x00),
      ...regs(),
      status(0x00),
      outp(CMD + 6, 0xa0),
      ...regs(),
      status(0x50),
    ],
  },
  {
    name: '§7.9 status read lowers INTRQ, alternate status does not, nIEN blocks new IRQs but keeps a raised one',
    steps: [
      outp(CMD + 7, 0xff),
      alt(0x41),
      alt(),
      inp(CMD + 1, 1, 0x04),
      status(0x41),
      outp(CTL, 0x02),
      outp(CMD + 7, 0xff),
      status(),
      outp(CTL, 0x00),
      outp(CMD + 7, 0xff),
      outp(CTL, 0x02),
      alt(),
      status(),
      outp(CTL, 0x00),
      outp(CMD + 7, 0x10),
      outp(CMD + 7, 0x10),
      status(0x50),
    ],
  },
  {
    name: '§7.11 IDENTIFY DEVICE: words and byte-swapped strings',
    steps: [outp(CMD + 6, 0xa0), outp(CMD + 7, 0xec), alt(0x58), ...identifyWords(0), status(0x50), ...regs()],
  },
  {
    name: '§3 odd access sizes: outw 0x1F6 splits (command in the high byte), 8-bit data read eats a word, inw 0x1F6, inl 0x1F4',
    steps: [
      outp(CMD + 6, 0xece0, 2),
      inp(CMD, 1, 0x40),
      inp(CMD, 4),
      inp(CMD + 6, 2),
      inp(CMD + 4, 4, 0xffffffff),
      ...identifyWords(3),
      status(),
      outp(CMD + 1, 0x1234, 2),
      inp(CMD + 1, 2),
      inp(CMD, 2, 0),
      inp(CMD, 4, 0),
    ],
  },
  {
    name: '§7.13 HOB shadows: writes shift the old value, HOB reads the shadow, any write clears HOB',
    steps: [
      outp(CMD + 1, 0x11),
      outp(CMD + 1, 0x22),
      outp(CMD + 2, 0x12),
      outp(CMD + 2, 0x34),
      outp(CMD + 3, 0x56),
      outp(CMD + 3, 0x78),
      outp(CMD + 4, 0x9a),
      outp(CMD + 4, 0xbc),
      outp(CMD + 5, 0xde),
      outp(CMD + 5, 0xf0),
      ...regs(),
      outp(CTL, 0x80),
      ...regs(),
      outp(CMD + 4, 0x01),
      ...regs(),
      outp(CTL, 0x80),
      outp(CMD + 6, 0xe0),
      inp(CMD + 2, 1, 0x34),
    ],
  },
  {
    name: '§7.10 taskfile writes and commands ignored while DRQ',
    steps: [
      outp(CMD + 7, 0xec),
      outp(CMD + 2, 0x55),
      outp(CMD + 6, 0xb0),
      outp(CMD + 7, 0xec),
      ...regs(),
      ...identifyWords(0),
      outp(CMD + 2, 0x55),
      inp(CMD + 2, 1, 0x55),
      status(0x50),
    ],
  },
  {
    name: '§7.12 aborted opcodes, no-data commands and SET FEATURES',
    steps: [
      ...[0x00, 0xff, 0x08, 0xa0, 0xa1, 0x87, 0x03, 0xc0, 0xb8].flatMap((op) => [
        outp(CMD + 7, op),
        alt(0x41),
        inp(CMD + 1, 1, 0x04),
        status(),
      ]),
      ...[0x10, 0x70, 0x91, 0x94, 0x95, 0x96, 0x97, 0x99, 0xe0, 0xe1, 0xe2, 0xe3, 0xe6].flatMap((op) => [
        outp(CMD + 7, op),
        alt(),
        status(),
      ]),
      outp(CMD + 7, 0xe5),
      ...regs(),
      status(),
      outp(CMD + 6, 0xe0),
      outp(CMD + 7, 0xf8),
      ...regs(),
      status(),
      outp(CMD + 2, 0x00),
      outp(CMD + 7, 0x40),
      ...regs(),
      status(),
      outp(CMD + 7, 0x90),
      ...regs(),
      status(),
      outp(CMD + 2, 0x07),
      outp(CMD + 7, 0xf5),
      ...regs(),
      status(),
      ...[0x00, 0x02, 0xaa, 0x5a].flatMap((feature) => [
        outp(CMD + 1, feature),
        outp(CMD + 7, 0xef),
        ...regs(),
        status(),
      ]),
      outp(CMD + 1, 0x03),
      outp(CMD + 2, 0x44),
      outp(CMD + 7, 0xef),
      status(0x50),
      outp(CMD + 2, 0x7f),
      outp(CMD + 7, 0xef),
      status(0x41),
      outp(CMD + 1, 0x82),
      outp(CMD + 7, 0xef),
      settle,
      status(0x50),
      outp(CMD + 7, 0xec),
      ...identifyWords(0),
      status(),
      outp(CMD + 7, 0xe7),
      settle,
      status(0x50),
      outp(CMD + 7, 0xea),
      settle,
      status(0x50),
    ],
  },
  {
    name: '§7.12 commands QEMU implements and our model refuses (SMART, DATA SET MANAGEMENT TRIM)',
    steps: [
      outp(CMD + 1, 0xda),
      outp(CMD + 4, 0x4f),
      outp(CMD + 5, 0xc2),
      outp(CMD + 7, 0xb0),
      { ...alt(), divergence: 'smart' },
      { ...inp(CMD + 1), divergence: 'smart' },
      { ...inp(CMD + 4), divergence: 'smart' },
      { ...status(), divergence: 'smart' },
      outp(CMD + 1, 0x01),
      outp(CMD + 2, 0x01),
      { ...outp(CMD + 7, 0x06), divergence: 'dsm-trim' },
      { ...alt(), divergence: 'dsm-trim' },
      { ...inp(CMD + 1), divergence: 'dsm-trim' },
    ],
  },
  {
    name: '§7.12 READ SECTORS: IRQ per sector, none after the last; registers end past the last sector',
    steps: [
      ...lba28(5, 3),
      outp(CMD + 7, 0x20),
      settle,
      ...regs(),
      ...[0, 1, 2].flatMap(() => [status(0x58), words(256), settle, ...regs()]),
      status(0x50),
      inp(CMD, 2, 0),
    ],
  },
  {
    name: '§7.12 WRITE SECTORS: DRQ at once without IRQ, IRQ after each sector; read back',
    steps: [
      ...lba28(100, 2),
      outp(CMD + 7, 0x30),
      alt(0x58),
      outp(CMD, 0x41),
      { op: 'outs', port: CMD, size: 2, values: Array.from({ length: 256 }, (_, i) => 0x1000 + i) },
      settle,
      ...regs(),
      status(0x58),
      { op: 'outs', port: CMD, size: 4, values: Array.from({ length: 128 }, (_, i) => (0x20002000 + i) >>> 0) },
      settle,
      ...regs(),
      status(0x50),
      ...lba28(100, 2),
      outp(CMD + 7, 0x20),
      settle,
      status(),
      words(256),
      settle,
      status(),
      words(256),
      status(0x50),
    ],
  },
  {
    name: '§7.12 SET MULTIPLE rules and READ/WRITE MULTIPLE: IRQ per block, ABRT when the mode is off',
    steps: [
      outp(CMD + 2, 3),
      outp(CMD + 7, 0xc6),
      status(0x41),
      outp(CMD + 2, 32),
      outp(CMD + 7, 0xc6),
      status(0x41),
      outp(CMD + 2, 2),
      outp(CMD + 7, 0xc6),
      status(0x50),
      ...lba28(0, 5),
      outp(CMD + 7, 0xc4),
      settle,
      ...regs(),
      ...[512, 512, 256].flatMap((n) => [status(0x58), words(n), settle, ...regs()]),
      status(0x50),
      outp(CMD + 2, 0),
      outp(CMD + 7, 0xc6),
      status(0x50),
      outp(CMD + 7, 0xc4),
      status(0x41),
      outp(CMD + 7, 0xc5),
      status(0x41),
      outp(CMD + 2, 4),
      outp(CMD + 7, 0xc6),
      status(0x50),
      ...lba28(200, 6),
      outp(CMD + 7, 0xc5),
      alt(0x58),
      { op: 'outs', port: CMD, size: 2, values: Array.from({ length: 1024 }, (_, i) => (i * 3) & 0xffff) },
      settle,
      status(0x58),
      { op: 'outs', port: CMD, size: 2, values: Array.from({ length: 512 }, (_, i) => (i * 5) & 0xffff) },
      settle,
      status(0x50),
      ...regs(),
      ...lba28(200, 6),
      outp(CMD + 7, 0x20),
      ...[0, 1, 2, 3, 4, 5].flatMap(() => [settle, status(), words(256)]),
      status(0x50),
    ],
  },
  {
    name: '§7.14 out of range: ABRT + IRQ, checked per block, after the data for writes',
    steps: [
      ...lba28(2047, 2),
      outp(CMD + 7, 0x20),
      settle,
      status(0x58),
      { op: 'ins', port: CMD, size: 2, count: 256 },
      settle,
      ...regs(),
      status(0x41),
      ...lba28(2048, 1),
      outp(CMD + 7, 0x20),
      ...regs(),
      status(0x41),
      ...lba28(2048, 1),
      outp(CMD + 7, 0x30),
      alt(0x58),
      { op: 'outs', port: CMD, size: 2, values: Array.from({ length: 256 }, () => 0x3333) },
      settle,
      ...regs(),
      status(0x41),
      ...lba48(0xffffffffffff, 1),
      outp(CMD + 7, 0x24),
      ...regs(),
      status(0x41),
      ...lba28(0, 0),
      outp(CMD + 7, 0xc8),
      alt(0x58),
    ],
  },
  {
    name: '§7.13 LBA48 read (count 0x0002 at 0x300) with HOB registers after; CHS addressing',
    steps: [
      ...lba48(0x300, 2),
      outp(CMD + 7, 0x24),
      settle,
      ...regs(),
      status(0x58),
      words(256),
      settle,
      status(0x58),
      words(256),
      ...regs(),
      outp(CTL, 0x80),
      ...regs(),
      outp(CTL, 0x00),
      status(0x50),
      outp(CMD + 6, 0xa0),
      outp(CMD + 2, 1),
      outp(CMD + 3, 1),
      outp(CMD + 4, 0),
      outp(CMD + 5, 0),
      outp(CMD + 7, 0x20),
      settle,
      ...regs(),
      status(0x58),
      { op: 'ins', port: CMD, size: 2, count: 256 },
      outp(CMD + 6, 0xa1),
      outp(CMD + 2, 1),
      outp(CMD + 3, 0x3f),
      outp(CMD + 4, 1),
      outp(CMD + 5, 0),
      outp(CMD + 7, 0x20),
      settle,
      ...regs(),
      status(0x58),
      words(256),
    ],
  },
  {
    name: '§7.13 INITIALIZE DEVICE PARAMETERS sets the CHS translation; SET FEATURES 0xCC makes SRST revert it',
    steps: [
      outp(CMD + 6, 0xa3),
      outp(CMD + 2, 17),
      outp(CMD + 7, 0x91),
      ...regs(),
      status(0x50),
      outp(CMD + 6, 0xa2),
      outp(CMD + 2, 1),
      outp(CMD + 3, 5),
      outp(CMD + 4, 1),
      outp(CMD + 5, 0),
      outp(CMD + 7, 0x20),
      settle,
      ...regs(),
      status(0x58),
      words(256),
      outp(CMD + 7, 0xec),
      ...identifyWords(0),
      status(),
      outp(CTL, 0x04),
      srstSettle,
      outp(CTL, 0x00),
      status(),
      outp(CMD + 6, 0xa2),
      outp(CMD + 2, 1),
      outp(CMD + 3, 5),
      outp(CMD + 4, 1),
      outp(CMD + 5, 0),
      outp(CMD + 7, 0x20),
      settle,
      ...regs(),
      status(0x58),
      words(256),
      outp(CMD + 1, 0xcc),
      outp(CMD + 7, 0xef),
      status(0x50),
      outp(CTL, 0x04),
      srstSettle,
      outp(CTL, 0x00),
      status(),
      outp(CMD + 6, 0xa2),
      outp(CMD + 2, 1),
      outp(CMD + 3, 5),
      outp(CMD + 4, 1),
      outp(CMD + 5, 0),
      outp(CMD + 7, 0x20),
      settle,
      ...regs(),
      status(0x58),
      words(256),
    ],
  },
  {
    name: '§7.15 bus-master registers: masks, W1C status, PRD pointer & ~3, INT on every channel IRQ',
    steps: [
      { op: 'bus-master' },
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((o) => inp(BM_BASE + o)),
      inp(BM.cmd, 2, 0xffff),
      inp(BM.status, 2, 0xffff),
      inp(BM.cmd, 4, 0xffffffff),
      inp(BM.prd, 4),
      outp(BM.prd, 0x12345677, 4),
      inp(BM.prd, 4, 0x12345674),
      outp(BM.prd + 1, 0xff),
      inp(BM.prd, 4),
      inp(BM.prd + 2, 2),
      outp(BM.prd + 2, 0xabcd, 2),
      inp(BM.prd, 4),
      outp(BM.cmd, 0xff),
      inp(BM.cmd, 1, 0x09),
      inp(BM.status),
      outp(BM.cmd, 0x08),
      inp(BM.status),
      outp(BM.status, 0xff),
      inp(BM.status),
      outp(BM.status, 0x00),
      inp(BM.status),
      outp(BM.cmd, 0x01, 2),
      outp(BM.status, 0x60, 2),
      inp(BM.cmd),
      inp(BM.status),
      outp(CMD + 7, 0x10),
      inp(BM.status),
      outp(BM.status, 0x04),
      inp(BM.status),
      outp(CTL, 0x02),
      outp(CMD + 7, 0x10),
      inp(BM.status),
      outp(CTL, 0x00),
      outp(BM_BASE + 8 + 4, 0x5555, 4),
      inp(BM_BASE + 8 + 4, 4),
      outp(BM_BASE + 8, 0x01),
      inp(BM_BASE + 8 + 2),
    ],
  },
  {
    name: '§7.16 DMA read, PRDs exact: 0x50, BM INT, ACTIVE cleared, IRQ; data in RAM',
    steps: [{ op: 'bus-master' }, ...dma(true, 8, 2, [[BUF_AT, EOT | 1024]], { dumpLen: 1536 })],
  },
  {
    name: '§7.16 DMA read, PRDs longer (and count 0 = 64 KiB): ACTIVE stays until STOP',
    steps: [
      { op: 'bus-master' },
      ...dma(true, 8, 2, [[BUF_AT, EOT | 2048]], { dumpLen: 2048 }),
      ...dma(true, 16, 2, [[BUF_AT, EOT | 0]], { dumpLen: 2048 }),
      ...dma(true, 24, 1, [[BUF_AT, EOT | 513]], { dumpLen: 1024 }),
    ],
  },
  {
    name: '§7.16 DMA read, PRDs shorter or 512 entries without EOT: no IRQ, ACTIVE cleared, nothing moved',
    steps: [
      { op: 'bus-master' },
      ...dma(true, 8, 2, [[BUF_AT, EOT | 512]], { dumpLen: 1024 }),
      ...dma(
        true,
        8,
        3,
        Array.from({ length: 512 }, () => [BUF_AT, 2] as const),
        { dumpLen: 16 },
      ),
      ...dma(
        true,
        40,
        2,
        Array.from({ length: 512 }, (_, i) => [BUF_AT + i * 16, 16] as const),
        { dumpLen: 1024 },
      ),
    ],
  },
  {
    name: '§7.16 DMA: scatter over three PRDs, START before the command, LBA48, write then read back',
    steps: [
      { op: 'bus-master' },
      ...dma(true, 50, 3, [
        [BUF_AT, 512],
        [BUF2_AT, 1024],
        [BUF_AT + 4096, EOT | 512],
      ]),
      { op: 'dump', addr: BUF_AT, len: 512 },
      { op: 'dump', addr: BUF2_AT, len: 1024 },
      { op: 'dump', addr: BUF_AT + 4096, len: 512 },
      ...dma(true, 60, 1, [[BUF_AT, EOT | 512]], { startFirst: true, dumpLen: 512 }),
      ...dma(true, 0x123, 2, [[BUF_AT, EOT | 1024]], { ext: true, dumpLen: 1024 }),
      { op: 'ram', addr: BUF2_AT, bytes: Uint8Array.from({ length: 1024 }, (_, i) => (i * 13) & 0xff) },
      ...dma(false, 300, 2, [[BUF2_AT, EOT | 1024]]),
      ...lba28(300, 2),
      outp(CMD + 7, 0x20),
      settle,
      status(),
      words(256),
      settle,
      status(),
      words(256),
    ],
  },
  {
    name: '§7.14 §7.16 DMA out of range: ABRT + IRQ with an adequate table, the short outcome with a short one',
    steps: [
      { op: 'bus-master' },
      ...dma(true, 2047, 2, [[BUF_AT, EOT | 1024]]),
      ...dma(true, 2047, 2, [[BUF_AT, EOT | 512]]),
    ],
  },
  {
    name: '§8 H6 DMA buffer outside guest RAM (our fault outcome; QEMU drops the bytes)',
    steps: [{ op: 'bus-master' }, ...dma(true, 8, 2, [[0xf0000000, EOT | 1024]], { divergence: 'dma-outside-ram' })],
  },
  {
    name: '§7.12 expected words of sector 5 (anchor)',
    steps: [...lba28(5, 1), outp(CMD + 7, 0x20), settle, status(0x58), { op: 'ins', port: CMD, size: 2, count: 4 }],
  },
];

/** The first words of sector `lba` as the disk pattern defines them (anchor for the last trace). */
export const SECTOR5_WORDS = wordsOf(5, 4);
