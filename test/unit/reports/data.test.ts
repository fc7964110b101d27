/** Formatting, run identity and the reference slices the charts and the matrix hold fixed. */
import { describe, expect, it } from 'vitest';
import { RunIndex } from '../../../reports/data/run-index.js';
import { axisValues, eventsPerOp, runKey, throughputOf, valueAt } from '../../../reports/data/runs.js';
import { formatChange, formatNumber, formatQuantity, unitScale } from '../../../reports/format.js';
import { fixtureDoc, fixtureRun } from './fixtures.js';

describe('number formatting', () => {
  it('keeps four significant digits with thousands separators', () => {
    expect(formatNumber(125_516.689)).toBe('125,517');
    expect(formatNumber(7.9671)).toBe('7.967');
    expect(formatNumber(0.031_25)).toBe('0.03125');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-1234.5)).toBe('-1,235');
  });

  it('scales quantities to a unit that keeps the value below 1000', () => {
    expect(unitScale('ns', 7967)).toEqual({ divisor: 1e3, unit: 'µs' });
    expect(unitScale('ops/s', 8_637_234)).toEqual({ divisor: 1e6, unit: 'M ops/s' });
    expect(unitScale('bytes/s', 999)).toEqual({ divisor: 1, unit: 'B/s' });
    expect(formatQuantity(514_116_360, 'bytes/s')).toBe('514.1 MB/s');
  });

  it('writes relative changes with a sign', () => {
    expect(formatChange(0.1234)).toBe('+12.3%');
    expect(formatChange(-0.04)).toBe('−4.00%');
    expect(formatChange(0)).toBe('0%');
    expect(formatChange(null)).toBe('n/a');
  });
});

describe('run identity and figures', () => {
  it('pairs runs by their inputs, not by the profile hash', () => {
    const a = fixtureRun({ iodepth: 4 });
    const b = { ...fixtureRun({ iodepth: 4 }), profile: { id: a.profile.id, sha256: 'b'.repeat(64) } };
    expect(runKey(a)).toBe(runKey(b));
    expect(runKey(a)).not.toBe(runKey(fixtureRun({ iodepth: 8 })));
    expect(runKey(a)).not.toBe(runKey(fixtureRun({ iodepth: 4, modelOptions: { notify: 'userspace' } })));
  });

  it('names each axis of a run', () => {
    const axes = axisValues(fixtureRun({ iodepth: 16, coalesce: 'count:8', copy: 'copy', params: { bs: 512 } }));
    expect(Object.fromEntries(axes)).toEqual({
      iodepth: '16',
      coalesce: 'count:8',
      copy: 'copy',
      backend: 'service=ram',
      'param:bs': '512',
    });
  });

  it('reads block and rr as operations per second, streams and console output as bytes per second', () => {
    expect(throughputOf('block', 'randread').metric).toBe('iops');
    expect(throughputOf('net', 'rr')).toMatchObject({ metric: 'iops', label: 'transactions/s' });
    expect(throughputOf('net', 'stream').metric).toBe('bw_bytes');
    expect(throughputOf('console', 'bulk').metric).toBe('bw_bytes');
    expect(throughputOf('entropy', 'small').metric).toBe('iops');
  });

  it('sums exits, hypercalls, notifications and interrupts per operation', () => {
    const run = fixtureRun({ perOp: { exits: 2, hypercalls: 0.5, notifications: 1, interrupts: 0.25, eois: 9 } });
    expect(eventsPerOp(run.metrics as NonNullable<typeof run.metrics>)).toBe(3.75);
    expect(valueAt(run, 'metrics.perOp.hypercalls')).toBe(0.5);
    expect(valueAt(run, 'metrics.nothing.here')).toBeUndefined();
  });
});

describe('RunIndex', () => {
  it('views the most common (profile, seed) and counts the rest as excluded', () => {
    const doc = fixtureDoc([
      fixtureRun({ iodepth: 1 }),
      fixtureRun({ iodepth: 4 }),
      fixtureRun({ iodepth: 1, profile: 'core2-2008' }),
      fixtureRun({ iodepth: 1, seed: 7 }),
    ]);
    const index = new RunIndex(doc);
    expect(index.view).toEqual({ profile: 'modern-2020s', seed: 1 });
    expect(index.entries.map((e) => e.index)).toEqual([0, 1]);
    expect(index.excluded).toBe(2);
  });

  it('prefers the smallest depth, no coalescing and zero-copy as the reference, else the most common value', () => {
    const doc = fixtureDoc([
      fixtureRun({ iodepth: 16, coalesce: 'event-idx', copy: 'copy' }),
      fixtureRun({ iodepth: 4, coalesce: 'event-idx', copy: 'copy' }),
      fixtureRun({ iodepth: 16, coalesce: 'count:8', copy: 'copy' }),
    ]);
    const slice = new RunIndex(doc).slice('block', 'randread');
    expect(slice.axes.get('iodepth')).toBe('4');
    expect(slice.axes.get('coalesce')).toBe('event-idx');
    expect(slice.axes.get('copy')).toBe('copy');
    const withNone = fixtureDoc([...doc.runs, fixtureRun({ iodepth: 16, coalesce: 'none', copy: 'zerocopy' })]);
    const s2 = new RunIndex(withNone).slice('block', 'randread');
    expect([s2.axes.get('coalesce'), s2.axes.get('copy')]).toEqual(['none', 'zerocopy']);
  });

  it('picks the runs of a model along one axis with the others at the reference', () => {
    const doc = fixtureDoc([
      fixtureRun({ iodepth: 1 }),
      fixtureRun({ iodepth: 4 }),
      fixtureRun({ iodepth: 4, coalesce: 'event-idx' }),
      fixtureRun({ iodepth: 4, model: 'emulated', status: 'unsupported', reason: 'IDE holds one command' }),
      fixtureRun({ iodepth: 1, model: 'emulated' }),
    ]);
    const index = new RunIndex(doc);
    expect(index.pick('block', 'randread', 'virtio', ['iodepth']).map((e) => e.index)).toEqual([0, 1]);
    expect(index.pick('block', 'randread', 'virtio', ['coalesce'], { iodepth: '4' }).map((e) => e.index)).toEqual([
      1, 2,
    ]);
    expect(index.pick('block', 'randread', 'emulated', ['iodepth']).map((e) => e.run.status)).toEqual([
      'unsupported',
      'ok',
    ]);
    expect(index.models()).toEqual(['emulated', 'virtio']);
  });

  it('charts a model that cannot run the reference slice at its nearest settings, and names them', () => {
    const doc = fixtureDoc([
      fixtureRun({ iodepth: 1 }),
      fixtureRun({ iodepth: 4 }),
      fixtureRun({ model: 'emulated', iodepth: 1, status: 'unsupported', reason: 'PIO copies every word' }),
      fixtureRun({ model: 'emulated', iodepth: 1, copy: 'copy' }),
    ]);
    const index = new RunIndex(doc);
    expect(index.pickOrNearest('block', 'randread', 'virtio', ['iodepth'])).toEqual({
      runs: [
        { index: 0, run: doc.runs[0] },
        { index: 1, run: doc.runs[1] },
      ],
      moved: [],
    });
    const emulated = index.pickOrNearest('block', 'randread', 'emulated', ['iodepth']);
    expect(emulated.runs.map((e) => e.index)).toEqual([3]);
    expect(emulated.moved).toEqual(['copy=copy']);
  });

  it('falls back to the nearest ok run and says which axes differ', () => {
    const doc = fixtureDoc([fixtureRun({ iodepth: 1 }), fixtureRun({ model: 'p9', iodepth: 8, copy: 'copy' })]);
    const near = new RunIndex(doc).nearest('block', 'randread', 'p9');
    expect(near?.entry.index).toBe(1);
    expect(near?.differs.sort()).toEqual(['copy', 'iodepth']);
  });
});
