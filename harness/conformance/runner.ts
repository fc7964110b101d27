/**
 * Run a case library over a set of models: every (case, model) pair is pass, fail (with the
 * thrown message) or not-applicable. Cases run one at a time, in library order, so a
 * failing case cannot disturb another through shared timing.
 */
import { collectEnv } from '../results/env.js';
import { appliesTo, type ConformanceCase } from './case.js';
import {
  CONFORMANCE_REPORT_SCHEMA,
  CONFORMANCE_SCHEMA_VERSION,
  type ConformanceReport,
  type ConformanceResult,
} from './report.js';

function failureText(error: unknown): string {
  if (error instanceof Error) {
    const prefix = error.name === 'ConformanceFailure' || error.name === 'Error' ? '' : `${error.name}: `;
    return (prefix + error.message).replace(/\s*\n\s*/g, ' ');
  }
  return String(error);
}

export async function runCase(c: ConformanceCase, model: string): Promise<ConformanceResult> {
  if (!appliesTo(c, model)) return { case: c.id, model, outcome: 'not-applicable' };
  try {
    await c.run({ model });
    return { case: c.id, model, outcome: 'pass' };
  } catch (error) {
    return { case: c.id, model, outcome: 'fail', message: failureText(error) };
  }
}

export async function runConformance(
  cases: readonly ConformanceCase[],
  models: readonly string[],
  now: Date = new Date(),
): Promise<ConformanceReport> {
  const results: ConformanceResult[] = [];
  for (const c of cases) for (const model of models) results.push(await runCase(c, model));
  const level = new Map(cases.map((c) => [c.id, c.ref.level]));
  const failed = results.filter((r) => r.outcome === 'fail');
  return {
    schema: CONFORMANCE_REPORT_SCHEMA,
    schemaVersion: CONFORMANCE_SCHEMA_VERSION,
    tool: 'ringside',
    env: collectEnv(now),
    models: [...models],
    cases: cases.map((c) => ({
      id: c.id,
      title: c.title,
      ref: { ...c.ref },
      models: c.models === 'all' ? 'all' : [...c.models],
    })),
    results,
    summary: {
      pass: results.filter((r) => r.outcome === 'pass').length,
      fail: failed.length,
      notApplicable: results.filter((r) => r.outcome === 'not-applicable').length,
      mustFailures: failed.filter((r) => level.get(r.case) === 'MUST').length,
    },
  };
}
