/** measurement.md §3.1: virtual-time latencies use exact nearest-rank percentiles. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../models/platform/rng.js';
import { LatencyRecorder, nearestRank } from '../../../workloads/latency.js';

/** Nearest rank by its definition: the smallest sample v with at least p% of samples ≤ v. */
function bruteForce(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  for (const v of sorted) {
    const atOrBelow = sorted.filter((x) => x <= v).length;
    // Compare in integers (per-million) to keep the definition exact.
    if (atOrBelow * 1_000_000 >= Math.round(p * 10_000) * sorted.length) return v;
  }
  return sorted[sorted.length - 1] as number;
}

describe('LatencyRecorder', () => {
  it('matches the nearest-rank definition on random data of many sizes', () => {
    const rng = new Rng(7);
    for (const n of [1, 2, 3, 7, 10, 99, 100, 101, 999, 1000, 1001, 2500]) {
      const rec = new LatencyRecorder(4); // smaller than n: exercises growth
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        // Many ties (values from a small set) as well as spread values.
        const v = i % 3 === 0 ? 1000 + rng.below(5) : rng.below(1_000_000) / 8;
        samples.push(v);
        rec.record(v);
      }
      const s = rec.summary();
      expect(s.count).toBe(n);
      expect(s.p50).toBe(bruteForce(samples, 50));
      expect(s.p90).toBe(bruteForce(samples, 90));
      expect(s.p99).toBe(bruteForce(samples, 99));
      expect(s.p999).toBe(bruteForce(samples, 99.9));
      expect(s.min).toBe(Math.min(...samples));
      expect(s.max).toBe(Math.max(...samples));
      expect(s.mean).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / n, 6);
    }
  });

  it('takes rank ⌈p·N/100⌉ exactly where floating point would round up (99.9 % of 1000 is rank 999)', () => {
    const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(nearestRank(sorted, 99.9)).toBe(999);
    expect(nearestRank(sorted, 50)).toBe(500);
    expect(nearestRank(sorted, 100)).toBe(1000);
    expect(nearestRank(sorted, 0)).toBe(1);
    expect(nearestRank([5, 9], 50)).toBe(5);
    expect(nearestRank([5, 9], 50.0001)).toBe(9);
  });

  it('keeps samples at 1 ps resolution and leaves recording order intact', () => {
    const rec = new LatencyRecorder(2);
    rec.record(25009.600000001);
    rec.record(3);
    expect(Array.from(rec.values())).toEqual([25009.6, 3]);
    expect(rec.summary().min).toBe(3);
    expect(Array.from(rec.values())).toEqual([25009.6, 3]);
  });

  it('summarises no samples as zeros with count 0 and rejects bad percentiles', () => {
    expect(new LatencyRecorder().summary()).toEqual({
      count: 0,
      mean: 0,
      min: 0,
      max: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      p999: 0,
    });
    expect(() => nearestRank([], 50)).toThrow(RangeError);
    expect(() => nearestRank([1], 101)).toThrow(RangeError);
  });
});
