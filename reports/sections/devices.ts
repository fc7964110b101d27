/**
 * One section per device class, one subsection per workload: throughput vs depth, latency
 * percentiles, crossings per operation, the coalescing trade-off, copy vs zero-copy and
 * per-repeat spread — each chart only where the results vary the axis it needs.
 */
import { coalescingChart, copyChart, eventsChart } from '../charts/device-events.js';
import { depthChart, latencyChart, repeatChart } from '../charts/device-throughput.js';
import type { ChartSpec } from '../charts/spec.js';
import { isExtension } from '../data/extensions.js';
import type { RunIndex } from '../data/run-index.js';
import { DEVICE_TITLES, type DeviceClass, isOk } from '../data/runs.js';
import type { Block, Section } from '../model.js';
import { type TableCell, textCell } from '../table.js';

function unsupportedTable(index: RunIndex, device: string, workload: string): Block | undefined {
  const failed = index.group(device, workload).filter((e) => !isOk(e));
  if (failed.length === 0) return undefined;
  const rows: TableCell[][] = failed.map((e) => [
    textCell(e.run.model),
    textCell(`qd=${e.run.knobs.iodepth} ${e.run.knobs.coalesce} ${e.run.knobs.copy}`),
    textCell(e.run.status, { state: e.run.status, run: e.index }),
    textCell(e.run.reason ?? ''),
  ]);
  return {
    kind: 'table',
    caption: `Cells not measured (${failed.length})`,
    collapsed: true,
    table: { head: ['model', 'knobs', 'status', 'reason'], rows },
  };
}

export function deviceSections(index: RunIndex): Section[] {
  const sections: Section[] = [];
  for (const device of index.devices()) {
    const reference = index.referenceWorkload(device);
    const children: Block[] = [];
    const extensionModels = index.models().filter((m) => isExtension(m, device));
    const intro: Block[] =
      extensionModels.length === 0
        ? []
        : [
            {
              kind: 'note',
              text: `${extensionModels.join(', ')}: extension cell(s) for ${device}, no historical counterpart (DESIGN §1).`,
            },
          ];
    for (const workload of index.workloads(device)) {
      const key = workload === reference;
      const charts: (ChartSpec | undefined)[] = [
        depthChart(index, device, workload, key),
        latencyChart(index, device, workload, key),
        eventsChart(index, device, workload, key),
        coalescingChart(index, device, workload, key && device === 'block'),
        copyChart(index, device, workload, false),
        repeatChart(index, device, workload),
      ];
      const blocks: Block[] = charts
        .filter((c): c is ChartSpec => c !== undefined)
        .map((chart) => ({ kind: 'chart', chart }));
      const failed = unsupportedTable(index, device, workload);
      if (failed !== undefined) blocks.push(failed);
      if (blocks.length === 0) blocks.push({ kind: 'note', text: 'No cell of this workload ran ok.' });
      children.push({
        kind: 'section',
        section: { id: `${device}-${workload}`, title: `${device} · ${workload}`, blocks },
      });
    }
    sections.push({
      id: `device-${device}`,
      title: DEVICE_TITLES[device as DeviceClass] ?? device,
      blocks: [...intro, ...children],
    });
  }
  return sections;
}
