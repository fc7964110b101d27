/**
 * Per (class, workload): crossings per operation as stacked bars, the coalescing trade-off
 * (interrupts per operation against p99 latency, one point per setting) and copy against
 * zero-copy (bytes copied per operation and throughput).
 */
import { describeSlice, type RunIndex } from '../data/run-index.js';
import { EVENT_PARTS, isOk, type OkRun, throughputOf } from '../data/runs.js';
import { unitScale } from '../format.js';
import { numberCell, textCell } from '../table.js';
import {
  axis,
  baseOptions,
  type ChartSpec,
  type DatasetJson,
  EVENT_COLOURS,
  modelColour,
  POINT_STYLES,
  pruneUndefined,
  seriesLabel,
  slug,
  translucent,
} from './spec.js';

/** Per-op counters listed in the events table (models/platform/meter.ts names). */
const EVENT_TABLE = [
  'exits',
  'exitsUser',
  'exitsKernel',
  'hypercalls',
  'notifications',
  'notificationsSuppressed',
  'interrupts',
  'interruptsSuppressed',
  'eois',
  'bytesCopied',
  'bytesZeroCopy',
] as const;

export function eventsChart(index: RunIndex, device: string, workload: string, key: boolean): ChartSpec | undefined {
  const bars: { label: string; e: OkRun }[] = [];
  for (const model of index.models()) {
    const { runs, moved } = index.pickOrNearest(device, workload, model, ['iodepth']);
    const name = seriesLabel(model, moved);
    for (const e of runs.filter(isOk).sort((a, b) => a.run.knobs.iodepth - b.run.knobs.iodepth)) {
      bars.push({ label: `${name} qd=${e.run.knobs.iodepth}`, e });
    }
  }
  if (bars.length === 0) return undefined;
  const datasets: DatasetJson[] = EVENT_PARTS.map((part, i) => ({
    label: `${part.label} / op`,
    stack: 'events',
    yAxisID: 'y',
    backgroundColor: EVENT_COLOURS[i],
    data: bars.map((b) => b.e.run.metrics.perOp[part.counter]),
  }));
  datasets.push({
    label: 'bytes copied / op',
    stack: 'bytes',
    yAxisID: 'y1',
    backgroundColor: translucent(EVENT_COLOURS[4], 0.8),
    data: bars.map((b) => b.e.run.metrics.perOp.bytesCopied),
  });
  const title = `${device} ${workload}: crossings per operation`;
  return {
    id: slug(device, workload, 'events'),
    title,
    caption:
      `Metered events per operation, stacked (exits, hypercalls, notifications, interrupts; left axis) ` +
      `beside bytes copied per operation (right axis); ${describeSlice(index.slice(device, workload), ['iodepth'])}.`,
    key,
    config: pruneUndefined({
      type: 'bar',
      data: { labels: bars.map((b) => b.label), datasets },
      options: baseOptions(title, {
        x: axis({ title: 'model and depth', stacked: true }),
        y: axis({ title: 'events per operation', stacked: true }),
        y1: axis({ title: 'bytes copied per operation', position: 'right', stacked: true, grid: false }),
      }),
    }),
    table: {
      head: ['cell', ...EVENT_TABLE.map((c) => `${c} / op`)],
      rows: bars.map((b) => [
        textCell(b.label),
        ...EVENT_TABLE.map((c) =>
          numberCell(b.e.run.metrics.perOp[c], { run: b.e.index, metric: `metrics.perOp.${c}` }),
        ),
      ]),
      numeric: EVENT_TABLE.map((_, i) => i + 1),
    },
  };
}

/** Legend entries drawn with each dataset's point shape (shape = coalescing setting). */
function withPointLegend(options: Record<string, unknown>): Record<string, unknown> {
  const plugins = options.plugins as Record<string, unknown>;
  return { ...options, plugins: { ...plugins, legend: { position: 'bottom', labels: { usePointStyle: true } } } };
}

/** The deepest iodepth at which the slice holds at least two coalescing settings. */
function coalescingDepth(index: RunIndex, device: string, workload: string): string | undefined {
  const depths = [...new Set(index.group(device, workload).map((e) => e.run.knobs.iodepth))].sort((a, b) => b - a);
  for (const depth of depths) {
    const at = { iodepth: String(depth) };
    const settings = new Set(
      index
        .models()
        .flatMap((m) => index.pick(device, workload, m, ['coalesce'], at))
        .filter(isOk)
        .map((e) => e.run.knobs.coalesce),
    );
    if (settings.size >= 2) return String(depth);
  }
  return undefined;
}

export function coalescingChart(
  index: RunIndex,
  device: string,
  workload: string,
  key: boolean,
): ChartSpec | undefined {
  const depth = coalescingDepth(index, device, workload);
  if (depth === undefined) return undefined;
  const at = { iodepth: depth };
  const points = index.models().flatMap((model) => {
    const { runs, moved } = index.pickOrNearest(device, workload, model, ['coalesce'], at);
    return runs.filter(isOk).map((e) => ({ model, name: seriesLabel(model, moved), e }));
  });
  const settings = [...new Set(points.map((p) => p.e.run.knobs.coalesce))];
  const max = Math.max(...points.map((p) => p.e.run.metrics.lat_ns.p99));
  const scale = unitScale('ns', max);
  const models = [...new Set(points.map((p) => p.model))];
  const datasets: DatasetJson[] = points.map((p) => {
    const colour = modelColour(p.model, models.indexOf(p.model));
    return {
      label: `${p.name} · ${p.e.run.knobs.coalesce}`,
      type: 'scatter',
      pointStyle: POINT_STYLES[settings.indexOf(p.e.run.knobs.coalesce) % POINT_STYLES.length],
      pointRadius: 7,
      borderColor: colour,
      backgroundColor: translucent(colour),
      data: [{ x: p.e.run.metrics.perOp.interrupts, y: p.e.run.metrics.lat_ns.p99 / scale.divisor }],
    };
  });
  const tp = throughputOf(device, workload);
  const title = `${device} ${workload}: coalescing trade-off at qd=${depth}`;
  return {
    id: slug(device, workload, 'coalescing'),
    title,
    caption:
      `Interrupts per operation against p99 latency, one point per coalescing setting ` +
      `(colour = model, shape = setting); ${describeSlice(index.slice(device, workload), ['coalesce'], at)}.`,
    key,
    config: pruneUndefined({
      type: 'scatter',
      data: { datasets },
      options: withPointLegend(
        baseOptions(title, {
          x: axis({ title: 'interrupts per operation', linear: true }),
          y: axis({ title: `p99 latency (${scale.unit})` }),
        }),
      ),
    }),
    table: {
      head: [
        'model',
        'coalesce',
        'interrupts / op',
        'suppressed / op',
        'p99 latency (ns)',
        `${tp.label} (${tp.quantity})`,
      ],
      rows: points.map((p) => [
        textCell(p.name),
        textCell(p.e.run.knobs.coalesce),
        numberCell(p.e.run.metrics.perOp.interrupts, { run: p.e.index, metric: 'metrics.perOp.interrupts' }),
        numberCell(p.e.run.metrics.perOp.interruptsSuppressed, {
          run: p.e.index,
          metric: 'metrics.perOp.interruptsSuppressed',
        }),
        numberCell(p.e.run.metrics.lat_ns.p99, { run: p.e.index, metric: 'metrics.lat_ns.p99' }),
        numberCell(p.e.run.metrics[tp.metric], { run: p.e.index, metric: `metrics.${tp.metric}` }),
      ]),
      numeric: [2, 3, 4, 5],
    },
  };
}

export function copyChart(index: RunIndex, device: string, workload: string, key: boolean): ChartSpec | undefined {
  const rows = index.models().flatMap((model) =>
    index
      .pick(device, workload, model, ['copy'])
      .filter(isOk)
      .sort((a, b) => a.run.knobs.copy.localeCompare(b.run.knobs.copy))
      .map((e) => ({ model, e })),
  );
  if (new Set(rows.map((r) => r.e.run.knobs.copy)).size < 2) return undefined;
  const models = [...new Set(rows.map((r) => r.model))];
  const tp = throughputOf(device, workload);
  const scale = unitScale(tp.quantity, Math.max(...rows.map((r) => r.e.run.metrics[tp.metric])));
  const pick = (model: string, mode: string) => rows.find((r) => r.model === model && r.e.run.knobs.copy === mode);
  const datasets: DatasetJson[] = [];
  (['copy', 'zerocopy'] as const).forEach((mode, i) => {
    datasets.push({
      label: `bytes copied / op · ${mode}`,
      yAxisID: 'y',
      backgroundColor: i === 0 ? '#D55E00' : '#F0B48A',
      data: models.map((m) => pick(m, mode)?.e.run.metrics.perOp.bytesCopied ?? null),
    });
  });
  (['copy', 'zerocopy'] as const).forEach((mode, i) => {
    datasets.push({
      label: `${tp.label} · ${mode}`,
      yAxisID: 'y1',
      backgroundColor: i === 0 ? '#0072B2' : '#8CC2E6',
      data: models.map((m) => {
        const r = pick(m, mode);
        return r === undefined ? null : r.e.run.metrics[tp.metric] / scale.divisor;
      }),
    });
  });
  const title = `${device} ${workload}: copy vs zero-copy`;
  return {
    id: slug(device, workload, 'copy'),
    title,
    caption:
      `Bytes copied per operation (left axis) and ${tp.label} (right axis) in each copy mode; ` +
      `${describeSlice(index.slice(device, workload), ['copy'])}.`,
    key,
    config: pruneUndefined({
      type: 'bar',
      data: { labels: models, datasets },
      options: baseOptions(title, {
        x: axis({ title: 'model' }),
        y: axis({ title: 'bytes copied per operation' }),
        y1: axis({ title: `${tp.label} (${scale.unit})`, position: 'right', grid: false }),
      }),
    }),
    table: {
      head: [
        'model',
        'copy mode',
        'bytes copied / op',
        'bytes zero-copy / op',
        `${tp.label} (${tp.quantity})`,
        'p99 latency (ns)',
      ],
      rows: rows.map((r) => [
        textCell(r.model),
        textCell(r.e.run.knobs.copy),
        numberCell(r.e.run.metrics.perOp.bytesCopied, { run: r.e.index, metric: 'metrics.perOp.bytesCopied' }),
        numberCell(r.e.run.metrics.perOp.bytesZeroCopy, { run: r.e.index, metric: 'metrics.perOp.bytesZeroCopy' }),
        numberCell(r.e.run.metrics[tp.metric], { run: r.e.index, metric: `metrics.${tp.metric}` }),
        numberCell(r.e.run.metrics.lat_ns.p99, { run: r.e.index, metric: 'metrics.lat_ns.p99' }),
      ]),
      numeric: [2, 3, 4, 5],
    },
  };
}
