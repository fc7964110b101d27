/**
 * Seeded percentile bootstrap confidence intervals (measurement.md §3.4): resample with
 * replacement B times (default 10 000), compute the statistic on each resample, and take the
 * (1−level)/2 and (1+level)/2 quantiles of those statistics. For an A/B comparison each arm
 * is resampled separately and the statistic is stat(head)/stat(base) − 1.
 *
 * The unit of resampling is whatever the caller passes: across repeats that is the
 * per-process aggregate (one value per fresh process), never pooled raw samples. The PRNG is
 * the project's seeded sfc32, so the same inputs and seed give the same interval.
 */
import { Rng } from '../../models/platform/rng.js';

export interface BootstrapOptions {
  /** Resamples B (default 10 000). */
  readonly resamples?: number;
  /** Confidence level in (0, 1) (default 0.95). */
  readonly level?: number;
  /** PRNG seed (default 1). */
  readonly seed?: number;
}

export interface ConfidenceInterval {
  /** The statistic on the samples themselves. */
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
}

export type Statistic = (xs: readonly number[]) => number;

export const BOOTSTRAP_DEFAULTS = { resamples: 10_000, level: 0.95, seed: 1 } as const;

interface Resolved {
  readonly resamples: number;
  readonly level: number;
  readonly rng: Rng;
}

function resolve(opts: BootstrapOptions | undefined): Resolved {
  const resamples = opts?.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
  const level = opts?.level ?? BOOTSTRAP_DEFAULTS.level;
  const seed = opts?.seed ?? BOOTSTRAP_DEFAULTS.seed;
  if (!Number.isSafeInteger(resamples) || resamples < 1) throw new RangeError(`resamples ${resamples}: expected ≥ 1`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level ${level}: expected a value in (0, 1)`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed ${seed}: expected an integer ≥ 0`);
  return { resamples, level, rng: new Rng(seed >>> 0) };
}

function checkSamples(name: string, xs: readonly number[]): void {
  if (xs.length === 0) throw new RangeError(`bootstrap: ${name} has no samples`);
  for (const x of xs)
    if (!Number.isFinite(x)) throw new RangeError(`bootstrap: ${name} holds a non-finite sample ${x}`);
}

/** Fill `into` with `from.length` draws from `from`, with replacement. */
function resample(from: readonly number[], into: number[], rng: Rng): void {
  const n = from.length;
  for (let i = 0; i < n; i++) into[i] = from[rng.below(n)] as number;
}

/** The (1−level)/2 and (1+level)/2 quantiles of the resampled statistics. */
function percentileInterval(stats: Float64Array, level: number, estimate: number): ConfidenceInterval {
  stats.sort();
  const b = stats.length;
  const alpha = 1 - level;
  const lo = Math.min(b - 1, Math.max(0, Math.floor((b * alpha) / 2)));
  const hi = Math.min(b - 1, Math.max(0, Math.ceil(b * (1 - alpha / 2)) - 1));
  return { estimate, lo: stats[lo] as number, hi: stats[hi] as number };
}

function checkStatistic(value: number): number {
  if (Number.isNaN(value)) throw new RangeError('bootstrap: the statistic returned NaN');
  return value;
}

/** Percentile bootstrap CI of `stat` over `samples`. `stat` must not keep the array it is given (it is reused). */
export function bootstrapCi(samples: readonly number[], stat: Statistic, opts?: BootstrapOptions): ConfidenceInterval {
  checkSamples('samples', samples);
  const { resamples, level, rng } = resolve(opts);
  const estimate = checkStatistic(stat(samples));
  const scratch: number[] = new Array<number>(samples.length).fill(0);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    resample(samples, scratch, rng);
    stats[b] = checkStatistic(stat(scratch));
  }
  return percentileInterval(stats, level, estimate);
}

/**
 * Percentile bootstrap CI of the relative change stat(head)/stat(base) − 1, each arm resampled
 * separately (measurement.md §3.4). A base statistic of 0 has no relative change: RangeError.
 */
export function bootstrapRelativeChangeCi(
  base: readonly number[],
  head: readonly number[],
  stat: Statistic,
  opts?: BootstrapOptions,
): ConfidenceInterval {
  checkSamples('base', base);
  checkSamples('head', head);
  const { resamples, level, rng } = resolve(opts);
  const baseStat = checkStatistic(stat(base));
  if (baseStat === 0) throw new RangeError('bootstrap: the base statistic is 0, so a relative change is undefined');
  const estimate = checkStatistic(stat(head)) / baseStat - 1;
  const baseScratch: number[] = new Array<number>(base.length).fill(0);
  const headScratch: number[] = new Array<number>(head.length).fill(0);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    resample(base, baseScratch, rng);
    resample(head, headScratch, rng);
    const s = checkStatistic(stat(headScratch)) / checkStatistic(stat(baseScratch)) - 1;
    stats[b] = checkStatistic(s);
  }
  return percentileInterval(stats, level, estimate);
}
