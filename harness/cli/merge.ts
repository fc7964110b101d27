/**
 * `ringside merge a.json b.json … [--json out]`: join result files (the shards of one
 * matrix, usually). Every input is validated on read; a malformed input, a schema mismatch or
 * an overlap is one line naming the file (and field), exit 2, and nothing is written.
 */
import type { Argv } from 'yargs';
import { mergeResults } from '../matrix/merge.js';
import { readResults, serializeResults, writeResults } from '../results/io.js';
import { exitCode } from './bench.js';
import type { CliIo } from './io.js';
import { UsageError } from './parse.js';
import { formatTable, statusSummary } from './table.js';

export function mergeOptions(y: Argv): Argv {
  return y
    .positional('files', { type: 'string', array: true, describe: 'result files to join (e.g. the shards of one run)' })
    .option('json', {
      type: 'string',
      requiresArg: true,
      describe: 'write the merged document to a file, or - for stdout (table goes to stderr)',
    })
    .option('quiet', { type: 'boolean', describe: 'no summary or warnings on stderr', default: false })
    .example('ringside merge s1.json s2.json s3.json s4.json --json all.json', 'join four CI shards');
}

export function merge(args: Record<string, unknown>, io: CliIo): number {
  const raw = args.files;
  const files = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  if (files.length === 0) throw new UsageError('merge: give the result files to join');
  const json = args.json;
  if (Array.isArray(json)) throw new UsageError('--json given more than once');
  const inputs = files.map((file) => ({ file, doc: readResults(file) }));
  const { doc, warnings } = mergeResults(inputs, io.argv ?? process.argv.slice(2));
  const quiet = args.quiet === true;
  if (!quiet) for (const w of warnings) io.stderr(`ringside: warning: ${w}\n`);
  const table = formatTable(doc.runs);
  if (json === '-') {
    io.stderr(table);
    io.stdout(serializeResults(doc, '<stdout>'));
  } else {
    io.stdout(table);
    if (typeof json === 'string') writeResults(json, doc);
  }
  if (!quiet) io.stderr(`merged ${files.length} file${files.length === 1 ? '' : 's'}: ${statusSummary(doc.runs)}\n`);
  return exitCode(doc.runs);
}
