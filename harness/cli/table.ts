/** The human-readable bench table: one row per run, reasons for failed/unsupported runs below it. */
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

export function knobsText(run: RunRecord): string {
  return `qd=${run.knobs.iodepth} ${run.knobs.coalesce} ${run.knobs.copy}`;
}

function row(run: RunRecord): string[] {
  const head = [run.model, run.device, run.workload, knobsText(run), run.status];
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
  ];
}

export function formatTable(runs: readonly RunRecord[]): string {
  const rows = [HEADERS.slice() as string[], ...runs.map(row)];
  const widths = HEADERS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => (c >= NUMERIC_FROM ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const notes = runs
    .map((run, i) =>
      run.reason === undefined
        ? undefined
        : `  [${i + 1}] ${run.model}/${run.device}/${run.workload} ${run.status}: ${run.reason}`,
    )
    .filter((line): line is string => line !== undefined);
  return [...lines, ...notes].join('\n') + '\n';
}
