/**
 * The result document, version 1 (DESIGN §8). Metric names follow fio / netperf habits
 * (`iops`, `bw_bytes`, `lat_ns` with p50/p90/p99/p99.9); each metric group is tagged
 * `deterministic` (event counts, ratios, virtual-time figures under the sim engine) or
 * `timing` (wall clock), in `METRIC_TAGS` and in the schema's metadata, so gates can key
 * on the kind (measurement.md §5.3, §4.2).
 */
import { z } from 'zod';
import { KnobError, parseCoalesce } from '../../models/platform/knobs.js';
import { COUNTER_NAMES, type Counters } from '../../models/platform/meter.js';
import { DEVICE_CLASSES } from '../../models/platform/ports.js';

export const SCHEMA_VERSION = 1;
export const TOOL = 'ringside';

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

const count = z.number().int().nonnegative();
const finite = z.number().finite();
const nonNegative = finite.nonnegative();

function tagged<T extends z.ZodType>(name: MetricName, schema: T): T {
  return schema.meta({ ...METRIC_TAGS[name] });
}

const countersShape = Object.fromEntries(COUNTER_NAMES.map((k) => [k, nonNegative])) as {
  [K in keyof Counters]: typeof nonNegative;
};

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

export const runSchema = z
  .object({
    model: z.string().min(1),
    device: z.enum(DEVICE_CLASSES as [string, ...string[]]),
    workload: z.string().min(1),
    params: z.record(z.string(), finite),
    knobs: knobsSchema,
    modelOptions: z.record(z.string(), z.string()),
    /** How the reference backend was set up (service model, capacity, peer…). */
    backend: z.record(z.string(), z.union([z.string(), finite])).optional(),
    engine: z.literal('sim'),
    profile: z.object({ id: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits') }),
    seed: z.number().int().nonnegative(),
    status: runStatusSchema,
    reason: z.string().optional(),
    metrics: metricsSchema.optional(),
  })
  .superRefine((run, ctx) => {
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
});

export const resultDocumentSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.literal(TOOL),
  env: envSchema,
  runs: z.array(runSchema),
});

export type Metrics = z.infer<typeof metricsSchema>;
export type LatencyMetrics = z.infer<typeof latencySchema>;
export type RunStatus = z.infer<typeof runStatusSchema>;
export type RunRecord = z.infer<typeof runSchema>;
export type Env = z.infer<typeof envSchema>;
export type ResultDocument = z.infer<typeof resultDocumentSchema>;
