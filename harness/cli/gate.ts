/**
 * `ringside gate --baseline base.json --current cur.json [--config gate.json] [--markdown FILE|-]
 * [--junit FILE] [--all]`: compare two result files (measurement.md §4.2) and exit 0 when
 * nothing regressed, 1 when something did (or an allow-list entry expired), 2 when an input
 * is malformed. All inputs are validated before any output file is written.
 */
import type { Argv } from 'yargs';
import { writeFileAtomic } from '../gate/files.js';
import { formatGateJunit } from '../gate/format-junit.js';
import { formatGateMarkdown } from '../gate/format-markdown.js';
import { formatGateText } from '../gate/format-text.js';
import { runGate } from '../gate/run.js';
import type { CliIo } from './io.js';
import { UsageError } from './parse.js';

export function gateOptions(y: Argv): Argv {
  return y
    .option('baseline', {
      type: 'string',
      demandOption: true,
      requiresArg: true,
      describe: 'baseline result file (any result file)',
    })
    .option('current', { type: 'string', demandOption: true, requiresArg: true, describe: 'current result file' })
    .option('config', {
      type: 'string',
      requiresArg: true,
      describe: 'gate policy JSON: tolerances, timing thresholds, allow-list',
    })
    .option('markdown', {
      type: 'string',
      requiresArg: true,
      describe: 'write a GitHub step summary (≤ 1 MiB) to FILE, or - for stdout (table goes to stderr)',
    })
    .option('junit', { type: 'string', requiresArg: true, describe: 'write JUnit XML, one testcase per gate' })
    .option('all', { type: 'boolean', default: false, describe: 'list unchanged metrics too' })
    .example(
      'ringside gate --baseline main.json --current pr.json --markdown "$GITHUB_STEP_SUMMARY" --junit gate.xml',
      'gate a pull request against main',
    );
}

function single(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new UsageError(`--${key} given more than once`);
  return String(v);
}

/** Returns the exit code: 0 pass, 1 regression. Malformed inputs throw ResultsError (exit 2). */
export function gate(args: Record<string, unknown>, io: CliIo): number {
  const baseline = single(args, 'baseline');
  const current = single(args, 'current');
  if (baseline === undefined || current === undefined) throw new UsageError('--baseline and --current are required');
  const config = single(args, 'config');
  const markdown = single(args, 'markdown');
  const junit = single(args, 'junit');
  if (junit === '-') throw new UsageError('--junit needs a file name');
  const { report } = runGate({ baseline, current, ...(config === undefined ? {} : { config }) });
  const text = formatGateText(report, { all: args.all === true });
  const md =
    markdown === undefined ? undefined : formatGateMarkdown(report, { baselineName: baseline, currentName: current });
  // Output files are written only once every input has been read and validated.
  if (junit !== undefined) writeFileAtomic(junit, formatGateJunit(report));
  if (markdown !== undefined && markdown !== '-') writeFileAtomic(markdown, md ?? '');
  if (markdown === '-') {
    io.stderr(text);
    io.stdout(md ?? '');
  } else {
    io.stdout(text);
  }
  return report.passed ? 0 : 1;
}
