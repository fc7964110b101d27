/** Holm and Benjamini–Hochberg (measurement.md §3.6) against hand-computed examples. */
import { describe, expect, it } from 'vitest';
import { bhAdjust, bhReject, holmAdjust, holmReject } from '../../../harness/stats/multiple.js';
import { Rng } from '../../../models/platform/rng.js';

describe('Holm step-down', () => {
  // Sorted: 0.005 ≤ 0.05/4 ✓, 0.01 ≤ 0.05/3 ✓, 0.03 ≤ 0.05/2 ✗ → stop.
  const p = [0.01, 0.04, 0.03, 0.005];

  it('rejects while p(i) ≤ α/(m − i + 1) and stops at the first that is not', () => {
    expect(holmReject(p, 0.05)).toEqual([true, false, false, true]);
  });

  it('adjusted p: running max of (m − i + 1)·p(i), capped at 1', () => {
    // 4·0.005 = 0.02; 3·0.01 = 0.03; 2·0.03 = 0.06; 1·0.04 → max(0.06, 0.04) = 0.06.
    const adjusted = holmAdjust(p);
    for (const [i, v] of [0.03, 0.06, 0.06, 0.02].entries()) expect(adjusted[i]).toBeCloseTo(v, 15);
    expect(holmAdjust([0.5, 0.6])).toEqual([1, 1]);
  });
});

describe('Benjamini–Hochberg step-up', () => {
  it('rejects the k smallest, k the largest rank with p(k) ≤ kα/m', () => {
    // Thresholds 0.0125, 0.025, 0.0375, 0.05: every sorted p is under its own.
    expect(bhReject([0.01, 0.04, 0.03, 0.005], 0.05)).toEqual([true, true, true, true]);
    // Step-up: p(1) = 0.03 > 0.025 but p(2) = 0.04 ≤ 0.05, so both go (Holm rejects neither).
    expect(bhReject([0.04, 0.03], 0.05)).toEqual([true, true]);
    expect(holmReject([0.04, 0.03], 0.05)).toEqual([false, false]);
  });

  it('adjusted p: running min from the top of m·p(i)/i', () => {
    // i=4: 0.04; i=3: 4/3·0.03 = 0.04; i=2: 2·0.01 = 0.02; i=1: 4·0.005 = 0.02.
    const q = bhAdjust([0.01, 0.04, 0.03, 0.005]);
    for (const [i, v] of [0.02, 0.04, 0.04, 0.02].entries()) expect(q[i]).toBeCloseTo(v, 15);
  });

  it('on ten p values BH finds two discoveries where Holm finds one', () => {
    const p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216];
    // Holm: 0.001 ≤ 0.005 ✓, 0.008 ≤ 0.00556 ✗. BH: 0.008 ≤ 2·0.005 ✓, 0.039 > 0.015, … none after.
    expect(holmReject(p, 0.05).filter(Boolean)).toHaveLength(1);
    expect(bhReject(p, 0.05)).toEqual([true, true, false, false, false, false, false, false, false, false]);
  });
});

describe('adjusted p and rejection agree', () => {
  it('reject ⇔ adjusted ≤ α, for Holm and BH, on random families', () => {
    const rng = new Rng(17);
    for (let trial = 0; trial < 200; trial++) {
      const m = 1 + rng.below(12);
      const p = Array.from({ length: m }, () => (rng.below(4) === 0 ? rng.float() * 0.02 : rng.float()));
      const alpha = [0.01, 0.05, 0.1][rng.below(3)] as number;
      expect(holmReject(p, alpha)).toEqual(holmAdjust(p).map((a) => a <= alpha));
      expect(bhReject(p, alpha)).toEqual(bhAdjust(p).map((q) => q <= alpha));
    }
  });

  it('refuses p values outside [0, 1]', () => {
    expect(() => holmAdjust([0.5, 1.5])).toThrow(RangeError);
    expect(() => bhReject([Number.NaN], 0.05)).toThrow(RangeError);
  });
});
