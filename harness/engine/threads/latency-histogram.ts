/**
 * Wall-clock latency of the threads engine as an HDR histogram (harness/stats/histogram.ts,
 * measurement.md §3.1): integer ns, 3 significant digits, percentiles by `getValueAtPercentile`, and
 * the encoded histogram so results can be merged later. The workload stores its samples as numbers
 * (workloads/latency.ts); they go into the histogram after the run, so the measured path only
 * stores a number per operation.
 */
import { type HistogramSummary, LatencyHistogram } from '../../stats/histogram.js';

export interface WallLatency extends HistogramSummary {
  /** The histogram, encoded (`LatencyHistogram.decode` restores it). */
  readonly hdr: string;
}

export function wallLatency(samplesNs: ArrayLike<number>): WallLatency {
  const h = new LatencyHistogram();
  for (let i = 0; i < samplesNs.length; i++) h.record(Math.max(0, samplesNs[i] as number));
  return { ...h.summary(), hdr: h.encode() };
}
