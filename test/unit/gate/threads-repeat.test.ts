/**
 * The gate on `--repeat` records of both engines (measurement.md §4.2): per-repeat values are
 * read from run.repeat.timing under the same dotted names as the metrics, and each metric is
 * tagged by its run's engine — under the threads engine latency, throughput and event counts are
 * wall-clock timing, compared by the permutation test, never exactly.
 */
import { describe, expect, it } from 'vitest';
import { compareCellSets, type GateReport, type GateRow } from '../../../harness/gate/compare.js';
import { resolvePolicy } from '../../../harness/gate/config.js';
import { gateCells, runMetrics } from '../../../harness/gate/series.js';
import { combineRepeats } from '../../../harness/matrix/repeat.js';
import type { RunRecord } from '../../../harness/results/schema.js';
import { cellId } from '../../../harness/runner/cell-id.js';
import { makeDoc, makeRun, noisy, Rng } from './fixtures.js';

type Metrics = NonNullable<RunRecord['metrics']>;

/** One threads-engine process's record: wall-clock figures scaled by `speed`, counts jittered by `jitter`. */
function threadsRepeat(speed: number, jitter: number): RunRecord {
  const run = makeRun(1, (m: Metrics) => {
    m.iops *= speed;
    m.bw_bytes *= speed;
    m.simOpsPerWallSec = m.iops;
    for (const k of Object.keys(m.lat_ns) as (keyof Metrics['lat_ns'])[]) {
      if (k !== 'count') m.lat_ns[k] /= speed;
    }
    m.counters.wakeups += jitter;
    m.perOp.wakeups = m.counters.wakeups / m.ops;
    m.virtualNs /= speed;
    m.actors = [
      { name: 'guest-thread', busyNs: m.virtualNs * 0.9, util: 0.9 },
      { name: 'host-thread', busyNs: m.virtualNs * 0.5, util: 0.5 },
    ];
  });
  const fields = { ...run, engine: 'threads' as const, notify: 'futex' as const };
  return { ...fields, id: cellId(fields) };
}

/** A folded `--repeat` record from per-process speeds. */
function repeated(speeds: readonly number[], rng: Rng): RunRecord {
  return combineRepeats(speeds.map((s) => threadsRepeat(s, Math.floor(rng.float() * 5))));
}

function gate(base: RunRecord[], head: RunRecord[]): GateReport {
  return compareCellSets(gateCells(makeDoc(base)), gateCells(makeDoc(head)), resolvePolicy());
}

function row(report: GateReport, metric: string): GateRow {
  const found = report.rows.find((r) => r.metric === metric);
  if (found === undefined) throw new Error(`no row ${metric}`);
  return found;
}

describe('metric kinds follow the run’s engine', () => {
  it('threads: throughput, latency, counts and actor time are timing; ops and workload notes deterministic', () => {
    const m = runMetrics(threadsRepeat(1, 0));
    for (const name of ['iops', 'bw_bytes', 'lat_ns.p99', 'counters.exits', 'perOp.wakeups', 'virtualNs']) {
      expect(m.get(name)?.kind, name).toBe('timing');
    }
    expect(m.get('actors.guest-thread.busyNs')?.kind).toBe('timing');
    expect(m.get('ops')?.kind).toBe('deterministic');
    expect(m.get('workload.reads')?.kind).toBe('deterministic');
    // Directions are the group's (or the per-field override), whatever the engine.
    expect(m.get('iops')?.better).toBe('higher');
    expect(m.get('counters.interruptsSuppressed')?.better).toBe('higher');
  });

  it('sim: the same names stay deterministic except simulator speed', () => {
    const m = runMetrics(makeRun(1));
    expect(m.get('iops')?.kind).toBe('deterministic');
    expect(m.get('counters.exits')?.kind).toBe('deterministic');
    expect(m.get('simOpsPerWallSec')?.kind).toBe('timing');
  });
});

describe('per-repeat values come from run.repeat.timing by dotted name', () => {
  it('every timing metric of a repeated threads run carries its per-process values', () => {
    const run = repeated([1, 1.02, 0.98], new Rng(3));
    const m = runMetrics(run);
    for (const [name, point] of m) {
      if (point.kind !== 'timing') continue;
      expect(point.repeats, name).toEqual(run.repeat?.timing[name]?.values);
      expect(point.repeats, name).toHaveLength(3);
    }
    expect(m.get('lat_ns.p99')?.repeats).toEqual([9000, 9000 / 1.02, 9000 / 0.98]);
  });

  it('A/A: three repeats per side, counts that wobble between processes: nothing fails', () => {
    const rng = new Rng(8);
    const report = gate([repeated([1, 1.01, 0.99], rng)], [repeated([0.99, 1.02, 1], rng)]);
    expect(report.rows.filter((r) => r.failing)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(row(report, 'counters.wakeups').method).toBe('permutation');
    expect(row(report, 'ops').method).toBe('exact');
    expect(report.warnings).toEqual([]);
  });

  it('a 20% throughput regression over 10 repeats fails; latency regresses with it', () => {
    const rng = new Rng(12);
    const base = repeated(noisy(rng, 10, 1, 0.02), rng);
    const head = repeated(noisy(rng, 10, 0.8, 0.02), rng);
    const report = gate([base], [head]);
    expect(report.passed).toBe(false);
    expect(row(report, 'iops')).toMatchObject({ verdict: 'regressed', method: 'permutation', failing: true });
    expect(row(report, 'iops').baseRepeats).toBe(10);
    expect(row(report, 'lat_ns.p50').verdict).toBe('regressed');
    expect(row(report, 'ops').verdict).toBe('no-change');
  });
});
