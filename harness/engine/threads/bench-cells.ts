/**
 * A few cells measured on real threads next to the sim engine's prediction for the same cell: what
 * batching, notification suppression, in-flight depth and exits cost on real cores versus the cost
 * model. Numbers only; run from dist:
 * `node dist/harness/engine/threads/bench-cells.js [ops] [futex,poll,hybrid] [set]`
 * where set is `blk` (virtio-blk 4 KiB randread, iodepth 1 and 32, with and without EVENT_IDX) or
 * `uart` (the emulated UART writing bytes: cost per byte).
 */
import { pathToFileURL } from 'node:url';
import type { Coalesce } from '../../../models/platform/knobs.js';
import type { RunRecord } from '../../results/schema.js';
import { type CellSpec, resolveCell } from '../../runner/cell.js';
import { runResolved } from '../../runner/run-cell.js';
import { isNotifyMode, type NotifyMode } from './notify.js';
import { runCellThreads, type ThreadsRunRecord } from './run-threads.js';

export interface CellCase {
  readonly label: string;
  readonly spec: CellSpec;
}

function cell(
  model: string,
  device: CellSpec['device'],
  workload: string,
  params: Record<string, number>,
  coalesce: Coalesce,
  iodepth: number,
  copy: 'copy' | 'zerocopy',
): CellSpec {
  return {
    model,
    device,
    workload,
    params,
    knobs: { coalesce, iodepth, copy },
    modelOptions: {},
    seed: 1,
    profile: 'modern-2020s',
    engine: 'sim',
  };
}

export function blockCases(ops: number): CellCase[] {
  const out: CellCase[] = [];
  for (const iodepth of [1, 32]) {
    for (const coalesce of [{ kind: 'none' }, { kind: 'event-idx' }] as const) {
      out.push({
        label: `virtio-blk randread 4k qd${iodepth} ${coalesce.kind}`,
        spec: cell('virtio', 'block', 'randread', { ops, bs: 4096 }, coalesce, iodepth, 'zerocopy'),
      });
    }
  }
  return out;
}

export function uartCases(ops: number): CellCase[] {
  return [
    {
      label: 'emulated UART bulk, 64-byte writes',
      spec: cell('emulated', 'console', 'bulk', { ops, bs: 64 }, { kind: 'none' }, 1, 'copy'),
    },
  ];
}

function row(label: string, engine: string, r: RunRecord | ThreadsRunRecord): string {
  const m = r.metrics;
  if (m === undefined) return `${label.padEnd(36)} ${engine.padEnd(7)} ${r.status}: ${r.reason ?? ''}`;
  const threads = 'threads' in r ? r.threads : undefined;
  const perByte = m.bytes > 0 ? ((m.virtualNs / m.bytes) | 0).toString() : '-';
  const fields = [
    `${(m.iops / 1000).toFixed(1).padStart(7)} kIOPS`,
    `p50 ${(m.lat_ns.p50 / 1000).toFixed(1).padStart(7)} µs`,
    `p99 ${(m.lat_ns.p99 / 1000).toFixed(1).padStart(8)} µs`,
    `notif/op ${m.perOp.notifications.toFixed(3)}`,
    `irq/op ${m.perOp.interrupts.toFixed(3)}`,
    `exits/op ${m.perOp.exits.toFixed(2)}`,
    `ns/byte ${perByte}`,
    threads === undefined ? '' : `wakeups/op ${threads.wakeupsPerOp.toFixed(3)}`,
  ];
  return `${label.padEnd(36)} ${engine.padEnd(7)} ${fields.join('  ')}`;
}

/** Measure each case on the sim engine (prediction) and on threads under each notify mode. */
export function benchCells(
  cases: readonly CellCase[],
  modes: readonly NotifyMode[],
  print: (line: string) => void,
): void {
  for (const c of cases) {
    const resolved = resolveCell(c.spec);
    print(row(c.label, 'sim', runResolved(resolved)));
    for (const notify of modes) {
      runCellThreads(resolved, { notify }); // warm-up run in fresh workers, discarded
      print(row(c.label, notify, runCellThreads(resolved, { notify })));
    }
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const [opsArg, modesArg, setArg] = process.argv.slice(2);
  const ops = Number(opsArg) || 20_000;
  const modes = (modesArg ?? 'futex,poll,hybrid').split(',').filter(isNotifyMode);
  const cases =
    setArg === 'uart'
      ? uartCases(ops)
      : setArg === 'blk'
        ? blockCases(ops)
        : [...blockCases(ops), ...uartCases(Math.max(1, ops >> 4))];
  benchCells(cases, modes, (line) => console.log(line));
}
