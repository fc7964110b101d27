/** `ringside list`: what can be benchmarked — models, workloads, profiles, knob syntax. */
import type { Model } from '../../models/platform/model.js';
import { DEVICE_CLASSES } from '../../models/platform/ports.js';
import type { Workload } from '../../workloads/workload.js';
import { DEFAULT_SUITE } from '../matrix/axes.js';
import { listProfiles } from '../profiles/load.js';

function optionValues(values: Model['options'][number]['values']): string {
  return Array.isArray(values) ? values.join('|') : `<${values}>`;
}

export function formatList(models: readonly Model[], workloads: readonly Workload[]): string {
  const out: string[] = ['Models'];
  if (models.length === 0) out.push('  (none registered)');
  for (const m of models) {
    out.push(`  ${m.id} — ${m.title}`);
    const classes = DEVICE_CLASSES.filter((c) => m.classes[c] !== undefined).map((c) => `${c} (${m.classes[c]})`);
    out.push(`    classes: ${classes.join(', ')}`);
    for (const o of m.options) {
      out.push(`    --model-opt ${o.key}=${optionValues(o.values)}  default ${o.default} — ${o.description}`);
    }
  }
  out.push('', 'Workloads');
  for (const cls of DEVICE_CLASSES) {
    for (const w of workloads.filter((x) => x.cls === cls)) {
      out.push(`  ${cls} ${w.id} — ${w.description}`);
      for (const p of w.params) {
        const unit = p.unit === undefined ? '' : ` ${p.unit}`;
        out.push(`    ${p.key}=${p.default}${unit} — ${p.description}`);
      }
    }
  }
  out.push('', 'Profiles');
  for (const p of listProfiles()) out.push(`  ${p.id} (${p.clockGhz} GHz) — ${p.description}`);
  out.push(
    '',
    'Knobs',
    '  --coalesce none | event-idx | count:N (1..65535) | time:US (1..1000000)',
    '  --iodepth N (requests in flight; bounded by the device queue)',
    '  --copy copy | zerocopy',
    '  A model that cannot honour a knob reports the cell as unsupported.',
    '',
    'Load',
    '  closed loop (default): iodepth requests kept in flight; --rate N: Poisson arrivals per second,',
    '  latency from each arrival; --ops N or --duration 10ms bound the measured phase',
    '',
    'Matrix',
    '  every comma list sweeps (--model a,b --iodepth 1,4,16 …); --jobs N worker processes;',
    '  --shard i/n a stable slice (join with ringside merge); --repeat N fresh processes per cell',
    '  ringside bench with no model, device or workload runs the default suite:',
    ...DEFAULT_SUITE.map(
      (e) =>
        `    ${e.device} ${e.workload} qd=${e.iodepth} ${Object.entries(e.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
    ),
  );
  return `${out.join('\n')}\n`;
}
