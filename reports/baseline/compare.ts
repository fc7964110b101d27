/**
 * Baseline comparison. Runs pair by identity (`runKey`); per pair the headline metrics
 * compare as Δ = current / baseline − 1. Deterministic metrics (measurement.md §4.2) need no
 * statistics: equal is "no change", anything else is a real change whose sign against the
 * metric's better direction decides improved / regressed. Timing metrics are compared only
 * through the optional judge (the gate's permutation test and bootstrap interval); without
 * it, or without repeats, they get Δ% and no verdict.
 */
import { METRIC_TAGS, type ResultDocument, type RunRecord } from '../../harness/results/schema.js';
import { knobLabel, runKey } from '../data/runs.js';
import type { TimingJudge, TimingJudgement } from '../model.js';

export type Better = 'higher' | 'lower' | 'none';

export interface ComparedMetric {
  /** Dotted path inside a run (`metrics.lat_ns.p99`). */
  readonly path: string;
  readonly label: string;
  readonly better: Better;
  readonly kind: 'deterministic' | 'timing';
}

/** The metrics a design review reads; the gate (`ringside gate`) compares every field. */
export const COMPARED_METRICS: readonly ComparedMetric[] = [
  { path: 'metrics.iops', label: 'iops', better: METRIC_TAGS.iops.better, kind: METRIC_TAGS.iops.kind },
  { path: 'metrics.bw_bytes', label: 'bw_bytes', better: METRIC_TAGS.bw_bytes.better, kind: METRIC_TAGS.bw_bytes.kind },
  ...(['p50', 'p99', 'p999'] as const).map((p) => ({
    path: `metrics.lat_ns.${p}`,
    label: `lat_ns.${p}`,
    better: METRIC_TAGS.lat_ns.better,
    kind: METRIC_TAGS.lat_ns.kind,
  })),
  ...(['exits', 'hypercalls', 'notifications', 'interrupts', 'bytesCopied'] as const).map((c) => ({
    path: `metrics.perOp.${c}`,
    label: `perOp.${c}`,
    better: METRIC_TAGS.perOp.better,
    kind: METRIC_TAGS.perOp.kind,
  })),
  {
    path: 'metrics.simOpsPerWallSec',
    label: 'simOpsPerWallSec',
    better: METRIC_TAGS.simOpsPerWallSec.better,
    kind: METRIC_TAGS.simOpsPerWallSec.kind,
  },
];

export type DeltaVerdict =
  | 'no change'
  | 'improved'
  | 'regressed'
  | 'changed'
  | 'missing'
  | 'new'
  | 'not compared'
  | (string & {});

export interface DeltaRow {
  readonly key: string;
  readonly model: string;
  readonly device: string;
  readonly workload: string;
  readonly knobs: string;
  readonly metric: string;
  readonly kind: 'deterministic' | 'timing' | null;
  readonly base: number | null;
  readonly head: number | null;
  readonly baseRun: number | null;
  readonly headRun: number | null;
  readonly path: string | null;
  /** head / base − 1; null when a side is missing or the base is 0 with a non-zero head. */
  readonly change: number | null;
  readonly significance: string;
  readonly verdict: DeltaVerdict;
}

function read(run: RunRecord, path: string): number | undefined {
  let node: unknown = run;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' ? node : undefined;
}

export function relativeChange(base: number, head: number): number | null {
  if (base === 0) return head === 0 ? 0 : null;
  return head / base - 1;
}

export function deterministicVerdict(base: number, head: number, better: Better): DeltaVerdict {
  if (base === head) return 'no change';
  if (better === 'none') return 'changed';
  return head > base === (better === 'higher') ? 'improved' : 'regressed';
}

function judgementText(j: TimingJudgement): string {
  const parts = [];
  if (j.p !== null) parts.push(`p=${j.p.toPrecision(2)}`);
  if (j.pAdjusted !== null) parts.push(`Holm p=${j.pAdjusted.toPrecision(2)}`);
  if (j.ci !== null) parts.push(`CI [${(j.ci[0] * 100).toFixed(1)}%, ${(j.ci[1] * 100).toFixed(1)}%]`);
  if (j.note !== undefined) parts.push(j.note);
  return parts.join(', ') || 'no test';
}

function cellFields(run: RunRecord) {
  return {
    model: run.model,
    device: run.device,
    workload: run.workload,
    knobs: knobLabel(run),
  };
}

export function compareDocuments(base: ResultDocument, head: ResultDocument, judge?: TimingJudge): DeltaRow[] {
  const baseByKey = new Map<string, number>();
  base.runs.forEach((r, i) => {
    if (!baseByKey.has(runKey(r))) baseByKey.set(runKey(r), i);
  });
  const seen = new Set<string>();
  const rows: DeltaRow[] = [];
  head.runs.forEach((h, hi) => {
    const key = runKey(h);
    if (seen.has(key)) return;
    seen.add(key);
    const bi = baseByKey.get(key);
    const whole = { key, ...cellFields(h), metric: '*', kind: null, path: null, change: null } as const;
    if (bi === undefined) {
      rows.push({ ...whole, base: null, head: null, baseRun: null, headRun: hi, significance: '', verdict: 'new' });
      return;
    }
    const b = base.runs[bi] as RunRecord;
    if (b.status !== 'ok' || h.status !== 'ok') {
      const verdict = b.status === h.status ? 'no change' : h.status === 'ok' ? 'improved' : 'regressed';
      rows.push({
        ...whole,
        base: null,
        head: null,
        baseRun: bi,
        headRun: hi,
        significance: `status ${b.status} → ${h.status}`,
        verdict,
      });
      return;
    }
    for (const m of COMPARED_METRICS) {
      const bv = read(b, m.path);
      const hv = read(h, m.path);
      if (bv === undefined || hv === undefined) continue;
      const change = relativeChange(bv, hv);
      let significance: string;
      let verdict: DeltaVerdict;
      if (m.kind === 'deterministic') {
        significance = 'deterministic: exact';
        verdict = deterministicVerdict(bv, hv, m.better);
      } else {
        const j = b.repeat !== undefined && h.repeat !== undefined ? judge?.(b, h, m.label) : undefined;
        significance = j === undefined ? 'timing: Δ% only (needs --repeat on both sides)' : judgementText(j);
        verdict = j === undefined ? 'not compared' : j.verdict.toLowerCase();
      }
      rows.push({
        key,
        ...cellFields(h),
        metric: m.label,
        kind: m.kind,
        base: bv,
        head: hv,
        baseRun: bi,
        headRun: hi,
        path: m.path,
        change,
        significance,
        verdict,
      });
    }
  });
  base.runs.forEach((b, bi) => {
    const key = runKey(b);
    if (seen.has(key)) return;
    seen.add(key);
    rows.push({
      key,
      ...cellFields(b),
      metric: '*',
      kind: null,
      base: null,
      head: null,
      baseRun: bi,
      headRun: null,
      path: null,
      change: null,
      significance: 'cell absent from the current results',
      verdict: 'missing',
    });
  });
  return rows;
}
