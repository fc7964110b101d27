/**
 * The result document, version 1 (DESIGN §8). Metric names follow fio / netperf habits
 * (`iops`, `bw_bytes`, `lat_ns` with p50/p90/p99/p99.9); each metric group is tagged
 * `deterministic` (event counts, ratios, virtual-time figures under the sim engine) or
 * `timing` (wall clock), in `METRIC_TAGS` and in the schema's metadata, so gates can key
 * on the kind (measurement.md §5.3, §4.2).
 *
 * Later additions are optional fields that change the meaning of nothing already there, so
 * the version stays 1 and older files still read: a run's `id` and `repeat`, the document's
 * `run` and `shards`, the extra environment fields of measurement.md §5.4, the threads
 * engine's runs (`engine: 'threads'`, `notify`, `spinNs`, `threads`), and counters added to
 * the meter later (`COUNTERS_ADDED_LATER`, read as 0 when a file lacks them).
 */
import { z } from 'zod';
import { KnobError, parseCoalesce } from '../../models/platform/knobs.js';
import { COUNTER_NAMES, type Counters } from '../../models/platform/meter.js';
import { DEVICE_CLASSES } from '../../models/platform/ports.js';

export const SCHEMA_VERSION = 1;
export const TOOL = 'ringside';

/** Execution engines (DESIGN §7). */
export const ENGINES = ['sim', 'threads'] as const;
export type EngineId = (typeof ENGINES)[number];

/** How a threads-engine thread waits for its peer (harness/engine/threads/notify.ts). */
export const NOTIFY_MODE_NAMES = ['futex', 'poll', 'hybrid'] as const;

export type MetricKind = 'deterministic' | 'timing';
export type MetricBasis = 'count' | 'virtual' | 'wall';

export interface MetricTag {
  readonly kind: MetricKind;
  readonly basis: MetricBasis;
  readonly unit: string;
  readonly better: 'higher' | 'lower' | 'none';
}

/** Tags of every metric group under the sim engine (measurement.md §5.3 "required on every metric"). */
export const METRIC_TAGS = {
  ops: { kind: 'deterministic', basis: 'count', unit: 'ops', better: 'none' },
  bytes: { kind: 'deterministic', basis: 'count', unit: 'bytes', better: 'none' },
  iops: { kind: 'deterministic', basis: 'virtual', unit: 'ops/s', better: 'higher' },
  bw_bytes: { kind: 'deterministic', basis: 'virtual', unit: 'bytes/s', better: 'higher' },
  lat_ns: { kind: 'deterministic', basis: 'virtual', unit: 'ns', better: 'lower' },
  counters: { kind: 'deterministic', basis: 'count', unit: 'events', better: 'lower' },
  perOp: { kind: 'deterministic', basis: 'count', unit: 'events/op', better: 'lower' },
  virtualNs: { kind: 'deterministic', basis: 'virtual', unit: 'ns', better: 'none' },
  actors: { kind: 'deterministic', basis: 'virtual', unit: 'ns', better: 'lower' },
  workload: { kind: 'deterministic', basis: 'count', unit: 'various', better: 'none' },
  simOpsPerWallSec: { kind: 'timing', basis: 'wall', unit: 'ops/s', better: 'higher' },
} as const satisfies Record<string, MetricTag>;

export type MetricName = keyof typeof METRIC_TAGS;

/**
 * Tags of every metric group under the threads engine (measurement.md §5.3): the same names,
 * wall-clock figures `timing`. Event counts are `timing` too: how many notifications or
 * interrupts a real run needs depends on how the two threads happened to interleave.
 * `virtualNs` holds the measured phase's wall time and `actors` the two threads' busy time.
 * The engine's own table (THREADS_METRIC_TAGS in harness/engine/threads) must equal this one.
 */
const THREADS_TAGS = {
  ops: { kind: 'deterministic', basis: 'count', unit: 'ops', better: 'none' },
  bytes: { kind: 'deterministic', basis: 'count', unit: 'bytes', better: 'none' },
  iops: { kind: 'timing', basis: 'wall', unit: 'ops/s', better: 'higher' },
  bw_bytes: { kind: 'timing', basis: 'wall', unit: 'bytes/s', better: 'higher' },
  lat_ns: { kind: 'timing', basis: 'wall', unit: 'ns', better: 'lower' },
  counters: { kind: 'timing', basis: 'count', unit: 'events', better: 'lower' },
  perOp: { kind: 'timing', basis: 'count', unit: 'events/op', better: 'lower' },
  virtualNs: { kind: 'timing', basis: 'wall', unit: 'ns', better: 'none' },
  actors: { kind: 'timing', basis: 'wall', unit: 'ns', better: 'lower' },
  workload: { kind: 'deterministic', basis: 'count', unit: 'various', better: 'none' },
  simOpsPerWallSec: { kind: 'timing', basis: 'wall', unit: 'ops/s', better: 'higher' },
} as const satisfies Record<MetricName, MetricTag>;

/** Metric tags by the engine that produced a run. */
export const ENGINE_METRIC_TAGS: Readonly<Record<EngineId, Readonly<Record<MetricName, MetricTag>>>> = {
  sim: METRIC_TAGS,
  threads: THREADS_TAGS,
};

export function metricTags(engine: EngineId): Readonly<Record<MetricName, MetricTag>> {
  return ENGINE_METRIC_TAGS[engine];
}

/** The timing metric groups of an engine's runs. */
export function timingGroups(engine: EngineId): MetricName[] {
  const tags = metricTags(engine);
  return (Object.keys(tags) as MetricName[]).filter((name) => tags[name].kind === 'timing');
}

const count = z.number().int().nonnegative();
const finite = z.number().finite();
const nonNegative = finite.nonnegative();

function tagged<T extends z.ZodType>(name: MetricName, schema: T): T {
  return schema.meta({ ...METRIC_TAGS[name] });
}

/**
 * Counters the meter gained after files were first written: a file without one reads as 0
 * (that version of ringside did not count the event). models/platform/meter.ts COUNTER_NAMES.
 */
export const COUNTERS_ADDED_LATER: Readonly<Partial<Record<keyof Counters, 0>>> = { interruptsSent: 0 };

const countersShape = Object.fromEntries(
  COUNTER_NAMES.map((k) => [k, k in COUNTERS_ADDED_LATER ? nonNegative.default(0) : nonNegative]),
) as Record<keyof Counters, z.ZodNumber | z.ZodDefault<z.ZodNumber>>;

export const latencySchema = z.object({
  count,
  mean: nonNegative,
  p50: nonNegative,
  p90: nonNegative,
  p99: nonNegative,
  p999: nonNegative,
  min: nonNegative,
  max: nonNegative,
});

export const actorUseSchema = z.object({ name: z.string().min(1), busyNs: nonNegative, util: nonNegative });

export const metricsSchema = z.object({
  ops: tagged('ops', count),
  bytes: tagged('bytes', count),
  iops: tagged('iops', nonNegative),
  bw_bytes: tagged('bw_bytes', nonNegative),
  lat_ns: tagged('lat_ns', latencySchema),
  counters: tagged('counters', z.object(countersShape)),
  perOp: tagged('perOp', z.object(countersShape)),
  virtualNs: tagged('virtualNs', nonNegative),
  actors: tagged('actors', z.array(actorUseSchema)),
  workload: tagged('workload', z.record(z.string(), finite)),
  simOpsPerWallSec: tagged('simOpsPerWallSec', nonNegative),
});

const coalesceText = z.string().refine(
  (text) => {
    try {
      parseCoalesce(text);
      return true;
    } catch (error) {
      if (error instanceof KnobError) return false;
      throw error;
    }
  },
  { message: 'expected none, event-idx, count:N or time:US' },
);

export const knobsSchema = z.object({
  coalesce: coalesceText,
  iodepth: z.number().int().positive(),
  copy: z.enum(['copy', 'zerocopy']),
});

export const runStatusSchema = z.enum(['ok', 'unsupported', 'error']);

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits');

/** A percentile bootstrap confidence interval (measurement.md §3.4). */
export const ciSchema = z.object({ level: z.number().gt(0).lt(1), lo: finite, hi: finite });

/** One timing metric over the fresh processes of `--repeat`: the per-process values and their summary. */
export const repeatedMetricSchema = z.object({
  values: z.array(finite).min(2),
  mean: finite,
  stddev: nonNegative,
  ci: ciSchema,
});

/** `--repeat N`: timing metrics per repeat; deterministic metrics must be identical across repeats. */
export const repeatSchema = z.object({
  count: z.number().int().min(2),
  /** Keyed by the dotted metric name (`simOpsPerWallSec`, `lat_ns.p99`, `counters.exits`, `actors.guest-thread.busyNs`). */
  timing: z.record(z.string(), repeatedMetricSchema),
  deterministic: z.object({
    identical: z.boolean(),
    /** Field paths that differed between repeats (empty when identical). */
    mismatches: z.array(z.string()),
  }),
  /** What the reader should know about how the repeats were folded (e.g. event counts that may vary). */
  note: z.string().optional(),
});

/** Per-thread figures of a threads-engine run (harness/engine/threads/snapshot.ts ThreadStats). */
export const threadStatsSchema = z.object({
  /** Wall-clock ns outside idle waits (a difference of two clock readings). */
  busyNs: finite,
  events: count,
  sleeps: count,
  wakeups: count,
  sleepTimeouts: count,
  wokePeer: count,
  exits: count,
  doorbellsRung: count,
  doorbellsPosted: count,
  doorbellsDelivered: count,
  irqSent: count,
  irqPosted: count,
  irqCoalesced: count,
  irqDropped: count,
  irqTaken: count,
  irqUnhandled: count,
});

/** Engine detail of a threads-engine run (harness/engine/threads/threads-metrics.ts ThreadsDetail). */
export const threadsDetailSchema = z.object({
  notify: z.enum(NOTIFY_MODE_NAMES),
  spinNs: count,
  /** Per-thread figures over the measured phase. */
  window: z.object({ guest: threadStatsSchema, host: threadStatsSchema }),
  /** Real wake-ups of both threads per measured op. */
  wakeupsPerOp: nonNegative,
  /** Signals over the whole run, sent vs delivered. */
  signals: z.object({
    doorbells: z.object({ rung: count, posted: count, delivered: count, pendingAtEnd: count }),
    interrupts: z.object({
      sent: count,
      posted: count,
      coalesced: count,
      dropped: count,
      taken: count,
      unhandled: count,
      msiPendingAtEnd: count,
    }),
  }),
  /** The latency histogram, hdr-histogram-js compressed base64. */
  latencyHdr: z.string(),
});

export const runSchema = z
  .object({
    /** The cell id (harness/runner/cell-id.ts); absent in files written before it existed. */
    id: z.string().min(1).optional(),
    model: z.string().min(1),
    device: z.enum(DEVICE_CLASSES as [string, ...string[]]),
    workload: z.string().min(1),
    params: z.record(z.string(), finite),
    knobs: knobsSchema,
    modelOptions: z.record(z.string(), z.string()),
    /** How the reference backend was set up (service model, capacity, peer…). */
    backend: z.record(z.string(), z.union([z.string(), finite])).optional(),
    engine: z.enum(ENGINES),
    /** Threads engine: how idle threads wait (part of the cell's identity). */
    notify: z.enum(NOTIFY_MODE_NAMES).optional(),
    /** Threads engine, notify `hybrid`: the spin budget in ns before sleeping. */
    spinNs: count.optional(),
    profile: z.object({ id: z.string().min(1), sha256: sha256Hex }),
    seed: z.number().int().nonnegative(),
    status: runStatusSchema,
    reason: z.string().optional(),
    metrics: metricsSchema.optional(),
    repeat: repeatSchema.optional(),
    /** Threads engine detail (present on its ok runs). */
    threads: threadsDetailSchema.optional(),
  })
  .superRefine((run, ctx) => {
    if (run.engine !== 'threads') {
      for (const key of ['notify', 'spinNs', 'threads'] as const) {
        if (run[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `only threads-engine runs have ${key}` });
        }
      }
    }
    if (run.spinNs !== undefined && run.notify !== 'hybrid') {
      ctx.addIssue({ code: 'custom', path: ['spinNs'], message: 'a spin budget belongs to notify hybrid only' });
    }
    if (run.status === 'ok' && run.metrics === undefined) {
      ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'missing (required when status is ok)' });
    }
    if (run.status !== 'ok' && (run.reason === undefined || run.reason === '')) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: `missing (required when status is ${run.status})` });
    }
  });

export const envSchema = z.object({
  node: z.string().min(1),
  v8: z.string().min(1),
  platform: z.string().min(1),
  arch: z.string().min(1),
  cpuModel: z.string(),
  cpus: z.number().int().nonnegative(),
  /** `git rev-parse HEAD` of the ringside checkout, or null outside a work tree. */
  commit: z.string().nullable(),
  dirty: z.boolean().nullable(),
  hostname: z.string().optional(),
  createdAt: z.iso.datetime(),
  // measurement.md §5.4; optional so that files written before these fields still read.
  execArgv: z.array(z.string()).optional(),
  /** `os.release()`. */
  kernel: z.string().optional(),
  /** `os.availableParallelism()`: the cores this process may use. */
  cores: z.number().int().nonnegative().optional(),
  memBytes: z.number().int().nonnegative().optional(),
  loadavg: z.array(nonNegative).optional(),
  /** cpufreq scaling governor of cpu0, when sysfs has one. */
  governor: z.string().nullable().optional(),
  /** The CI environment variable was set. */
  ci: z.boolean().optional(),
});

export const shardSchema = z
  .object({ index: z.number().int().positive(), count: z.number().int().positive() })
  .refine((s) => s.index <= s.count, { message: 'shard index exceeds the shard count', path: ['index'] });

/** How the runs of a document were produced (measurement.md §5.4 "Run"). */
export const runInfoSchema = z.object({
  argv: z.array(z.string()),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  engine: z.string().min(1),
  seeds: z.array(z.number().int().nonnegative()),
  profiles: z.array(z.object({ id: z.string().min(1), sha256: sha256Hex })),
  jobs: z.number().int().positive(),
  repeat: z.number().int().positive(),
  /** `--shard i/n`, or null for a whole matrix. */
  shard: shardSchema.nullable(),
  /** Cells in the whole matrix (all shards together). */
  matrixCells: z.number().int().nonnegative(),
  /** sha256 over the A/B-critical environment: node, V8, execArgv, CPU model, cores, kernel, engine, profiles. */
  env_hash: sha256Hex,
});

/** One input of `ringside merge`, with its own environment. */
export const mergedShardSchema = z.object({
  file: z.string().min(1),
  env: envSchema,
  run: runInfoSchema.optional(),
});

export const resultDocumentSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.literal(TOOL),
  env: envSchema,
  run: runInfoSchema.optional(),
  /** Present in the output of `ringside merge`: every input's environment and run information. */
  shards: z.array(mergedShardSchema).optional(),
  runs: z.array(runSchema),
});

export type Metrics = z.infer<typeof metricsSchema>;
export type LatencyMetrics = z.infer<typeof latencySchema>;
export type RunStatus = z.infer<typeof runStatusSchema>;
export type RunRecord = z.infer<typeof runSchema>;
export type Env = z.infer<typeof envSchema>;
export type RunInfo = z.infer<typeof runInfoSchema>;
export type Shard = z.infer<typeof shardSchema>;
export type RepeatInfo = z.infer<typeof repeatSchema>;
export type RepeatedMetric = z.infer<typeof repeatedMetricSchema>;
export type ThreadsDetailRecord = z.infer<typeof threadsDetailSchema>;
export type MergedShard = z.infer<typeof mergedShardSchema>;
export type ResultDocument = z.infer<typeof resultDocumentSchema>;
