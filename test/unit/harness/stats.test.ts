/**
 * harness/stats: seeded percentile bootstrap CIs (measurement.md §3.4), HDR histograms for
 * wall-clock latency (§3.1), and the summaries the matrix reports across repeats.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapCi, bootstrapRelativeChangeCi } from '../../../harness/stats/bootstrap.js';
import { LatencyHistogram } from '../../../harness/stats/histogram.js';
import { mean, median, rate, repeatedSummary, stddev, summarize } from '../../../harness/stats/summary.js';
import { Rng } from '../../../models/platform/rng.js';

function normal(rng: Rng, mu: number, sigma: number): number {
  // Box–Muller on the seeded generator.
  const u = 1 - rng.float();
  const v = rng.float();
  return mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

describe('bootstrapCi', () => {
  it('is reproducible for a seed and brackets the estimate', () => {
    const xs = [10.3, 12.1, 9.7, 11.2, 14.9, 10.05, 13.4, 12.6, 11.8, 9.15];
    const a = bootstrapCi(xs, mean, { seed: 42 });
    expect(bootstrapCi(xs, mean, { seed: 42 })).toEqual(a);
    expect(a.estimate).toBeCloseTo(11.52, 12);
    expect(a.lo).toBeLessThan(a.estimate);
    expect(a.hi).toBeGreaterThan(a.estimate);
    expect(bootstrapCi(xs, mean, { seed: 43 })).not.toEqual(a);
  });

  it('covers the true mean about 95 % of the time (percentile method, n = 30)', () => {
    const rng = new Rng(2024);
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 30 }, () => normal(rng, 100, 15));
      const ci = bootstrapCi(xs, mean, { resamples: 1000, seed: t });
      if (ci.lo <= 100 && 100 <= ci.hi) covered++;
    }
    // Binomial(200, ~0.94): far outside [0.88, 0.99] only if the interval is wrong.
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it('narrows as the level drops and as samples grow', () => {
    const rng = new Rng(7);
    const small = Array.from({ length: 10 }, () => normal(rng, 50, 5));
    const large = Array.from({ length: 400 }, () => normal(rng, 50, 5));
    const width = (ci: { lo: number; hi: number }) => ci.hi - ci.lo;
    expect(width(bootstrapCi(small, mean, { level: 0.8 }))).toBeLessThan(width(bootstrapCi(small, mean)));
    expect(width(bootstrapCi(large, mean, { resamples: 2000 }))).toBeLessThan(
      width(bootstrapCi(small, mean, { resamples: 2000 })),
    );
  });

  it('works for any statistic, e.g. the median; a single sample has a zero-width interval', () => {
    const ci = bootstrapCi([1, 2, 3, 4, 100], median, { resamples: 500 });
    expect(ci.estimate).toBe(3);
    // A median resample is always one of the data values.
    expect([1, 2, 3, 4, 100]).toContain(ci.lo);
    expect([1, 2, 3, 4, 100]).toContain(ci.hi);
    expect(ci.lo).toBeLessThanOrEqual(3);
    expect(ci.hi).toBeGreaterThanOrEqual(3);
    expect(bootstrapCi([5], mean)).toEqual({ estimate: 5, lo: 5, hi: 5 });
  });

  it('rejects empty or non-finite samples and bad options', () => {
    expect(() => bootstrapCi([], mean)).toThrow('bootstrap: samples has no samples');
    expect(() => bootstrapCi([1, Number.NaN], mean)).toThrow(RangeError);
    expect(() => bootstrapCi([1, 2], mean, { level: 1 })).toThrow('level 1: expected a value in (0, 1)');
    expect(() => bootstrapCi([1, 2], mean, { resamples: 0 })).toThrow('resamples 0: expected ≥ 1');
  });
});

describe('bootstrapRelativeChangeCi', () => {
  it('estimates stat(head)/stat(base) − 1 and excludes 0 for a clear 20 % shift', () => {
    const rng = new Rng(99);
    const base = Array.from({ length: 12 }, () => normal(rng, 100, 3));
    const head = Array.from({ length: 12 }, () => normal(rng, 120, 3));
    const ci = bootstrapRelativeChangeCi(base, head, mean, { seed: 1 });
    expect(ci.estimate).toBeCloseTo(mean(head) / mean(base) - 1, 12);
    expect(ci.lo).toBeGreaterThan(0.1);
    expect(ci.hi).toBeLessThan(0.3);
  });

  it('includes 0 when both arms come from one distribution', () => {
    const rng = new Rng(5);
    const base = Array.from({ length: 12 }, () => normal(rng, 100, 10));
    const head = Array.from({ length: 12 }, () => normal(rng, 100, 10));
    const ci = bootstrapRelativeChangeCi(base, head, mean, { seed: 3 });
    expect(ci.lo).toBeLessThan(0);
    expect(ci.hi).toBeGreaterThan(0);
  });

  it('resamples each arm separately: arms of different sizes work', () => {
    const ci = bootstrapRelativeChangeCi([10, 11, 9], [20, 21, 19, 20, 22, 18], mean, { resamples: 2000 });
    expect(ci.estimate).toBeCloseTo(1, 12);
    expect(ci.lo).toBeGreaterThan(0.6);
  });

  it('refuses a zero base statistic', () => {
    expect(() => bootstrapRelativeChangeCi([0, 0], [1, 2], mean)).toThrow(/base statistic is 0/);
  });
});

describe('LatencyHistogram (hdr-histogram-js, wall-clock latencies)', () => {
  it('reports p50/p90/p99/p99.9 within 0.1 % for 3 significant digits', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100_000; v++) h.record(v);
    const s = h.summary();
    expect(s.count).toBe(100_000);
    expect(s.min).toBe(1);
    expect(s.mean).toBeCloseTo(50_000.5, -1);
    for (const [got, want] of [
      [s.max, 100_000],
      [s.p50, 50_000],
      [s.p90, 90_000],
      [s.p99, 99_000],
      [s.p999, 99_900],
    ] as const) {
      expect(Math.abs(got - want) / want).toBeLessThan(0.001);
    }
  });

  it('rounds to whole ns, merges by adding counts, and round-trips through its encoding', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.record(1000.4);
    a.record(2000);
    b.record(3000);
    a.add(b);
    expect(a.count).toBe(3);
    expect(a.percentile(100)).toBeGreaterThanOrEqual(3000);
    expect(a.percentile(100)).toBeLessThanOrEqual(3003);
    expect(a.percentile(0)).toBe(1000);
    const copy = LatencyHistogram.decode(a.encode());
    expect(copy.summary()).toEqual(a.summary());
    expect(() => LatencyHistogram.decode('not a histogram')).toThrow(/not an encoded HDR histogram/);
  });

  it('back-fills missed samples for a fixed-interval issuer (coordinated-omission correction)', () => {
    const h = new LatencyHistogram();
    h.recordCorrected(1000, 10);
    // 1000, 990, 980, …, 10: one value per expected interval.
    expect(h.count).toBe(100);
    expect(h.summary().min).toBe(10);
  });

  it('an empty histogram reports zeros and rejects bad input', () => {
    expect(new LatencyHistogram().summary()).toMatchObject({ count: 0, p50: 0, max: 0 });
    expect(() => new LatencyHistogram().record(-1)).toThrow(RangeError);
    expect(() => new LatencyHistogram().percentile(101)).toThrow(RangeError);
  });
});

describe('summaries', () => {
  it('throughput is operations over elapsed time, not a mean of per-op rates', () => {
    // Two ops: one took 1 µs, one 999 µs. Mean of rates would claim ~500 k/s.
    expect(rate(2, 1_000_000)).toBe(2000);
    expect(rate(5, 0)).toBe(0);
  });

  it('mean, sample standard deviation, median, summary', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(stddev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
    expect(stddev([3])).toBe(0);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(summarize([3, 1, 2])).toEqual({ count: 3, mean: 2, stddev: 1, min: 1, median: 2, max: 3 });
    expect(() => mean([])).toThrow(RangeError);
  });

  it('repeatedSummary keeps every per-process value with mean, stddev and a bootstrap CI of the mean', () => {
    const s = repeatedSummary([100, 110, 90, 105, 95]);
    expect(s.values).toEqual([100, 110, 90, 105, 95]);
    expect(s.mean).toBe(100);
    expect(s.stddev).toBeCloseTo(7.906, 3);
    expect(s.ci.level).toBe(0.95);
    expect(s.ci.lo).toBeLessThan(100);
    expect(s.ci.hi).toBeGreaterThan(100);
    expect(() => repeatedSummary([1])).toThrow('a repeated metric needs at least 2 values, got 1');
  });
});
