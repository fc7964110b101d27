/**
 * The gate's decisions (measurement.md §4.2). Deterministic metrics compare exactly, or
 * within a configured tolerance. Timing metrics compare only when both sides carry repeats:
 * a two-sided permutation test on the difference of means, Holm-adjusted across every timing
 * comparison of the run, must give p < alpha, AND the bootstrap interval of the relative
 * change of means must lie entirely beyond the effect floor in the bad direction. BH-adjusted
 * p only highlights. A cell missing from the current side fails unless the allow-list covers it.
 */

import type { MetricKind } from '../results/schema.js';
import { bootstrapRelativeChangeCi } from '../stats/bootstrap.js';
import { bhAdjust, holmAdjust } from '../stats/multiple.js';
import { permutationTest } from '../stats/permutation.js';
import { mean } from '../stats/summary.js';
import { type AllowList, allowList } from './allow.js';
import type { AllowEntry, GatePolicy, Tolerance } from './config.js';
import type { Better, GateCell, MetricPoint } from './series.js';

export type Verdict =
  | 'regressed'
  | 'improved'
  | 'within-noise'
  | 'no-change'
  | 'changed'
  | 'missing'
  | 'new'
  | 'not-compared';

export const VERDICT_LABEL: Readonly<Record<Verdict, string>> = {
  regressed: 'Regressed',
  improved: 'Improved',
  'within-noise': 'Within noise',
  'no-change': 'No change',
  changed: 'Changed',
  missing: 'Missing',
  new: 'New',
  'not-compared': 'Not compared',
};

/** Verdicts that fail the gate unless an allow-list entry covers them. */
const FAILING: ReadonlySet<Verdict> = new Set<Verdict>(['regressed', 'changed', 'missing']);

export interface GateRow {
  readonly cell: string;
  /** `*` for a row about the whole cell (missing, new, failed run). */
  readonly metric: string;
  readonly kind: MetricKind | null;
  readonly better: Better | null;
  readonly unit: string;
  readonly base: number | null;
  readonly head: number | null;
  readonly baseRepeats: number;
  readonly headRepeats: number;
  /** head / base − 1 (null when either side is missing or the base is 0). */
  readonly change: number | null;
  /** Bootstrap interval of the relative change (timing comparisons). */
  readonly ci: readonly [number, number] | null;
  readonly p: number | null;
  /** Holm-adjusted p (what gates). */
  readonly pAdjusted: number | null;
  /** Benjamini–Hochberg-adjusted p (what highlights). */
  readonly q: number | null;
  readonly highlighted: boolean;
  readonly method: 'exact' | 'tolerance' | 'permutation' | 'none';
  /** The pass condition, for JUnit names: `== 12`, `<= 12.5`, `Δ <= +5%`. */
  readonly bound: string;
  readonly verdict: Verdict;
  readonly failing: boolean;
  readonly allowed?: AllowEntry;
  readonly note?: string;
}

/** Firecracker's cross-cell check (§4.1): a metric's mean relative change, over all its cells and its significant ones. */
export interface MetricSummary {
  readonly metric: string;
  readonly cells: number;
  readonly meanChange: number;
  readonly significantCells: number;
  readonly meanSignificantChange: number | null;
}

export interface GateReport {
  readonly rows: readonly GateRow[];
  readonly passed: boolean;
  readonly failures: number;
  readonly expiredAllow: readonly AllowEntry[];
  readonly unusedAllow: readonly AllowEntry[];
  readonly warnings: readonly string[];
  readonly timingSummaries: readonly MetricSummary[];
  readonly policy: GatePolicy;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function blankRow(cell: string, metric: string, point: MetricPoint | undefined): Mutable<GateRow> {
  return {
    cell,
    metric,
    kind: point?.kind ?? null,
    better: point?.better ?? null,
    unit: point?.unit ?? '',
    base: null,
    head: null,
    baseRepeats: 0,
    headRepeats: 0,
    change: null,
    ci: null,
    p: null,
    pAdjusted: null,
    q: null,
    highlighted: false,
    method: 'none',
    bound: '',
    verdict: 'not-compared',
    failing: false,
  };
}

function group(metric: string): string {
  const dot = metric.indexOf('.');
  return dot < 0 ? metric : metric.slice(0, dot);
}

function lookup<T>(table: Readonly<Record<string, T>>, metric: string): T | undefined {
  return table[metric] ?? table[group(metric)] ?? table['*'];
}

function relativeChange(base: number, head: number): number | null {
  if (base === 0) return head === 0 ? 0 : null;
  return head / base - 1;
}

function fmtBound(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

function compareDeterministic(
  row: Mutable<GateRow>,
  base: MetricPoint,
  head: MetricPoint,
  tol: Tolerance | undefined,
): void {
  row.base = base.value;
  row.head = head.value;
  row.change = relativeChange(base.value, head.value);
  const slack = tol === undefined ? 0 : Math.max(tol.absolute ?? 0, (tol.relative ?? 0) * Math.abs(base.value));
  row.method = tol === undefined ? 'exact' : 'tolerance';
  row.bound =
    slack === 0
      ? `== ${fmtBound(base.value)}`
      : base.better === 'higher'
        ? `>= ${fmtBound(base.value - slack)}`
        : base.better === 'lower'
          ? `<= ${fmtBound(base.value + slack)}`
          : `within ${fmtBound(base.value)} ± ${fmtBound(slack)}`;
  const diff = head.value - base.value;
  if (diff === 0) row.verdict = 'no-change';
  else if (Math.abs(diff) <= slack) row.verdict = 'within-noise';
  else if (base.better === 'none') row.verdict = 'changed';
  else row.verdict = diff > 0 === (base.better === 'higher') ? 'improved' : 'regressed';
}

interface TimingCandidate {
  readonly row: Mutable<GateRow>;
  readonly base: readonly number[];
  readonly head: readonly number[];
}

function testTiming(c: TimingCandidate, policy: GatePolicy): void {
  const { row } = c;
  const baseMean = mean(c.base);
  const headMean = mean(c.head);
  row.base = baseMean;
  row.head = headMean;
  row.baseRepeats = c.base.length;
  row.headRepeats = c.head.length;
  row.method = 'permutation';
  row.change = relativeChange(baseMean, headMean);
  row.p = permutationTest(c.base, c.head, {
    exactLimit: policy.exactLimit,
    resamples: policy.permutationResamples,
    seed: policy.seed,
  }).p;
  if (baseMean !== 0) {
    const ci = bootstrapRelativeChangeCi(c.base, c.head, mean, {
      resamples: policy.bootstrapResamples,
      level: policy.confidence,
      seed: policy.seed,
    });
    row.ci = [ci.lo, ci.hi];
  }
}

function decideTiming(row: Mutable<GateRow>, policy: GatePolicy): void {
  const floor = lookup(policy.effectFloors, row.metric) ?? policy.effectFloor;
  const pct = `${(floor * 100).toFixed(1)}%`;
  row.bound = row.better === 'lower' ? `Δ <= +${pct}` : row.better === 'higher' ? `Δ >= -${pct}` : `|Δ| <= ${pct}`;
  if (row.ci === null) {
    row.verdict = 'not-compared';
    row.note = 'baseline mean is 0: no relative change';
    return;
  }
  const [lo, hi] = row.ci;
  const significant = (row.pAdjusted ?? 1) < policy.alpha;
  const above = lo > floor;
  const below = hi < -floor;
  if (!significant) row.verdict = 'no-change';
  else if (row.better === 'none') row.verdict = above || below ? 'changed' : 'within-noise';
  else if ((row.better === 'lower' && above) || (row.better === 'higher' && below)) row.verdict = 'regressed';
  else if ((row.better === 'lower' && below) || (row.better === 'higher' && above)) row.verdict = 'improved';
  else row.verdict = 'within-noise';
}

function compareCells(
  id: string,
  base: GateCell,
  head: GateCell,
  policy: GatePolicy,
  rows: Mutable<GateRow>[],
  timing: TimingCandidate[],
  timingBlocked: string | undefined,
): void {
  if (base.status !== 'ok') {
    rows.push({ ...blankRow(id, '*', undefined), note: `baseline run ${base.status}: ${base.reason ?? ''}`.trim() });
    return;
  }
  if (head.status !== 'ok') {
    rows.push({
      ...blankRow(id, '*', undefined),
      verdict: 'missing',
      note: `current run ${head.status}: ${head.reason ?? ''}`.trim(),
    });
    return;
  }
  for (const [metric, b] of base.metrics) {
    const h = head.metrics.get(metric);
    const row = blankRow(id, metric, b);
    rows.push(row);
    if (h === undefined) {
      row.base = b.value;
      row.verdict = 'missing';
      row.note = 'metric absent from the current file';
    } else if (b.kind !== h.kind) {
      row.base = b.value;
      row.head = h.value;
      row.note = `metric kind ${b.kind} in the baseline, ${h.kind} now`;
    } else if (b.kind === 'deterministic') {
      compareDeterministic(row, b, h, lookup(policy.tolerances, metric));
    } else if (
      timingBlocked === undefined &&
      (b.repeats?.length ?? 0) >= policy.minRepeats &&
      (h.repeats?.length ?? 0) >= policy.minRepeats
    ) {
      timing.push({ row, base: b.repeats ?? [], head: h.repeats ?? [] });
    } else {
      row.base = b.value;
      row.head = h.value;
      row.baseRepeats = b.repeats?.length ?? 0;
      row.headRepeats = h.repeats?.length ?? 0;
      row.change = relativeChange(b.value, h.value);
      row.note = timingBlocked ?? `timing metric needs ≥ ${policy.minRepeats} repeats on both sides (--repeat)`;
    }
  }
  for (const [metric, h] of head.metrics) {
    if (base.metrics.has(metric)) continue;
    rows.push({ ...blankRow(id, metric, h), head: h.value, verdict: 'new' });
  }
}

function timingSummaries(candidates: readonly TimingCandidate[], policy: GatePolicy): MetricSummary[] {
  const byMetric = new Map<string, Mutable<GateRow>[]>();
  for (const { row } of candidates) {
    if (row.change === null) continue;
    const list = byMetric.get(row.metric) ?? [];
    list.push(row);
    byMetric.set(row.metric, list);
  }
  return [...byMetric].map(([metric, list]) => {
    const significant = list.filter((r) => (r.pAdjusted ?? 1) < policy.alpha);
    return {
      metric,
      cells: list.length,
      meanChange: mean(list.map((r) => r.change as number)),
      significantCells: significant.length,
      meanSignificantChange: significant.length === 0 ? null : mean(significant.map((r) => r.change as number)),
    };
  });
}

export interface CompareOptions {
  readonly now?: Date;
  /** Why timing metrics must not be compared (e.g. the environments differ); they are then Not compared. */
  readonly timingBlocked?: string;
}

export function compareCellSets(
  base: ReadonlyMap<string, GateCell>,
  head: ReadonlyMap<string, GateCell>,
  policy: GatePolicy,
  options: CompareOptions = {},
): GateReport {
  const rows: Mutable<GateRow>[] = [];
  const timing: TimingCandidate[] = [];
  const warnings: string[] = [];
  for (const [id, b] of base) {
    const h = head.get(id);
    if (h === undefined)
      rows.push({ ...blankRow(id, '*', undefined), verdict: 'missing', note: 'cell absent from the current file' });
    else compareCells(id, b, h, policy, rows, timing, options.timingBlocked);
    if (b.warning !== undefined) warnings.push(`baseline ${id}: ${b.warning}`);
  }
  for (const [id, h] of head) {
    if (!base.has(id))
      rows.push({ ...blankRow(id, '*', undefined), verdict: 'new', note: 'cell absent from the baseline' });
    if (h.warning !== undefined) warnings.push(`current ${id}: ${h.warning}`);
  }

  for (const c of timing) testTiming(c, policy);
  const pValues = timing.map((c) => c.row.p as number);
  const holm = holmAdjust(pValues);
  const bh = bhAdjust(pValues);
  timing.forEach((c, i) => {
    c.row.pAdjusted = holm[i] as number;
    c.row.q = bh[i] as number;
    c.row.highlighted = (bh[i] as number) < policy.alpha;
    decideTiming(c.row, policy);
  });

  const allow: AllowList = allowList(policy.allow, options.now ?? new Date());
  for (const row of rows) {
    if (!FAILING.has(row.verdict)) continue;
    const entry = allow.match(row.cell, row.metric);
    if (entry === undefined) row.failing = true;
    else row.allowed = entry;
  }
  const failures = rows.filter((r) => r.failing).length;
  return {
    rows,
    passed: failures === 0 && allow.expired.length === 0,
    failures,
    expiredAllow: allow.expired,
    unusedAllow: allow.unused(),
    warnings,
    timingSummaries: timingSummaries(timing, policy),
    policy,
  };
}
