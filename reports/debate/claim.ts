/**
 * A claim of the 2006–2009 I/O-virtualization debates stated as an experiment: who said it,
 * which cells test it, the rule that turns measured numbers into a verdict. A claim whose
 * cells are absent from the results is **pending** — never filled with a guess.
 */
import type { RunIndex } from '../data/run-index.js';
import { type IndexedRun, isOk, type OkRun } from '../data/runs.js';
import type { Table } from '../table.js';

export type ClaimVerdict = 'supported' | 'refuted' | 'mixed' | 'pending';

export interface ClaimSource {
  readonly who: string;
  readonly year: string;
  readonly where: string;
  /** How far the source was checked, in the fact sheets' marks. */
  readonly status: string;
}

export interface ClaimOutcome {
  readonly verdict: ClaimVerdict;
  /** The measured result in one line (or why it is pending). */
  readonly headline: string;
  readonly numbers?: Table;
  /** Cells the experiment needs that the results do not hold. */
  readonly missing: readonly string[];
}

export interface Claim {
  readonly id: string;
  readonly title: string;
  readonly statement: string;
  readonly source: ClaimSource;
  /** Which cells, at which settings. */
  readonly experiment: string;
  readonly rule: string;
  evaluate(index: RunIndex): ClaimOutcome;
}

/**
 * The ok run of (model, class, workload) on the reference slice of that group, else the ok
 * run nearest to it; undefined when the model has no ok run there.
 */
export function cellRun(index: RunIndex, model: string, device: string, workload: string): OkRun | undefined {
  const exact = index.pick(device, workload, model).find(isOk);
  if (exact !== undefined) return exact;
  const near = index.nearest(device, workload, model);
  return near !== undefined && isOk(near.entry) ? near.entry : undefined;
}

/** All runs of a model and class, any workload and status. */
export function runsOf(index: RunIndex, model: string, device: string): IndexedRun[] {
  return index.entries.filter((e) => e.run.model === model && e.run.device === device);
}

export function pending(missing: readonly string[], why?: string): ClaimOutcome {
  return {
    verdict: 'pending',
    headline: why ?? `pending: the results hold no ${missing.join(', ')} cells`,
    missing,
  };
}

/** `a` relative to `b` as a signed fraction, `a / b − 1` (0 when both are 0). */
export function relative(a: number, b: number): number {
  if (b === 0) return a === 0 ? 0 : Number.POSITIVE_INFINITY;
  return a / b - 1;
}
