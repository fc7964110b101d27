/**
 * `ringside bench`: build cells from flags (comma lists on model, iodepth, bs, coalesce and
 * copy sweep their product), check them all before running anything (usage errors exit 2),
 * run them one by one with a progress line per cell on stderr, print the table, write JSON.
 */
import type { Argv } from 'yargs';
import type { Knobs } from '../../models/platform/knobs.js';
import type { Model } from '../../models/platform/model.js';
import { DEVICE_CLASSES, type DeviceClass } from '../../models/platform/ports.js';
import { DEFAULT_PROFILE_ID } from '../profiles/load.js';
import { DEFAULT_MODEL, DEFAULT_WORKLOAD } from '../registry.js';
import { collectEnv } from '../results/env.js';
import { serializeResults, writeResults } from '../results/io.js';
import { type ResultDocument, type RunRecord, SCHEMA_VERSION, TOOL } from '../results/schema.js';
import {
  type CellSpec,
  ConfigError,
  DEFAULT_BACKEND,
  type ResolvedCell,
  resolveCell,
  SERVICE_MODELS,
} from '../runner/cell.js';
import { RUN_DEFAULTS, runResolved } from '../runner/run-cell.js';
import {
  parseCoalesceFlag,
  parseCopyFlag,
  parsePairs,
  parseSize,
  parseWhole,
  product,
  splitList,
  UsageError,
} from './parse.js';
import { formatTable, knobsText } from './table.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Models to offer (default: the registry). */
  readonly models?: readonly Model[];
}

export const BENCH_DEFAULTS = {
  model: DEFAULT_MODEL,
  device: 'block',
  iodepth: '1',
  coalesce: 'none',
  copy: 'zerocopy',
  seed: '1',
  profile: DEFAULT_PROFILE_ID,
  engine: 'sim',
  service: DEFAULT_BACKEND.service,
} as const;

export function benchOptions(y: Argv): Argv {
  return y
    .option('model', {
      type: 'string',
      describe: 'model id; a comma list sweeps models',
      default: BENCH_DEFAULTS.model,
    })
    .option('device', {
      type: 'string',
      choices: DEVICE_CLASSES,
      describe: 'device class',
      default: BENCH_DEFAULTS.device,
    })
    .option('workload', {
      type: 'string',
      describe: 'workload id (block: randread randwrite read write; net: rr stream; console: bulk; entropy: drain)',
      defaultDescription: 'randread / rr / bulk / drain by device',
    })
    .option('iodepth', {
      type: 'string',
      describe: 'requests kept in flight; comma list sweeps',
      default: BENCH_DEFAULTS.iodepth,
    })
    .option('bs', {
      type: 'string',
      describe: 'block / frame / chunk size in bytes (4k, 64k…); comma list sweeps',
      defaultDescription: 'workload default (4096 for block)',
    })
    .option('ops', {
      type: 'string',
      describe: 'measured operations',
      defaultDescription: 'workload default (10000 block/net, 1000 entropy)',
    })
    .option('size', {
      type: 'string',
      describe: 'working set (block) or bytes written (console)',
      defaultDescription: 'workload default',
    })
    .option('param', {
      type: 'string',
      array: true,
      describe: 'other workload parameter key=value (repeatable), e.g. request=128',
    })
    .option('coalesce', {
      type: 'string',
      describe: 'none | event-idx | count:N | time:US; comma list sweeps',
      default: BENCH_DEFAULTS.coalesce,
    })
    .option('copy', { type: 'string', describe: 'copy | zerocopy; comma list sweeps', default: BENCH_DEFAULTS.copy })
    .option('seed', { type: 'string', describe: 'run seed (0..2^32-1)', default: BENCH_DEFAULTS.seed })
    .option('profile', {
      type: 'string',
      describe: 'cost profile id (modern-2020s, core2-2008) or JSON file',
      default: BENCH_DEFAULTS.profile,
    })
    .option('engine', {
      type: 'string',
      choices: ['sim'],
      describe: 'execution engine',
      default: BENCH_DEFAULTS.engine,
    })
    .option('model-opt', {
      type: 'string',
      array: true,
      describe: 'model option key=value (repeatable); see `ringside list`',
    })
    .option('service', {
      type: 'string',
      choices: SERVICE_MODELS,
      describe: 'block backend service-time model',
      default: BENCH_DEFAULTS.service,
    })
    .option('max-events', {
      type: 'string',
      describe: 'safety limit on simulated events per cell',
      default: String(RUN_DEFAULTS.maxEvents),
    })
    .option('json', {
      type: 'string',
      requiresArg: true,
      describe: 'write the result document to a file, or - for stdout (table goes to stderr)',
    })
    .option('quiet', { type: 'boolean', describe: 'no progress lines', default: false })
    .example('ringside bench', 'randread, 4 KiB, iodepth 1, 10000 ops on virtio-blk (modern-2020s profile)')
    .example(
      'ringside bench --model virtio --device block --workload randread --iodepth 1,32 --bs 4k --ops 100000 --coalesce event-idx --json out.json',
      'sweep two queue depths and save the results',
    );
}

function str(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new UsageError(`--${key} given more than once (use a comma list to sweep)`);
  return String(v);
}

/** Cells from parsed flags; throws `UsageError`. */
export function cellsFromArgs(args: Record<string, unknown>): CellSpec[] {
  const device = str(args, 'device') ?? BENCH_DEFAULTS.device;
  if (!(DEVICE_CLASSES as readonly string[]).includes(device)) {
    throw new UsageError(`--device ${device}: expected one of ${DEVICE_CLASSES.join(', ')}`);
  }
  const cls = device as DeviceClass;
  const workload = str(args, 'workload') ?? DEFAULT_WORKLOAD[cls];
  const seed = parseWhole('seed', str(args, 'seed') ?? BENCH_DEFAULTS.seed, 0, 0xffffffff);
  const baseParams: Record<string, number> = {};
  for (const [key, value] of Object.entries(parsePairs('param', args.param)))
    baseParams[key] = parseSize('param', value);
  const ops = str(args, 'ops');
  if (ops !== undefined) baseParams.ops = parseWhole('ops', ops, 1);
  const size = str(args, 'size');
  if (size !== undefined) baseParams.size = parseSize('size', size);
  const modelOptions = parsePairs('model-opt', args['model-opt']);
  const engine = str(args, 'engine') ?? 'sim';
  if (engine !== 'sim') throw new UsageError(`--engine ${engine}: only sim is available`);
  const service = str(args, 'service') ?? BENCH_DEFAULTS.service;
  if (!(SERVICE_MODELS as readonly string[]).includes(service)) {
    throw new UsageError(`--service ${service}: expected one of ${SERVICE_MODELS.join(', ')}`);
  }
  const axes = product({
    model: splitList('model', args.model ?? BENCH_DEFAULTS.model),
    bs: args.bs === undefined ? [undefined] : splitList('bs', args.bs).map((t) => parseSize('bs', t)),
    iodepth: splitList('iodepth', args.iodepth ?? BENCH_DEFAULTS.iodepth).map((t) =>
      parseWhole('iodepth', t, 1, 65536),
    ),
    coalesce: splitList('coalesce', args.coalesce ?? BENCH_DEFAULTS.coalesce).map(parseCoalesceFlag),
    copy: splitList('copy', args.copy ?? BENCH_DEFAULTS.copy).map(parseCopyFlag),
  });
  return axes.map((axis) => {
    const knobs: Knobs = { coalesce: axis.coalesce, iodepth: axis.iodepth, copy: axis.copy };
    const params = axis.bs === undefined ? { ...baseParams } : { ...baseParams, bs: axis.bs };
    return {
      model: axis.model,
      device: cls,
      workload,
      params,
      knobs,
      modelOptions,
      seed,
      profile: str(args, 'profile') ?? BENCH_DEFAULTS.profile,
      engine: 'sim',
      backend: { service: service as (typeof SERVICE_MODELS)[number] },
    } satisfies CellSpec;
  });
}

/** Run `bench`; returns the exit code (0 ok, 1 a run failed, 2 usage). */
export function bench(args: Record<string, unknown>, io: CliIo): number {
  const specs = cellsFromArgs(args);
  const maxEvents = parseWhole('max-events', str(args, 'max-events') ?? String(RUN_DEFAULTS.maxEvents), 1);
  const jsonTarget = str(args, 'json');
  const quiet = args.quiet === true;
  const resolveOptions = io.models === undefined ? {} : { models: io.models };
  let cells: ResolvedCell[];
  try {
    cells = specs.map((spec) => resolveCell(spec, resolveOptions));
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }

  const runs: RunRecord[] = [];
  const started = performance.now();
  cells.forEach((cell, i) => {
    const t0 = performance.now();
    const run = runResolved(cell, { ...resolveOptions, maxEvents });
    runs.push(run);
    if (!quiet) {
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      const what = `${run.model} ${run.device} ${run.workload} ${knobsText(run)}`;
      io.stderr(`[${i + 1}/${cells.length}] ${what}: ${run.status} (${seconds} s)\n`);
    }
  });
  if (!quiet && cells.length > 1)
    io.stderr(`${cells.length} cells in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

  const doc: ResultDocument = { schemaVersion: SCHEMA_VERSION, tool: TOOL, env: collectEnv(), runs };
  const table = formatTable(runs);
  if (jsonTarget === '-') {
    io.stderr(table);
    io.stdout(serializeResults(doc, '<stdout>'));
  } else {
    io.stdout(table);
    if (jsonTarget !== undefined) writeResults(jsonTarget, doc);
  }
  return runs.some((r) => r.status === 'error') ? 1 : 0;
}
