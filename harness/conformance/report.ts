/**
 * The conformance report document (`ringside conformance --json`), versioned and validated
 * with zod on read and before every write: the HTML report (issue 5) renders it without
 * importing any case. A malformed file fails with one line naming the file and the field.
 */
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from '../gate/files.js';
import { fieldPath, ResultsError } from '../results/io.js';
import { envSchema } from '../results/schema.js';

export const CONFORMANCE_REPORT_SCHEMA = 'ringside.conformance';
export const CONFORMANCE_SCHEMA_VERSION = 1;

const specRefSchema = z.object({
  doc: z.string().min(1),
  section: z.string().min(1),
  level: z.enum(['MUST', 'SHOULD']),
  paraphrase: z.string().min(1),
});

const caseInfoSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  ref: specRefSchema,
  models: z.union([z.literal('all'), z.array(z.string().min(1))]),
});

const resultSchema = z.object({
  case: z.string().min(1),
  model: z.string().min(1),
  outcome: z.enum(['pass', 'fail', 'not-applicable']),
  message: z.string().optional(),
});

const count = z.number().int().nonnegative();

export const conformanceReportSchema = z
  .object({
    schema: z.literal(CONFORMANCE_REPORT_SCHEMA),
    schemaVersion: z.literal(CONFORMANCE_SCHEMA_VERSION),
    tool: z.literal('ringside'),
    env: envSchema,
    models: z.array(z.string().min(1)),
    cases: z.array(caseInfoSchema),
    results: z.array(resultSchema),
    summary: z.object({ pass: count, fail: count, notApplicable: count, mustFailures: count }),
  })
  .superRefine((doc, ctx) => {
    const ids = new Set(doc.cases.map((c) => c.id));
    const models = new Set(doc.models);
    doc.results.forEach((r, i) => {
      if (!ids.has(r.case))
        ctx.addIssue({ code: 'custom', path: ['results', i, 'case'], message: `unknown case ${r.case}` });
      if (!models.has(r.model)) {
        ctx.addIssue({ code: 'custom', path: ['results', i, 'model'], message: `unknown model ${r.model}` });
      }
      if (r.outcome === 'fail' && r.message === undefined) {
        ctx.addIssue({ code: 'custom', path: ['results', i, 'message'], message: 'missing (required for a failure)' });
      }
    });
    const tally = (o: string) => doc.results.filter((r) => r.outcome === o).length;
    const expected = { pass: tally('pass'), fail: tally('fail'), notApplicable: tally('not-applicable') };
    for (const key of ['pass', 'fail', 'notApplicable'] as const) {
      if (doc.summary[key] !== expected[key]) {
        ctx.addIssue({
          code: 'custom',
          path: ['summary', key],
          message: `says ${doc.summary[key]}, results hold ${expected[key]}`,
        });
      }
    }
  });

export type ConformanceReport = z.infer<typeof conformanceReportSchema>;
export type ConformanceResult = z.infer<typeof resultSchema>;
export type ConformanceOutcome = ConformanceResult['outcome'];

export function validateConformanceReport(doc: unknown, file: string): ConformanceReport {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ResultsError(file, undefined, 'expected a JSON object (a ringside conformance report)');
  }
  const version = (doc as { schemaVersion?: unknown }).schemaVersion;
  if (version !== CONFORMANCE_SCHEMA_VERSION) {
    throw new ResultsError(
      file,
      'schemaVersion',
      version === undefined
        ? 'missing (not a ringside conformance report?)'
        : `unsupported schemaVersion ${JSON.stringify(version)} (this ringside reads ${CONFORMANCE_SCHEMA_VERSION})`,
    );
  }
  const parsed = conformanceReportSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const more = parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : '';
    throw new ResultsError(
      file,
      issue === undefined ? undefined : fieldPath(issue.path),
      (issue?.message ?? 'invalid') + more,
    );
  }
  return parsed.data;
}

export function readConformanceReport(path: string): ConformanceReport {
  return validateConformanceReport(readJsonFile(path), path);
}

/** Validated, two-space JSON with a trailing newline. */
export function serializeConformanceReport(report: ConformanceReport, file: string): string {
  return `${JSON.stringify(validateConformanceReport(report, file), null, 2)}\n`;
}

export function writeConformanceReport(path: string, report: ConformanceReport): void {
  writeFileAtomic(path, serializeConformanceReport(report, path));
}
