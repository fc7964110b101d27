/**
 * How a microbenchmark is measured (measurement.md §2.3): tinybench 6 with `hrtimeNow` and
 * `retainSamples`, each sample a batch of operations lasting at least 10 µs (far above the
 * ~30 ns timer floor, §2.2 items 5–6), the batch cost reported back through
 * `overriddenDuration` / `overriddenIterationCost`. The per-process figure is the median
 * sample's time per operation; a sink summed from every batch is returned as the checksum so
 * the work cannot be optimised away. State is built once, from a seed, before timing starts.
 */
import { Bench } from 'tinybench';

export interface MicroOptions {
  /** Measuring budget per benchmark (ms). */
  readonly timeMs: number;
  /** Untimed warm-up before calibration and measurement (ms). */
  readonly warmupMs: number;
  readonly seed: number;
}

export const MICRO_DEFAULTS: MicroOptions = { timeMs: 150, warmupMs: 50, seed: 1 };

/** One process's measurement of one benchmark. */
export interface MicroMeasurement {
  /** Median sample, per operation (ns). */
  readonly nsPerOp: number;
  readonly samples: number;
  readonly opsPerSample: number;
  readonly checksum: number;
  /** tinybench `warning` reasons (timer saturation), if any. */
  readonly warnings: readonly string[];
}

export interface MicroBenchmark {
  /** `<model>/<hot path>`; `platform/…` for the shared platform contracts. */
  readonly id: string;
  readonly model: string;
  readonly title: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  measure(options: MicroOptions): Promise<MicroMeasurement>;
}

/** A hot path prepared for timing: `run(n)` performs n operations and returns a value for the sink. */
export interface BatchTask {
  run(n: number): number;
}

/** Smallest batch duration a sample may have (§2.3: ≥ 10 µs, ≥ 250× the timer floor). */
export const MIN_SAMPLE_NS = 10_000;
/** Calibration aims above the floor so a slightly faster batch still clears it. */
const TARGET_SAMPLE_NS = 20_000;
const MAX_OPS_PER_SAMPLE = 1 << 24;

function hrNs(): number {
  return Number(process.hrtime.bigint());
}

/** Ops per sample: doubled until one batch takes TARGET_SAMPLE_NS. */
export function calibrateBatch(task: BatchTask): { opsPerSample: number; sink: number } {
  let n = 1;
  let sink = 0;
  for (;;) {
    const t0 = hrNs();
    sink += task.run(n);
    const dt = hrNs() - t0;
    if (dt >= TARGET_SAMPLE_NS || n >= MAX_OPS_PER_SAMPLE) return { opsPerSample: n, sink };
    n = Math.min(MAX_OPS_PER_SAMPLE, dt <= 0 ? n * 8 : Math.max(n * 2, Math.ceil((n * TARGET_SAMPLE_NS) / dt)));
  }
}

/** Warm up, calibrate and measure a batch task with tinybench. */
export async function measureBatched(task: BatchTask, options: MicroOptions): Promise<MicroMeasurement> {
  let sink = 0;
  const warmupEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmupEnd) sink += task.run(64);
  const calibration = calibrateBatch(task);
  sink += calibration.sink;
  const n = calibration.opsPerSample;

  const bench = new Bench({
    time: options.timeMs,
    warmup: false,
    timestampProvider: 'hrtimeNow',
    retainSamples: true,
  });
  const warnings: string[] = [];
  bench.addEventListener('warning', (event) => {
    const reason = (event as { reason?: string }).reason;
    warnings.push(reason ?? 'warning');
  });
  bench.add('batch', () => {
    const t0 = bench.now();
    sink += task.run(n);
    const dt = bench.now() - t0;
    return { overriddenDuration: dt / n, overriddenIterationCost: dt };
  });
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (result === undefined || result.state !== 'completed') {
    throw new Error(`microbenchmark did not complete (${result?.state ?? 'no task'})`);
  }
  return {
    nsPerOp: (result.latency.p50 ?? Number.NaN) * 1e6,
    samples: result.latency.samplesCount,
    opsPerSample: n,
    checksum: sink,
    warnings,
  };
}
