/** The model × class matrix (DESIGN §1): statuses, extension labels, and numbers traceable to their runs. */
import { describe, expect, it } from 'vitest';
import { RunIndex } from '../../../reports/data/run-index.js';
import { eventsPerOp } from '../../../reports/data/runs.js';
import { summarySection } from '../../../reports/sections/summary.js';
import type { Table, TableCell } from '../../../reports/table.js';
import { fixtureDoc, fixtureRun } from './fixtures.js';

function table(section: ReturnType<typeof summarySection>['section']): Table {
  const block = section.blocks.find((b) => b.kind === 'table');
  if (block?.kind !== 'table') throw new Error('no table');
  return block.table;
}

/** The row of `figure` for `model`: model rows come in groups of four (status, throughput, p99, events). */
function row(t: Table, model: string, figure: string): readonly TableCell[] {
  const start = t.rows.findIndex((r) => r[0]?.text.split(' ')[0] === model);
  const found = t.rows.slice(start, start + 4).find((r) => r[1]?.text === figure);
  if (start < 0 || found === undefined) throw new Error(`no ${figure} row for ${model}`);
  return found;
}

const COLUMNS = { block: 2, net: 3, console: 4, entropy: 5 } as const;

describe('model × device matrix (DESIGN §1)', () => {
  const doc = fixtureDoc([
    fixtureRun({ model: 'virtio', iops: 120_000, p99: 9000, perOp: { exits: 1, notifications: 1, interrupts: 1 } }),
    fixtureRun({ model: 'vbus', iops: 90_000, p99: 12_000, perOp: { exits: 1, interrupts: 0.5 } }),
    fixtureRun({
      model: 'emulated',
      device: 'net',
      workload: 'rr',
      params: { request: 64 },
      status: 'unsupported',
      reason: 'no NE2000 yet',
    }),
    fixtureRun({ model: 'virtio', device: 'net', workload: 'rr', params: { request: 64 }, iops: 50_000 }),
    fixtureRun({ model: 'virtio', iodepth: 4, iops: 400_000 }),
    fixtureRun({ model: 'p9', iodepth: 8, copy: 'copy', iops: 70_000 }),
  ]);
  const out = summarySection(new RunIndex(doc));
  const t = table(out.section);

  it('shows all five models of DESIGN §1, absent ones as not run', () => {
    const models = t.rows.filter((r) => r[1]?.text === 'status').map((r) => r[0]?.text.split(' ')[0]);
    expect(models).toEqual(['emulated', 'virtio', 'xen', 'p9', 'vbus']);
    expect(row(t, 'p9', 'status')[COLUMNS.net]).toMatchObject({ text: 'not run', state: 'absent' });
  });

  it('labels extension cells whether or not they ran (vbus block/console/entropy, Xen entropy)', () => {
    expect(row(t, 'vbus', 'status')[COLUMNS.block]).toMatchObject({ text: 'ok · extension', state: 'extension' });
    expect(row(t, 'vbus', 'status')[COLUMNS.console]?.text).toBe('not run · extension');
    expect(row(t, 'vbus', 'status')[COLUMNS.entropy]?.text).toBe('not run · extension');
    expect(row(t, 'vbus', 'status')[COLUMNS.net]?.text).toBe('not run');
    expect(row(t, 'xen', 'status')[COLUMNS.entropy]?.text).toBe('not run · extension');
    expect(row(t, 'xen', 'status')[COLUMNS.block]?.text).toBe('not run');
  });

  it('labels an unsupported cell and keeps its reason', () => {
    const cell = row(t, 'emulated', 'status')[COLUMNS.net];
    expect(cell).toMatchObject({ text: 'unsupported', state: 'unsupported', run: 2 });
    expect(cell?.title).toContain('no NE2000 yet');
    expect(row(t, 'emulated', 'throughput')[COLUMNS.net]?.text).toBe('—');
  });

  it('shows the reference-depth run and cites the run and field of every number', () => {
    const tp = row(t, 'virtio', 'throughput')[COLUMNS.block];
    expect(tp).toMatchObject({ run: 0, metric: 'metrics.iops', value: 120_000 });
    const p99 = row(t, 'virtio', 'p99 latency')[COLUMNS.block];
    expect(p99).toMatchObject({ run: 0, metric: 'metrics.lat_ns.p99', value: 9000, text: '9 µs' });
    const events = row(t, 'virtio', 'events / op')[COLUMNS.block];
    const run0 = doc.runs[0]?.metrics;
    expect(events?.value).toBe(run0 === undefined ? Number.NaN : eventsPerOp(run0));
    expect(row(t, 'virtio', 'throughput')[COLUMNS.net]).toMatchObject({ run: 3, value: 50_000 });
  });

  it('marks a cell measured only off the reference slice and says at which settings', () => {
    const cell = row(t, 'p9', 'status')[COLUMNS.block];
    expect(cell).toMatchObject({ text: 'ok *', state: 'ok', run: 5 });
    expect(cell?.title).toBe('shown at qd=8, copy=copy, not the reference slice');
    expect(row(t, 'p9', 'throughput')[COLUMNS.block]).toMatchObject({ value: 70_000, run: 5 });
  });

  it('gives markdown one compact cell per (model, class)', () => {
    expect(out.compact.head).toEqual(['model', 'block', 'net', 'console', 'entropy']);
    const vbus = out.compact.rows.find((r) => r[0]?.text === 'vbus');
    expect(vbus?.[1]?.text).toMatch(/^90 k ops\/s · p99 12 µs · 1\.5 ev\/op \(extension\)$/);
  });
});
