/**
 * Microbenchmark results ride in the ordinary result document (same envelope: schemaVersion,
 * tool, env, runs) under an extra `micro` array, so every reader of result files accepts them
 * and the gate compares them like any other timing metric. Each metric carries the tags every
 * metric needs (measurement.md §5.3: kind, basis, unit, better); `per_repeat` holds the
 * per-process medians of `--repeat N` fresh processes (§2.3), the unit the gate tests.
 */
import { z } from 'zod';
import { fieldPath, ResultsError } from '../results/io.js';
import { resultDocumentSchema } from '../results/schema.js';

const finite = z.number().finite();

export const microMetricSchema = z.object({
  kind: z.literal('timing'),
  basis: z.literal('wall'),
  unit: z.string().min(1),
  better: z.enum(['higher', 'lower']),
  /** Median over repeats of the per-process value (one process: that process's median sample). */
  value: finite.nonnegative(),
  per_repeat: z.array(finite.nonnegative()).min(1),
  /** Percentile-bootstrap interval of the median over repeats (present with ≥ 2 repeats). */
  ci95: z.tuple([finite, finite]).optional(),
});

export const microRecordSchema = z.object({
  /** `<model>/<hot path>`, e.g. `virtio/split-ring-cycle`; `platform/…` for shared contracts. */
  id: z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, 'expected <model>/<name>'),
  model: z.string().min(1),
  title: z.string().min(1),
  params: z.record(z.string(), z.union([z.string(), finite, z.boolean()])),
  seed: z.number().int().nonnegative(),
  /** Operations timed together as one tinybench sample (≥ 10 µs per sample, §2.3). */
  opsPerSample: z.number().int().positive(),
  /** Samples per process (tinybench latency.samplesCount). */
  samples: z.array(z.number().int().nonnegative()).min(1),
  /** Sum of the sink per process, as decimal text: printed so the work cannot be optimised away. */
  checksum: z.array(z.string().regex(/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i, 'expected a decimal number')).min(1),
  metrics: z.record(z.string().regex(/^[a-z0-9_]+$/, 'expected a snake_case metric name'), microMetricSchema),
});

export const microDocumentSchema = resultDocumentSchema.extend({ micro: z.array(microRecordSchema) });

export type MicroMetric = z.infer<typeof microMetricSchema>;
export type MicroRecord = z.infer<typeof microRecordSchema>;
export type MicroDocument = z.infer<typeof microDocumentSchema>;

/** Validate the `micro` section of a parsed result file (absent → empty). */
export function validateMicroSection(doc: unknown, file: string): MicroRecord[] {
  if (typeof doc !== 'object' || doc === null || !('micro' in doc)) return [];
  const parsed = z.array(microRecordSchema).safeParse((doc as { micro: unknown }).micro, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const more = parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : '';
  const problem =
    issue?.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined
      ? `missing (expected ${issue.expected})`
      : (issue?.message ?? 'invalid');
  throw new ResultsError(file, fieldPath(['micro', ...(issue?.path ?? [])]), problem + more);
}
