/**
 * Conformance of the PIIX3 IDE disk (models/emulated/ide) to specs/trap-emulate.md §3 and the §7
 * checklist items 8–16 (C = QEMU hw/ide/core.c, P = hw/ide/pci.c + piix.c; ATA/ATAPI-6, SFF-8038i),
 * driven register by register on the sim engine over the reference block backend. Every case names
 * its checklist item and source. Hostile sequences are in emulated-ide-hostile.test.ts, exit counts
 * in emulated-ide-e2e.test.ts, the QEMU differential in test/peers/qemu/emulated-ide.test.ts.
 */
import {
  AtaStatus,
  BmStatus,
  IdentifyStrings,
  MAX_MULTIPLE_SECTORS,
  type Piix3IdeController,
} from '../../../../models/emulated/ide/index.js';
import { expectDeepEqual, expectEqual } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { DISK_SECTORS, diskByte, diskPattern } from '../../support/emulated-ide-disk.js';
import { BM, CMD, CTL, type IdeStack, makeIdeStack } from '../../support/emulated-ide-stack.js';

const cases: ConformanceCase[] = [];
function ideCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `emulated-ide.${id}`, title, ref, models: ['emulated'], run });
}
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/trap-emulate.md',
  section,
  level,
  paraphrase,
});

const STATUS = CMD + 7;
const EOT = 0x80000000;
const PRD = 0x100000;
const BUF = 0x200000;

function stack(capacitySectors = DISK_SECTORS): IdeStack {
  return makeIdeStack({ capacitySectors, fill: diskPattern, memBytes: 32 * 1024 * 1024 });
}

function lba28(s: IdeStack, lba: number, count: number): void {
  s.outb(CMD + 6, 0xe0 | ((lba >>> 24) & 0x0f));
  s.outb(CMD + 2, count & 0xff);
  s.outb(CMD + 3, lba & 0xff);
  s.outb(CMD + 4, (lba >>> 8) & 0xff);
  s.outb(CMD + 5, (lba >>> 16) & 0xff);
}

function lba48(s: IdeStack, lba: number, count: number): void {
  const b = (i: number): number => Math.floor(lba / 2 ** (8 * i)) % 256;
  s.outb(CMD + 6, 0x40);
  s.outb(CMD + 2, (count >> 8) & 0xff);
  s.outb(CMD + 3, b(3));
  s.outb(CMD + 4, b(4));
  s.outb(CMD + 5, b(5));
  s.outb(CMD + 2, count & 0xff);
  s.outb(CMD + 3, b(0));
  s.outb(CMD + 4, b(1));
  s.outb(CMD + 5, b(2));
}

function words(s: IdeStack, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(s.inb(CMD, 2));
  return out;
}

function sectorWords(lba: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 256; i++) out.push(diskByte(lba * 512 + 2 * i) | (diskByte(lba * 512 + 2 * i + 1) << 8));
  return out;
}

function regs(s: IdeStack): number[] {
  return [1, 2, 3, 4, 5, 6].map((r) => s.inb(CMD + r));
}

function rises(s: IdeStack): number {
  return s.irq.filter((e) => e.level).length;
}

function requests(c: Piix3IdeController): number {
  return c.drive.stats.backendRequests;
}

function prd(s: IdeStack, entries: readonly (readonly [number, number])[]): void {
  entries.forEach(([addr, count], i) => {
    s.m.guest.mem.setU32(PRD + 8 * i, addr);
    s.m.guest.mem.setU32(PRD + 8 * i + 4, count >>> 0);
  });
}

function startDma(s: IdeStack, read: boolean, lba: number, count: number): void {
  s.outb(BM.prd, PRD, 4);
  s.outb(BM.status, BmStatus.ERR | BmStatus.INT);
  s.outb(BM.cmd, read ? 0x08 : 0);
  lba28(s, lba, count);
  s.outb(STATUS, read ? 0xc8 : 0xca);
  s.outb(BM.cmd, read ? 0x09 : 0x01);
}

// §7.8 reset values and signatures (C ide_reset, ide_set_signature, ide_perform_srst; ATA/ATAPI-6 §9.12)
ideCase(
  '7.8',
  'power-on: status 0x50, error 0, signature 01/01/00/00, device 0xA0, INTRQ low',
  sheet('§7.8, §9.12', 'power-on: status 0x50, error 0, signature 01/01/00/00, device 0xA0, INTRQ low'),
  () => {
    const s = stack();
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectDeepEqual(regs(s), [0x00, 0x01, 0x01, 0x00, 0x00, 0xa0], 'regs(s)');
    expectDeepEqual(s.irq, [], 's.irq');
  },
);

ideCase(
  '7.8-2',
  'SRST: registers reset at once, error 0x01 (diagnostic passed), IRQ 14 raised, multiple count back to 16',
  sheet(
    '§7.8, §9.12',
    'SRST: registers reset at once, error 0x01 (diagnostic passed), IRQ 14 raised, multiple count back to 16',
  ),
  () => {
    const s = stack();
    s.outb(CMD + 2, 2);
    s.outb(STATUS, 0xc6);
    expectEqual(s.controller.drive.multipleSectors, 2, 's.controller.drive.multipleSectors');
    s.inb(STATUS);
    s.outb(CMD + 6, 0xe5);
    s.outb(CTL, 0x04);
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectDeepEqual(regs(s), [0x01, 0x01, 0x01, 0x00, 0x00, 0xa0], 'regs(s)');
    expectEqual(s.controller.primary.line, true, 's.controller.primary.line');
    expectEqual(s.controller.drive.multipleSectors, MAX_MULTIPLE_SECTORS, 's.controller.drive.multipleSectors');
    // QEMU 7.2 finishes SRST in a bottom half that clears the bit: the next SRST write resets again.
    s.inb(STATUS);
    s.outb(CTL, 0x04);
    expectEqual(s.controller.primary.line, true, 's.controller.primary.line');
    expectEqual(s.controller.primary.control & 0x04, 0, 's.controller.primary.control & 0x04');
  },
);

ideCase(
  '7.8-3',
  'SRST with nIEN set resets without an interrupt',
  sheet('§7.8, §9.12', 'SRST with nIEN set resets without an interrupt'),
  () => {
    const s = stack();
    s.outb(CTL, 0x06);
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectDeepEqual(s.irq, [], 's.irq');
  },
);

ideCase(
  '7.8-4',
  'absent slave: status and alternate status 0x00, error 0, commands ignored, FF/FF after SRST',
  sheet('§7.8, §9.12', 'absent slave: status and alternate status 0x00, error 0, commands ignored, FF/FF after SRST'),
  () => {
    const s = stack();
    s.outb(CMD + 6, 0xb0);
    expectEqual(s.inb(CTL), 0x00, 's.inb(CTL)');
    expectEqual(s.inb(STATUS), 0x00, 's.inb(STATUS)');
    expectEqual(s.inb(CMD + 1), 0x00, 's.inb(CMD + 1)');
    s.outb(STATUS, 0xec);
    expectDeepEqual(s.irq, [], 's.irq');
    expectEqual(s.inb(CMD, 2), 0, 's.inb(CMD, 2)');
    s.outb(CTL, 0x04);
    s.outb(CTL, 0x00);
    // The selection survives SRST (QEMU keeps bus->unit): the slave's FF/FF signature reads back.
    expectDeepEqual(
      [s.inb(CMD + 4), s.inb(CMD + 5), s.inb(CMD + 6)],
      [0xff, 0xff, 0xa0],
      '[s.inb(CMD + 4), s.inb(CMD + 5), s.inb(CMD + 6)]',
    );
    expectEqual(s.inb(STATUS), 0x00, 's.inb(STATUS)');
    s.outb(CMD + 6, 0xa0);
    expectEqual(s.inb(STATUS), 0x50, 's.inb(STATUS)');
  },
);

// §7.9 INTRQ (C ide_ioport_read/ide_status_read/ide_ctrl_write; ATA/ATAPI-6 §5.2.9 nIEN)
ideCase(
  '7.9',
  'the status read lowers INTRQ; the alternate status read does not',
  sheet('§7.9, §5.2.9', 'the status read lowers INTRQ; the alternate status read does not'),
  () => {
    const s = stack();
    s.outb(STATUS, 0xff);
    expectEqual(s.controller.primary.line, true, 's.controller.primary.line');
    expectEqual(s.inb(CTL), 0x41, 's.inb(CTL)');
    expectEqual(s.controller.primary.line, true, 's.controller.primary.line');
    expectEqual(s.inb(STATUS), 0x41, 's.inb(STATUS)');
    expectEqual(s.controller.primary.line, false, 's.controller.primary.line');
    expectDeepEqual(
      s.irq.map((e) => e.level),
      [true, false],
      's.irq.map((e) => e.level)',
    );
  },
);

ideCase(
  '7.9-2',
  'nIEN blocks new interrupts; setting it does not lower a raised line; a command write lowers it',
  sheet(
    '§7.9, §5.2.9',
    'nIEN blocks new interrupts; setting it does not lower a raised line; a command write lowers it',
  ),
  () => {
    const s = stack();
    s.outb(CTL, 0x02);
    s.outb(STATUS, 0x10);
    expectEqual(s.controller.primary.line, false, 's.controller.primary.line');
    s.outb(CTL, 0x00);
    s.outb(STATUS, 0x10);
    expectEqual(s.controller.primary.line, true, 's.controller.primary.line');
    s.outb(CTL, 0x02);
    expectEqual(s.controller.primary.line, true, 's.controller.primary.line');
    s.outb(CTL, 0x00);
    s.outb(STATUS, 0x10);
    expectDeepEqual(
      s.irq.map((e) => e.level),
      [true, false, true],
      's.irq.map((e) => e.level)',
    );
  },
);

ideCase(
  '7.9-3',
  '16-bit read at 0x1F6 is device | status << 8 and lowers INTRQ like a status read',
  sheet('§7.9, §5.2.9', '16-bit read at 0x1F6 is device | status << 8 and lowers INTRQ like a status read'),
  () => {
    const s = stack();
    s.outb(STATUS, 0xff);
    expectEqual(s.inb(CMD + 6, 2), 0xa0 | (0x41 << 8), 's.inb(CMD + 6, 2)');
    expectEqual(s.controller.primary.line, false, 's.controller.primary.line');
  },
);

// §7.10 busy gating (C ide_ioport_write, ide_exec_cmd)
ideCase(
  '7.10',
  'taskfile writes and commands are ignored while DRQ is set',
  sheet('§7.10', 'taskfile writes and commands are ignored while DRQ is set'),
  () => {
    const s = stack();
    s.outb(STATUS, 0xec);
    expectEqual(s.inb(CTL), 0x58, 's.inb(CTL)');
    s.outb(CMD + 2, 0x55);
    s.outb(CMD + 6, 0xb0);
    s.outb(STATUS, 0x20);
    expectEqual(s.inb(CMD + 2), 0x01, 's.inb(CMD + 2)');
    expectEqual(s.inb(CMD + 6), 0xa0, 's.inb(CMD + 6)');
    expectEqual(requests(s.controller), 0, 'requests(s.controller)');
    words(s, 256);
    s.outb(CMD + 2, 0x55);
    expectEqual(s.inb(CMD + 2), 0x55, 's.inb(CMD + 2)');
  },
);

ideCase(
  '7.10-2',
  'while BSY (backend busy) registers and commands are ignored; the command completes later',
  sheet('§7.10', 'while BSY (backend busy) registers and commands are ignored; the command completes later'),
  () => {
    const s = makeIdeStack({ capacitySectors: DISK_SECTORS, fill: diskPattern, service: 'hdd' });
    lba28(s, 9, 1);
    s.outb(STATUS, 0x20);
    expectEqual(s.inb(CTL) & AtaStatus.BSY, AtaStatus.BSY, 's.inb(CTL) & AtaStatus.BSY');
    s.outb(CMD + 3, 0x77);
    s.outb(STATUS, 0xec);
    expectEqual(requests(s.controller), 1, 'requests(s.controller)');
    s.settle();
    expectEqual(s.inb(CTL), 0x58, 's.inb(CTL)');
    expectEqual(s.inb(CMD + 3), 10, 's.inb(CMD + 3)');
    expectDeepEqual(words(s, 256), sectorWords(9), 'words(s, 256)');
  },
);

// §7.11 IDENTIFY DEVICE (C ide_identify; ATA/ATAPI-6 §8.15 Table 24)
const s = stack();
s.outb(STATUS, 0xec);
const w = words(s, 256);
const text = (from: number, n: number): string =>
  w
    .slice(from, from + n)
    .map((x) => String.fromCharCode(x >> 8, x & 0xff))
    .join('');

ideCase(
  '7.11',
  'answers at once with DRQ and an interrupt; 256 words drain DRQ without a second interrupt',
  sheet('§7.11, §8.15', 'answers at once with DRQ and an interrupt; 256 words drain DRQ without a second interrupt'),
  () => {
    expectDeepEqual(
      s.irq.map((e) => e.level),
      [true],
      's.irq.map((e) => e.level)',
    );
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
  },
);

ideCase(
  '7.11-2',
  'the words QEMU 7.2 reports for a 1 MiB disk (observed), TRIM words excepted',
  sheet('§7.11, §8.15', 'the words QEMU 7.2 reports for a 1 MiB disk (observed), TRIM words excepted'),
  () => {
    const expected: Record<number, number> = {
      0: 0x0040,
      1: 2,
      3: 16,
      4: 0x7e00,
      5: 0x200,
      6: 63,
      20: 3,
      21: 0x200,
      22: 4,
      47: 0x8010,
      48: 1,
      49: 0x0b00,
      51: 0x200,
      52: 0x200,
      53: 7,
      54: 2,
      55: 16,
      56: 63,
      57: 0x7e0,
      58: 0,
      59: 0x0110,
      60: 0x800,
      61: 0,
      62: 7,
      63: 7,
      64: 3,
      65: 120,
      66: 120,
      67: 120,
      68: 120,
      80: 0xf0,
      81: 0x16,
      82: 0x4021,
      83: 0x7400,
      84: 0x4000,
      85: 0x4021,
      86: 0x3400,
      87: 0x4000,
      88: 0x203f,
      93: 0x6001,
      100: 0x800,
      101: 0,
      102: 0,
      103: 0,
      106: 0x6000,
    };
    for (const [i, v] of Object.entries(expected)) expectEqual(w[Number(i)], v, `word ${i}`);
  },
);

ideCase(
  '7.11-3',
  'strings are space padded with the first character in the high byte',
  sheet('§7.11, §8.15', 'strings are space padded with the first character in the high byte'),
  () => {
    expectEqual(text(10, 10), 'QM00001'.padEnd(20), 'text(10, 10)');
    expectEqual(text(23, 4), IdentifyStrings.firmware.padEnd(8), 'text(23, 4)');
    expectEqual(text(27, 20), IdentifyStrings.model.padEnd(40), 'text(27, 20)');
    expectEqual(w[10], 0x514d, 'w[10]'); // "QM"
  },
);

ideCase(
  '7.11-4',
  'capacity: LBA28 words saturate at 2^28 − 1, LBA48 words exact (a 2^40 + 3 sector sparse disk)',
  sheet(
    '§7.11, §8.15',
    'capacity: LBA28 words saturate at 2^28 − 1, LBA48 words exact (a 2^40 + 3 sector sparse disk)',
  ),
  () => {
    const big = makeIdeStack({ capacitySectors: 2 ** 40 + 3 });
    big.outb(STATUS, 0xec);
    const b = words(big, 256);
    expectDeepEqual([b[60], b[61]], [0xffff, 0x0fff], '[b[60], b[61]]');
    expectDeepEqual([b[100], b[101], b[102], b[103]], [3, 0, 0x100, 0], '[b[100], b[101], b[102], b[103]]');
  },
);

ideCase(
  '7.11-5',
  'word 59 keeps the multiple count of the first IDENTIFY (QEMU builds the page once)',
  sheet('§7.11, §8.15', 'word 59 keeps the multiple count of the first IDENTIFY (QEMU builds the page once)'),
  () => {
    const t = stack();
    t.outb(CMD + 2, 4);
    t.outb(STATUS, 0xc6);
    t.outb(STATUS, 0xec);
    expectEqual(words(t, 256)[59], 0x0104, 'words(t, 256)[59]');
    t.outb(CMD + 2, 8);
    t.outb(STATUS, 0xc6);
    t.outb(STATUS, 0xec);
    expectEqual(words(t, 256)[59], 0x0104, 'words(t, 256)[59]');
  },
);

// §7.12 PIO data phases (C cmd_read_pio, ide_sector_read, cmd_write_pio, ide_sector_write)
ideCase(
  '7.12',
  'READ SECTORS: one IRQ per sector, none after the last; data as stored; registers past the end',
  sheet('§7.12', 'READ SECTORS: one IRQ per sector, none after the last; data as stored; registers past the end'),
  () => {
    const s = stack();
    lba28(s, 5, 3);
    s.outb(STATUS, 0x20);
    for (let k = 0; k < 3; k++) {
      s.settle();
      expectEqual(rises(s), k + 1, 'rises(s)');
      expectEqual(s.inb(STATUS), 0x58, 's.inb(STATUS)');
      expectDeepEqual(words(s, 256), sectorWords(5 + k), 'words(s, 256)');
    }
    s.settle();
    expectEqual(rises(s), 3, 'rises(s)');
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectDeepEqual(regs(s), [0, 0, 8, 0, 0, 0xe0], 'regs(s)');
    expectEqual(s.inb(CMD, 2), 0, 's.inb(CMD, 2)');
  },
);

ideCase(
  '7.12-2',
  'WRITE SECTORS: DRQ at once with no IRQ before sector 1, an IRQ after each sector, data in the store',
  sheet('§7.12', 'WRITE SECTORS: DRQ at once with no IRQ before sector 1, an IRQ after each sector, data in the store'),
  () => {
    const s = stack();
    lba28(s, 100, 2);
    s.outb(STATUS, 0x30);
    expectEqual(s.inb(CTL), 0x58, 's.inb(CTL)');
    expectDeepEqual(s.irq, [], 's.irq');
    for (let i = 0; i < 256; i++) s.outb(CMD, 0x1000 + i, 2);
    expectEqual(s.inb(CTL) & AtaStatus.BSY, AtaStatus.BSY, 's.inb(CTL) & AtaStatus.BSY');
    s.settle();
    expectEqual(rises(s), 1, 'rises(s)');
    expectEqual(s.inb(STATUS), 0x58, 's.inb(STATUS)');
    for (let i = 0; i < 128; i++) s.outb(CMD, 0x20002000 + i, 4);
    s.settle();
    expectEqual(rises(s), 2, 'rises(s)');
    expectEqual(s.inb(STATUS), 0x50, 's.inb(STATUS)');
    const stored = new Uint8Array(1024);
    s.reference.store.readBytes(100 * 512, stored, 0, 1024);
    expectDeepEqual(
      [stored[0], stored[1], stored[510], stored[511]],
      [0x00, 0x10, 0xff, 0x10],
      '[stored[0], stored[1], stored[510], stored[511]]',
    );
    expectDeepEqual(
      [stored[512], stored[513], stored[514], stored[515]],
      [0x00, 0x20, 0x00, 0x20],
      '[stored[512], stored[513], stored[514], stored[515]]',
    );
  },
);

ideCase(
  '7.12-3',
  'SET MULTIPLE MODE accepts 0, 1, 2, 4, 8, 16 and aborts anything else (3 → 0x41/0x04)',
  sheet('§7.12', 'SET MULTIPLE MODE accepts 0, 1, 2, 4, 8, 16 and aborts anything else (3 → 0x41/0x04)'),
  () => {
    const s = stack();
    for (const n of [1, 2, 4, 8, 16, 0]) {
      s.outb(CMD + 2, n);
      s.outb(STATUS, 0xc6);
      expectEqual(s.inb(STATUS), 0x50, `count ${n}`);
      expectEqual(s.controller.drive.multipleSectors, n, 's.controller.drive.multipleSectors');
    }
    for (const n of [3, 6, 32, 255]) {
      s.outb(CMD + 2, n);
      s.outb(STATUS, 0xc6);
      expectEqual(s.inb(STATUS), 0x41, `count ${n}`);
      expectEqual(s.inb(CMD + 1), 0x04, 's.inb(CMD + 1)');
    }
  },
);

ideCase(
  '7.12-4',
  'READ/WRITE MULTIPLE abort while the mode is off',
  sheet('§7.12', 'READ/WRITE MULTIPLE abort while the mode is off'),
  () => {
    const s = stack();
    s.outb(CMD + 2, 0);
    s.outb(STATUS, 0xc6);
    for (const op of [0xc4, 0xc5, 0x29, 0x39]) {
      s.outb(STATUS, op);
      expectEqual(s.inb(STATUS), 0x41, 's.inb(STATUS)');
    }
    expectEqual(requests(s.controller), 0, 'requests(s.controller)');
  },
);

ideCase(
  '7.12-5',
  'READ MULTIPLE with blocks of 2: an IRQ per block (2, 2, 1 sectors)',
  sheet('§7.12', 'READ MULTIPLE with blocks of 2: an IRQ per block (2, 2, 1 sectors)'),
  () => {
    const s = stack();
    s.outb(CMD + 2, 2);
    s.outb(STATUS, 0xc6);
    s.inb(STATUS);
    lba28(s, 0, 5);
    s.outb(STATUS, 0xc4);
    const got: number[] = [];
    for (const n of [2, 2, 1]) {
      s.settle();
      expectEqual(s.inb(STATUS), 0x58, 's.inb(STATUS)');
      got.push(...words(s, 256 * n));
    }
    s.settle();
    expectEqual(rises(s), 4, 'rises(s)');
    expectDeepEqual(got, [0, 1, 2, 3, 4].flatMap(sectorWords), 'got');
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
  },
);

// §7.13 addressing (C ide_cmd_lba48_transform, ide_get_sector; ATA/ATAPI-6 §6.16 48-bit)
ideCase(
  '7.13',
  'each write shifts the old value into the HOB shadow; HOB=1 reads the shadows; any write clears HOB',
  sheet(
    '§7.13, §6.16',
    'each write shifts the old value into the HOB shadow; HOB=1 reads the shadows; any write clears HOB',
  ),
  () => {
    const s = stack();
    for (const [r, a, b] of [
      [2, 0x12, 0x34],
      [3, 0x56, 0x78],
      [4, 0x9a, 0xbc],
      [5, 0xde, 0xf0],
    ] as const) {
      s.outb(CMD + r, a);
      s.outb(CMD + r, b);
    }
    s.outb(CTL, 0x80);
    expectDeepEqual(
      [2, 3, 4, 5].map((r) => s.inb(CMD + r)),
      [0x12, 0x56, 0x9a, 0xde],
      '[2, 3, 4, 5].map((r) => s.inb(CMD + r))',
    );
    s.outb(CMD + 1, 0);
    expectDeepEqual(
      [2, 3, 4, 5].map((r) => s.inb(CMD + r)),
      [0x34, 0x78, 0xbc, 0xf0],
      '[2, 3, 4, 5].map((r) => s.inb(CMD + r))',
    );
  },
);

ideCase(
  '7.13-2',
  'LBA48 addresses beyond 2^32 exactly (sparse disk of 2^40 sectors)',
  sheet('§7.13, §6.16', 'LBA48 addresses beyond 2^32 exactly (sparse disk of 2^40 sectors)'),
  () => {
    const s = makeIdeStack({ capacitySectors: 2 ** 40 });
    const lba = 2 ** 36 + 0x123456;
    const marker = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
    s.reference.store.writeBytes(lba * 512, marker, 0, 4);
    lba48(s, lba, 1);
    s.outb(STATUS, 0x24);
    s.settle();
    expectEqual(s.inb(STATUS), 0x58, 's.inb(STATUS)');
    expectDeepEqual(words(s, 2), [0xadde, 0xefbe], 'words(s, 2)');
    words(s, 254);
    s.outb(CTL, 0x80);
    const next = lba + 1;
    expectDeepEqual(
      [s.inb(CMD + 3), s.inb(CMD + 4), s.inb(CMD + 5)],
      [Math.floor(next / 2 ** 24) % 256, Math.floor(next / 2 ** 32) % 256, Math.floor(next / 2 ** 40) % 256],
      '[s.inb(CMD + 3), s.inb(CMD + 4), s.inb(CMD + 5)]',
    );
  },
);

ideCase(
  '7.13-3',
  'count 0 is 256 sectors for LBA28 and 65,536 for LBA48',
  sheet('§7.13, §6.16', 'count 0 is 256 sectors for LBA28 and 65,536 for LBA48'),
  () => {
    const s = makeIdeStack({ capacitySectors: 70000 });
    lba28(s, 0, 0);
    s.outb(STATUS, 0xc4);
    for (let b = 0; b < 16; b++) {
      s.settle();
      s.inb(STATUS);
      words(s, 256 * 16);
    }
    s.settle();
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    lba48(s, 0, 0);
    s.outb(STATUS, 0x29);
    for (let b = 0; b < 16; b++) {
      s.settle();
      s.inb(STATUS);
      words(s, 256 * 16);
    }
    s.settle();
    // 256 sectors moved, 65,280 to go: still asking for data.
    expectEqual(s.inb(CTL), 0x58, 's.inb(CTL)');
    expectEqual(s.controller.drive.regs.nsector, 65536 - 256 - 16, 's.controller.drive.regs.nsector');
  },
);

ideCase(
  '7.13-4',
  'CHS: cylinder/head/sector 1/2/5 on the default 16/63 geometry is LBA 1,138',
  sheet('§7.13, §6.16', 'CHS: cylinder/head/sector 1/2/5 on the default 16/63 geometry is LBA 1,138'),
  () => {
    const s = stack();
    s.outb(CMD + 6, 0xa2);
    s.outb(CMD + 2, 1);
    s.outb(CMD + 3, 5);
    s.outb(CMD + 4, 1);
    s.outb(CMD + 5, 0);
    s.outb(STATUS, 0x20);
    s.settle();
    s.inb(STATUS);
    expectDeepEqual(words(s, 256), sectorWords(1 * 16 * 63 + 2 * 63 + 4), 'words(s, 256)');
  },
);

// §7.14 out of range (C ide_sect_range_ok): ABRT + IRQ, no backend access
ideCase(
  '7.14',
  'READ SECTORS past the end aborts at once',
  sheet('§7.14', 'READ SECTORS past the end aborts at once'),
  () => {
    const s = stack();
    lba28(s, DISK_SECTORS, 1);
    s.outb(STATUS, 0x20);
    expectEqual(s.inb(CTL), 0x41, 's.inb(CTL)');
    expectEqual(s.inb(CMD + 1), 0x04, 's.inb(CMD + 1)');
    expectEqual(rises(s), 1, 'rises(s)');
    expectEqual(requests(s.controller), 0, 'requests(s.controller)');
  },
);

ideCase(
  '7.14-2',
  'the check is per block: the last in-range sector is read, the next block aborts',
  sheet('§7.14', 'the check is per block: the last in-range sector is read, the next block aborts'),
  () => {
    const s = stack();
    lba28(s, DISK_SECTORS - 1, 2);
    s.outb(STATUS, 0x20);
    s.settle();
    s.inb(STATUS);
    expectDeepEqual(words(s, 256), sectorWords(DISK_SECTORS - 1), 'words(s, 256)');
    expectEqual(s.inb(CTL), 0x41, 's.inb(CTL)');
    expectEqual(requests(s.controller), 1, 'requests(s.controller)');
  },
);

ideCase(
  '7.14-3',
  'WRITE past the end takes the block, then aborts without writing',
  sheet('§7.14', 'WRITE past the end takes the block, then aborts without writing'),
  () => {
    const s = stack();
    lba28(s, DISK_SECTORS, 1);
    s.outb(STATUS, 0x30);
    expectEqual(s.inb(CTL), 0x58, 's.inb(CTL)');
    for (let i = 0; i < 256; i++) s.outb(CMD, 0x3333, 2);
    expectEqual(s.inb(CTL), 0x41, 's.inb(CTL)');
    expectEqual(rises(s), 1, 'rises(s)');
    expectEqual(requests(s.controller), 0, 'requests(s.controller)');
  },
);

ideCase(
  '7.14-4',
  'LBA48 0xFFFFFFFFFFFF aborts; DMA past the end aborts with BM INT and ERR clear',
  sheet('§7.14', 'LBA48 0xFFFFFFFFFFFF aborts; DMA past the end aborts with BM INT and ERR clear'),
  () => {
    const s = stack();
    lba48(s, 0xffffffffffff, 1);
    s.outb(STATUS, 0x24);
    expectEqual(s.inb(STATUS), 0x41, 's.inb(STATUS)');
    s.enableBusMaster();
    prd(s, [[BUF, EOT | 1024]]);
    startDma(s, true, DISK_SECTORS - 1, 2);
    expectEqual(s.inb(CTL), 0x41, 's.inb(CTL)');
    expectEqual(s.inb(BM.status), BmStatus.INT, 's.inb(BM.status)');
    expectEqual(requests(s.controller), 0, 'requests(s.controller)');
  },
);

// §7.15 bus-master registers (P bmdma_read/bmdma_write, bmdma_addr_*; SFF-8038i §2)
ideCase(
  '7.15',
  'byte-only command and status, +1/+3 read 0xFF, command keeps 0x09, PRD pointer & ~3',
  sheet('§7.15, §2', 'byte-only command and status, +1/+3 read 0xFF, command keeps 0x09, PRD pointer & ~3'),
  () => {
    const s = stack();
    s.enableBusMaster();
    expectDeepEqual(
      [0, 1, 2, 3].map((o) => s.inb(BM.cmd + o)),
      [0, 0xff, 0, 0xff],
      '[0, 1, 2, 3].map((o) => s.inb(BM.cmd + o))',
    );
    expectEqual(s.inb(BM.cmd, 2), 0xffff, 's.inb(BM.cmd, 2)');
    expectEqual(s.inb(BM.status, 2), 0xffff, 's.inb(BM.status, 2)');
    s.outb(BM.cmd, 0xff);
    expectEqual(s.inb(BM.cmd), 0x09, 's.inb(BM.cmd)');
    expectEqual(s.inb(BM.status), BmStatus.ACTIVE, 's.inb(BM.status)');
    s.outb(BM.cmd, 0x08);
    expectEqual(s.inb(BM.status), 0, 's.inb(BM.status)');
    s.outb(BM.prd, 0x12345677, 4);
    expectEqual(s.inb(BM.prd, 4), 0x12345674, 's.inb(BM.prd, 4)');
    s.outb(BM.prd + 1, 0xab);
    expectEqual(s.inb(BM.prd, 4), 0x1234ab74, 's.inb(BM.prd, 4)');
    expectEqual(s.inb(BM.prd + 2, 2), 0x1234, 's.inb(BM.prd + 2, 2)');
  },
);

ideCase(
  '7.15-2',
  'status: drive-capable bits RW, ACTIVE read-only, ERR and INT write-1-to-clear',
  sheet('§7.15, §2', 'status: drive-capable bits RW, ACTIVE read-only, ERR and INT write-1-to-clear'),
  () => {
    const s = stack();
    s.enableBusMaster();
    s.outb(BM.cmd, 0x01);
    s.outb(STATUS, 0xff);
    expectEqual(s.inb(BM.status), BmStatus.ACTIVE | BmStatus.INT, 's.inb(BM.status)');
    s.outb(BM.status, 0xff);
    expectEqual(s.inb(BM.status), 0x60 | BmStatus.ACTIVE, 's.inb(BM.status)');
    s.outb(BM.status, 0x00);
    expectEqual(s.inb(BM.status), BmStatus.ACTIVE, 's.inb(BM.status)');
  },
);

ideCase(
  '7.15-3',
  'INT is set by every interrupt of the channel, DMA or not, and not while nIEN holds it back',
  sheet('§7.15, §2', 'INT is set by every interrupt of the channel, DMA or not, and not while nIEN holds it back'),
  () => {
    const s = stack();
    s.enableBusMaster();
    s.outb(STATUS, 0x10);
    expectEqual(s.inb(BM.status), BmStatus.INT, 's.inb(BM.status)');
    s.outb(BM.status, BmStatus.INT);
    s.outb(CTL, 0x02);
    s.outb(STATUS, 0x10);
    expectEqual(s.inb(BM.status), 0, 's.inb(BM.status)');
  },
);

// §7.16 PRD outcomes (C ide_dma_cb, P bmdma_prepare_buf; trap-emulate.md §3 table)
function outcome(entries: readonly (readonly [number, number])[], count: number, lba = 8) {
  const s = stack();
  s.enableBusMaster();
  prd(s, entries);
  startDma(s, true, lba, count);
  s.settle();
  return { s, ata: s.inb(CTL), bm: s.inb(BM.status), irqs: rises(s) };
}

ideCase(
  '7.16',
  'exact: 0x50, BM INT with ACTIVE cleared, IRQ, data in RAM',
  sheet('§7.16, §3', 'exact: 0x50, BM INT with ACTIVE cleared, IRQ, data in RAM'),
  () => {
    const { s, ata, bm, irqs } = outcome([[BUF, EOT | 1024]], 2);
    expectDeepEqual([ata, bm, irqs], [0x50, BmStatus.INT, 1], '[ata, bm, irqs]');
    const got = new Uint8Array(1024);
    s.m.guest.mem.load(BUF, 1024, got);
    expectDeepEqual(
      Array.from(got.subarray(0, 4)),
      [0, 1, 2, 3].map((i) => diskByte(8 * 512 + i)),
      'Array.from(got.subarray(0, 4))',
    );
    expectEqual(got[1023], diskByte(10 * 512 - 1), 'got[1023]');
  },
);

ideCase(
  '7.16-2',
  'longer (2 KiB for 1 KiB, or count 0 = 64 KiB): ACTIVE stays until STOP, only the transfer is written',
  sheet(
    '§7.16, §3',
    'longer (2 KiB for 1 KiB, or count 0 = 64 KiB): ACTIVE stays until STOP, only the transfer is written',
  ),
  () => {
    for (const count of [2048, 0]) {
      const { s, ata, bm, irqs } = outcome([[BUF, EOT | count]], 2);
      expectDeepEqual([ata, bm, irqs], [0x50, BmStatus.INT | BmStatus.ACTIVE, 1], '[ata, bm, irqs]');
      expectEqual(s.m.guest.mem.u8(BUF + 1024), 0, 's.m.guest.mem.u8(BUF + 1024)');
      s.outb(BM.cmd, 0);
      expectEqual(s.inb(BM.status), BmStatus.INT, 's.inb(BM.status)');
    }
  },
);

ideCase(
  '7.16-3',
  'bit 0 of the count is ignored (513 = 512)',
  sheet('§7.16, §3', 'bit 0 of the count is ignored (513 = 512)'),
  () => {
    expectEqual(outcome([[BUF, EOT | 513]], 1).bm, BmStatus.INT, 'outcome([[BUF, EOT | 513]], 1).bm');
  },
);

ideCase(
  '7.16-4',
  'shorter, or 512 entries without EOT that fall short: 0x50, ACTIVE cleared, no IRQ, nothing moved',
  sheet(
    '§7.16, §3',
    'shorter, or 512 entries without EOT that fall short: 0x50, ACTIVE cleared, no IRQ, nothing moved',
  ),
  () => {
    for (const entries of [[[BUF, EOT | 512]] as const, Array.from({ length: 512 }, () => [BUF, 2] as const)]) {
      const { s, ata, bm, irqs } = outcome(entries, 3);
      expectDeepEqual([ata, bm, irqs], [0x50, 0, 0], '[ata, bm, irqs]');
      expectEqual(requests(s.controller), 0, 'requests(s.controller)');
      expectEqual(s.m.guest.mem.u32(BUF), 0, 's.m.guest.mem.u32(BUF)');
    }
  },
);

ideCase(
  '7.16-5',
  'a scatter list over three descriptors lands in the right places; START before the command also works',
  sheet(
    '§7.16, §3',
    'a scatter list over three descriptors lands in the right places; START before the command also works',
  ),
  () => {
    const s = stack();
    s.enableBusMaster();
    prd(s, [
      [BUF, 512],
      [BUF + 0x40000, 1024],
      [BUF + 4096, EOT | 512],
    ]);
    s.outb(BM.prd, PRD, 4);
    s.outb(BM.cmd, 0x09);
    lba28(s, 50, 4);
    s.outb(STATUS, 0xc8);
    s.settle();
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectEqual(s.m.guest.mem.u8(BUF), diskByte(50 * 512), 's.m.guest.mem.u8(BUF)');
    expectEqual(s.m.guest.mem.u8(BUF + 0x40000), diskByte(51 * 512), 's.m.guest.mem.u8(BUF + 0x40000)');
    expectEqual(
      s.m.guest.mem.u8(BUF + 0x40000 + 1023),
      diskByte(53 * 512 - 1),
      's.m.guest.mem.u8(BUF + 0x40000 + 1023)',
    );
    expectEqual(s.m.guest.mem.u8(BUF + 4096), diskByte(53 * 512), 's.m.guest.mem.u8(BUF + 4096)');
  },
);

ideCase(
  '7.16-6',
  'WRITE DMA reads guest RAM in place (zero-copy) into the store',
  sheet('§7.16, §3', 'WRITE DMA reads guest RAM in place (zero-copy) into the store'),
  () => {
    const s = stack();
    s.enableBusMaster();
    const data = Uint8Array.from({ length: 1024 }, (_, i) => (i * 13) & 0xff);
    s.m.guest.mem.store(BUF, data);
    prd(s, [[BUF, EOT | 1024]]);
    const zero0 = s.m.hostMeter.counters.bytesZeroCopy;
    startDma(s, false, 300, 2);
    s.settle();
    expectEqual(s.inb(STATUS), 0x50, 's.inb(STATUS)');
    expectEqual(s.m.hostMeter.counters.bytesZeroCopy - zero0, 1024, 's.m.hostMeter.counters.bytesZeroCopy - zero0');
    const stored = new Uint8Array(1024);
    s.reference.store.readBytes(300 * 512, stored, 0, 1024);
    expectDeepEqual(stored, data, 'stored');
  },
);

export const EMULATED_IDE_CASES: readonly ConformanceCase[] = cases;
