/**
 * Baseline comparison: deterministic metrics judged exactly by their better direction
 * (measurement.md §4.2), timing metrics only through a judge, cells matched by their inputs.
 */
import { describe, expect, it } from 'vitest';
import { compareDocuments, deterministicVerdict, relativeChange } from '../../../reports/baseline/compare.js';
import type { TimingJudge } from '../../../reports/model.js';
import { baselineSection } from '../../../reports/sections/baseline.js';
import { fixtureDoc, fixtureRun } from './fixtures.js';

describe('baseline comparison', () => {
  it('computes relative change and the deterministic verdict from the direction', () => {
    expect(relativeChange(100, 110)).toBeCloseTo(0.1, 12);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(0, 5)).toBeNull();
    expect(deterministicVerdict(5, 5, 'lower')).toBe('no change');
    expect(deterministicVerdict(5, 4, 'lower')).toBe('improved');
    expect(deterministicVerdict(5, 4, 'higher')).toBe('regressed');
    expect(deterministicVerdict(5, 4, 'none')).toBe('changed');
  });

  it('finds no change between a document and itself', () => {
    const doc = fixtureDoc([fixtureRun({ iodepth: 1 }), fixtureRun({ iodepth: 4 })]);
    const rows = compareDocuments(doc, doc);
    expect(rows.length).toBeGreaterThan(10);
    const deterministic = rows.filter((r) => r.kind === 'deterministic');
    expect(deterministic.every((r) => r.verdict === 'no change' && r.change === 0)).toBe(true);
  });

  it('judges higher IOPS improved and higher p99 and exits regressed, with Δ from the two runs', () => {
    const base = fixtureDoc([fixtureRun({ iops: 100_000, p99: 10_000, perOp: { exits: 1 } })]);
    const head = fixtureDoc([fixtureRun({ iops: 120_000, p99: 12_500, perOp: { exits: 2 } })]);
    const rows = compareDocuments(base, head);
    const get = (metric: string) => rows.find((r) => r.metric === metric);
    expect(get('iops')).toMatchObject({ base: 100_000, head: 120_000, verdict: 'improved', baseRun: 0, headRun: 0 });
    expect(get('iops')?.change).toBeCloseTo(0.2, 12);
    expect(get('lat_ns.p99')).toMatchObject({ verdict: 'regressed', path: 'metrics.lat_ns.p99' });
    expect(get('lat_ns.p99')?.change).toBeCloseTo(0.25, 12);
    expect(get('perOp.exits')).toMatchObject({ verdict: 'regressed', change: 1 });
    expect(get('perOp.hypercalls')?.verdict).toBe('no change');
  });

  it('reports timing metrics with Δ only, unless a judge decides them', () => {
    const base = fixtureDoc([fixtureRun({ repeats: [100, 110, 90] })]);
    const head = fixtureDoc([fixtureRun({ repeats: [150, 160, 140] })]);
    const plain = compareDocuments(base, head).find((r) => r.metric === 'simOpsPerWallSec');
    expect(plain).toMatchObject({ kind: 'timing', verdict: 'not compared' });
    expect(plain?.change).toBeCloseTo(0.5, 12);
    const asked: string[] = [];
    const judge: TimingJudge = (b, h, metric) => {
      asked.push(`${b.knobs.iodepth}/${h.knobs.iodepth}/${metric}`);
      return { verdict: 'Improved', p: 0.004, pAdjusted: 0.004, ci: [0.3, 0.7] };
    };
    const judged = compareDocuments(base, head, judge).find((r) => r.metric === 'simOpsPerWallSec');
    expect(asked).toEqual(['1/1/simOpsPerWallSec']);
    expect(judged?.verdict).toBe('improved');
    expect(judged?.significance).toBe('p=0.0040, Holm p=0.0040, CI [30.0%, 70.0%]');
  });

  it('marks cells new, missing, or changed in status', () => {
    const base = fixtureDoc([fixtureRun({ iodepth: 1 }), fixtureRun({ iodepth: 2 }), fixtureRun({ iodepth: 4 })]);
    const head = fixtureDoc([
      fixtureRun({ iodepth: 1, status: 'error', reason: 'device hung' }),
      fixtureRun({ iodepth: 4 }),
      fixtureRun({ iodepth: 8 }),
    ]);
    const whole = compareDocuments(base, head).filter((r) => r.metric === '*');
    expect(whole.map((r) => [r.knobs.split(' ')[0], r.verdict])).toEqual([
      ['qd=1', 'regressed'],
      ['qd=8', 'new'],
      ['qd=2', 'missing'],
    ]);
  });

  it('builds a section with verdict counts, a change chart and the changed rows', () => {
    const base = fixtureDoc([fixtureRun({ iops: 100_000 }), fixtureRun({ iodepth: 4, iops: 300_000 })]);
    const head = fixtureDoc([fixtureRun({ iops: 90_000 }), fixtureRun({ iodepth: 4, iops: 300_000 })]);
    const out = baselineSection(base, 'base.json', head, 'head.json');
    // The fixture's bandwidth follows its IOPS: both fall by 10%.
    expect(out.counts.regressed).toBe(2);
    const chart = out.section.blocks.find((b) => b.kind === 'chart');
    expect(chart?.kind === 'chart' && chart.chart.table.rows.map((r) => r[1]?.text)).toEqual(['iops', 'bw_bytes']);
    expect(out.top.rows[0]?.[1]?.text).toBe('iops');
    expect(out.top.rows[0]?.[5]?.text).toBe('−10.0%');
    expect(out.top.rows[0]?.[3]).toMatchObject({ value: 100_000, run: 0, source: 'baseline', metric: 'metrics.iops' });
  });
});
