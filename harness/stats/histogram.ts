/**
 * Wall-clock latency histograms (measurement.md §3.1) over hdr-histogram-js 3: integer
 * nanoseconds, 3 significant digits (≤ 0.1 % error) by default, auto-resizing. Percentiles are
 * `getValueAtPercentile`, i.e. the highest value equivalent to the recorded one at that rank
 * (for 1…100 000, p50 = 50 015 rather than the rounded 50 000 of `summary`). Virtual-time
 * latencies never come here: they use exact nearest-rank percentiles (workloads/latency.ts)
 * so golden values do not depend on a library.
 *
 * One histogram per process or worker; merge with `add`; store `encode()` in results.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export type SignificantDigits = 1 | 2 | 3 | 4 | 5;

/** fio-style figures of a histogram (measurement.md §3.2). */
export interface HistogramSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
}

export class LatencyHistogram {
  private readonly h: Histogram;

  constructor(significantDigits: SignificantDigits = 3, from?: Histogram) {
    this.h = from ?? build({ numberOfSignificantValueDigits: significantDigits, autoResize: true });
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** Record one latency; rounded to whole ns (non-integers skew min and max, §3.1). */
  record(ns: number): void {
    if (!(ns >= 0 && Number.isFinite(ns))) throw new RangeError(`latency ${ns} ns: expected a finite value ≥ 0`);
    this.h.recordValue(Math.round(ns));
  }

  /**
   * Record a latency measured by a fixed-interval issuer that waited for completions, and back-fill
   * what the missed sends would have seen (v − i, v − 2i, … ≥ i): the post-hoc coordinated-omission
   * correction of §3.3. Open-loop workloads measure from the intended start instead and need none.
   */
  recordCorrected(ns: number, expectedIntervalNs: number): void {
    if (!(expectedIntervalNs > 0)) throw new RangeError(`expected interval ${expectedIntervalNs}: expected > 0`);
    if (!(ns >= 0 && Number.isFinite(ns))) throw new RangeError(`latency ${ns} ns: expected a finite value ≥ 0`);
    this.h.recordValueWithExpectedInterval(Math.round(ns), Math.round(expectedIntervalNs));
  }

  /** Merge another histogram into this one (never average percentiles across processes, §3.2). */
  add(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  /** Latency at percentile `p` in [0, 100]; 0 with no samples. */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside [0, 100]`);
    if (this.h.totalCount === 0) return 0;
    return this.h.getValueAtPercentile(p);
  }

  summary(): HistogramSummary {
    const h = this.h;
    if (h.totalCount === 0) return { count: 0, min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0, p999: 0 };
    return {
      count: h.totalCount,
      min: h.getValueAtPercentile(0),
      // Like every percentile here, the highest equivalent value (an encoded copy reports the same).
      max: h.getValueAtPercentile(100),
      mean: h.mean,
      stddev: h.stdDeviation,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
    };
  }

  /** Compressed base64 form, for result files; `decode` restores it exactly. */
  encode(): string {
    return encodeIntoCompressedBase64(this.h);
  }

  static decode(text: string): LatencyHistogram {
    let h: Histogram;
    try {
      h = decodeFromCompressedBase64(text);
    } catch (error) {
      throw new RangeError(`not an encoded HDR histogram (${(error as Error).message})`);
    }
    return new LatencyHistogram(3, h);
  }

  reset(): void {
    this.h.reset();
  }
}
