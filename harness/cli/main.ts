/**
 * The `ringside` command line (yargs 18, measurement.md §8). Exit codes (§8.2): 0 ok,
 * 1 a run failed (status error, or a repeated cell was not deterministic), 2 usage,
 * configuration or input-file error (one line naming flag or file and field, no stack
 * trace, nothing overwritten), 3 internal error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { MergeError } from '../matrix/merge.js';
import { packageRoot } from '../profiles/load.js';
import { MODELS, WORKLOADS } from '../registry.js';
import { ResultsError } from '../results/io.js';
import { bench, benchOptions, type CliIo } from './bench.js';
import { conformance, conformanceOptions } from './conformance.js';
import { gate, gateOptions } from './gate.js';
import { formatList } from './list.js';
import { merge, mergeOptions } from './merge.js';
import { micro, microOptions } from './micro.js';
import { UsageError } from './parse.js';
import { report, reportOptions } from './report.js';

export const EXIT = { ok: 0, runFailed: 1, usage: 2, internal: 3 } as const;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A yargs validation message, flattened to one line. */
class ParseFailure extends Error {}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
}

/** Run the CLI on `argv` (without node and script) and return the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const models = io.models ?? MODELS;
  let code: number = EXIT.ok;
  const handle = async (body: () => number | Promise<number>): Promise<void> => {
    code = await body();
  };
  const parser: Argv = yargs(argv)
    .scriptName('ringside')
    .usage('$0 <command> [options]\n\nBenchmark and conformance suite for I/O virtualization models.')
    .command(
      'list',
      'list models (with classes and options), workloads (with parameters), profiles and knob syntax',
      (y) => y,
      () =>
        handle(() => {
          io.stdout(formatList(models, WORKLOADS));
          return EXIT.ok;
        }),
    )
    .command(
      'bench',
      'run a matrix of benchmark cells (deterministic sim engine, or wall-clock threads engine) and print a table (and JSON, an HTML report)',
      benchOptions,
      (args) => handle(() => bench(args, { ...io, models })),
    )
    .command(
      'merge <files..>',
      'join result files (e.g. the --shard slices of one matrix) into one document',
      mergeOptions,
      (args) => handle(() => merge(args, { ...io, models })),
    )
    .command('gate', 'compare a result file with a baseline; exit 1 on a regression', gateOptions, (args) =>
      handle(() => gate(args, io)),
    )
    .command('micro', "tinybench microbenchmarks of each model's hot paths", microOptions, async (args) => {
      code = await micro(args, io);
    })
    .command(
      'conformance',
      'run the conformance case library: matrix case × model',
      conformanceOptions,
      async (args) => {
        code = await conformance(args, { ...io, models });
      },
    )
    .command(
      'report <results>',
      'render a result file as one offline HTML report (and PNG charts, a markdown summary)',
      reportOptions,
      async (args) => {
        code = await report(args, io);
      },
    )
    .demandCommand(1, 'choose a command: list, bench, merge, gate, micro, conformance or report')
    .recommendCommands()
    .strict()
    .parserConfiguration({ 'duplicate-arguments-array': true })
    .help()
    .alias('help', 'h')
    .version(version())
    .wrap(Math.min(120, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      // Validation problems (unknown flag, bad choice, missing command) arrive as a message;
      // errors thrown by a command handler arrive as `error` and are rethrown as they are.
      if (error !== undefined) throw error;
      throw new ParseFailure(oneLine(message ?? 'invalid arguments'));
    });
  try {
    let helpText = '';
    await parser.parseAsync(argv, {}, (_error, _args, output) => {
      helpText = output;
    });
    // --help / --version text arrives here rather than on the console, so tests can capture it.
    if (helpText !== '') io.stdout(`${helpText}\n`);
    return code;
  } catch (error) {
    if (error instanceof ParseFailure || error instanceof UsageError) {
      io.stderr(`ringside: ${error.message} (see ringside --help)\n`);
      return EXIT.usage;
    }
    if (error instanceof ResultsError || error instanceof MergeError) {
      io.stderr(`ringside: ${error.message}\n`);
      return EXIT.usage;
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`ringside: internal error: ${text}\n`);
    return EXIT.internal;
  }
}

/** Entry point used by bin/ringside.js. */
export async function main(argv: readonly string[]): Promise<number> {
  return run(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    stderrColumns: process.stderr.columns ?? 80,
    env: process.env,
    argv,
  });
}
