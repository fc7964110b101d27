/**
 * The model × class matrix (DESIGN §1): per cell its status, throughput, p99 latency and
 * events per operation at the class's reference workload and slice. Extension cells and
 * unsupported cells are labelled, and so are models that were not run at all.
 */

import { CANONICAL_MODELS, isExtension, MODEL_TITLES, orderModels } from '../data/extensions.js';
import { describeSlice, type RunIndex, shortAxis } from '../data/run-index.js';
import { axisValues, DEVICE_ORDER, eventsPerOp, type IndexedRun, isOk, throughputOf } from '../data/runs.js';
import { formatNumber, formatQuantity } from '../format.js';
import type { Section } from '../model.js';
import { EMPTY_CELL, numberCell, type Table, type TableCell, textCell } from '../table.js';

interface MatrixCell {
  readonly status: string;
  readonly state: string;
  readonly entry?: IndexedRun;
  /** Axes on which the shown run differs from the class's reference slice. */
  readonly differs: readonly string[];
  readonly workload?: string;
}

function cellOf(index: RunIndex, model: string, device: string): MatrixCell {
  const ext = isExtension(model, device);
  const suffix = ext ? ' · extension' : '';
  const workload = index.referenceWorkload(device);
  const anyRun = index.entries.find((e) => e.run.model === model && e.run.device === device);
  if (workload === undefined || anyRun === undefined) {
    return { status: `not run${suffix}`, state: ext ? 'extension' : 'absent', differs: [] };
  }
  const near = index.nearest(device, workload, model);
  if (near === undefined) {
    // The model ran this class, but not its reference workload.
    return {
      status: `${anyRun.run.status} (${anyRun.run.workload})${suffix}`,
      state: anyRun.run.status,
      entry: anyRun,
      differs: [],
      workload: anyRun.run.workload,
    };
  }
  const status = near.entry.run.status;
  return {
    status: `${status}${suffix}`,
    state: ext ? 'extension' : status,
    entry: near.entry,
    differs: near.differs,
    workload,
  };
}

/** Hover text: why a cell was not measured, and at which settings a non-reference run was taken. */
function reasonOf(cell: MatrixCell): string | undefined {
  const parts: string[] = [];
  if (cell.entry?.run.reason !== undefined) parts.push(cell.entry.run.reason);
  if (cell.entry !== undefined && cell.differs.length > 0) {
    const axes = axisValues(cell.entry.run);
    parts.push(
      `shown at ${cell.differs.map((a) => `${shortAxis(a)}=${axes.get(a)}`).join(', ')}, not the reference slice`,
    );
  }
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** Models shown: the five of DESIGN §1 (absent ones as "not run"), then any other in the results. */
function matrixModels(index: RunIndex): string[] {
  return orderModels([...CANONICAL_MODELS, ...index.models()]);
}

export interface SummaryOutput {
  readonly section: Section;
  /** One text cell per (model, class) for markdown. */
  readonly compact: Table;
}

export function summarySection(index: RunIndex): SummaryOutput {
  const rows: TableCell[][] = [];
  const compactRows: TableCell[][] = [];
  for (const model of matrixModels(index)) {
    const cells = DEVICE_ORDER.map((device) => ({ device, cell: cellOf(index, model, device) }));
    const long = MODEL_TITLES[model];
    const name = long === undefined || long === model ? model : `${model} (${long})`;
    rows.push([
      textCell(name),
      textCell('status'),
      ...cells.map(({ cell }) => {
        const t = reasonOf(cell);
        return textCell(cell.differs.length > 0 ? `${cell.status} *` : cell.status, {
          state: cell.state,
          ...(cell.entry === undefined ? {} : { run: cell.entry.index }),
          ...(t === undefined ? {} : { title: t }),
        });
      }),
    ]);
    const metricRow = (label: string, value: (e: IndexedRun, device: string) => TableCell): TableCell[] => [
      textCell(''),
      textCell(label),
      ...cells.map(({ device, cell }) =>
        cell.entry !== undefined && isOk(cell.entry) ? value(cell.entry, device) : EMPTY_CELL,
      ),
    ];
    rows.push(
      metricRow('throughput', (e, device) => {
        const tp = throughputOf(device, e.run.workload);
        const v = e.run.metrics?.[tp.metric] ?? 0;
        return numberCell(v, { run: e.index, metric: `metrics.${tp.metric}` }, (x) => formatQuantity(x, tp.quantity));
      }),
      metricRow('p99 latency', (e) =>
        numberCell(e.run.metrics?.lat_ns.p99 ?? 0, { run: e.index, metric: 'metrics.lat_ns.p99' }, (x) =>
          formatQuantity(x, 'ns'),
        ),
      ),
      metricRow('events / op', (e) =>
        numberCell(e.run.metrics === undefined ? 0 : eventsPerOp(e.run.metrics), { run: e.index }),
      ),
    );
    compactRows.push([
      textCell(model),
      ...cells.map(({ device, cell }) => {
        const e = cell.entry;
        if (e === undefined || !isOk(e)) return textCell(cell.status);
        const tp = throughputOf(device, e.run.workload);
        const ext = `${cell.state === 'extension' ? ' (extension)' : ''}${cell.differs.length > 0 ? ' *' : ''}`;
        return textCell(
          `${formatQuantity(e.run.metrics[tp.metric], tp.quantity)} · p99 ${formatQuantity(e.run.metrics.lat_ns.p99, 'ns')} · ${formatNumber(eventsPerOp(e.run.metrics))} ev/op${ext}`,
        );
      }),
    ]);
  }
  const refs = DEVICE_ORDER.map((device) => {
    const w = index.referenceWorkload(device);
    return w === undefined ? `${device}: no runs` : `${device}: ${w} (${describeSlice(index.slice(device, w))})`;
  });
  const head = [
    'model',
    'figure',
    ...DEVICE_ORDER.map((d) => {
      const w = index.referenceWorkload(d);
      return w === undefined ? d : `${d} · ${w}`;
    }),
  ];
  return {
    section: {
      id: 'summary',
      title: 'Model × device matrix',
      blocks: [
        {
          kind: 'paragraph',
          text:
            "Each cell is the run at its class's reference workload and slice (the plainest settings present: " +
            'smallest depth, no coalescing, zero-copy). Events / op = exits + hypercalls + notifications + ' +
            'interrupts per operation. "extension" marks a cell with no historical counterpart (DESIGN §1); ' +
            '"*" marks a cell shown at other settings than the reference (hover for which).',
        },
        { kind: 'table', table: { head, rows, numeric: [2, 3, 4, 5] } },
        { kind: 'note', text: `Reference slices — ${refs.join('; ')}.` },
      ],
    },
    compact: { head: ['model', ...DEVICE_ORDER], rows: compactRows },
  };
}
