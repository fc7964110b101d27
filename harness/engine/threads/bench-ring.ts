/**
 * The bare virtqueue cycle across two threads: ringside's DriverRing on one worker, its DeviceRing on
 * another, over a SharedArrayBuffer split ring of `size` entries, moving one-descriptor buffers (each
 * carrying its sequence number, which the device checks) as fast as they go:
 *
 * - `poll`: no notifications; each side spins on the ring;
 * - `futex`: EVENT_IDX; the driver kicks when `kickNeeded()` says so, the device interrupts when
 *   `flushUsed()` says so, each a seq-cst word bump + `Atomics.notify` (eventfd's role), and a side
 *   out of work re-enables notifications, re-checks (§2.7.14) and sleeps in `Atomics.wait`.
 *
 * `futex-flags` is `futex` with the NO_NOTIFY / NO_INTERRUPT flags instead of EVENT_IDX.
 *
 * Numbers only; run from dist:
 * `node dist/harness/engine/threads/bench-ring.js [buffers] [poll|futex|futex-flags|all] [size]`.
 */
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { DriverRing } from '../../../models/virtio/ring/driver-ring.js';
import type { RingAddresses } from '../../../models/virtio/ring/ring-config.js';
import { availRingSize, descTableSize } from '../../../models/virtio/ring/split-layout.js';
import { signal, Waiter, type WaitPolicy, type WaitStats, zeroWaitStats } from './notify.js';

export type RingBenchMode = 'poll' | 'futex';

export interface RingBenchOptions {
  readonly buffers?: number;
  readonly mode?: RingBenchMode;
  /** Queue size (default 256). */
  readonly size?: number;
  /** `futex` only: suppress with EVENT_IDX (default) or with the NO_NOTIFY / NO_INTERRUPT flags (virtio 1.2 §2.7.7, §2.7.10). */
  readonly eventIdx?: boolean;
}

export interface RingBenchSide {
  readonly sleeps: number;
  readonly wakeups: number;
  /** Driver: kicks sent. Device: interrupts sent. */
  readonly signals: number;
}

export interface RingBenchResult {
  readonly mode: RingBenchMode;
  readonly eventIdx: boolean;
  readonly size: number;
  readonly buffers: number;
  readonly wallNs: number;
  readonly buffersPerSec: number;
  readonly driver: RingBenchSide;
  readonly device: RingBenchSide;
  /** Sum of the sequence numbers the device read: must be buffers·(buffers−1)/2. */
  readonly checksum: number;
}

/** Control words, each on its own 64-byte line. */
const W = {
  ready: 0,
  go: 16,
  kick: 32,
  deviceSleeping: 33,
  irq: 48,
  driverSleeping: 49,
  stop: 64,
  fence: 80,
} as const;
const CTL_WORDS = 96;
/** Result slots (Float64): driver then device. */
const R = {
  wallNs: 0,
  driverSleeps: 1,
  driverWakeups: 2,
  kicks: 3,
  deviceSleeps: 4,
  deviceWakeups: 5,
  irqs: 6,
  checksum: 7,
  failed: 8,
} as const;
const BUFFER_BYTES = 64;
/** The device publishes used entries at least this often, so the driver can refill while it works. */
const DEVICE_BATCH = 32;
const SLEEP_AT_ONCE: WaitPolicy = { mode: 'futex', spinNs: 0 };

interface RingBenchInit {
  readonly benchRing: true;
  readonly role: 'driver' | 'device';
  readonly mode: RingBenchMode;
  readonly eventIdx: boolean;
  readonly size: number;
  readonly buffers: number;
  readonly ram: SharedArrayBuffer;
  readonly ctl: SharedArrayBuffer;
  readonly results: SharedArrayBuffer;
}

function layout(size: number): { addrs: RingAddresses; buffers: number; bytes: number } {
  const desc = 0;
  const avail = descTableSize(size);
  const used = Math.ceil((avail + availRingSize(size)) / 4096) * 4096;
  const buffers = used + 4096 * Math.ceil((8 * size + 6) / 4096);
  return { addrs: { desc, avail, used }, buffers, bytes: buffers + size * BUFFER_BYTES };
}

function memory(init: RingBenchInit, ctl: Int32Array, side: 'guest' | 'host'): SabGuestMemory {
  const fenceWord = new Int32Array(ctl.buffer, W.fence * 4, 1);
  return new SabGuestMemory(init.ram, new Meter(), side, { concurrent: true, fenceWord });
}

function startTogether(ctl: Int32Array): void {
  Atomics.add(ctl, W.ready, 1);
  Atomics.notify(ctl, W.ready);
  while (Atomics.load(ctl, W.go) === 0) Atomics.wait(ctl, W.go, 0, 100);
}

function runDriver(init: RingBenchInit, ctl: Int32Array, out: Float64Array): void {
  const { size, buffers: total, mode } = init;
  const mem = memory(init, ctl, 'guest');
  const { addrs, buffers } = layout(size);
  const ring = new DriverRing(mem, size, addrs, { eventIdx: init.eventIdx, indirect: false });
  const stats: WaitStats = zeroWaitStats();
  const irqWait = new Waiter(ctl, W.irq, W.driverSleeping, SLEEP_AT_ONCE, stats);
  if (mode === 'futex') ring.disableInterrupts();
  let issued = 0;
  let completed = 0;
  let kicks = 0;
  startTogether(ctl);
  const t0 = performance.now();
  while (completed < total) {
    let added = 0;
    while (issued < total && ring.numFree > 0) {
      const slot = issued % size;
      const buf = buffers + slot * BUFFER_BYTES;
      mem.setU32(buf, issued);
      ring.begin();
      ring.addReadable(buf, BUFFER_BYTES);
      ring.commit(slot);
      issued++;
      added++;
    }
    if (added > 0) {
      ring.publish();
      if (mode === 'futex' && ring.kickNeeded()) {
        kicks++;
        signal(ctl, W.kick, W.deviceSleeping);
      }
    }
    let got = 0;
    while (ring.getUsed() !== -1) got++;
    completed += got;
    if (got > 0 || completed >= total) continue;
    if (mode === 'poll') {
      while (!ring.pollUsed()) if (Atomics.load(ctl, W.stop) !== 0) return;
      continue;
    }
    // Out of work: ask for an interrupt, re-check (§2.7.14), sleep.
    let seen = Atomics.load(ctl, W.irq);
    if (!ring.enableInterrupts()) {
      // The device publishes used entries before it signals, so a check after reading `seen` never misses one.
      while (!ring.pollUsed() && Atomics.load(ctl, W.stop) === 0) {
        irqWait.wait(seen, Number.POSITIVE_INFINITY);
        seen = Atomics.load(ctl, W.irq);
      }
    }
    ring.disableInterrupts();
  }
  out[R.wallNs] = (performance.now() - t0) * 1e6;
  out[R.driverSleeps] = stats.sleeps;
  out[R.driverWakeups] = stats.wakeups;
  out[R.kicks] = kicks;
  Atomics.store(ctl, W.stop, 1);
  signal(ctl, W.kick, W.deviceSleeping);
}

function runDevice(init: RingBenchInit, ctl: Int32Array, out: Float64Array): void {
  const { size, buffers: total, mode } = init;
  const mem = memory(init, ctl, 'host');
  const { addrs } = layout(size);
  const ring = new DeviceRing(mem, size, addrs, { eventIdx: init.eventIdx, indirect: false });
  const chain = new DescriptorChain(4);
  const stats: WaitStats = zeroWaitStats();
  const kickWait = new Waiter(ctl, W.kick, W.deviceSleeping, SLEEP_AT_ONCE, stats);
  let expected = 0;
  let checksum = 0;
  let irqs = 0;
  startTogether(ctl);
  while (expected < total) {
    let batch = 0;
    while (batch < DEVICE_BATCH && ring.pop(chain)) {
      const seq = mem.u32(chain.addr[0] as number);
      if (seq !== expected) throw new Error(`device read sequence ${seq}, expected ${expected}: ordering broken`);
      checksum += seq;
      expected++;
      ring.pushUsed(chain.head, 0);
      batch++;
    }
    if (batch > 0) {
      if (ring.flushUsed() && mode === 'futex') {
        irqs++;
        signal(ctl, W.irq, W.driverSleeping);
      }
      continue;
    }
    if (Atomics.load(ctl, W.stop) !== 0) break;
    if (mode === 'poll') continue;
    const seen = Atomics.load(ctl, W.kick);
    if (!ring.enableNotifications()) kickWait.wait(seen, Number.POSITIVE_INFINITY);
    ring.disableNotifications();
  }
  out[R.deviceSleeps] = stats.sleeps;
  out[R.deviceWakeups] = stats.wakeups;
  out[R.irqs] = irqs;
  out[R.checksum] = checksum;
}

/** Run one measurement in two fresh workers (this module, from dist). */
export async function benchRing(options: RingBenchOptions = {}): Promise<RingBenchResult> {
  const size = options.size ?? 256;
  const buffers = options.buffers ?? 10_000_000;
  const mode = options.mode ?? 'poll';
  const eventIdx = mode === 'futex' && options.eventIdx !== false;
  const ctlBuffer = new SharedArrayBuffer(CTL_WORDS * 4);
  const ctl = new Int32Array(ctlBuffer);
  const results = new SharedArrayBuffer(16 * 8);
  const out = new Float64Array(results);
  const base = {
    benchRing: true as const,
    mode,
    eventIdx,
    size,
    buffers,
    ram: new SharedArrayBuffer(layout(size).bytes),
    ctl: ctlBuffer,
    results,
  };
  const self = new URL(import.meta.url);
  const errors: Error[] = [];
  const exits = (['driver', 'device'] as const).map((role) => {
    const w = new Worker(self, { workerData: { ...base, role } satisfies RingBenchInit });
    return new Promise<void>((resolve) => {
      w.on('error', (e) => {
        errors.push(e);
        Atomics.store(ctl, W.stop, 1);
        signal(ctl, W.kick, W.deviceSleeping);
        signal(ctl, W.irq, W.driverSleeping);
        Atomics.store(ctl, W.go, 1);
        Atomics.notify(ctl, W.go);
      });
      w.on('exit', () => resolve());
    });
  });
  // Release both sides at once, after both have built their rings.
  while (Atomics.load(ctl, W.ready) < 2 && errors.length === 0) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(ctl, W.go, 1);
  Atomics.notify(ctl, W.go);
  await Promise.all(exits);
  if (errors.length > 0) throw errors[0];
  const wallNs = out[R.wallNs] as number;
  return {
    mode,
    eventIdx,
    size,
    buffers,
    wallNs,
    buffersPerSec: buffers / (wallNs / 1e9),
    driver: {
      sleeps: out[R.driverSleeps] as number,
      wakeups: out[R.driverWakeups] as number,
      signals: out[R.kicks] as number,
    },
    device: {
      sleeps: out[R.deviceSleeps] as number,
      wakeups: out[R.deviceWakeups] as number,
      signals: out[R.irqs] as number,
    },
    checksum: out[R.checksum] as number,
  };
}

/** The C reference on this machine (brief): two pinned threads, 256-entry split ring. */
export const C_REFERENCE_BUFFERS_PER_SEC: Readonly<Record<RingBenchMode, number>> = { poll: 29e6, futex: 3.5e6 };

if (!isMainThread && (workerData as Partial<RingBenchInit> | undefined)?.benchRing === true) {
  const init = workerData as RingBenchInit;
  const ctl = new Int32Array(init.ctl);
  const out = new Float64Array(init.results);
  if (init.role === 'driver') runDriver(init, ctl, out);
  else runDevice(init, ctl, out);
}

const invokedDirectly =
  isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const [buffersArg, modeArg, sizeArg] = process.argv.slice(2);
  const buffers = Number(buffersArg) || 10_000_000;
  const size = Number(sizeArg) || 256;
  const variants: { name: string; options: RingBenchOptions }[] = [
    { name: 'poll', options: { mode: 'poll' } },
    { name: 'futex', options: { mode: 'futex', eventIdx: true } },
    { name: 'futex-flags', options: { mode: 'futex', eventIdx: false } },
  ];
  for (const v of variants.filter((x) => modeArg === undefined || modeArg === 'all' || x.name === modeArg)) {
    await benchRing({ ...v.options, buffers: Math.min(buffers, 200_000), size }); // warm-up run
    const r = await benchRing({ ...v.options, buffers, size });
    const ref = C_REFERENCE_BUFFERS_PER_SEC[r.mode];
    console.log(
      `${v.name.padEnd(11)} ring ${size}: ${r.buffers} buffers in ${(r.wallNs / 1e6).toFixed(1)} ms = ` +
        `${(r.buffersPerSec / 1e6).toFixed(2)} M buffers/s (${((100 * r.buffersPerSec) / ref).toFixed(1)}% of the C ` +
        `${(ref / 1e6).toFixed(1)} M); kicks ${r.driver.signals}, interrupts ${r.device.signals}, ` +
        `wake-ups driver ${r.driver.wakeups} device ${r.device.wakeups}; checksum ${r.checksum === (r.buffers * (r.buffers - 1)) / 2 ? 'ok' : 'BAD'}`,
    );
  }
}
