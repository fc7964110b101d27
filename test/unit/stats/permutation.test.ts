/** The permutation test (measurement.md §3.5): exact against brute force, minimum p values, Monte Carlo fallback. */
import { describe, expect, it } from 'vitest';
import { binomial, minimumExactP, permutationTest } from '../../../harness/stats/permutation.js';
import { Rng } from '../../../models/platform/rng.js';

/** Brute force: every assignment of the pooled values to the two arms (a bitmask per assignment). */
function bruteForceP(base: number[], head: number[], alternative: 'two-sided' | 'greater' | 'less'): number {
  const pooled = [...base, ...head];
  const n = base.length;
  const N = pooled.length;
  const diff = (a: number[], b: number[]) =>
    b.reduce((s, x) => s + x, 0) / b.length - a.reduce((s, x) => s + x, 0) / a.length;
  const score = (d: number) => (alternative === 'two-sided' ? Math.abs(d) : alternative === 'greater' ? d : -d);
  const observed = score(diff(base, head));
  let extreme = 0;
  let total = 0;
  for (let mask = 0; mask < 1 << N; mask++) {
    let bits = 0;
    for (let i = 0; i < N; i++) if (mask & (1 << i)) bits++;
    if (bits !== n) continue;
    const a = pooled.filter((_, i) => (mask & (1 << i)) !== 0);
    const b = pooled.filter((_, i) => (mask & (1 << i)) === 0);
    total++;
    if (score(diff(a, b)) >= observed - 1e-9) extreme++;
  }
  return extreme / total;
}

describe('exact permutation test', () => {
  it('equals brute-force enumeration on small random samples, ties and unequal arms included', () => {
    const rng = new Rng(42);
    for (let trial = 0; trial < 60; trial++) {
      const n = 2 + rng.below(5);
      const m = 2 + rng.below(5);
      // Small integers make ties (equal values, equal split sums) common.
      const base = Array.from({ length: n }, () => rng.below(6));
      const head = Array.from({ length: m }, () => rng.below(6) + rng.below(3));
      for (const alternative of ['two-sided', 'greater', 'less'] as const) {
        const r = permutationTest(base, head, { alternative });
        expect(r.method).toBe('exact');
        expect(r.permutations).toBe(binomial(n + m, n));
        expect(r.p).toBeCloseTo(bruteForceP(base, head, alternative), 12);
      }
    }
  });

  it('reports the difference of means head − base', () => {
    expect(permutationTest([1, 2, 3], [4, 5, 9]).observed).toBeCloseTo(4, 12);
  });

  it('minimum two-sided p per arm size: 4 → 0.029, 5 → 0.0079, 6 → 0.0022, 10 → 1.1e-5 (§3.5)', () => {
    const expected: Record<number, number> = { 4: 0.029, 5: 0.0079, 6: 0.0022, 10: 1.1e-5 };
    for (const [nText, approx] of Object.entries(expected)) {
      const n = Number(nText);
      const base = Array.from({ length: n }, (_, i) => 100 + i);
      const head = Array.from({ length: n }, (_, i) => 200 + i);
      const r = permutationTest(base, head);
      expect(r.method).toBe('exact');
      expect(r.p).toBe(minimumExactP(n));
      expect(r.p).toBeCloseTo(approx, -Math.floor(Math.log10(approx)) + 1);
    }
    expect(minimumExactP(5)).toBeCloseTo(2 / 252, 15);
    expect(minimumExactP(4)).toBeGreaterThan(0.01); // below 5 per arm, p < 0.01 is impossible
  });

  it('one-sided p of fully separated arms is 1/C(n+m, n), and 1 in the other direction', () => {
    const r = permutationTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], { alternative: 'greater' });
    expect(r.p).toBeCloseTo(1 / 252, 15);
    expect(permutationTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], { alternative: 'less' }).p).toBe(1);
  });

  it('identical arms give p = 1', () => {
    expect(permutationTest([3, 3, 3], [3, 3, 3]).p).toBe(1);
    expect(permutationTest([1, 2, 3, 4], [4, 3, 2, 1]).p).toBe(1);
  });
});

describe('Monte Carlo permutation test', () => {
  it('is used above the exact limit, never returns 0, and is reproducible for a seed', () => {
    const base = Array.from({ length: 12 }, (_, i) => i);
    const head = Array.from({ length: 12 }, (_, i) => 100 + i);
    expect(binomial(24, 12)).toBeGreaterThan(200_000);
    const r = permutationTest(base, head, { resamples: 999, seed: 5 });
    expect(r.method).toBe('monte-carlo');
    expect(r.p).toBe(1 / 1000); // (b + 1)/(k + 1) with b = 0
    expect(permutationTest(base, head, { resamples: 999, seed: 5 })).toEqual(r);
  });

  it('agrees with the exact p within Monte Carlo error', () => {
    const rng = new Rng(9);
    const base = Array.from({ length: 9 }, () => rng.float() * 10);
    const head = Array.from({ length: 9 }, () => rng.float() * 10 + 1.5);
    const exact = permutationTest(base, head);
    const mc = permutationTest(base, head, { exactLimit: 0, resamples: 20_000, seed: 3 });
    expect(exact.method).toBe('exact');
    expect(mc.method).toBe('monte-carlo');
    const se = Math.sqrt((exact.p * (1 - exact.p)) / 20_000);
    expect(Math.abs(mc.p - exact.p)).toBeLessThan(4 * se + 1e-4);
  });

  it('refuses empty arms and non-finite values', () => {
    expect(() => permutationTest([], [1])).toThrow(RangeError);
    expect(() => permutationTest([1, Number.NaN], [1])).toThrow(RangeError);
  });
});
