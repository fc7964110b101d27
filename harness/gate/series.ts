/**
 * What the gate compares: every result file flattened into cells (one per run or micro
 * benchmark), each a map from metric name (`iops`, `lat_ns.p99`, `perOp.exits`,
 * `ns_per_op`…) to a tagged value, with per-repeat values where the file has them (a run's
 * `repeat.timing`, keyed by the same dotted names). Kind and direction (higher / lower is
 * better) come from the schema's tags of the run's engine by group (ENGINE_METRIC_TAGS: under
 * the threads engine latency, throughput and event counts are wall-clock timing), with the
 * per-field exceptions in DIRECTION_OVERRIDES.
 */
import type { MicroRecord } from '../micro/schema.js';
import {
  type MetricKind,
  type MetricName,
  type MetricTag,
  metricTags,
  type ResultDocument,
  type RunRecord,
} from '../results/schema.js';
import { cellId } from '../runner/cell-id.js';

export type Better = 'higher' | 'lower' | 'none';

export interface MetricPoint {
  readonly kind: MetricKind;
  readonly better: Better;
  readonly unit: string;
  /** The point value (for repeated timing metrics, the file's summary of the repeats). */
  readonly value: number;
  /** Per-repeat values (timing metrics measured in fresh processes). */
  readonly repeats?: readonly number[];
}

export interface GateCell {
  readonly id: string;
  readonly status: RunRecord['status'];
  readonly reason?: string;
  readonly metrics: ReadonlyMap<string, MetricPoint>;
  /** Something the reader should know about this cell's data (e.g. repeats that disagree). */
  readonly warning?: string;
}

/**
 * Fields whose direction differs from their group's tag. Virtual time of a fixed amount of
 * work is better lower; a sample count says how much was measured, not how well; a suppressed
 * notification or interrupt, and a byte moved without copying, is work the other side was spared.
 */
export const DIRECTION_OVERRIDES: Readonly<Record<string, Better>> = {
  virtualNs: 'lower',
  'lat_ns.count': 'none',
  'counters.notificationsSuppressed': 'higher',
  'counters.interruptsSuppressed': 'higher',
  'counters.bytesZeroCopy': 'higher',
  'perOp.notificationsSuppressed': 'higher',
  'perOp.interruptsSuppressed': 'higher',
  'perOp.bytesZeroCopy': 'higher',
};

/** Actor utilisation rises when throughput does: no better side. */
const ACTOR_UTIL: Better = 'none';

/** The run's cell id: the one it carries, else the runner's id of its identity fields. */
export function runCellId(run: RunRecord): string {
  return run.id ?? cellId(run);
}

export function microCellId(record: MicroRecord): string {
  return `micro/${record.id}`;
}

/**
 * Every scalar of a run's metrics under its dotted name, tagged by the run's engine; the
 * per-process values of `--repeat` (run.repeat.timing) ride along on its timing metrics.
 */
export function runMetrics(run: RunRecord): Map<string, MetricPoint> {
  const out = new Map<string, MetricPoint>();
  const m = run.metrics;
  if (m === undefined) return out;
  const tags: Readonly<Record<MetricName, MetricTag>> = metricTags(run.engine);
  const put = (group: MetricName, name: string, value: number): void => {
    const tag = tags[group];
    out.set(name, { kind: tag.kind, better: DIRECTION_OVERRIDES[name] ?? tag.better, unit: tag.unit, value });
  };
  put('ops', 'ops', m.ops);
  put('bytes', 'bytes', m.bytes);
  put('iops', 'iops', m.iops);
  put('bw_bytes', 'bw_bytes', m.bw_bytes);
  for (const [field, value] of Object.entries(m.lat_ns)) put('lat_ns', `lat_ns.${field}`, value);
  for (const [field, value] of Object.entries(m.counters)) put('counters', `counters.${field}`, value);
  for (const [field, value] of Object.entries(m.perOp)) put('perOp', `perOp.${field}`, value);
  put('virtualNs', 'virtualNs', m.virtualNs);
  for (const actor of m.actors) {
    put('actors', `actors.${actor.name}.busyNs`, actor.busyNs);
    const util = tags.actors;
    out.set(`actors.${actor.name}.util`, { kind: util.kind, better: ACTOR_UTIL, unit: 'fraction', value: actor.util });
  }
  for (const [note, value] of Object.entries(m.workload)) put('workload', `workload.${note}`, value);
  put('simOpsPerWallSec', 'simOpsPerWallSec', m.simOpsPerWallSec);
  for (const [name, summary] of Object.entries(run.repeat?.timing ?? {})) {
    const point = out.get(name);
    if (point !== undefined && point.kind === 'timing') out.set(name, { ...point, repeats: summary.values });
  }
  return out;
}

export function microMetrics(record: MicroRecord): Map<string, MetricPoint> {
  const out = new Map<string, MetricPoint>();
  for (const [name, metric] of Object.entries(record.metrics)) {
    out.set(name, {
      kind: metric.kind,
      better: metric.better,
      unit: metric.unit,
      value: metric.value,
      repeats: metric.per_repeat,
    });
  }
  return out;
}

/**
 * Several runs of one cell (repeats in fresh processes, or files merged from repeated runs)
 * fold into one cell: timing metrics gain per-repeat values with their mean as the value;
 * deterministic metrics keep the first run's value, and a disagreement is noted.
 */
function foldRepeats(id: string, runs: readonly RunRecord[]): GateCell {
  const first = runs[0] as RunRecord;
  const failed = runs.find((r) => r.status !== 'ok');
  if (failed !== undefined) {
    return {
      id,
      status: failed.status,
      ...(failed.reason === undefined ? {} : { reason: failed.reason }),
      metrics: new Map(),
    };
  }
  if (runs.length === 1) {
    const cell: GateCell = { id, status: first.status, metrics: runMetrics(first) };
    const check = first.repeat?.deterministic;
    return check === undefined || check.identical
      ? cell
      : {
          ...cell,
          warning: `deterministic metrics differ across ${first.repeat?.count} repeats: ${check.mismatches.join(', ')}`,
        };
  }
  const all = runs.map(runMetrics);
  const metrics = new Map<string, MetricPoint>();
  const disagreeing: string[] = [];
  for (const [name, point] of all[0] ?? []) {
    const values = all.map((m) => m.get(name)?.value).filter((v): v is number => v !== undefined);
    if (point.kind === 'timing') {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      metrics.set(name, { ...point, value: mean, repeats: values });
    } else {
      if (values.some((v) => v !== point.value)) disagreeing.push(name);
      metrics.set(name, point);
    }
  }
  const cell: GateCell = { id, status: 'ok', metrics };
  return disagreeing.length === 0
    ? cell
    : { ...cell, warning: `deterministic metrics differ across ${runs.length} repeats: ${disagreeing.join(', ')}` };
}

/** All cells of a document (runs, then micro benchmarks); runs sharing a cell id are repeats of it. */
export function gateCells(doc: ResultDocument, micro: readonly MicroRecord[] = []): Map<string, GateCell> {
  const groups = new Map<string, RunRecord[]>();
  for (const run of doc.runs) {
    const id = runCellId(run);
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [run]);
    else group.push(run);
  }
  const cells = new Map<string, GateCell>();
  for (const [id, runs] of groups) cells.set(id, foldRepeats(id, runs));
  for (const record of micro) {
    const id = microCellId(record);
    if (cells.has(id)) throw new DuplicateCellError(id);
    cells.set(id, { id, status: 'ok', metrics: microMetrics(record) });
  }
  return cells;
}

export class DuplicateCellError extends Error {
  constructor(readonly cell: string) {
    super(`micro benchmark ${cell} appears more than once`);
    this.name = 'DuplicateCellError';
  }
}
