/**
 * `ringside bench`: flags → matrix request → plan (every usage error exits 2 before anything
 * runs) → optional shard → run (in process, in `--jobs` workers, or `--repeat` fresh processes;
 * threads-engine cells one at a time) with progress on stderr → table → result JSON → optional
 * HTML report.
 *
 * Every selection, knob and parameter flag takes a comma list and the matrix is their product;
 * with no model, device or workload named, the default suite runs over every registered model.
 */
import { basename } from 'node:path';
import type { Argv } from 'yargs';
import { DEVICE_CLASSES, type DeviceClass } from '../../models/platform/ports.js';
import type { Workload } from '../../workloads/workload.js';
import { isNotifyMode, NOTIFY_MODES, type NotifyMode } from '../engine/threads/notify.js';
import { expandMatrix, type MatrixRequest } from '../matrix/axes.js';
import { resultDocument } from '../matrix/document.js';
import { planMatrix, selectShard } from '../matrix/plan.js';
import { runMatrix, taskCount } from '../matrix/run-matrix.js';
import { parseShard, type ShardSpec } from '../matrix/shard.js';
import { DEFAULT_PROFILE_ID } from '../profiles/load.js';
import { MODELS, WORKLOADS } from '../registry.js';
import { serializeResults, writeResults } from '../results/io.js';
import { ENGINES, type EngineId, type RunRecord } from '../results/schema.js';
import { ConfigError, DEFAULT_BACKEND, MAX_SPIN_NS, SERVICE_MODELS, type ServiceModelName } from '../runner/cell.js';
import { RUN_DEFAULTS } from '../runner/run-cell.js';
import type { CliIo } from './io.js';
import { parseCoalesceFlag, parseCopyFlag, parseParamValue, parseWhole, splitList, UsageError } from './parse.js';
import { Progress, progressMode } from './progress.js';
import { writeBenchReport } from './report.js';

export type { CliIo } from './io.js';

import { formatTable, statusSummary } from './table.js';

export const BENCH_DEFAULTS = {
  iodepth: '1',
  coalesce: 'none',
  copy: 'zerocopy',
  seed: '1',
  profile: DEFAULT_PROFILE_ID,
  engine: 'sim',
  notify: 'hybrid',
  service: DEFAULT_BACKEND.service,
  jobs: '1',
  repeat: '1',
} as const;

/** Flags that set a workload parameter (a comma list sweeps it): `--bs 4k,64k` = `--param bs=4k,64k`. */
export const PARAM_FLAGS = ['bs', 'ops', 'size', 'duration', 'rate', 'rwmixread', 'flush'] as const;

export function benchOptions(y: Argv): Argv {
  return y
    .option('model', { type: 'string', describe: 'model ids, comma list', defaultDescription: 'every model' })
    .option('device', {
      type: 'string',
      describe: `device classes (${DEVICE_CLASSES.join(', ')}), comma list`,
      defaultDescription: 'the classes of --workload, or every class',
    })
    .option('workload', {
      type: 'string',
      describe:
        'workload ids, comma list (block: read write randread randwrite randrw; net: rr stream pps; console: bulk echo; entropy: drain small)',
      defaultDescription: 'each class default; the default suite when no model/device/workload is named',
    })
    .option('iodepth', {
      type: 'string',
      describe: 'requests kept in flight; comma list sweeps',
      defaultDescription: '1',
    })
    .option('coalesce', {
      type: 'string',
      describe: 'none | event-idx | count:N | time:US; comma list sweeps',
      defaultDescription: 'none',
    })
    .option('copy', { type: 'string', describe: 'copy | zerocopy; comma list sweeps', defaultDescription: 'zerocopy' })
    .option('bs', {
      type: 'string',
      describe: 'block / frame / message size (4k, 64k…)',
      defaultDescription: 'workload default',
    })
    .option('ops', { type: 'string', describe: 'measured operations', defaultDescription: 'workload default' })
    .option('size', { type: 'string', describe: 'block working set', defaultDescription: 'min(capacity, 64 MiB)' })
    .option('duration', { type: 'string', describe: 'measure for this much virtual time instead of ops (10ms, 1s)' })
    .option('rate', { type: 'string', describe: 'open loop: Poisson arrivals per second (100k); 0 = closed loop' })
    .option('rwmixread', { type: 'string', describe: 'randrw: percentage of reads', defaultDescription: '50' })
    .option('flush', { type: 'string', describe: 'block writes: flush after every N writes (0 = never)' })
    .option('param', {
      type: 'string',
      array: true,
      describe: 'other workload parameter key=value[,value…] (repeatable), e.g. request=128 or verify=0',
    })
    .option('seed', {
      type: 'string',
      describe: 'run seed (0..2^32-1); comma list sweeps',
      default: BENCH_DEFAULTS.seed,
    })
    .option('profile', {
      type: 'string',
      describe: 'cost profile id (modern-2020s, core2-2008) or JSON file; comma list sweeps',
      default: BENCH_DEFAULTS.profile,
    })
    .option('engine', {
      type: 'string',
      describe: `execution engine (${ENGINES.join(', ')}); comma list runs each cell on each`,
      default: BENCH_DEFAULTS.engine,
    })
    .option('notify', {
      type: 'string',
      describe: `threads engine: how idle threads wait (${NOTIFY_MODES.join(', ')}); comma list sweeps`,
      defaultDescription: BENCH_DEFAULTS.notify,
    })
    .option('spin-ns', {
      type: 'string',
      describe: 'threads engine, --notify hybrid: spin this many ns before sleeping',
      defaultDescription: '50000',
    })
    .option('model-opt', {
      type: 'string',
      array: true,
      describe: 'model option key=value[,value…] (repeatable), applied to the models that have it',
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
    .option('jobs', {
      type: 'string',
      describe: 'worker processes running cells in parallel',
      default: BENCH_DEFAULTS.jobs,
    })
    .option('shard', { type: 'string', describe: 'run only slice i of n (1-based, stable hash of the cell id)' })
    .option('repeat', {
      type: 'string',
      describe: 'run every cell in N fresh processes for wall-clock statistics (serial)',
      default: BENCH_DEFAULTS.repeat,
    })
    .option('json', {
      type: 'string',
      requiresArg: true,
      describe: 'write the result document to a file, or - for stdout (table goes to stderr)',
    })
    .option('save-baseline', {
      type: 'string',
      requiresArg: true,
      describe: 'also write the result document to FILE, a baseline for `ringside gate --baseline FILE`',
    })
    .option('report', {
      type: 'string',
      requiresArg: true,
      describe: 'also write the offline HTML report to FILE',
    })
    .option('quiet', { type: 'boolean', describe: 'no progress output', default: false })
    .example('ringside bench', 'the default suite: every model and class, a table in well under a minute')
    .example(
      'ringside bench --model virtio --device block --workload randread,randwrite --iodepth 1,4,16,64 --coalesce none,event-idx --json out.json',
      'a 16-cell sweep saved as JSON',
    )
    .example(
      'ringside bench --model virtio --device block --engine sim,threads --notify futex,hybrid',
      'the same cells predicted by the sim engine and measured on two real threads',
    )
    .example('ringside bench --shard 2/4 --json s2.json', 'the second of four CI slices (join with ringside merge)');
}

function str(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new UsageError(`--${key} given more than once (use a comma list to sweep)`);
  return String(v);
}

function list(args: Record<string, unknown>, key: string): string[] | undefined {
  const v = str(args, key);
  return v === undefined ? undefined : splitList(key, v);
}

/** `key=v1,v2` pairs of a repeatable flag, later keys overriding earlier ones. */
function sweepPairs(flag: string, raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (raw === undefined) return out;
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const text = String(item);
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} ${text}: expected key=value`);
    out[text.slice(0, eq).trim()] = splitList(flag, text.slice(eq + 1));
  }
  return out;
}

function paramUnit(key: string, workloads: readonly Workload[]): string | undefined {
  for (const w of workloads) {
    const p = w.params.find((x) => x.key === key);
    if (p !== undefined) return p.unit;
  }
  return undefined;
}

/** The matrix a bench command line asks for; throws `UsageError`. */
export function requestFromArgs(
  args: Record<string, unknown>,
  workloads: readonly Workload[] = WORKLOADS,
): MatrixRequest {
  const devices = list(args, 'device');
  for (const d of devices ?? []) {
    if (!(DEVICE_CLASSES as readonly string[]).includes(d)) {
      throw new UsageError(`--device ${d}: expected one of ${DEVICE_CLASSES.join(', ')}`);
    }
  }
  const rawParams = sweepPairs('param', args.param);
  const flagOf: Record<string, string> = {};
  for (const key of Object.keys(rawParams)) flagOf[key] = `param ${key}`;
  for (const flag of PARAM_FLAGS) {
    const values = list(args, flag);
    if (values === undefined) continue;
    if (rawParams[flag] !== undefined) throw new UsageError(`--${flag} and --param ${flag}= both given`);
    rawParams[flag] = values;
    flagOf[flag] = flag;
  }
  const params: Record<string, number[]> = {};
  for (const [key, values] of Object.entries(rawParams)) {
    const unit = paramUnit(key, workloads);
    params[key] = values.map((v) => parseParamValue(flagOf[key] ?? key, unit, v));
  }
  const engines = splitList('engine', str(args, 'engine') ?? BENCH_DEFAULTS.engine).map((e): EngineId => {
    if (!(ENGINES as readonly string[]).includes(e)) {
      throw new UsageError(`--engine ${e}: expected one of ${ENGINES.join(', ')}`);
    }
    return e as EngineId;
  });
  const notify = list(args, 'notify')?.map((m): NotifyMode => {
    if (!isNotifyMode(m)) throw new UsageError(`--notify ${m}: expected one of ${NOTIFY_MODES.join(', ')}`);
    return m;
  });
  const spinText = str(args, 'spin-ns');
  const spinNs = spinText === undefined ? undefined : parseWhole('spin-ns', spinText, 0, MAX_SPIN_NS);
  // Like a model option, a wait setting must apply to some cell of the matrix.
  if (notify !== undefined && !engines.includes('threads')) {
    throw new UsageError(`--notify ${notify.join(',')}: applies to --engine threads only`);
  }
  if (spinText !== undefined && !(engines.includes('threads') && (notify ?? ['hybrid']).includes('hybrid'))) {
    throw new UsageError(`--spin-ns ${spinText}: applies to --engine threads with --notify hybrid only`);
  }
  const service = str(args, 'service') ?? BENCH_DEFAULTS.service;
  if (!(SERVICE_MODELS as readonly string[]).includes(service)) {
    throw new UsageError(`--service ${service}: expected one of ${SERVICE_MODELS.join(', ')}`);
  }
  const iodepth = list(args, 'iodepth')?.map((t) => parseWhole('iodepth', t, 1, 65536));
  const coalesce = list(args, 'coalesce')?.map(parseCoalesceFlag);
  const copy = list(args, 'copy')?.map(parseCopyFlag);
  const models = list(args, 'model');
  const workloadIds = list(args, 'workload');
  return {
    ...(models && { models }),
    ...(devices && { devices: devices as DeviceClass[] }),
    ...(workloadIds && { workloads: workloadIds }),
    params,
    ...(iodepth && { iodepth }),
    ...(coalesce && { coalesce }),
    ...(copy && { copy }),
    modelOptions: sweepPairs('model-opt', args['model-opt']),
    seeds: splitList('seed', str(args, 'seed') ?? BENCH_DEFAULTS.seed).map((t) => parseWhole('seed', t, 0, 0xffffffff)),
    profiles: splitList('profile', str(args, 'profile') ?? BENCH_DEFAULTS.profile),
    backend: { service: service as ServiceModelName },
    engines: [...new Set(engines)],
    ...(notify && { notify: [...new Set(notify)] }),
    ...(spinNs !== undefined && { spinNs }),
  };
}

function usage<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** Run `bench`; resolves to the exit code (0 ok, 1 a run failed or was not deterministic, 2 usage). */
export async function bench(args: Record<string, unknown>, io: CliIo): Promise<number> {
  const models = io.models ?? MODELS;
  const request = requestFromArgs(args);
  const maxEvents = parseWhole('max-events', str(args, 'max-events') ?? String(RUN_DEFAULTS.maxEvents), 1);
  const jobs = parseWhole('jobs', str(args, 'jobs') ?? BENCH_DEFAULTS.jobs, 1, 256);
  const repeat = parseWhole('repeat', str(args, 'repeat') ?? BENCH_DEFAULTS.repeat, 1, 1000);
  const shardText = str(args, 'shard');
  const shard: ShardSpec | null = shardText === undefined ? null : usage(() => parseShard(shardText));
  const jsonTarget = str(args, 'json');
  const baselineTarget = str(args, 'save-baseline');
  const reportTarget = str(args, 'report');
  if (reportTarget === '-') throw new UsageError('--report needs a file name');
  const plan = usage(() => planMatrix(expandMatrix(request, { models, workloads: WORKLOADS }), { models }));
  const selected = selectShard(plan, shard);

  const mode = progressMode({ quiet: args.quiet === true, isTTY: io.stderrIsTTY === true, env: io.env ?? process.env });
  const progress = new Progress(io.stderr, mode, taskCount(selected, repeat), undefined, io.stderrColumns ?? 80);
  if (shard !== null && selected.length === 0) {
    progress.above(`shard ${shard.index}/${shard.count} holds none of the ${plan.length} cells`);
  }
  if (repeat > 1 && jobs > 1) {
    progress.above(`--repeat measures wall-clock time: its processes run one at a time (--jobs ${jobs} not used)`);
  } else if (jobs > 1 && selected.some((p) => p.kind === 'run' && p.cell.spec.engine === 'threads')) {
    progress.above(`threads-engine cells measure wall-clock time: they run one at a time, after the sim cells`);
  }
  const startedAt = new Date();
  const runs = await runMatrix(selected, {
    jobs,
    repeat,
    maxEvents,
    models,
    onTaskStart: (task) => progress.begin(task.label),
    onTaskDone: (task, run, wallMs) =>
      progress.end(
        task.label,
        run.status,
        wallMs,
        task.repeats > 1 ? `[repeat ${task.repeat + 1}/${task.repeats}]` : '',
      ),
  });
  const finishedAt = new Date();
  if (selected.length > 1 || mode === 'bar') {
    progress.finish(`${statusSummary(runs)} in ${progress.elapsed().toFixed(1)} s`);
  } else {
    progress.finish('');
  }

  const doc = resultDocument(runs, {
    argv: io.argv ?? process.argv.slice(2),
    startedAt,
    finishedAt,
    jobs,
    repeat,
    shard,
    matrixCells: plan.length,
    engines: request.engines ?? [BENCH_DEFAULTS.engine],
    profiles: plan.map((p) => ({ id: p.cell.profile.id, sha256: p.cell.profileSha256 })),
  });
  const table = formatTable(runs);
  if (jsonTarget === '-') {
    io.stderr(table);
    io.stdout(serializeResults(doc, '<stdout>'));
  } else {
    io.stdout(table);
    if (jsonTarget !== undefined) writeResults(jsonTarget, doc);
  }
  if (baselineTarget !== undefined) writeResults(baselineTarget, doc);
  if (reportTarget !== undefined) {
    const resultsName = jsonTarget === undefined || jsonTarget === '-' ? 'bench results' : basename(jsonTarget);
    await writeBenchReport(doc, reportTarget, resultsName);
  }
  return exitCode(runs);
}

/** 1 when a run failed or a repeated cell was not deterministic, else 0. */
export function exitCode(runs: readonly RunRecord[]): number {
  const failed = runs.some((r) => r.status === 'error' || r.repeat?.deterministic.identical === false);
  return failed ? 1 : 0;
}
