/**
 * The human-readable bench table: one row per run, reasons for failed / unsupported runs and
 * repeat warnings below it. The workload column names the parameters that vary between runs of
 * the same workload (a `--bs 4k,64k` sweep shows `randread bs=65536`); the knobs column names
 * the engine when it is not sim (`threads:hybrid`); the last column is the simulator's own speed,
 * with its bootstrap CI when `--repeat` measured it in several processes (none on threads runs,
 * whose IOPS column is already wall clock).
 */
import type { RunRecord } from '../results/schema.js';

const HEADERS = [
  'model',
  'device',
  'workload',
  'knobs',
  'status',
  'ops',
  'IOPS',
  'MiB/s',
  'p50 µs',
  'p99 µs',
  'p99.9 µs',
  'exits/op',
  'notif/op',
  'irq/op',
  'copyB/op',
  'sim op/s',
] as const;

/** Columns right-aligned (numbers). */
const NUMERIC_FROM = HEADERS.indexOf('ops');

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function ratio(value: number): string {
  if (value === 0) return '0';
  return value >= 100 ? fixed(value, 0) : value >= 10 ? fixed(value, 1) : fixed(value, 2);
}

function micros(ns: number): string {
  const us = ns / 1000;
  return us >= 100 ? fixed(us, 0) : us >= 10 ? fixed(us, 1) : fixed(us, 2);
}

/** 950, 12.3k, 4.56M. */
export function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e8 ? 0 : abs >= 1e7 ? 1 : 2)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(abs >= 1e5 ? 0 : abs >= 1e4 ? 1 : 2)}k`;
  return fixed(value, 0);
}

export function knobsText(run: RunRecord): string {
  const knobs = `qd=${run.knobs.iodepth} ${run.knobs.coalesce} ${run.knobs.copy}`;
  if (run.engine === 'sim') return knobs;
  return `${knobs} ${run.engine}${run.notify === undefined ? '' : `:${run.notify}`}`;
}

/** Per workload id, the parameter keys whose values differ between the runs. */
function varyingParams(runs: readonly RunRecord[]): Map<string, string[]> {
  const values = new Map<string, Map<string, Set<number>>>();
  for (const r of runs) {
    const byKey = values.get(r.workload) ?? new Map<string, Set<number>>();
    values.set(r.workload, byKey);
    for (const [k, v] of Object.entries(r.params)) byKey.set(k, (byKey.get(k) ?? new Set()).add(v));
  }
  const out = new Map<string, string[]>();
  for (const [w, byKey] of values) {
    out.set(
      w,
      [...byKey]
        .filter(([, s]) => s.size > 1)
        .map(([k]) => k)
        .sort(),
    );
  }
  return out;
}

function simSpeed(run: RunRecord): string {
  const m = run.metrics;
  if (m === undefined || run.engine !== 'sim') return '-';
  const repeated = run.repeat?.timing.simOpsPerWallSec;
  const flag = run.repeat !== undefined && !run.repeat.deterministic.identical ? '!' : '';
  if (repeated === undefined) return compact(m.simOpsPerWallSec) + flag;
  const half = (repeated.ci.hi - repeated.ci.lo) / 2;
  return `${compact(repeated.mean)}±${compact(half)}${flag}`;
}

function row(run: RunRecord, varying: Map<string, string[]>): string[] {
  const extra = (varying.get(run.workload) ?? []).map((k) => `${k}=${run.params[k]}`);
  const workload = [run.workload, ...extra].join(' ');
  const head = [run.model, run.device, workload, knobsText(run), run.status];
  const m = run.metrics;
  if (m === undefined) return [...head, ...HEADERS.slice(NUMERIC_FROM).map(() => '-')];
  const p = m.perOp;
  return [
    ...head,
    String(m.ops),
    fixed(m.iops, 0),
    fixed(m.bw_bytes / (1024 * 1024), 1),
    micros(m.lat_ns.p50),
    micros(m.lat_ns.p99),
    micros(m.lat_ns.p999),
    ratio(p.exits),
    ratio(p.notifications),
    ratio(p.interrupts),
    ratio(p.bytesCopied),
    simSpeed(run),
  ];
}

function notes(runs: readonly RunRecord[]): string[] {
  const out: string[] = [];
  runs.forEach((run, i) => {
    const name = `[${i + 1}] ${run.model}/${run.device}/${run.workload}`;
    if (run.reason !== undefined) out.push(`  ${name} ${run.status}: ${run.reason}`);
    const det = run.repeat?.deterministic;
    if (det !== undefined && !det.identical) {
      out.push(`  ${name} deterministic metrics differ between repeats: ${det.mismatches.join(', ')}`);
    }
  });
  return out;
}

export function formatTable(runs: readonly RunRecord[]): string {
  const varying = varyingParams(runs);
  const rows = [HEADERS.slice() as string[], ...runs.map((r) => row(r, varying))];
  const widths = HEADERS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => (c >= NUMERIC_FROM ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return [...lines, ...notes(runs)].join('\n') + '\n';
}

/** `12 cells: 10 ok, 1 unsupported, 1 error` */
export function statusSummary(runs: readonly RunRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const parts = (['ok', 'unsupported', 'error'] as const)
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`);
  return `${runs.length} cell${runs.length === 1 ? '' : 's'}: ${parts.join(', ') || 'none'}`;
}
