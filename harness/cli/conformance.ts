/**
 * `ringside conformance [--model M,…] [--case RE] [--json FILE|-]`: run the conformance case
 * library (the very cases vitest runs) over the registered models, print the matrix case ×
 * model with each case's spec reference, and exit 1 when a MUST case fails.
 */
import type { Argv } from 'yargs';
import type { ConformanceCase } from '../conformance/case.js';
import { CONFORMANCE_CASES } from '../conformance/library.js';
import { formatConformanceMatrix } from '../conformance/matrix-text.js';
import { serializeConformanceReport, writeConformanceReport } from '../conformance/report.js';
import { runConformance } from '../conformance/runner.js';
import { MODELS } from '../registry.js';
import type { CliIo } from './io.js';
import { splitList, UsageError } from './parse.js';

export function conformanceOptions(y: Argv): Argv {
  return y
    .option('model', {
      type: 'string',
      requiresArg: true,
      describe: 'comma list of model ids (default: every registered model)',
    })
    .option('case', { type: 'string', requiresArg: true, describe: 'regular expression on the case id' })
    .option('json', {
      type: 'string',
      requiresArg: true,
      describe: 'write the report to a file, or - for stdout (matrix goes to stderr)',
    })
    .example('ringside conformance --model virtio --json conformance.json', 'the virtio matrix, saved for the report');
}

/** The cases and model ids to run; tests inject their own. */
export interface ConformanceLibrary {
  readonly cases: readonly ConformanceCase[];
  readonly models: readonly string[];
}

function single(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new UsageError(`--${key} given more than once (use a comma list)`);
  return String(v);
}

export async function conformance(
  args: Record<string, unknown>,
  io: CliIo,
  library: ConformanceLibrary = { cases: CONFORMANCE_CASES, models: (io.models ?? MODELS).map((m) => m.id) },
): Promise<number> {
  let models = [...library.models];
  if (args.model !== undefined) {
    const known = new Set([...library.models, ...library.cases.flatMap((c) => (c.models === 'all' ? [] : c.models))]);
    const asked = splitList('model', args.model);
    const unknown = asked.find((m) => !known.has(m));
    if (unknown !== undefined) throw new UsageError(`--model ${unknown}: unknown (models: ${[...known].join(', ')})`);
    models = asked;
  }
  let cases = library.cases;
  const filter = single(args, 'case');
  if (filter !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(filter);
    } catch (error) {
      throw new UsageError(`--case ${filter}: ${(error as Error).message}`);
    }
    cases = cases.filter((c) => re.test(c.id));
    if (cases.length === 0) throw new UsageError(`--case ${filter}: no case matches`);
  }
  const report = await runConformance(cases, models);
  const matrix = formatConformanceMatrix(report);
  const json = single(args, 'json');
  if (json === '-') {
    io.stderr(matrix);
    io.stdout(serializeConformanceReport(report, '<stdout>'));
  } else {
    io.stdout(matrix);
    if (json !== undefined) writeConformanceReport(json, report);
  }
  return report.summary.mustFailures > 0 ? 1 : 0;
}
