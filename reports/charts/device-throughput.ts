/**
 * Per (class, workload): throughput against in-flight depth (a line per model), the latency
 * percentile ladder at the reference slice, and the spread of wall-clock figures over
 * `--repeat` processes (violins; measurement.md §7.2 "violins of per-repeat aggregates").
 */
import { describeSlice, type RunIndex } from '../data/run-index.js';
import { type IndexedRun, isOk, knobLabel, throughputOf } from '../data/runs.js';
import { formatNumber, unitScale } from '../format.js';
import { numberCell, type TableCell, textCell } from '../table.js';
import {
  axis,
  baseOptions,
  type ChartSpec,
  type DatasetJson,
  modelColour,
  pruneUndefined,
  seriesLabel,
  slug,
} from './spec.js';

function statusCell(entry: IndexedRun): TableCell {
  return textCell(entry.run.status, {
    state: entry.run.status,
    run: entry.index,
    ...(entry.run.reason === undefined ? {} : { title: entry.run.reason }),
  });
}

/** max / min ratio above which a chart's value axis is logarithmic. */
const LOG_SPREAD = 20;

export function depthChart(index: RunIndex, device: string, workload: string, key: boolean): ChartSpec | undefined {
  const tp = throughputOf(device, workload);
  const series = index.models().map((model) => {
    const { runs, moved } = index.pickOrNearest(device, workload, model, ['iodepth']);
    return {
      model: seriesLabel(model, moved),
      colour: model,
      runs: runs.sort((a, b) => a.run.knobs.iodepth - b.run.knobs.iodepth),
    };
  });
  const depths = new Set(series.flatMap((s) => s.runs.filter(isOk).map((e) => e.run.knobs.iodepth)));
  if (depths.size < 2) return undefined;
  const values = series.flatMap((s) => s.runs.filter(isOk).map((e) => e.run.metrics[tp.metric]));
  const max = Math.max(...values);
  const min = Math.min(...values);
  const scale = unitScale(tp.quantity, max);
  // Models differ by orders of magnitude (an emulated IDE disk against virtio-blk): log axis.
  const log = min > 0 && max / min > LOG_SPREAD;
  // Depths as categories: sweeps are geometric (1, 4, 16, 64), so even spacing reads as a log axis
  // with integer ticks.
  const labels = [...depths].sort((a, b) => a - b);
  const datasets: DatasetJson[] = series
    .filter((s) => s.runs.some(isOk))
    .map((s, i) => ({
      label: s.model,
      type: 'line',
      spanGaps: true,
      borderColor: modelColour(s.colour, i),
      backgroundColor: modelColour(s.colour, i),
      pointRadius: 4,
      data: labels.map((depth) => {
        const e = s.runs.filter(isOk).find((r) => r.run.knobs.iodepth === depth);
        return e === undefined ? null : e.run.metrics[tp.metric] / scale.divisor;
      }),
    }));
  const rows = series.flatMap((s) =>
    s.runs.map((e) =>
      isOk(e)
        ? [
            textCell(s.model),
            numberCell(e.run.knobs.iodepth, { run: e.index, metric: 'knobs.iodepth' }),
            numberCell(e.run.metrics[tp.metric], { run: e.index, metric: `metrics.${tp.metric}` }),
            numberCell(e.run.metrics.lat_ns.p50, { run: e.index, metric: 'metrics.lat_ns.p50' }),
            numberCell(e.run.metrics.lat_ns.p99, { run: e.index, metric: 'metrics.lat_ns.p99' }),
            textCell('ok', { state: 'ok' }),
          ]
        : [
            textCell(s.model),
            numberCell(e.run.knobs.iodepth, { run: e.index, metric: 'knobs.iodepth' }),
            textCell('—'),
            textCell('—'),
            textCell('—'),
            statusCell(e),
          ],
    ),
  );
  const slice = index.slice(device, workload);
  const title = `${device} ${workload}: ${tp.label} vs in-flight depth`;
  return {
    id: slug(device, workload, 'depth'),
    title,
    caption: `One line per model; held fixed: ${describeSlice(slice, ['iodepth'])}.`,
    key,
    config: pruneUndefined({
      type: 'line',
      data: { labels, datasets },
      options: baseOptions(title, {
        x: axis({ title: 'requests in flight (iodepth)' }),
        y: axis({ title: `${tp.label} (${scale.unit}${log ? ', log scale' : ''})`, log }),
      }),
    }),
    table: {
      head: ['model', 'iodepth', `${tp.label} (${tp.quantity})`, 'p50 latency (ns)', 'p99 latency (ns)', 'status'],
      rows,
      numeric: [1, 2, 3, 4],
    },
  };
}

const LADDER = [
  ['min', 'min'],
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p99.9', 'p999'],
  ['max', 'max'],
] as const;

export function latencyChart(index: RunIndex, device: string, workload: string, key: boolean): ChartSpec | undefined {
  const refs = index
    .models()
    .map((model) => {
      const { runs, moved } = index.pickOrNearest(device, workload, model);
      return { model: seriesLabel(model, moved), colour: model, entry: runs.find(isOk) };
    })
    .filter((r) => r.entry !== undefined);
  if (refs.length === 0) return undefined;
  const max = Math.max(...refs.map((r) => r.entry?.run.metrics.lat_ns.max ?? 0));
  const min = Math.min(...refs.map((r) => r.entry?.run.metrics.lat_ns.min ?? 0));
  const scale = unitScale('ns', max);
  // A log axis only pays when the tail spans more than an order of magnitude.
  const log = min > 0 && max / min > LOG_SPREAD;
  const datasets: DatasetJson[] = refs.map((r, i) => ({
    label: r.model,
    type: 'line',
    borderColor: modelColour(r.colour, i),
    backgroundColor: modelColour(r.colour, i),
    pointRadius: 4,
    data: LADDER.map(([, field]) => (r.entry?.run.metrics.lat_ns[field] ?? 0) / scale.divisor),
  }));
  const rows = refs.map((r) => {
    const e = r.entry as NonNullable<typeof r.entry>;
    return [
      textCell(r.model),
      textCell(knobLabel(e.run)),
      ...LADDER.map(([, field]) =>
        numberCell(e.run.metrics.lat_ns[field], { run: e.index, metric: `metrics.lat_ns.${field}` }),
      ),
      numberCell(e.run.metrics.lat_ns.mean, { run: e.index, metric: 'metrics.lat_ns.mean' }),
      numberCell(e.run.metrics.lat_ns.count, { run: e.index, metric: 'metrics.lat_ns.count' }),
    ];
  });
  const title = `${device} ${workload}: latency percentiles`;
  return {
    id: slug(device, workload, 'latency'),
    title,
    caption:
      `Nearest-rank percentiles of per-operation virtual-time latency (measurement.md §3.1)` +
      `${log ? ', log scale' : ''}; ${describeSlice(index.slice(device, workload))}.`,
    key,
    config: pruneUndefined({
      type: 'line',
      data: { labels: LADDER.map(([label]) => label), datasets },
      options: baseOptions(title, {
        x: axis({ title: 'percentile' }),
        y: axis({ title: `latency (${scale.unit}${log ? ', log scale' : ''})`, log }),
      }),
    }),
    table: {
      head: ['model', 'knobs', ...LADDER.map(([label]) => `${label} (ns)`), 'mean (ns)', 'samples'],
      rows,
      numeric: [2, 3, 4, 5, 6, 7, 8, 9],
    },
  };
}

/** Violins of each repeated cell's per-process simulator speed (a timing metric: advisory). */
export function repeatChart(index: RunIndex, device: string, workload: string): ChartSpec | undefined {
  const repeated = index
    .group(device, workload)
    .filter(isOk)
    .map((e) => ({ e, timing: e.run.repeat?.timing.simOpsPerWallSec }))
    .filter((r) => r.timing !== undefined)
    .slice(0, 16);
  if (repeated.length === 0) return undefined;
  const max = Math.max(...repeated.flatMap((r) => r.timing?.values ?? [0]));
  const scale = unitScale('ops/s', max);
  const labels = repeated.map((r) => `${r.e.run.model} ${knobLabel(r.e.run)}`);
  const title = `${device} ${workload}: simulator speed over repeats`;
  return {
    id: slug(device, workload, 'repeats'),
    title,
    caption:
      'Wall-clock simulated operations per second in each fresh process of --repeat (a timing metric: ' +
      'advisory, measurement.md §4.2); one violin per cell.',
    key: false,
    config: pruneUndefined({
      type: 'violin',
      data: {
        labels,
        datasets: [
          {
            label: `simulated ops per wall second (${scale.unit})`,
            backgroundColor: 'rgba(0, 114, 178, 0.35)',
            borderColor: '#0072B2',
            borderWidth: 1,
            itemRadius: 3,
            data: repeated.map((r) => (r.timing?.values ?? []).map((v) => v / scale.divisor)),
          },
        ],
      },
      options: baseOptions(title, { y: axis({ title: `simulated ops / wall s (${scale.unit})` }) }),
    }),
    table: {
      head: ['cell', 'repeats', 'mean', 'stddev', 'CI low', 'CI high', 'values'],
      rows: repeated.map((r, i) => {
        const t = r.timing as NonNullable<typeof r.timing>;
        const at = (field: string) => ({ run: r.e.index, metric: `repeat.timing.simOpsPerWallSec.${field}` });
        return [
          textCell(labels[i] ?? ''),
          numberCell(t.values.length),
          numberCell(t.mean, at('mean')),
          numberCell(t.stddev, at('stddev')),
          numberCell(t.ci.lo, at('ci.lo')),
          numberCell(t.ci.hi, at('ci.hi')),
          textCell(t.values.map((v) => formatNumber(v)).join(', ')),
        ];
      }),
      numeric: [1, 2, 3, 4, 5],
    },
  };
}
