/**
 * Hostile-guest checks for the PIIX3 IDE disk (specs/trap-emulate.md §8 H3, H6, H7, H8, H14): every
 * case ends in the documented state — never an exception out of a port handler, an access outside
 * guest RAM or the disk, an unbounded loop, or a vCPU waiting on the backend. fast-check drives
 * random register sequences with the invariants checked after every access.
 */
import fc from 'fast-check';
import { AtaStatus, BmStatus } from '../../../../models/emulated/ide/index.js';
import type { BackendBlockRequest, BlockBackend } from '../../../../models/platform/backend-api.js';
import type { AccessSize } from '../../../../models/platform/bus.js';
import { ensure, expectAtMost, expectDeepEqual, expectEqual } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { DISK_SECTORS, diskPattern } from '../../support/emulated-ide-disk.js';
import { BM, BM_BASE, CMD, CTL, type IdeStack, makeIdeStack } from '../../support/emulated-ide-stack.js';

const cases: ConformanceCase[] = [];
function ideHostileCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `emulated-ide-hostile.${id}`, title, ref, models: ['emulated'], run });
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
const MEM = 32 * 1024 * 1024;

function stack(service: 'ram' | 'hdd' = 'ram', capacitySectors = DISK_SECTORS): IdeStack {
  return makeIdeStack({ capacitySectors, fill: diskPattern, memBytes: MEM, service });
}

function lba28(s: IdeStack, lba: number, count: number): void {
  s.outb(CMD + 6, 0xe0 | ((lba >>> 24) & 0x0f));
  s.outb(CMD + 2, count & 0xff);
  s.outb(CMD + 3, lba & 0xff);
  s.outb(CMD + 4, (lba >>> 8) & 0xff);
  s.outb(CMD + 5, (lba >>> 16) & 0xff);
}

function prd(s: IdeStack, entries: readonly (readonly [number, number])[], at = PRD): void {
  entries.forEach(([addr, count], i) => {
    s.m.guest.mem.setU32(at + 8 * i, addr >>> 0);
    s.m.guest.mem.setU32(at + 8 * i + 4, count >>> 0);
  });
}

function readDma(s: IdeStack, lba: number, count: number, table = PRD): void {
  s.outb(BM.prd, table, 4);
  s.outb(BM.status, BmStatus.ERR | BmStatus.INT);
  s.outb(BM.cmd, 0x08);
  lba28(s, lba, count);
  s.outb(STATUS, 0xc8);
  s.outb(BM.cmd, 0x09);
}

/** A backend that records every request it was given (to prove none reached past the disk). */
class WatchedBackend implements BlockBackend {
  readonly seen: { op: string; sector: number; sectors: number }[] = [];
  constructor(private readonly inner: BlockBackend) {}
  get capacitySectors(): number {
    return this.inner.capacitySectors;
  }
  get readOnly(): boolean {
    return this.inner.readOnly;
  }
  get serial(): string {
    return this.inner.serial;
  }
  submit(req: BackendBlockRequest, done: (req: BackendBlockRequest) => void): void {
    this.seen.push({ op: req.op, sector: req.sector, sectors: req.sectors });
    this.inner.submit(req, done);
  }
}

// H3 LBA / count past capacity, count 0, LBA48 near 2^48
ideHostileCase(
  'H3',
  'LBA48 2^48 − 1 with count 0 (65,536) aborts with IRQ and reaches no backend',
  sheet('§8 H3', 'LBA48 2^48 − 1 with count 0 (65,536) aborts with IRQ and reaches no backend'),
  () => {
    let watched: WatchedBackend | undefined;
    const s = makeIdeStack({ wrap: (b) => (watched = new WatchedBackend(b)) });
    s.outb(CMD + 6, 0x40);
    for (const r of [2, 3, 4, 5]) s.outb(CMD + r, r === 2 ? 0 : 0xff);
    for (const r of [2, 3, 4, 5]) s.outb(CMD + r, r === 2 ? 0 : 0xff);
    s.outb(STATUS, 0x24);
    expectEqual(s.inb(STATUS), 0x41, 's.inb(STATUS)');
    expectDeepEqual(watched?.seen, [], 'watched?.seen');
  },
);

ideHostileCase(
  'H3-2',
  'a sparse disk of 2^44 − 1 sectors: the last sector reads, one past it aborts (exact 48-bit arithmetic)',
  sheet(
    '§8 H3',
    'a sparse disk of 2^44 − 1 sectors: the last sector reads, one past it aborts (exact 48-bit arithmetic)',
  ),
  () => {
    let watched: WatchedBackend | undefined;
    const cap = 2 ** 44 - 1;
    const s = makeIdeStack({ capacitySectors: cap, wrap: (b) => (watched = new WatchedBackend(b)) });
    for (const [lba, ok] of [
      [cap - 1, true],
      [cap, false],
    ] as const) {
      s.outb(CMD + 6, 0x40);
      const b = (i: number): number => Math.floor(lba / 2 ** (8 * i)) % 256;
      s.outb(CMD + 2, 0);
      s.outb(CMD + 3, b(3));
      s.outb(CMD + 4, b(4));
      s.outb(CMD + 5, b(5));
      s.outb(CMD + 2, 1);
      s.outb(CMD + 3, b(0));
      s.outb(CMD + 4, b(1));
      s.outb(CMD + 5, b(2));
      s.outb(STATUS, 0x24);
      s.settle();
      expectEqual(s.inb(STATUS), ok ? 0x58 : 0x41, 's.inb(STATUS)');
      if (ok) for (let i = 0; i < 256; i++) s.inb(CMD, 2);
    }
    expectDeepEqual(watched?.seen, [{ op: 'read', sector: cap - 1, sectors: 1 }], 'watched?.seen');
  },
);

ideHostileCase(
  'H3-3',
  'CHS with 0 sectors per track (INITIALIZE DEVICE PARAMETERS count 0): transfers and READ NATIVE MAX abort instead of dividing by zero',
  sheet(
    '§8 H3',
    'CHS with 0 sectors per track (INITIALIZE DEVICE PARAMETERS count 0): transfers and READ NATIVE MAX abort instead of dividing by zero',
  ),
  () => {
    const s = stack();
    s.outb(CMD + 6, 0xa0);
    s.outb(CMD + 2, 0);
    s.outb(STATUS, 0x91);
    expectEqual(s.inb(STATUS), 0x50, 's.inb(STATUS)');
    s.outb(CMD + 2, 1);
    s.outb(CMD + 3, 1);
    s.outb(STATUS, 0x20);
    expectEqual(s.inb(STATUS), 0x41, 's.inb(STATUS)');
    s.outb(STATUS, 0xf8);
    expectEqual(s.inb(STATUS), 0x41, 's.inb(STATUS)');
    expectDeepEqual(
      [s.inb(CMD + 3), s.inb(CMD + 4), s.inb(CMD + 5)],
      [1, 0, 0],
      '[s.inb(CMD + 3), s.inb(CMD + 4), s.inb(CMD + 5)]',
    );
    expectEqual(s.controller.drive.stats.backendRequests, 0, 's.controller.drive.stats.backendRequests');
  },
);

// H6 PRD tables: no EOT, outside RAM, count 0, odd counts
ideHostileCase(
  'H6',
  '512 entries without EOT: the walk stops after one page (QEMU-equal short outcome)',
  sheet('§8 H6', '512 entries without EOT: the walk stops after one page (QEMU-equal short outcome)'),
  () => {
    const s = stack();
    s.enableBusMaster();
    prd(
      s,
      Array.from({ length: 600 }, () => [BUF, 2] as const),
    );
    readDma(s, 0, 4);
    s.settle();
    expectDeepEqual([s.inb(CTL), s.inb(BM.status)], [0x50, 0], '[s.inb(CTL), s.inb(BM.status)]');
    expectEqual(s.controller.bmPrimary.curAddr, PRD + 4096, 's.controller.bmPrimary.curAddr');
  },
);

ideHostileCase(
  'H6-2',
  'a PRD table outside guest RAM, or running off its end: ABRT 0x51, BM ERR|INT, IRQ, nothing transferred',
  sheet(
    '§8 H6',
    'a PRD table outside guest RAM, or running off its end: ABRT 0x51, BM ERR|INT, IRQ, nothing transferred',
  ),
  () => {
    for (const table of [0xf0000000, MEM - 8]) {
      const s = stack();
      s.enableBusMaster();
      if (table < MEM) prd(s, [[BUF, 256]], table);
      readDma(s, 0, 2, table);
      expectEqual(s.inb(CTL), 0x51, 's.inb(CTL)');
      expectEqual(s.inb(CMD + 1), 0x04, 's.inb(CMD + 1)');
      expectEqual(s.inb(BM.status), BmStatus.ERR | BmStatus.INT, 's.inb(BM.status)');
      expectEqual(s.controller.primary.line, true, 's.controller.primary.line');
      expectEqual(s.controller.drive.stats.backendRequests, 0, 's.controller.drive.stats.backendRequests');
    }
  },
);

ideHostileCase(
  'H6-3',
  'a buffer outside guest RAM (or straddling its end) for a read or a write: the same fault, no byte moved',
  sheet(
    '§8 H6',
    'a buffer outside guest RAM (or straddling its end) for a read or a write: the same fault, no byte moved',
  ),
  () => {
    for (const [addr, write] of [
      [0xfffff000, false],
      [MEM - 512, false],
      [MEM - 512, true],
    ] as const) {
      const s = stack();
      s.enableBusMaster();
      prd(s, [[addr, EOT | 1024]]);
      s.outb(BM.prd, PRD, 4);
      s.outb(BM.cmd, write ? 0 : 0x08);
      lba28(s, 0, 2);
      s.outb(STATUS, write ? 0xca : 0xc8);
      s.outb(BM.cmd, write ? 0x01 : 0x09);
      expectEqual(s.inb(CTL), 0x51, 's.inb(CTL)');
      expectEqual(s.inb(BM.status), BmStatus.ERR | BmStatus.INT, 's.inb(BM.status)');
      expectEqual(s.controller.drive.stats.backendRequests, 0, 's.controller.drive.stats.backendRequests');
    }
  },
);

ideHostileCase(
  'H6-4',
  'a bounded table: descriptors past the transfer are consumed but never used, even outside RAM',
  sheet('§8 H6', 'a bounded table: descriptors past the transfer are consumed but never used, even outside RAM'),
  () => {
    const s = stack();
    s.enableBusMaster();
    prd(s, [
      [BUF, 1024],
      [0xf0000000, EOT | 4096],
    ]);
    readDma(s, 0, 2);
    s.settle();
    // The second descriptor is described (ACTIVE stays) but not added to the scatter list.
    expectDeepEqual(
      [s.inb(CTL), s.inb(BM.status)],
      [0x50, BmStatus.INT | BmStatus.ACTIVE],
      '[s.inb(CTL), s.inb(BM.status)]',
    );
  },
);

// H7 START without a command, STOP mid-transfer, SRST during DMA, direction flip
ideHostileCase(
  'H7',
  'START without a command sets ACTIVE and waits; the command then runs at once',
  sheet('§8 H7', 'START without a command sets ACTIVE and waits; the command then runs at once'),
  () => {
    const s = stack();
    s.enableBusMaster();
    prd(s, [[BUF, EOT | 512]]);
    s.outb(BM.prd, PRD, 4);
    s.outb(BM.cmd, 0x09);
    expectEqual(s.inb(BM.status), BmStatus.ACTIVE, 's.inb(BM.status)');
    s.settle();
    expectEqual(s.controller.drive.stats.backendRequests, 0, 's.controller.drive.stats.backendRequests');
    lba28(s, 3, 1);
    s.outb(STATUS, 0xc8);
    s.settle();
    expectDeepEqual([s.inb(CTL), s.inb(BM.status)], [0x50, BmStatus.INT], '[s.inb(CTL), s.inb(BM.status)]');
  },
);

ideHostileCase(
  'H7-2',
  'STOP while the backend works: ACTIVE clears at once, the request completes later with its IRQ, ACTIVE stays clear',
  sheet(
    '§8 H7',
    'STOP while the backend works: ACTIVE clears at once, the request completes later with its IRQ, ACTIVE stays clear',
  ),
  () => {
    const s = stack('hdd');
    s.enableBusMaster();
    prd(s, [[BUF, EOT | 2048]]);
    readDma(s, 0, 2);
    expectEqual(s.inb(BM.status), BmStatus.ACTIVE, 's.inb(BM.status)');
    s.outb(BM.cmd, 0x08);
    expectEqual(s.inb(BM.status), 0, 's.inb(BM.status)');
    expectEqual(s.inb(CTL), 0x58, 's.inb(CTL)');
    s.settle();
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectEqual(s.inb(BM.status), BmStatus.INT, 's.inb(BM.status)');
    expectEqual(s.controller.primary.line, true, 's.controller.primary.line');
  },
);

ideHostileCase(
  'H7-3',
  'STOP then START while the backend works does not run the waiting command a second time',
  sheet('§8 H7', 'STOP then START while the backend works does not run the waiting command a second time'),
  () => {
    let watched: WatchedBackend | undefined;
    const s = makeIdeStack({ service: 'hdd', memBytes: MEM, wrap: (b) => (watched = new WatchedBackend(b)) });
    s.enableBusMaster();
    prd(s, [[BUF, EOT | 1024]]);
    readDma(s, 0, 2);
    s.outb(BM.cmd, 0x08);
    s.outb(BM.cmd, 0x09);
    s.settle();
    expectEqual(watched?.seen.length, 1, 'watched?.seen.length');
    expectEqual(s.controller.drive.regs.nsector, 0, 's.controller.drive.regs.nsector');
    expectDeepEqual(
      [s.inb(CTL), s.inb(BM.status)],
      [0x50, BmStatus.ACTIVE | BmStatus.INT],
      '[s.inb(CTL), s.inb(BM.status)]',
    );
  },
);

ideHostileCase(
  'H7-4',
  'SRST during DMA cancels it: ACTIVE cleared, signature set, the late completion is dropped',
  sheet('§8 H7', 'SRST during DMA cancels it: ACTIVE cleared, signature set, the late completion is dropped'),
  () => {
    const s = stack('hdd');
    s.enableBusMaster();
    prd(s, [[BUF, EOT | 1024]]);
    readDma(s, 0, 2);
    s.outb(CTL, 0x06);
    s.outb(CTL, 0x02);
    expectEqual(s.inb(BM.status) & BmStatus.ACTIVE, 0, 's.inb(BM.status) & BmStatus.ACTIVE');
    s.settle();
    expectEqual(s.controller.drive.stats.staleCompletions, 1, 's.controller.drive.stats.staleCompletions');
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectDeepEqual([s.inb(CMD + 2), s.inb(CMD + 3)], [1, 1], '[s.inb(CMD + 2), s.inb(CMD + 3)]');
    expectEqual(s.inb(BM.status) & BmStatus.INT, 0, 's.inb(BM.status) & BmStatus.INT');
  },
);

ideHostileCase(
  'H7-5',
  'SRST while a DMA command waits for START drops it: a later START moves nothing',
  sheet('§8 H7', 'SRST while a DMA command waits for START drops it: a later START moves nothing'),
  () => {
    const s = stack();
    s.enableBusMaster();
    prd(s, [[BUF, EOT | 512]]);
    s.outb(BM.prd, PRD, 4);
    lba28(s, 0, 1);
    s.outb(STATUS, 0xc8);
    s.outb(CTL, 0x04);
    s.outb(CTL, 0x00);
    s.outb(BM.cmd, 0x09);
    s.settle();
    expectEqual(s.controller.drive.stats.backendRequests, 0, 's.controller.drive.stats.backendRequests');
    expectEqual(s.m.guest.mem.u32(BUF), 0, 's.m.guest.mem.u32(BUF)');
  },
);

ideHostileCase(
  'H7-6',
  'a direction flip while ACTIVE is stored and ignored: the ATA command decides (QEMU-equal)',
  sheet('§8 H7', 'a direction flip while ACTIVE is stored and ignored: the ATA command decides (QEMU-equal)'),
  () => {
    const s = stack();
    s.enableBusMaster();
    prd(s, [[BUF, EOT | 512]]);
    s.outb(BM.prd, PRD, 4);
    s.outb(BM.cmd, 0x01);
    s.outb(BM.cmd, 0x09);
    lba28(s, 1, 1);
    s.outb(STATUS, 0xc8);
    s.settle();
    expectEqual(s.inb(BM.cmd), 0x09, 's.inb(BM.cmd)');
    ensure(!Object.is(s.m.guest.mem.u8(BUF + 1), 0), 'not s.m.guest.mem.u8(BUF + 1)');
  },
);

// H8 commands during BSY/DRQ, data port without DRQ, odd access sizes
ideHostileCase(
  'H8',
  'data port without DRQ: reads 0 (8/16/32-bit), writes ignored, no state change',
  sheet('§8 H8', 'data port without DRQ: reads 0 (8/16/32-bit), writes ignored, no state change'),
  () => {
    const s = stack();
    for (const size of [1, 2, 4] as const) expectEqual(s.inb(CMD, size), 0, 's.inb(CMD, size)');
    for (const size of [1, 2, 4] as const) s.outb(CMD, 0x12345678 & 0xffffffff, size);
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectEqual(s.controller.drive.stats.backendRequests, 0, 's.controller.drive.stats.backendRequests');
  },
);

ideHostileCase(
  'H8-2',
  'a PIO read phase ignores data writes; a write phase returns 0 to reads; the pointer stops at the block end',
  sheet(
    '§8 H8',
    'a PIO read phase ignores data writes; a write phase returns 0 to reads; the pointer stops at the block end',
  ),
  () => {
    const s = stack();
    lba28(s, 0, 1);
    s.outb(STATUS, 0x30);
    expectEqual(s.inb(CMD, 2), 0, 's.inb(CMD, 2)');
    for (let i = 0; i < 300; i++) s.outb(CMD, 0xaaaa, 2);
    s.settle();
    expectEqual(s.inb(STATUS), 0x50, 's.inb(STATUS)');
    expectEqual(s.controller.drive.stats.backendRequests, 1, 's.controller.drive.stats.backendRequests');
  },
);

ideHostileCase(
  'H8-3',
  '32-bit accesses off the data port read all-ones and are dropped; 16-bit ones split into bytes',
  sheet('§8 H8', '32-bit accesses off the data port read all-ones and are dropped; 16-bit ones split into bytes'),
  () => {
    const s = stack();
    expectEqual(s.inb(CMD + 4, 4), 0xffffffff, 's.inb(CMD + 4, 4)');
    s.outb(CMD + 4, 0x11223344, 4);
    expectEqual(s.inb(CMD + 4), 0, 's.inb(CMD + 4)');
    s.outb(CMD + 2, 0x0302, 2);
    expectDeepEqual([s.inb(CMD + 2), s.inb(CMD + 3)], [2, 3], '[s.inb(CMD + 2), s.inb(CMD + 3)]');
  },
);

// H14 exit-amplification storms: O(1) per access, nothing queued
ideHostileCase(
  'H14',
  '100,000 status, data and bus-master accesses change nothing and issue no backend request',
  sheet('§8 H14', '100,000 status, data and bus-master accesses change nothing and issue no backend request'),
  () => {
    const s = stack();
    s.enableBusMaster();
    for (let i = 0; i < 100_000; i++) {
      s.inb(STATUS);
      s.inb(CMD, 2);
      s.outb(BM.cmd, i & 1 ? 0x09 : 0x08);
    }
    expectEqual(s.m.run({ maxEvents: 10 }).reason, 'idle', 's.m.run({ maxEvents: 10 }).reason');
    expectEqual(s.inb(CTL), 0x50, 's.inb(CTL)');
    expectEqual(s.controller.drive.stats.backendRequests, 0, 's.controller.drive.stats.backendRequests');
  },
);

// ---- random register sequences ---------------------------------------------------------

type Access =
  | { readonly kind: 'in'; readonly port: number; readonly size: AccessSize }
  | { readonly kind: 'out'; readonly port: number; readonly size: AccessSize; readonly value: number }
  | { readonly kind: 'prd'; readonly entry: number; readonly addr: number; readonly count: number }
  /** A block's worth of data-port traffic (256 words in or out). */
  | { readonly kind: 'burst'; readonly write: boolean }
  | { readonly kind: 'run' };

const PORTS = [
  ...Array.from({ length: 8 }, (_, i) => CMD + i),
  CTL,
  ...Array.from({ length: 16 }, (_, i) => BM_BASE + i),
];
const size = fc.constantFrom<AccessSize>(1, 1, 1, 2, 4);
const COMMANDS = [
  0x20, 0x24, 0x29, 0x30, 0x34, 0xc4, 0xc5, 0xc6, 0xc8, 0xca, 0x25, 0x35, 0xe7, 0xec, 0xef, 0x91, 0x90, 0xf8,
];
const out = (port: fc.Arbitrary<number>, value: fc.Arbitrary<number>, sz: fc.Arbitrary<AccessSize> = size) =>
  fc.record({ kind: fc.constant('out' as const), port, size: sz, value });
const byte = fc.constant<AccessSize>(1);
const access: fc.Arbitrary<Access> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('in' as const), port: fc.constantFrom(...PORTS), size }) },
  { weight: 2, arbitrary: out(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 0xffffffff })) },
  // Taskfile values that address a 256-sector disk most of the time.
  {
    weight: 4,
    arbitrary: out(
      fc.integer({ min: CMD + 1, max: CMD + 5 }),
      fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 255 })),
      byte,
    ),
  },
  { weight: 1, arbitrary: out(fc.constant(CMD + 6), fc.constantFrom(0xe0, 0xa0, 0x40, 0xb0, 0xf0), byte) },
  { weight: 3, arbitrary: out(fc.constant(STATUS), fc.constantFrom(...COMMANDS), byte) },
  { weight: 1, arbitrary: out(fc.constant(CTL), fc.constantFrom(0, 2, 4, 6, 0x80), byte) },
  { weight: 2, arbitrary: out(fc.constant(BM.cmd), fc.constantFrom(0, 1, 8, 9), byte) },
  {
    weight: 1,
    arbitrary: out(fc.constant(BM.prd), fc.constantFrom(PRD, PRD + 8, MEM - 8, 0xfffffff8), fc.constant<AccessSize>(4)),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('prd' as const),
      entry: fc.integer({ min: 0, max: 3 }),
      addr: fc.oneof(fc.constantFrom(BUF, BUF + 512, MEM - 256, 0xfffffff0), fc.integer({ min: 0, max: 0xffffffff })),
      count: fc.oneof(
        fc.constantFrom(EOT | 512, EOT | 1024, EOT | 0, 513, 512, 0),
        fc.integer({ min: 0, max: 0xffffffff }),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst' as const), write: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'run' as const }) },
);

function checkInvariants(s: IdeStack): void {
  const r = s.controller.drive.regs;
  // QEMU never shows BSY and DRQ together; status and error stay bytes.
  ensure(
    !(r.status & AtaStatus.BSY && r.status & AtaStatus.DRQ),
    'falsy: r.status & AtaStatus.BSY && r.status & AtaStatus.DRQ',
  );
  expectAtMost(r.status, 0xff, 'r.status');
  expectAtMost(r.error, 0xff, 'r.error');
  expectEqual(s.controller.bmPrimary.status & ~0x67, 0, 's.controller.bmPrimary.status & ~0x67');
  expectEqual(
    Number.isSafeInteger(r.nsector) && r.nsector >= 0 && r.nsector <= 65536,
    true,
    'Number.isSafeInteger(r.nsector) && r.nsector >= 0 && r.nsector <= 6…',
  );
  for (const v of [r.sector, r.lcyl, r.hcyl, r.hobSector, r.hobLcyl, r.hobHcyl, r.select]) {
    expectEqual(Number.isInteger(v) && v >= 0 && v <= 0xff, true, 'Number.isInteger(v) && v >= 0 && v <= 0xff');
  }
  const last = s.irq[s.irq.length - 1];
  expectEqual(s.controller.primary.line, last === undefined ? false : last.level, 's.controller.primary.line');
}

// random register sequences (fast-check): no exception escapes, invariants hold, the machine settles
ideHostileCase(
  '8',
  'holds for 300 sequences of 40–160 accesses',
  sheet('§8', 'holds for 300 sequences of 40–160 accesses'),
  () => {
    fc.assert(
      fc.property(fc.array(access, { minLength: 40, maxLength: 160 }), fc.boolean(), (seq, busMaster) => {
        let watched: WatchedBackend | undefined;
        const s = makeIdeStack({
          capacitySectors: 256,
          memBytes: MEM,
          wrap: (b) => (watched = new WatchedBackend(b)),
        });
        if (busMaster) s.enableBusMaster();
        for (const a of seq) {
          switch (a.kind) {
            case 'in':
              s.inb(a.port, a.size);
              break;
            case 'out':
              s.outb(a.port, a.value, a.size);
              break;
            case 'prd':
              s.m.guest.mem.setU32(PRD + a.entry * 8, a.addr);
              s.m.guest.mem.setU32(PRD + a.entry * 8 + 4, a.count);
              break;
            case 'burst':
              for (let i = 0; i < 256; i++) {
                if (a.write) s.outb(CMD, i, 2);
                else s.inb(CMD, 2);
              }
              break;
            case 'run':
              s.m.run({ maxEvents: 10_000 });
              break;
          }
          checkInvariants(s);
        }
        const end = s.m.run({ maxEvents: 100_000 });
        expectEqual(end.reason, 'idle', 'end.reason');
        checkInvariants(s);
        for (const req of watched?.seen ?? []) {
          if (req.op === 'flush') continue;
          expectAtMost(req.sector + req.sectors, 256, 'req.sector + req.sectors');
        }
      }),
      { numRuns: 300, seed: 0x1de },
    );
  },
);

export const EMULATED_IDE_HOSTILE_CASES: readonly ConformanceCase[] = cases;
