/**
 * `--repeat N`: one cell run in N fresh processes, folded into one record. Timing metrics
 * (METRIC_TAGS kind `timing`) get their per-process values, mean and a seeded bootstrap CI of
 * the mean (measurement.md §3.4: the per-process aggregate is the unit). Every deterministic
 * field must be identical across the repeats; where it is not, the paths that differ are
 * recorded and the run is flagged, because the sim engine promised bit-identical results.
 */
import { METRIC_TAGS, type MetricName, type RepeatedMetric, type RunRecord } from '../results/schema.js';
import { repeatedSummary } from '../stats/summary.js';

/** The timing metrics of a run record (wall-clock figures that may differ between processes). */
export const TIMING_METRICS = (Object.keys(METRIC_TAGS) as MetricName[]).filter(
  (name) => METRIC_TAGS[name].kind === 'timing',
);

/** Most differing paths kept per record. */
const MAX_MISMATCHES = 10;

/** The record with timing metrics zeroed: what must not change between repeats. */
export function deterministicPart(run: RunRecord): RunRecord {
  if (run.metrics === undefined) return run;
  const metrics = { ...run.metrics };
  for (const name of TIMING_METRICS) (metrics as Record<string, unknown>)[name] = 0;
  const { repeat: _repeat, ...rest } = run;
  return { ...rest, metrics };
}

/** Paths (`metrics.counters.exits`) where `a` and `b` differ, at most `limit`. */
export function differingPaths(
  a: unknown,
  b: unknown,
  path = '',
  out: string[] = [],
  limit = MAX_MISMATCHES,
): string[] {
  if (out.length >= limit) return out;
  if (Object.is(a, b)) return out;
  const aObj = typeof a === 'object' && a !== null;
  const bObj = typeof b === 'object' && b !== null;
  if (!aObj || !bObj || Array.isArray(a) !== Array.isArray(b)) {
    out.push(path === '' ? '(root)' : path);
    return out;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const k of [...keys].sort()) {
    const sub = Array.isArray(a) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
    differingPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], sub, out, limit);
    if (out.length >= limit) break;
  }
  return out;
}

/** Fold the records of one cell's repeats (in repeat order) into one. */
export function combineRepeats(runs: readonly RunRecord[], seed = 1): RunRecord {
  const first = runs[0];
  if (first === undefined) throw new RangeError('combineRepeats: no runs');
  if (runs.length === 1) return first;
  const failed = runs.findIndex((r) => r.status !== 'ok');
  if (failed >= 0) {
    const bad = runs[failed] as RunRecord;
    if (bad.status === 'unsupported') return bad;
    return { ...bad, reason: `repeat ${failed + 1} of ${runs.length}: ${bad.reason ?? 'failed'}` };
  }
  const reference = deterministicPart(first);
  const mismatches: string[] = [];
  for (let i = 1; i < runs.length && mismatches.length < MAX_MISMATCHES; i++) {
    for (const p of differingPaths(reference, deterministicPart(runs[i] as RunRecord))) {
      const tagged = `${p} (repeat ${i + 1})`;
      if (mismatches.length < MAX_MISMATCHES) mismatches.push(tagged);
    }
  }
  const metrics = { ...(first.metrics as NonNullable<RunRecord['metrics']>) };
  const timing: Record<string, RepeatedMetric> = {};
  for (const name of TIMING_METRICS) {
    const values = runs.map((r) => (r.metrics as Record<string, unknown>)[name] as number);
    const summary = repeatedSummary(values, { seed });
    timing[name] = summary;
    (metrics as Record<string, unknown>)[name] = summary.mean;
  }
  return {
    ...first,
    metrics,
    repeat: { count: runs.length, timing, deterministic: { identical: mismatches.length === 0, mismatches } },
  };
}
