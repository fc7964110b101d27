/**
 * Summary statistics for the harness: throughput as operations over elapsed time (never a
 * mean of per-sample rates, measurement.md §2.2), plain sample summaries, and the summary of
 * one timing metric across `--repeat` processes: per-process values, mean, sample standard
 * deviation and a seeded bootstrap CI of the mean (§3.4).
 */
import { type BootstrapOptions, bootstrapCi } from './bootstrap.js';

/** Operations per second over `elapsedNs`; 0 when no time elapsed (below the timer's resolution). */
export function rate(ops: number, elapsedNs: number): number {
  return elapsedNs > 0 ? ops / (elapsedNs / 1e9) : 0;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('mean of no samples');
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two samples. */
export function stddev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** The middle value (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of no samples');
  const sorted = Float64Array.from(xs).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly stddev: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) throw new RangeError('summary of no samples');
  return {
    count: xs.length,
    mean: mean(xs),
    stddev: stddev(xs),
    min: Math.min(...xs),
    median: median(xs),
    max: Math.max(...xs),
  };
}

export interface RepeatedSummary {
  readonly values: number[];
  readonly mean: number;
  readonly stddev: number;
  readonly ci: { readonly level: number; readonly lo: number; readonly hi: number };
}

/** One timing metric over R fresh processes (R ≥ 2): the values, their mean and a bootstrap CI of the mean. */
export function repeatedSummary(values: readonly number[], opts: BootstrapOptions = {}): RepeatedSummary {
  if (values.length < 2) throw new RangeError(`a repeated metric needs at least 2 values, got ${values.length}`);
  const level = opts.level ?? 0.95;
  const ci = bootstrapCi(values, mean, { ...opts, level });
  return { values: [...values], mean: ci.estimate, stddev: stddev(values), ci: { level, lo: ci.lo, hi: ci.hi } };
}
