/**
 * Microbenchmark of the bare split-virtqueue cycle, both halves in one thread over one guest memory:
 * driver add → publish (+ kick decision) → device pop → push → flush (+ interrupt decision) → driver get.
 *
 * tinybench 6 samples batches of `cyclesPerSample` cycles (≥ 10 µs per sample, specs/measurement.md §2.3).
 * The headline rate is the median sample's (the per-process unit of §2.3: robust to preemption on a busy
 * machine); the rate over all measured time is reported next to it. tinybench's own `throughput.mean`
 * favours fast samples (§2.2) and is not used. Run it as `node dist/harness/micro/virtio-ring.js [--json]`.
 */
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { SabGuestMemory } from '../../models/platform/memory.js';
import { Meter } from '../../models/platform/meter.js';
import { availRingSize, descTableSize, usedRingSize } from '../../models/virtio/layout.js';
import { DescriptorChain } from '../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../models/virtio/ring/device-ring.js';
import { DriverRing } from '../../models/virtio/ring/driver-ring.js';

export interface SplitRingBenchOptions {
  /** Queue size (power of two). */
  readonly queueSize?: number;
  /** Device-readable segments per chain (then `writable` device-writable ones). */
  readonly readable?: number;
  readonly writable?: number;
  readonly eventIdx?: boolean;
  readonly indirect?: boolean;
  /** Cycles per tinybench sample. */
  readonly cyclesPerSample?: number;
  /** Measuring time budget (ms) and untimed warm-up before it (ms). */
  readonly timeMs?: number;
  readonly warmupMs?: number;
}

export interface SplitRingBenchResult {
  /** Cycles per second of the median sample. */
  readonly cyclesPerSecond: number;
  /** All cycles ÷ all measured time (includes any preemption the samples suffered). */
  readonly cyclesPerSecondOverall: number;
  /** Median and 99th-percentile sample, per cycle. */
  readonly nsPerCycleP50: number;
  readonly nsPerCycleP99: number;
  readonly samples: number;
  readonly cycles: number;
  /**
   * Kicks and interrupts the rings asked for per cycle. Flags mode: 1 and 1. EVENT_IDX: kicks 1 (the
   * device is always caught up), interrupts ≈ 2^-16, because this bare loop never re-arms used_event.
   */
  readonly kicksPerCycle: number;
  readonly interruptsPerCycle: number;
  /** Sum of returned tokens and lens: printed so the work cannot be optimised away. */
  readonly checksum: number;
  readonly options: Required<SplitRingBenchOptions>;
}

const DEFAULTS: Required<SplitRingBenchOptions> = {
  queueSize: 256,
  readable: 1,
  writable: 0,
  eventIdx: false,
  indirect: false,
  cyclesPerSample: 1000,
  timeMs: 500,
  warmupMs: 100,
};

const RING_BASE = 0x1000;
const TABLES = 16;

export async function benchSplitRingCycle(opts: SplitRingBenchOptions = {}): Promise<SplitRingBenchResult> {
  const o: Required<SplitRingBenchOptions> = { ...DEFAULTS, ...opts };
  const qs = o.queueSize;
  const segments = o.readable + o.writable;
  const desc = RING_BASE;
  const avail = desc + descTableSize(qs);
  const used = Math.ceil((avail + availRingSize(qs)) / 4) * 4;
  const pool = Math.ceil((used + usedRingSize(qs)) / 16) * 16;
  const buffers = pool + TABLES * Math.max(segments, 2) * 16;
  const sab = SabGuestMemory.allocate(buffers + segments * 4096 + 4096);
  const guest = new SabGuestMemory(sab, new Meter(), 'guest');
  const host = new SabGuestMemory(sab, new Meter(), 'host');
  const areas = { desc, avail, used };
  const driver = new DriverRing(guest, qs, areas, {
    eventIdx: o.eventIdx,
    indirect: o.indirect,
    indirectPool: { addr: pool, entriesPerTable: Math.max(segments, 2), tables: TABLES },
  });
  const device = new DeviceRing(host, qs, areas, { eventIdx: o.eventIdx, indirect: o.indirect });
  const chain = new DescriptorChain(Math.max(qs, segments));

  let checksum = 0;
  let kicks = 0;
  let interrupts = 0;
  const runCycles = (n: number): void => {
    for (let i = 0; i < n; i++) {
      driver.begin();
      for (let s = 0; s < o.readable; s++) driver.addReadable(buffers + s * 4096, 512);
      for (let s = o.readable; s < segments; s++) driver.addWritable(buffers + s * 4096, 512);
      driver.commit(i);
      driver.publish();
      if (driver.kickNeeded()) kicks++;
      device.pop(chain);
      device.pushUsed(chain.head, chain.writableBytes);
      if (device.flushUsed()) interrupts++;
      checksum += driver.getUsed() + driver.lastUsedLen;
    }
  };

  const warmupEnd = performance.now() + o.warmupMs;
  while (performance.now() < warmupEnd) runCycles(o.cyclesPerSample);
  kicks = 0;
  interrupts = 0;

  const bench = new Bench({ time: o.timeMs, warmup: false, timestampProvider: 'hrtimeNow', retainSamples: true });
  let measuredMs = 0;
  let cycles = 0;
  bench.add('split-ring cycle', () => {
    const t0 = bench.now();
    runCycles(o.cyclesPerSample);
    const dt = bench.now() - t0;
    measuredMs += dt;
    cycles += o.cyclesPerSample;
    return { overriddenDuration: dt / o.cyclesPerSample, overriddenIterationCost: dt };
  });
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (result === undefined || result.state !== 'completed') {
    throw new Error(`split-ring benchmark did not complete (${result?.state ?? 'no task'})`);
  }
  const nsPerCycleP50 = (result.latency.p50 ?? Number.NaN) * 1e6;
  return {
    cyclesPerSecond: 1e9 / nsPerCycleP50,
    cyclesPerSecondOverall: cycles / (measuredMs / 1000),
    nsPerCycleP50,
    nsPerCycleP99: (result.latency.p99 ?? Number.NaN) * 1e6,
    samples: result.latency.samplesCount,
    cycles,
    kicksPerCycle: kicks / cycles,
    interruptsPerCycle: interrupts / cycles,
    checksum,
    options: o,
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const r = await benchSplitRingCycle();
  if (argv.includes('--json')) {
    console.log(JSON.stringify(r));
    return;
  }
  console.log(
    `virtio split ring cycle: ${Math.round(r.cyclesPerSecond)} cycles/s (median sample; ` +
      `${Math.round(r.cyclesPerSecondOverall)} over all samples), p50 ${r.nsPerCycleP50.toFixed(1)} ns, ` +
      `p99 ${r.nsPerCycleP99.toFixed(1)} ns per cycle, ${r.samples} samples × ${r.options.cyclesPerSample} cycles, ` +
      `QS ${r.options.queueSize}, checksum ${r.checksum}`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
