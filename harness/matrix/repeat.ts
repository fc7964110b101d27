/**
 * `--repeat N`: one cell run in N fresh processes, folded into one record. Timing metrics (the
 * run's engine's tags of kind `timing`, harness/results/schema.ts) get their per-process values,
 * mean and a seeded bootstrap CI of the mean (measurement.md §3.4: the per-process aggregate is
 * the unit), keyed by dotted name (`iops`, `lat_ns.p99`, `counters.exits`,
 * `actors.guest-thread.busyNs`). Every deterministic field must be identical across the repeats;
 * where it is not, the paths that differ are recorded and the run is flagged, because the sim
 * engine promised bit-identical results. The threads engine promises no such thing for event
 * counts, so they are folded as timing and the record says so.
 */
import {
  type EngineId,
  type MetricName,
  type Metrics,
  type RepeatedMetric,
  type RunRecord,
  timingGroups,
} from '../results/schema.js';
import { repeatedSummary } from '../stats/summary.js';

/** The timing metric groups of a sim run (wall-clock figures that may differ between processes). */
export const TIMING_METRICS: readonly MetricName[] = timingGroups('sim');

/** Most differing paths kept per record. */
const MAX_MISMATCHES = 10;

/** Integer fields of the schema: their folded value is the rounded mean (the exact values stay in `repeat`). */
const INTEGER_FIELDS: ReadonlySet<string> = new Set(['lat_ns.count']);

/** Why a threads-engine record's repeats differ in more than wall-clock figures. */
export const THREADS_REPEAT_NOTE =
  'threads engine: event counts (counters, perOp) depend on how the two threads interleaved and may differ ' +
  'between repeats, so they are folded like the wall-clock metrics (per-repeat values, mean); the engine ' +
  'detail (threads) is the first repeat’s';

/** Every timing scalar of `metrics` under its dotted name, for a run of `engine`. */
export function timingValues(metrics: Metrics, engine: EngineId): Map<string, number> {
  const out = new Map<string, number>();
  for (const group of timingGroups(engine)) {
    switch (group) {
      case 'lat_ns':
      case 'counters':
      case 'perOp':
      case 'workload':
        for (const [field, value] of Object.entries(metrics[group])) out.set(`${group}.${field}`, value);
        break;
      case 'actors':
        for (const a of metrics.actors) {
          out.set(`actors.${a.name}.busyNs`, a.busyNs);
          out.set(`actors.${a.name}.util`, a.util);
        }
        break;
      default:
        out.set(group, metrics[group]);
    }
  }
  return out;
}

/** A copy of `metrics` with the timing scalars named in `values` replaced. */
function withTimingValues(metrics: Metrics, values: ReadonlyMap<string, number>): Metrics {
  const out = structuredClone(metrics);
  for (const [name, raw] of values) {
    const value = INTEGER_FIELDS.has(name) ? Math.round(raw) : raw;
    const [group, ...rest] = name.split('.');
    const field = rest.join('.');
    if (group === 'actors') {
      const dot = field.lastIndexOf('.');
      const actor = out.actors.find((a) => a.name === field.slice(0, dot));
      const key = field.slice(dot + 1);
      if (actor !== undefined && (key === 'busyNs' || key === 'util')) actor[key] = value;
    } else if (field === '') {
      (out as unknown as Record<string, number>)[group as string] = value;
    } else {
      (out[group as MetricName] as unknown as Record<string, number>)[field] = value;
    }
  }
  return out;
}

/** The record with its timing metric groups and engine detail zeroed: what must not change between repeats. */
export function deterministicPart(run: RunRecord): RunRecord {
  const { repeat: _repeat, threads: _threads, ...rest } = run;
  if (run.metrics === undefined) return rest;
  const metrics = { ...run.metrics };
  for (const name of timingGroups(run.engine)) (metrics as Record<string, unknown>)[name] = 0;
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
  const perRun = runs.map((r) => timingValues(r.metrics as Metrics, first.engine));
  const timing: Record<string, RepeatedMetric> = {};
  const means = new Map<string, number>();
  for (const name of perRun[0]?.keys() ?? []) {
    const values = perRun.map((m) => m.get(name));
    // A metric some repeat lacks (an actor that did not run) is reported as a deterministic mismatch above.
    if (values.some((v) => v === undefined)) continue;
    const summary = repeatedSummary(values as number[], { seed });
    timing[name] = summary;
    means.set(name, summary.mean);
  }
  return {
    ...first,
    metrics: withTimingValues(first.metrics as Metrics, means),
    repeat: {
      count: runs.length,
      timing,
      deterministic: { identical: mismatches.length === 0, mismatches },
      ...(first.engine === 'threads' ? { note: THREADS_REPEAT_NOTE } : {}),
    },
  };
}
