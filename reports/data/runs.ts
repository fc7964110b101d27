/**
 * What a report needs to know about one run record: its identity, the axes it was run at
 * (knobs, workload parameters, backend) and the headline figures derived from its metrics.
 * Only the result schema is imported (DESIGN §2), so any file of this schema version renders.
 */
import type { Metrics, RunRecord } from '../../harness/results/schema.js';
import type { Quantity } from '../format.js';

export type DeviceClass = 'block' | 'net' | 'console' | 'entropy';

/** DESIGN §1 column order. */
export const DEVICE_ORDER: readonly DeviceClass[] = ['block', 'net', 'console', 'entropy'];

export const DEVICE_TITLES: Readonly<Record<DeviceClass, string>> = {
  block: 'Block',
  net: 'Network',
  console: 'Console',
  entropy: 'Entropy',
};

/** A run with its position in the document's `runs` array (tables cite it as `data-run`). */
export interface IndexedRun {
  readonly index: number;
  readonly run: RunRecord;
}

export type OkRun = IndexedRun & { readonly run: RunRecord & { readonly metrics: Metrics } };

export function isOk(entry: IndexedRun): entry is OkRun {
  return entry.run.status === 'ok' && entry.run.metrics !== undefined;
}

function pairs(record: Readonly<Record<string, string | number>> | undefined): string {
  if (record === undefined) return '';
  return Object.keys(record)
    .sort()
    .map((k) => `${k}=${record[k]}`)
    .join(',');
}

/**
 * Axis name → value of every input that shapes the run apart from model, class and workload:
 * `iodepth`, `coalesce`, `copy`, `param:<key>`, `backend`. Model options are kept apart
 * (`optionsKey`) because each model has its own.
 */
export function axisValues(run: RunRecord): Map<string, string> {
  const axes = new Map<string, string>([
    ['iodepth', String(run.knobs.iodepth)],
    ['coalesce', run.knobs.coalesce],
    ['copy', run.knobs.copy],
    ['backend', pairs(run.backend)],
  ]);
  for (const key of Object.keys(run.params).sort()) axes.set(`param:${key}`, String(run.params[key]));
  return axes;
}

export function optionsKey(run: RunRecord): string {
  return pairs(run.modelOptions);
}

/**
 * Identity used to pair a run with its baseline: every input except the profile's hash (a
 * re-priced profile keeps its id) and the cell id string (whose format may change between releases).
 */
export function runKey(run: RunRecord): string {
  return [
    run.model,
    run.device,
    run.workload,
    pairs(run.params),
    `qd=${run.knobs.iodepth},coalesce=${run.knobs.coalesce},copy=${run.knobs.copy}`,
    optionsKey(run),
    pairs(run.backend),
    `seed=${run.seed}`,
    run.profile.id,
    run.engine,
  ].join('/');
}

/** A short human label of the knobs: `qd=16 event-idx zerocopy`. */
export function knobLabel(run: RunRecord): string {
  return `qd=${run.knobs.iodepth} ${run.knobs.coalesce} ${run.knobs.copy}`;
}

/** Workloads whose natural figure is bytes per second (streams, console output, entropy draining). */
const BYTE_RATE_WORKLOADS: ReadonlySet<string> = new Set(['stream', 'bulk', 'drain', 'read', 'write']);

export interface Throughput {
  /** Field of `metrics` it comes from. */
  readonly metric: 'iops' | 'bw_bytes';
  readonly quantity: Quantity;
  readonly label: string;
}

/** fio / netperf habit (measurement.md §5.3): block IOPS, RR transactions/s, streams and bulk in bytes/s. */
export function throughputOf(device: string, workload: string): Throughput {
  if (device !== 'block' && BYTE_RATE_WORKLOADS.has(workload)) {
    return { metric: 'bw_bytes', quantity: 'bytes/s', label: 'throughput' };
  }
  if (device === 'net' && workload === 'rr') return { metric: 'iops', quantity: 'ops/s', label: 'transactions/s' };
  return { metric: 'iops', quantity: 'ops/s', label: device === 'block' ? 'IOPS' : 'operations/s' };
}

/** The crossings the brief asks to stack, in the meter's counter names (models/platform/meter.ts). */
export const EVENT_PARTS = [
  { counter: 'exits', label: 'exits' },
  { counter: 'hypercalls', label: 'hypercalls' },
  { counter: 'notifications', label: 'notifications' },
  { counter: 'interrupts', label: 'interrupts' },
] as const;

/** Exits + hypercalls + notifications + interrupts per operation. */
export function eventsPerOp(metrics: Metrics): number {
  let sum = 0;
  for (const part of EVENT_PARTS) sum += metrics.perOp[part.counter];
  return sum;
}

/** Synchronous guest → host crossings per operation (what stalls the vCPU). */
export function syncCrossingsPerOp(metrics: Metrics): number {
  return metrics.perOp.exits + metrics.perOp.hypercalls;
}

/** Value at a dotted path of a run (`metrics.lat_ns.p99`), for tables that cite their source. */
export function valueAt(run: RunRecord, path: string): number | undefined {
  let node: unknown = run;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' ? node : undefined;
}
