/**
 * The gate's policy file (`ringside gate --config gate.json`), validated with zod on read:
 *
 *   { "tolerances": { "iops": { "relative": 0.02 } },
 *     "timing": { "alpha": 0.01, "effectFloor": 0.05, "effectFloors": { "ns_per_op": 0.1 } },
 *     "allow": [{ "cell": "…", "metric": "…", "reason": "…", "owner": "…", "expires": "YYYY-MM-DD" }] }
 *
 * Deterministic metrics compare exactly unless a tolerance names them (by full name such as
 * `lat_ns.p99`, or by group such as `lat_ns` or `perOp`). Timing metrics follow the A/B rule of
 * measurement.md §4.2: permutation p < alpha after Holm, and the bootstrap CI of the relative
 * change entirely beyond the effect floor in the bad direction.
 */
import { z } from 'zod';
import { fieldPath, ResultsError } from '../results/io.js';
import { readJsonFile } from './files.js';

export const GATE_DEFAULTS = {
  alpha: 0.01,
  effectFloor: 0.05,
  confidence: 0.95,
  bootstrapResamples: 10_000,
  permutationResamples: 9_999,
  exactLimit: 200_000,
  seed: 1,
  minRepeats: 2,
} as const;

const fraction = z.number().finite().nonnegative();

const toleranceSchema = z
  .object({ relative: fraction.optional(), absolute: fraction.optional() })
  .strict()
  .refine((t) => t.relative !== undefined || t.absolute !== undefined, {
    message: 'expected relative and/or absolute',
  });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: 'not a calendar date',
    },
  );

export const allowEntrySchema = z
  .object({
    /** Cell id; `*` matches any run of characters. */
    cell: z.string().min(1),
    /** Metric name (or `*`); a missing cell is matched with metric `*`. */
    metric: z.string().min(1),
    reason: z.string().min(1),
    owner: z.string().min(1),
    /** Last day the entry holds (UTC); after it the entry fails the gate. */
    expires: isoDate,
  })
  .strict();

export const gateConfigSchema = z
  .object({
    tolerances: z.record(z.string().min(1), toleranceSchema).optional(),
    timing: z
      .object({
        alpha: z.number().gt(0).lt(1).optional(),
        effectFloor: fraction.optional(),
        effectFloors: z.record(z.string().min(1), fraction).optional(),
        confidence: z.number().gt(0).lt(1).optional(),
        bootstrapResamples: z.number().int().min(100).optional(),
        permutationResamples: z.number().int().min(99).optional(),
        exactLimit: z.number().int().nonnegative().optional(),
        seed: z.number().int().nonnegative().optional(),
        minRepeats: z.number().int().min(2).optional(),
      })
      .strict()
      .optional(),
    allow: z.array(allowEntrySchema).optional(),
  })
  .strict();

export type GateConfig = z.infer<typeof gateConfigSchema>;
export type AllowEntry = z.infer<typeof allowEntrySchema>;
export type Tolerance = z.infer<typeof toleranceSchema>;

/** The resolved policy: config values over defaults. */
export interface GatePolicy {
  readonly tolerances: Readonly<Record<string, Tolerance>>;
  readonly alpha: number;
  readonly effectFloor: number;
  readonly effectFloors: Readonly<Record<string, number>>;
  readonly confidence: number;
  readonly bootstrapResamples: number;
  readonly permutationResamples: number;
  readonly exactLimit: number;
  readonly seed: number;
  readonly minRepeats: number;
  readonly allow: readonly AllowEntry[];
}

export function resolvePolicy(config: GateConfig = {}): GatePolicy {
  const t = config.timing ?? {};
  return {
    tolerances: config.tolerances ?? {},
    alpha: t.alpha ?? GATE_DEFAULTS.alpha,
    effectFloor: t.effectFloor ?? GATE_DEFAULTS.effectFloor,
    effectFloors: t.effectFloors ?? {},
    confidence: t.confidence ?? GATE_DEFAULTS.confidence,
    bootstrapResamples: t.bootstrapResamples ?? GATE_DEFAULTS.bootstrapResamples,
    permutationResamples: t.permutationResamples ?? GATE_DEFAULTS.permutationResamples,
    exactLimit: t.exactLimit ?? GATE_DEFAULTS.exactLimit,
    seed: t.seed ?? GATE_DEFAULTS.seed,
    minRepeats: t.minRepeats ?? GATE_DEFAULTS.minRepeats,
    allow: config.allow ?? [],
  };
}

export function validateGateConfig(doc: unknown, file: string): GateConfig {
  const parsed = gateConfigSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const more = parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : '';
    const problem =
      issue?.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : issue?.message;
    throw new ResultsError(
      file,
      issue === undefined ? undefined : fieldPath(issue.path),
      (problem ?? 'invalid') + more,
    );
  }
  return parsed.data;
}

export function readGateConfig(path: string): GateConfig {
  return validateGateConfig(readJsonFile(path), path);
}
