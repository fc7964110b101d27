/**
 * Wall-clock latency of the threads engine as an HDR histogram (measurement.md §3.1): integer ns,
 * 3 significant digits, percentiles by `getValueAtPercentile` (the highest value equivalent to the
 * rank, HdrHistogram's convention), and the histogram itself encoded so results can be merged later.
 * Samples are recorded after the run, not per operation, so the measured path only stores a number.
 */
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';

/** One hour in ns: the largest latency tracked without resizing. */
const HIGHEST_TRACKABLE_NS = 3_600e9;

export interface WallLatency {
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  /** `encodeIntoCompressedBase64` of the histogram. */
  readonly hdr: string;
}

export function wallLatency(samplesNs: ArrayLike<number>): WallLatency {
  const h = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_NS,
    numberOfSignificantValueDigits: 3,
  });
  try {
    for (let i = 0; i < samplesNs.length; i++) h.recordValue(Math.max(1, Math.round(samplesNs[i] as number)));
    const count = h.totalCount;
    return {
      count,
      mean: count === 0 ? 0 : h.mean,
      min: count === 0 ? 0 : h.minNonZeroValue,
      max: count === 0 ? 0 : h.maxValue,
      p50: count === 0 ? 0 : h.getValueAtPercentile(50),
      p90: count === 0 ? 0 : h.getValueAtPercentile(90),
      p99: count === 0 ? 0 : h.getValueAtPercentile(99),
      p999: count === 0 ? 0 : h.getValueAtPercentile(99.9),
      hdr: encodeIntoCompressedBase64(h),
    };
  } finally {
    h.destroy();
  }
}
