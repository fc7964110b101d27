/**
 * Per-operation latency samples in virtual nanoseconds, with exact nearest-rank
 * percentiles (measurement.md §3.1: the value at rank ⌈p·N/100⌉ of the sorted samples),
 * so golden values never depend on a histogram library.
 *
 * Samples are kept at 1 ps resolution (the sim engine's time quantum), which strips the
 * float noise of ns differences such as 25009.600000001.
 *
 * Storage is a preallocated Float64Array sized from the expected op count; `record`
 * only grows it (doubling) when a workload records more than it announced.
 */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
}

export class LatencyRecorder {
  private samples: Float64Array;
  private n = 0;

  constructor(expected = 1024) {
    this.samples = new Float64Array(Math.max(1, Math.ceil(expected)));
  }

  get count(): number {
    return this.n;
  }

  record(ns: number): void {
    if (this.n === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.n++] = Math.round(ns * 1000) / 1000;
  }

  clear(): void {
    this.n = 0;
  }

  /** The samples recorded so far, in recording order (a view; copy before mutating). */
  values(): Float64Array {
    return this.samples.subarray(0, this.n);
  }

  /** Summarise; with no samples every figure is 0 and `count` says why. */
  summary(): LatencySummary {
    const n = this.n;
    if (n === 0) return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, p999: 0 };
    const sorted = this.samples.slice(0, n).sort();
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i] as number;
    return {
      count: n,
      mean: sum / n,
      min: sorted[0] as number,
      max: sorted[n - 1] as number,
      p50: nearestRank(sorted, 50),
      p90: nearestRank(sorted, 90),
      p99: nearestRank(sorted, 99),
      p999: nearestRank(sorted, 99.9),
    };
  }
}

/**
 * Nearest-rank percentile of ascending `sorted` (non-empty), `p` in (0, 100]; p = 0 gives the minimum.
 * The rank is computed on p×10 000 as an integer so that e.g. 99.9 % of 1000 is rank 999, not 1000
 * through floating-point error.
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('nearestRank of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside [0, 100]`);
  const scaled = Math.round(p * 10_000);
  const rank = Math.max(1, Math.ceil((scaled * n) / 1_000_000));
  return sorted[Math.min(rank, n) - 1] as number;
}
