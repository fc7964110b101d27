/**
 * Gate decisions on constructed result pairs (measurement.md §4.2): exact deterministic
 * comparison, tolerances, the allow-list with expiry, missing and new cells, and the timing
 * rule (permutation p < 0.01 after Holm AND bootstrap CI beyond the 5% floor).
 */
import { describe, expect, it } from 'vitest';
import { compareCellSets, type GateReport, type GateRow } from '../../../harness/gate/compare.js';
import { type GateConfig, resolvePolicy } from '../../../harness/gate/config.js';
import { type GateDocument, timingBlocked } from '../../../harness/gate/run.js';
import { gateCells } from '../../../harness/gate/series.js';
import type { RunRecord } from '../../../harness/results/schema.js';
import { makeDoc, makeRun, microRecord, noisy, Rng } from './fixtures.js';

const NOW = new Date('2026-06-15T12:00:00Z');

function gateRuns(base: RunRecord[], head: RunRecord[], config: GateConfig = {}): GateReport {
  return compareCellSets(gateCells(makeDoc(base)), gateCells(makeDoc(head)), resolvePolicy(config), { now: NOW });
}

function gateMicro(
  base: Record<string, number[]>,
  head: Record<string, number[]>,
  config: GateConfig = {},
): GateReport {
  const doc = (set: Record<string, number[]>) =>
    makeDoc(
      [],
      Object.entries(set).map(([id, values]) => microRecord(id, values)),
    );
  const b = doc(base);
  const h = doc(head);
  return compareCellSets(gateCells(b, b.micro), gateCells(h, h.micro), resolvePolicy(config), { now: NOW });
}

function row(report: GateReport, metric: string, cellPart = ''): GateRow {
  const found = report.rows.find((r) => r.metric === metric && r.cell.includes(cellPart));
  if (found === undefined) throw new Error(`no row ${cellPart} ${metric}`);
  return found;
}

describe('deterministic metrics: exact by default', () => {
  it('identical files pass with every metric unchanged', () => {
    const report = gateRuns([makeRun(1), makeRun(8)], [makeRun(1), makeRun(8)]);
    expect(report.passed).toBe(true);
    expect(report.rows.length).toBeGreaterThan(40);
    expect(report.rows.every((r) => r.verdict === 'no-change' || r.kind === 'timing')).toBe(true);
  });

  it('an injected 10% regression of exits per op fails; the row carries value, baseline and Δ', () => {
    const head = makeRun(1, (m) => {
      m.perOp.exits *= 1.1;
    });
    const report = gateRuns([makeRun(1)], [head]);
    expect(report.passed).toBe(false);
    expect(report.failures).toBe(1);
    const r = row(report, 'perOp.exits');
    expect(r).toMatchObject({ verdict: 'regressed', failing: true, method: 'exact', base: 1, bound: '== 1' });
    expect(r.change).toBeCloseTo(0.1, 12);
  });

  it('direction comes from the metric tags: iops down and p99 up regress, iops up improves', () => {
    const worse = gateRuns(
      [makeRun(1)],
      [
        makeRun(1, (m) => {
          m.iops *= 0.9;
          m.lat_ns.p99 *= 1.1;
        }),
      ],
    );
    expect(row(worse, 'iops').verdict).toBe('regressed');
    expect(row(worse, 'lat_ns.p99').verdict).toBe('regressed');
    const better = gateRuns(
      [makeRun(1)],
      [
        makeRun(1, (m) => {
          m.iops *= 1.1;
          m.virtualNs *= 0.9;
          m.counters.notificationsSuppressed += 5;
        }),
      ],
    );
    expect(row(better, 'iops').verdict).toBe('improved');
    expect(row(better, 'virtualNs').verdict).toBe('improved');
    expect(row(better, 'counters.notificationsSuppressed').verdict).toBe('improved');
    expect(better.passed).toBe(true);
  });

  it('a metric with no better side that changes fails as Changed (the workload did different work)', () => {
    const report = gateRuns(
      [makeRun(1)],
      [
        makeRun(1, (m) => {
          m.workload.reads = 999;
        }),
      ],
    );
    expect(row(report, 'workload.reads')).toMatchObject({ verdict: 'changed', failing: true });
    expect(report.passed).toBe(false);
  });
});

describe('tolerances from the config file', () => {
  const slower = (factor: number) =>
    makeRun(1, (m) => {
      m.iops *= factor;
      m.perOp.exits *= factor;
    });

  it('relative 2% on iops: −1% is within noise, −3% regresses; other metrics stay exact', () => {
    const config: GateConfig = { tolerances: { iops: { relative: 0.02 } } };
    const small = gateRuns([makeRun(1)], [slower(0.99)], config);
    expect(row(small, 'iops')).toMatchObject({
      verdict: 'within-noise',
      failing: false,
      method: 'tolerance',
      bound: '>= 196000',
    });
    expect(row(small, 'perOp.exits').verdict).toBe('improved');
    const large = gateRuns([makeRun(1)], [slower(0.97)], config);
    expect(row(large, 'iops')).toMatchObject({ verdict: 'regressed', failing: true });
  });

  it('a group name covers its fields; absolute tolerances apply too', () => {
    const head = makeRun(1, (m) => {
      m.perOp.exits += 0.04;
      m.lat_ns.p99 += 40;
    });
    const report = gateRuns([makeRun(1)], [head], {
      tolerances: { perOp: { relative: 0.05 }, 'lat_ns.p99': { absolute: 50 } },
    });
    expect(row(report, 'perOp.exits').verdict).toBe('within-noise');
    expect(row(report, 'lat_ns.p99')).toMatchObject({ verdict: 'within-noise', bound: '<= 9050' });
    expect(report.passed).toBe(true);
  });
});

describe('cells present on one side only, failed runs and the allow-list', () => {
  it('a cell missing from the current file fails; a new cell is reported and passes', () => {
    const report = gateRuns([makeRun(1), makeRun(8)], [makeRun(1), makeRun(32)]);
    expect(row(report, '*', 'qd=8,')).toMatchObject({ verdict: 'missing', failing: true });
    expect(row(report, '*', 'qd=32,')).toMatchObject({ verdict: 'new', failing: false });
    expect(report.failures).toBe(1);
  });

  it('a run that errors now fails its cell', () => {
    const broken: RunRecord = { ...makeRun(1), status: 'error', reason: 'device stopped' };
    delete (broken as { metrics?: unknown }).metrics;
    const report = gateRuns([makeRun(1)], [broken]);
    expect(row(report, '*')).toMatchObject({
      verdict: 'missing',
      failing: true,
      note: 'current run error: device stopped',
    });
  });

  it('a live allow-list entry excuses the cell × metric it names (globs allowed), and only that', () => {
    const head = makeRun(1, (m) => {
      m.perOp.exits *= 1.1;
      m.iops *= 0.9;
    });
    const allow = [
      {
        cell: 'virtio/block/randread/*',
        metric: 'perOp.exits',
        reason: 'new doorbell',
        owner: 'ana',
        expires: '2026-06-15',
      },
    ];
    const report = gateRuns([makeRun(1)], [head], { allow });
    expect(row(report, 'perOp.exits')).toMatchObject({ verdict: 'regressed', failing: false, allowed: allow[0] });
    expect(row(report, 'iops').failing).toBe(true);
    expect(report.unusedAllow).toEqual([]);
    const both = gateRuns([makeRun(1)], [head], { allow: [...allow, { ...allow[0]!, metric: 'iops' }] });
    expect(both.passed).toBe(true);
  });

  it('a missing cell is excused by an entry with metric *', () => {
    const allow = [{ cell: '*qd=8,*', metric: '*', reason: 'dropped qd 8', owner: 'bo', expires: '2027-01-01' }];
    const report = gateRuns([makeRun(1), makeRun(8)], [makeRun(1)], { allow });
    expect(report.passed).toBe(true);
    expect(row(report, '*').allowed).toEqual(allow[0]);
  });

  it('an expired entry excuses nothing and fails the gate by itself', () => {
    const head = makeRun(1, (m) => {
      m.perOp.exits *= 1.1;
    });
    const expired = { cell: '*', metric: 'perOp.exits', reason: 'old', owner: 'cy', expires: '2026-06-14' };
    const report = gateRuns([makeRun(1)], [head], { allow: [expired] });
    expect(row(report, 'perOp.exits').failing).toBe(true);
    expect(report.expiredAllow).toEqual([expired]);
    const clean = gateRuns([makeRun(1)], [makeRun(1)], { allow: [expired] });
    expect(clean.failures).toBe(0);
    expect(clean.passed).toBe(false);
  });
});

describe('timing metrics (permutation test + bootstrap CI + Holm)', () => {
  it('are not compared without repeats on both sides', () => {
    const report = gateMicro({ 'virtio/ring': [100] }, { 'virtio/ring': [200] });
    expect(row(report, 'ns_per_op')).toMatchObject({ verdict: 'not-compared', failing: false, p: null });
    expect(report.passed).toBe(true);
  });

  it('pure noise: 10 repeats per side from one distribution, 200 seeds, three metrics each: never fails', () => {
    let failures = 0;
    let significantRaw = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed);
      const arm = () => ({
        'virtio/a': noisy(rng, 10, 100, 0.05),
        'virtio/b': noisy(rng, 10, 40, 0.1),
        'platform/c': noisy(rng, 10, 250, 0.03),
      });
      const report = gateMicro(arm(), arm(), { timing: { bootstrapResamples: 2000 } });
      failures += report.failures;
      significantRaw += report.rows.filter((r) => (r.p ?? 1) < 0.01).length;
    }
    expect(failures).toBe(0);
    // The test itself is live: about 1% of 600 comparisons have raw p < 0.01 by chance.
    expect(significantRaw).toBeLessThan(20);
  });

  it('a 20% regression across 10 repeats fails with exact p, CI beyond +5% and Holm applied', () => {
    const rng = new Rng(7);
    const base = { 'virtio/ring': noisy(rng, 10, 100, 0.03), 'platform/bus': noisy(rng, 10, 40, 0.03) };
    const head = { 'virtio/ring': noisy(rng, 10, 120, 0.03), 'platform/bus': noisy(rng, 10, 40, 0.03) };
    const report = gateMicro(base, head);
    const r = row(report, 'ns_per_op', 'virtio/ring');
    expect(r).toMatchObject({
      verdict: 'regressed',
      failing: true,
      method: 'permutation',
      baseRepeats: 10,
      headRepeats: 10,
    });
    expect(r.p).toBeCloseTo(2 / 184756, 10); // the two extreme splits of C(20, 10)
    expect(r.pAdjusted).toBeCloseTo(Math.min(1, 2 * (r.p as number)), 12); // Holm over a family of two
    expect(r.ci?.[0]).toBeGreaterThan(0.05);
    expect(r.change).toBeGreaterThan(0.15);
    expect(row(report, 'ns_per_op', 'platform/bus').failing).toBe(false);
    expect(report.passed).toBe(false);
  });

  it('a significant change inside the effect floor is within noise unless the floor is lowered', () => {
    const rng = new Rng(3);
    const base = { 'virtio/ring': noisy(rng, 10, 100, 0.003) };
    const head = { 'virtio/ring': noisy(rng, 10, 102, 0.003) };
    const report = gateMicro(base, head);
    expect(row(report, 'ns_per_op')).toMatchObject({ verdict: 'within-noise', failing: false });
    expect(row(report, 'ns_per_op').p).toBeLessThan(0.01);
    const strict = gateMicro(base, head, { timing: { effectFloors: { ns_per_op: 0.01 } } });
    expect(row(strict, 'ns_per_op')).toMatchObject({ verdict: 'regressed', failing: true, bound: 'Δ <= +1.0%' });
  });

  it('a faster head is Improved, not a failure', () => {
    const rng = new Rng(11);
    const report = gateMicro({ 'virtio/ring': noisy(rng, 10, 100, 0.02) }, { 'virtio/ring': noisy(rng, 10, 70, 0.02) });
    expect(row(report, 'ns_per_op')).toMatchObject({ verdict: 'improved', failing: false });
    expect(report.passed).toBe(true);
  });

  it('Holm across a large family: a lone 20% change among 40 metrics still fails; BH highlights it', () => {
    const rng = new Rng(5);
    const base: Record<string, number[]> = {};
    const head: Record<string, number[]> = {};
    for (let i = 0; i < 40; i++) {
      base[`virtio/m${i}`] = noisy(rng, 10, 100, 0.03);
      head[`virtio/m${i}`] = noisy(rng, 10, i === 0 ? 120 : 100, 0.03);
    }
    const report = gateMicro(base, head);
    const hit = report.rows.find((r) => r.cell === 'micro/virtio/m0') as GateRow;
    expect(hit.pAdjusted).toBeCloseTo(40 * (hit.p as number), 12);
    expect(hit).toMatchObject({ verdict: 'regressed', failing: true, highlighted: true });
    expect(report.failures).toBe(1);
    expect(report.timingSummaries[0]).toMatchObject({ metric: 'ns_per_op', cells: 40, significantCells: 1 });
  });
});

describe('bench --repeat records (run.repeat.timing)', () => {
  function repeated(values: number[], identical = true): RunRecord {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return {
      ...makeRun(1, (m) => {
        m.simOpsPerWallSec = mean;
      }),
      repeat: {
        count: values.length,
        timing: { simOpsPerWallSec: { values, mean, stddev: 1, ci: { level: 0.95, lo: mean, hi: mean } } },
        deterministic: { identical, mismatches: identical ? [] : ['metrics.counters.exits (repeat 2)'] },
      },
    };
  }

  it('per-process values of a timing metric are tested; a 20% drop in sim speed regresses', () => {
    const rng = new Rng(21);
    const report = gateRuns([repeated(noisy(rng, 10, 1e6, 0.03))], [repeated(noisy(rng, 10, 0.8e6, 0.03))]);
    expect(row(report, 'simOpsPerWallSec')).toMatchObject({
      verdict: 'regressed',
      method: 'permutation',
      headRepeats: 10,
    });
    expect(row(report, 'iops').verdict).toBe('no-change');
  });

  it('repeats whose deterministic metrics disagree are reported as a warning', () => {
    const report = gateRuns([repeated([1, 2, 3])], [repeated([1, 2, 3], false)]);
    expect(report.warnings).toEqual([
      `current ${report.rows[0]?.cell}: deterministic metrics differ across 3 repeats: metrics.counters.exits (repeat 2)`,
    ]);
  });

  it('different env hashes withhold every timing verdict (measurement.md §4.2 A/B step 1)', () => {
    const doc = (envHash: string | undefined): GateDocument => ({
      file: 'f',
      env: makeDoc([]).env,
      envHash,
      cells: new Map(),
    });
    expect(timingBlocked(doc('a'), doc('a'))).toBeUndefined();
    expect(timingBlocked(doc('a'), doc(undefined))).toBeUndefined();
    const why = timingBlocked(doc('a'), doc('b'));
    expect(why).toMatch(/env_hash/);
    const rng = new Rng(4);
    const report = compareCellSets(
      gateCells(makeDoc([repeated(noisy(rng, 10, 1e6, 0.01))])),
      gateCells(makeDoc([repeated(noisy(rng, 10, 0.5e6, 0.01))])),
      resolvePolicy(),
      { now: NOW, ...(why === undefined ? {} : { timingBlocked: why }) },
    );
    expect(row(report, 'simOpsPerWallSec')).toMatchObject({ verdict: 'not-compared', failing: false, note: why });
    expect(report.passed).toBe(true);
  });
});
