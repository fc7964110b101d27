/**
 * Two-sample permutation test on the difference of means, mean(head) − mean(base)
 * (measurement.md §3.5, Firecracker's A/B statistic). Exact when the number of distinct
 * splits C(n+m, n) is at most `exactLimit` (default 2·10^5): every split is enumerated and
 * p = (splits at least as extreme) / (all splits), the observed split included. Otherwise a
 * seeded Monte Carlo estimate (b+1)/(k+1) over k random relabellings, which is never 0.
 */
import { Rng } from '../../models/platform/rng.js';

export type Alternative = 'two-sided' | 'greater' | 'less';

export interface PermutationOptions {
  /** `greater`: head's mean is larger than base's; `less`: smaller. Default two-sided. */
  readonly alternative?: Alternative;
  /** Largest C(n+m, n) enumerated exactly (default 200 000). */
  readonly exactLimit?: number;
  /** Monte Carlo relabellings when not exact (default 9999, as Firecracker). */
  readonly resamples?: number;
  readonly seed?: number;
}

export interface PermutationResult {
  readonly p: number;
  readonly method: 'exact' | 'monte-carlo';
  /** Splits evaluated: C(n+m, n) when exact, the resample count otherwise. */
  readonly permutations: number;
  /** mean(head) − mean(base). */
  readonly observed: number;
}

export const PERMUTATION_DEFAULTS = { exactLimit: 200_000, resamples: 9999, seed: 1 } as const;

/** C(n, k) as a float; exact for every value the exact path can reach (< 2^53). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const kk = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= kk; i++) c = (c * (n - kk + i)) / i;
  return Math.round(c);
}

/**
 * The smallest two-sided exact p with n and m values per arm: the two extreme splits out of
 * C(n+m, n) (measurement.md §3.5: n = m = 5 → 0.0079; below 5 per arm p < 0.01 is impossible).
 */
export function minimumExactP(n: number, m: number = n): number {
  return Math.min(1, 2 / binomial(n + m, n));
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Sign-adjusted statistic so that "at least as extreme" is always `score >= observedScore`. */
function score(diff: number, alternative: Alternative): number {
  return alternative === 'two-sided' ? Math.abs(diff) : alternative === 'greater' ? diff : -diff;
}

export function permutationTest(
  base: readonly number[],
  head: readonly number[],
  options: PermutationOptions = {},
): PermutationResult {
  const n = base.length;
  const m = head.length;
  if (n === 0 || m === 0) throw new RangeError('permutationTest: both samples need at least one value');
  for (const x of base) if (!Number.isFinite(x)) throw new RangeError('permutationTest: non-finite value in base');
  for (const x of head) if (!Number.isFinite(x)) throw new RangeError('permutationTest: non-finite value in head');
  const alternative = options.alternative ?? 'two-sided';
  const pooled = [...base, ...head];
  const total = sum(pooled);
  // With base's sum s, the difference of means is (total − s)/m − s/n.
  const diffFor = (baseSum: number): number => (total - baseSum) / m - baseSum / n;
  const observed = diffFor(sum(base));
  const target = score(observed, alternative);
  // Sums taken in different orders differ by rounding: ties within this slack count as extreme.
  let scale = 0;
  for (const x of pooled) scale = Math.max(scale, Math.abs(x));
  const slack = 1e-12 * scale * pooled.length;

  const splits = binomial(n + m, n);
  const exactLimit = options.exactLimit ?? PERMUTATION_DEFAULTS.exactLimit;
  if (splits <= exactLimit) {
    const extreme = countExactExtreme(pooled, n, (s) => score(diffFor(s), alternative) >= target - slack);
    return { p: extreme / splits, method: 'exact', permutations: splits, observed };
  }

  const resamples = options.resamples ?? PERMUTATION_DEFAULTS.resamples;
  const rng = new Rng(options.seed ?? PERMUTATION_DEFAULTS.seed);
  const work = Float64Array.from(pooled);
  const size = work.length;
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    // Partial Fisher–Yates: the first n slots become a uniformly random base arm.
    let baseSum = 0;
    for (let i = 0; i < n; i++) {
      const j = i + rng.below(size - i);
      const t = work[i] as number;
      work[i] = work[j] as number;
      work[j] = t;
      baseSum += work[i] as number;
    }
    if (score(diffFor(baseSum), alternative) >= target - slack) extreme++;
  }
  return { p: (extreme + 1) / (resamples + 1), method: 'monte-carlo', permutations: resamples, observed };
}

/** Enumerate every n-subset of `pooled` (lexicographic index order) and count those `isExtreme` accepts by sum. */
function countExactExtreme(pooled: readonly number[], n: number, isExtreme: (baseSum: number) => boolean): number {
  const size = pooled.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let count = 0;
  for (;;) {
    let s = 0;
    for (let i = 0; i < n; i++) s += pooled[idx[i] as number] as number;
    if (isExtreme(s)) count++;
    // Advance to the next combination: bump the rightmost index that still has room.
    let i = n - 1;
    while (i >= 0 && (idx[i] as number) === size - n + i) i--;
    if (i < 0) return count;
    idx[i] = (idx[i] as number) + 1;
    for (let j = i + 1; j < n; j++) idx[j] = (idx[j - 1] as number) + 1;
  }
}
