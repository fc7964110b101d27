/**
 * Our NE2000 guest driver, unchanged, against QEMU's `ne2k_isa` (specs/trap-emulate.md §9; DESIGN
 * §9 "our guest drivers must work against QEMU's devices"). Two cards on a hub in running mode:
 * the driver owns card A (0x300, IRQ 9) through the qtest GuestPlatform; card B (0x320) is
 * programmed by hand to receive what the driver sends and to send it frames. The exit counts per
 * packet must be the fact sheet's (§4 "Driver sequences"): QEMU's device and ours take the same
 * accesses from the same driver.
 *
 * Needs qemu-system-x86_64: without it every case fails with QemuMissing's message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ne2000Driver, ne2000Binding } from '../../../models/emulated/ne2000/index.js';
import type { AccessSize, GuestIo } from '../../../models/platform/bus.js';
import type { NetPort } from '../../../models/platform/ports.js';
import { sender } from '../../unit/emulated-ne2000/hub-scenarios.js';
import { ne2000Config } from '../../unit/emulated-ne2000/ne2000-stack.js';
import { makeFrame } from '../../unit/emulated-ne2000/raw-card.js';
import { QtestPlatform } from './qtest-platform.js';

const MAC_A = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const MAC_B = [0x52, 0x54, 0x00, 0x12, 0x34, 0x57];
const HUB = [
  '-netdev',
  'hubport,id=n0,hubid=0',
  '-device',
  'ne2k_isa,netdev=n0,mac=52:54:00:12:34:56',
  '-netdev',
  'hubport,id=n1,hubid=0',
  '-device',
  'ne2k_isa,netdev=n1,iobase=0x320,irq=10,mac=52:54:00:12:34:57',
];
const B = 0x320;
const SIZES: Record<string, AccessSize> = { b: 1, w: 2, l: 4 };

/** Run qtest `outX`/`inX` command lines through the platform's GuestIo (card B's programming). */
function run(io: GuestIo, commands: readonly string[]): void {
  for (const c of commands) {
    const [op, port, value] = c.split(' ') as [string, string, string | undefined];
    const size = SIZES[op.slice(-1)] as AccessSize;
    if (op.startsWith('out')) io.out(Number(port), size, Number(value));
    else io.in(Number(port), size);
  }
}

/** Frames card B stored since the last call, read through the platform (not metered as the driver's). */
function receivedAtB(g: QtestPlatform): Uint8Array[] {
  const io = g.io;
  io.out(B, 1, 0x62);
  const curr = io.in(B + 7, 1);
  io.out(B, 1, 0x22);
  const frames: Uint8Array[] = [];
  let page = 0x4d;
  for (let guard = 0; page !== curr && guard < 0x34; guard++) {
    const header = readB(io, page << 8, 4);
    const count = (header[2] as number) | ((header[3] as number) << 8);
    frames.push(readB(io, (page << 8) + 4, count - 4));
    page = header[1] as number;
  }
  run(io, ['outb 0x320 0x61', 'outb 0x327 0x4d', 'outb 0x320 0x22', 'outb 0x323 0x4c', 'outb 0x327 0xff']);
  return frames;
}

function readB(io: GuestIo, address: number, count: number): Uint8Array {
  const even = count + (count & 1);
  io.out(B + 0x0a, 1, even & 0xff);
  io.out(B + 0x0b, 1, even >>> 8);
  io.out(B + 0x08, 1, address & 0xff);
  io.out(B + 0x09, 1, address >>> 8);
  io.out(B, 1, 0x0a);
  const out = new Uint8Array(even);
  for (let i = 0; i < even; i += 2) {
    const v = io.in(B + 0x10, 2);
    out[i] = v & 0xff;
    out[i + 1] = v >>> 8;
  }
  return out.subarray(0, count);
}

describe('NE2000 driver against QEMU ne2k_isa (hub, running mode)', () => {
  let g: QtestPlatform;
  let driver: Ne2000Driver;
  const received: Uint8Array[] = [];

  beforeAll(async () => {
    g = await QtestPlatform.launch({ running: true, extraArgs: HUB });
    run(g.io, sender.setupCommands());
    let port: NetPort | undefined;
    let error: Error | undefined;
    ne2000Binding.createGuest(
      g,
      ne2000Config(),
      (p) => {
        port = p;
      },
      (e) => {
        error = e;
      },
    );
    g.runUntil(() => port !== undefined || error !== undefined, 10_000);
    if (error !== undefined) throw error;
    driver = port as Ne2000Driver;
    driver.onReceive((addr, len) => {
      const f = new Uint8Array(len);
      g.mem.load(addr, len, f);
      received.push(f);
    });
  }, 60_000);

  afterAll(async () => {
    await g?.close();
  });

  it('§7.17 Linux ne.c probe: reset, PROM signature, MAC from QEMU’s PROM', () => {
    expect(Array.from(driver.info.mac)).toEqual(MAC_A);
    expect(driver.info.maxTxInflight).toBe(1);
  });

  it.each([60, 1514, 61, 42])('transmits a %i-byte frame: QEMU sends it on, 15 + N/2 user exits (§4 TX)', (n) => {
    const frame = makeFrame(MAC_B, MAC_A, n, n);
    const addr = g.alloc.alloc(2048, 64);
    g.mem.store(addr, frame);
    let done = false;
    const before = g.meter.counters.exitsUser;
    driver.send(addr, n, () => {
      done = true;
    });
    g.runUntil(() => done, 10_000);
    const exits = g.meter.counters.exitsUser - before;
    const atB = receivedAtB(g);
    g.alloc.release(addr, 2048);
    // Runts leave the driver zero-padded to 60 bytes (ETH_ZLEN), as Linux pads them.
    const expected = sender.asReceived(frame);
    expect(atB.map((f) => Array.from(f))).toEqual([Array.from(expected)]);
    expect(exits).toBe(15 + Math.ceil(Math.max(n, 60) / 2));
  });

  it.each([60, 1514])('receives a %i-byte frame by interrupt: 20 + ceil(N/1024) user exits (§4 RX)', (n) => {
    const frame = makeFrame(MAC_A, MAC_B, n, n + 1);
    received.length = 0;
    const interrupts = driver.stats.interrupts;
    run(g.io, sender.transmitCommands(frame));
    const before = g.meter.counters.exitsUser;
    g.runUntil(() => received.length === 1 && driver.stats.interrupts > interrupts, 10_000);
    expect(Array.from(received[0] as Uint8Array)).toEqual(Array.from(frame));
    expect(g.meter.counters.exitsUser - before).toBe(20 + Math.ceil(n / 1024));
    expect(g.lineLevel(9)).toBe(false);
  });

  it('drains several frames that arrived before the interrupt was serviced, in order (§6 natural batching)', () => {
    received.length = 0;
    const frames = [100, 1514, 60, 700, 1200].map((n, i) => makeFrame(MAC_A, MAC_B, n, 40 + i));
    const interrupts = driver.stats.interrupts;
    for (const f of frames) run(g.io, sender.transmitCommands(f));
    g.runUntil(() => received.length === frames.length, 10_000);
    expect(received.map((f) => Array.from(f))).toEqual(frames.map((f) => Array.from(f)));
    expect(driver.stats.interrupts - interrupts).toBe(1);
    expect(driver.stats.rxErrors).toBe(0);
  });

  it('a send from inside the receive handler is started after the interrupt and completes', () => {
    received.length = 0;
    const reply = makeFrame(MAC_B, MAC_A, 200, 77);
    const addr = g.alloc.alloc(256, 64);
    g.mem.store(addr, reply);
    let sent = false;
    driver.onReceive(() => {
      driver.send(addr, reply.length, () => {
        sent = true;
      });
    });
    const deferred = driver.stats.deferredSends;
    run(g.io, sender.transmitCommands(makeFrame(MAC_A, MAC_B, 64, 9)));
    g.runUntil(() => sent, 10_000);
    expect(driver.stats.deferredSends - deferred).toBe(1);
    expect(receivedAtB(g).map((f) => Array.from(f))).toEqual([Array.from(reply)]);
    g.alloc.release(addr, 256);
  });
});
