/**
 * The QEMU qtest GuestPlatform adapter, exercised through the platform contract only.
 * Needs qemu-system-x86_64 (package qemu-system-x86); without it every test here fails
 * with QemuMissing's message. One QEMU per describe block.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../../models/platform/bus.js';
import { GuestMemoryFault } from '../../../models/platform/memory.js';
import { PciCapId, PciCfg } from '../../../models/platform/pci.js';
import { Rng } from '../../../models/platform/rng.js';
import { Piix3Pirq, pciConfigRead, pciConfigWrite } from './piix-routing.js';
import { MSI_SCRATCH_BASE } from './qtest-interrupts.js';
import { QtestPlatform } from './qtest-platform.js';
import { QemuMissing, QtestError } from './qtest-process.js';
import { createRawImage, type RawImage, SECTOR_BYTES } from './raw-image.js';
import { NO_VECTOR, VirtioBlkProbe, VirtioCfgType, walkCapabilities } from './virtio-blk-probe.js';

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** COM1 registers (trap-emulate.md §2). */
const COM1 = 0x3f8;
const Uart = { thr: 0, rbr: 0, ier: 1, iir: 2, fcr: 2, lcr: 3, mcr: 4, lsr: 5 } as const;

describe('QtestPlatform: UART, guest memory, string I/O, scheduler', () => {
  let g: QtestPlatform;

  beforeAll(async () => {
    g = await QtestPlatform.launch({ extraArgs: ['-serial', 'null'] });
  });
  afterAll(async () => {
    await g?.close();
  });

  it('answers the UART loopback anchor through io.out/io.in (trap-emulate.md §9)', () => {
    g.io.out(COM1 + Uart.lcr, 1, 0x03);
    g.io.out(COM1 + Uart.mcr, 1, 0x10);
    g.io.out(COM1 + Uart.thr, 1, 0x41);
    expect(g.io.in(COM1 + Uart.lsr, 1)).toBe(0x61);
    expect(g.io.in(COM1 + Uart.rbr, 1)).toBe(0x41);
    expect(g.meter.counters.exitsUser).toBe(5);
  });

  it('delivers the THRE interrupt on IRQ 4 as an edge and sees the line drop after the IIR read (trap-emulate.md §2)', () => {
    g.io.out(COM1 + Uart.mcr, 1, 0x00);
    const iirs: number[] = [];
    g.irq.onLine(4, 'edge', () => {
      iirs.push(g.io.in(COM1 + Uart.iir, 1));
    });
    const raisesBefore = g.raiseCount(4);
    const interruptsBefore = g.meter.counters.interrupts;
    // IER.THRI 0→1 with THR empty sets THRE-pending at once: the line rises.
    g.io.out(COM1 + Uart.ier, 1, 0x02);
    expect(g.raiseCount(4)).toBe(raisesBefore + 1);
    g.runUntil(() => iirs.length > 0, 2_000);
    g.sched.drain();
    expect(iirs).toEqual([0x02]);
    expect(g.lineLevel(4)).toBe(false);
    expect(g.meter.counters.interrupts - interruptsBefore).toBe(1);
    g.io.out(COM1 + Uart.ier, 1, 0x00);
  });

  it('moves bytes through rep outs / rep ins with the KVM exit counts (trap-emulate.md §1)', () => {
    g.io.out(COM1 + Uart.mcr, 1, 0x10); // loopback: TX feeds the RX FIFO
    g.io.out(COM1 + Uart.fcr, 1, 0x07); // FIFO on, both FIFOs reset
    const src = g.alloc.alloc(16, 16);
    const dst = g.alloc.alloc(16, 16);
    const bytes = Uint8Array.of(0x52, 0x69, 0x6e, 0x67, 0x73, 0x69, 0x64, 0x65);
    g.mem.write(src, bytes);
    g.mem.fill(dst, 16, 0);
    const exitsBefore = g.meter.counters.exits;
    expect(g.io.repOuts(COM1 + Uart.thr, 1, bytes.length, src)).toBe(bytes.length);
    expect(g.io.repIns(COM1 + Uart.rbr, 1, bytes.length, dst)).toBe(Bus.repInsExits(1, bytes.length, dst));
    expect(g.meter.counters.exits - exitsBefore).toBe(bytes.length + 1);
    const back = new Uint8Array(bytes.length);
    g.mem.read(dst, bytes.length, back);
    expect(back).toEqual(bytes);
    // The FIFO is drained: LSR.DR clear.
    expect(g.io.in(COM1 + Uart.lsr, 1) & 0x01).toBe(0);
  });

  it('round-trips sized fields and bulk copies larger than one mailbox chunk through guest RAM', () => {
    const a = g.alloc.alloc(64, 8);
    g.mem.setU8(a, 0xab);
    g.mem.setU16(a + 2, 0xbeef);
    g.mem.setU32(a + 4, 0xdeadbeef);
    g.mem.setU64(a + 8, 0x1234_5678_9abc);
    expect([g.mem.u8(a), g.mem.u16(a + 2), g.mem.u32(a + 4), g.mem.u64(a + 8)]).toEqual([
      0xab, 0xbeef, 0xdeadbeef, 0x1234_5678_9abc,
    ]);
    // Little-endian in QEMU's RAM as in ours.
    expect(g.mem.u8(a + 4)).toBe(0xef);
    expect(g.mem.u32(a + 12)).toBe(0x1234);

    const len = 150 * 1024 + 7;
    const big = g.alloc.alloc(len, 4096);
    const src = new Uint8Array(len);
    new Rng(3).fill(src);
    const copiedBefore = g.meter.counters.bytesCopied;
    g.mem.write(big, src);
    const back = new Uint8Array(len + 4);
    g.mem.read(big, len, back, 4);
    // First differing index (-1 = equal): toEqual on 150 K-element arrays is needlessly slow.
    expect(firstDifference(back.subarray(4), src)).toBe(-1);
    expect(g.meter.counters.bytesCopied - copiedBefore).toBe(2 * len);

    g.mem.fill(big + 100, 300, 0x5a);
    const filled = new Uint8Array(302);
    g.mem.load(big + 99, 302, filled);
    expect(filled[0]).toBe(src[99]);
    expect(filled.subarray(1, 301).every((b) => b === 0x5a)).toBe(true);
    expect(filled[301]).toBe(src[400]);
  });

  it('bounds-checks like SabGuestMemory: 128 MiB of RAM, faults beyond', () => {
    expect(g.mem.size).toBe(128 * 1024 * 1024);
    expect(g.mem.inRange(g.mem.size - 4, 4)).toBe(true);
    expect(g.mem.inRange(g.mem.size - 3, 4)).toBe(false);
    expect(() => g.mem.u32(g.mem.size - 2)).toThrow(GuestMemoryFault);
    expect(() => g.mem.write(-1, new Uint8Array(1))).toThrow(GuestMemoryFault);
  });

  it('answers hypercalls with -ENOSYS and meters them', () => {
    const before = g.meter.counters.hypercalls;
    expect(g.io.hypercall(7, 1, 2)).toBe(-38);
    expect(g.meter.counters.hypercalls - before).toBe(1);
  });

  it('runs scheduled work in due order, honours cancel, and times out runUntil with a clear error', () => {
    const order: string[] = [];
    g.sched.after(2_000_000, () => order.push('late'));
    const dropped = g.sched.after(0, () => order.push('cancelled'));
    g.sched.after(0, () => order.push('first'));
    g.sched.after(0, () => order.push('second'));
    g.sched.cancel(dropped);
    g.runUntil(() => order.length === 3, 2_000);
    expect(order).toEqual(['first', 'second', 'late']);
    expect(() => g.runUntil(() => false, 20)).toThrow(/runUntil: condition still false after 20 ms/);
  });
});

describe('QtestPlatform: virtio-blk-pci config space, PIRQ routing, INTx and MSI-X (virtio.md §11.2)', () => {
  const SLOT = 2;
  const BAR4 = 0xe000_0000;
  const BAR1 = 0xe001_0000;
  let g: QtestPlatform;
  let image: RawImage;
  let probe: VirtioBlkProbe;

  beforeAll(async () => {
    image = createRawImage(64 * 1024, (bytes) => new Rng(11).fill(bytes));
    g = await QtestPlatform.launch({
      extraArgs: ['-drive', image.driveArg('d0'), '-device', `virtio-blk-pci,drive=d0,disable-legacy=on,addr=${SLOT}`],
    });
    probe = new VirtioBlkProbe(g, SLOT, BAR4, BAR1);
  });
  afterAll(async () => {
    await g?.close();
    image?.remove();
  });

  const sector = (n: number): Uint8Array => image.bytes.subarray(n * SECTOR_BYTES, (n + 1) * SECTOR_BYTES);
  const readBack = (addr: number): Uint8Array => {
    const out = new Uint8Array(SECTOR_BYTES);
    g.mem.read(addr, SECTOR_BYTES, out);
    return out;
  };

  it('reads vendor/device 0x1042_1AF4 at slot 2 through 0xCF8/0xCFC (virtio 1.2 §4.1.2)', () => {
    g.io.out(0xcf8, 4, 0x8000_0000 | (SLOT << 11));
    expect(g.io.in(0xcfc, 4)).toBe(0x1042_1af4);
  });

  it('sizes BAR4 as 64-bit prefetchable 16 KiB: all-ones reads back 0xFFFFC00C (virtio.md §5 [Q7.2])', () => {
    pciConfigWrite(g.io, SLOT, 0, PciCfg.bar0 + 16, 4, 0xffff_ffff);
    expect(pciConfigRead(g.io, SLOT, 0, PciCfg.bar0 + 16, 4)).toBe(0xffff_c00c);
    pciConfigWrite(g.io, SLOT, 0, PciCfg.bar0 + 16, 4, 0);
  });

  it('walks the capability list 0x98 → 0x84 → 0x70 → 0x60 → 0x50 → 0x40 (virtio 1.2 §4.1.4)', () => {
    const caps = walkCapabilities(g, SLOT);
    expect(caps.map((c) => c.at)).toEqual([0x98, 0x84, 0x70, 0x60, 0x50, 0x40]);
    expect(caps[0]?.id).toBe(PciCapId.msix);
    expect(caps.slice(1).map((c) => c.cfgType)).toEqual([
      VirtioCfgType.pciCfg,
      VirtioCfgType.notify,
      VirtioCfgType.device,
      VirtioCfgType.isr,
      VirtioCfgType.common,
    ]);
    expect(caps.slice(1).every((c) => c.id === PciCapId.vendor)).toBe(true);
  });

  it('routes PIRQA–D and records slot 2 INTA (PIRQB) in Interrupt Line', () => {
    const routed = g.routePciInterrupts([10, 11, 5, 9]);
    const regs = [0, 1, 2, 3].map((i) => pciConfigRead(g.io, Piix3Pirq.dev, Piix3Pirq.fn, Piix3Pirq.routeBase + i, 1));
    expect(regs).toEqual([10, 11, 5, 9]);
    expect(routed).toEqual([{ dev: SLOT, fn: 0, pin: 1, pirq: 1, irq: 11 }]);
    expect(pciConfigRead(g.io, SLOT, 0, PciCfg.interruptLine, 1)).toBe(11);
  });

  it('sees a virtio-blk completion as IRQ raise on the routed line, lowered by the ISR read (virtio 1.2 §4.1.4.5)', () => {
    probe.assignBars();
    probe.init(8, NO_VECTOR);
    const line = pciConfigRead(g.io, SLOT, 0, PciCfg.interruptLine, 1);
    const isrValues: number[] = [];
    g.irq.onLine(line, 'level', () => {
      isrValues.push(probe.readIsr());
    });
    const others = [10, 5, 9].map((l) => g.raiseCount(l));
    const buf = g.alloc.alloc(SECTOR_BYTES, 16);
    probe.submitRead(0, buf);
    g.runUntil(() => isrValues.length > 0 && probe.usedIdx() === 1, 5_000);
    g.sched.drain();
    expect(isrValues).toEqual([0x01]);
    expect(g.raiseCount(line)).toBe(1);
    expect(g.lineLevel(line)).toBe(false);
    // Only PIRQB's IRQ moved: the slot rotation put slot 2 INTA on PIRQB.
    expect([10, 5, 9].map((l) => g.raiseCount(l))).toEqual(others);
    expect(probe.requestStatus()).toBe(0);
    expect(readBack(buf)).toEqual(sector(0));
  });

  it('delivers an MSI-X message into the adapter scratch word and runs the handler (virtio.md §11.2)', () => {
    let hits = 0;
    const msg = g.irq.allocMsi(() => {
      hits++;
    });
    expect(msg.address).toBeGreaterThanOrEqual(MSI_SCRATCH_BASE);
    expect(msg.address).toBeLessThan(0x100000);
    probe.enableMsix(0, msg.address, msg.data);
    expect(probe.setQueueVector(0)).toBe(0);
    const line = pciConfigRead(g.io, SLOT, 0, PciCfg.interruptLine, 1);
    const raisesBefore = g.raiseCount(line);
    const buf = g.alloc.alloc(SECTOR_BYTES, 16);
    probe.submitRead(3, buf);
    g.runUntil(() => hits > 0 && probe.usedIdx() === 2, 5_000);
    g.sched.drain();
    expect(hits).toBe(1);
    expect(g.mem.u32(msg.address)).toBe(0);
    expect(g.raiseCount(line)).toBe(raisesBefore);
    expect(readBack(buf)).toEqual(sector(3));
  });
});

/** Running and not a zombie (/proc/PID/stat state field follows the last ')'). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

describe('QtestPlatform start-up and teardown', () => {
  it('rejects with QemuMissing (and its install hint) when the binary is absent', async () => {
    const err = await QtestPlatform.launch({ binary: 'qemu-system-x86_64-not-installed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QemuMissing);
    expect(err).toBeInstanceOf(QtestError);
    expect((err as Error).message).toMatch(/apt-get install qemu-system-x86/);
  });

  it('close() stops QEMU and the worker; the platform then refuses calls', async () => {
    const g = await QtestPlatform.launch({ extraArgs: ['-serial', 'null'] });
    const pid = g.pid;
    expect(isRunning(pid)).toBe(true);
    await g.close();
    expect(isRunning(pid)).toBe(false);
    expect(() => g.io.in(COM1 + Uart.lsr, 1)).toThrow(/qtest link is closed/);
  });

  it('leaves no QEMU behind when its worker dies without close() (parent-death signal)', async () => {
    const g = await QtestPlatform.launch({ extraArgs: ['-serial', 'null'] });
    const pid = g.pid;
    await g.link.abandon();
    for (let i = 0; i < 200 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 10));
    expect(isRunning(pid)).toBe(false);
  });
});
