/**
 * `ringside micro [--filter RE] [--model M,…] [--time MS] [--repeat N] [--json FILE|-]`: tinybench
 * over each model's hot paths (measurement.md §2.3). One in-process repeat by default, fast;
 * `--repeat N` measures in N fresh processes so the gate can test the per-process medians.
 */
import type { Argv } from 'yargs';
import { writeFileAtomic } from '../gate/files.js';
import { MICRO_DEFAULTS, type MicroBenchmark, type MicroOptions } from '../micro/measure.js';
import { MICRO_BENCHMARKS } from '../micro/registry.js';
import { measureHere, measureRepeats, microDocument, microRecords } from '../micro/run.js';
import { type MicroDocument, validateMicroSection } from '../micro/schema.js';
import { validateResults } from '../results/io.js';
import type { CliIo } from './io.js';
import { parseWhole, splitList, UsageError } from './parse.js';

export function microOptions(y: Argv): Argv {
  return y
    .option('filter', { type: 'string', requiresArg: true, describe: 'regular expression on the benchmark id' })
    .option('model', { type: 'string', requiresArg: true, describe: 'comma list of models (platform, virtio, …)' })
    .option('time', {
      type: 'string',
      default: String(MICRO_DEFAULTS.timeMs),
      describe: 'measuring time per benchmark (ms)',
    })
    .option('warmup-time', {
      type: 'string',
      default: String(MICRO_DEFAULTS.warmupMs),
      describe: 'warm-up per benchmark (ms)',
    })
    .option('repeat', { type: 'string', default: '1', describe: 'fresh processes to measure in (≥ 10 for gating)' })
    .option('seed', { type: 'string', default: String(MICRO_DEFAULTS.seed), describe: 'seed of every benchmark input' })
    .option('json', {
      type: 'string',
      requiresArg: true,
      describe: 'write the results to a file, or - for stdout (table goes to stderr)',
    })
    .option('list', { type: 'boolean', default: false, describe: 'list the benchmarks and exit' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines' })
    .example('ringside micro', 'every hot path once, in this process (about a second)')
    .example('ringside micro --repeat 10 --json micro.json', 'ten fresh processes, ready for `ringside gate`');
}

function single(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new UsageError(`--${key} given more than once`);
  return String(v);
}

export function selectMicro(
  args: Record<string, unknown>,
  all: readonly MicroBenchmark[] = MICRO_BENCHMARKS,
): MicroBenchmark[] {
  let chosen = [...all];
  const filter = single(args, 'filter');
  if (filter !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(filter);
    } catch (error) {
      throw new UsageError(`--filter ${filter}: ${(error as Error).message}`);
    }
    chosen = chosen.filter((b) => re.test(b.id));
  }
  const models = args.model === undefined ? undefined : splitList('model', args.model);
  if (models !== undefined) {
    const known = new Set(all.map((b) => b.model));
    const unknown = models.find((m) => !known.has(m));
    if (unknown !== undefined)
      throw new UsageError(`--model ${unknown}: no microbenchmarks (models: ${[...known].join(', ')})`);
    chosen = chosen.filter((b) => models.includes(b.model));
  }
  if (chosen.length === 0) throw new UsageError('no microbenchmark matches the selection (see ringside micro --list)');
  return chosen;
}

function fmtNs(ns: number): string {
  return ns >= 100 ? ns.toFixed(0) : ns >= 10 ? ns.toFixed(1) : ns.toFixed(2);
}

function fmtRate(perSecond: number): string {
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M` : `${(perSecond / 1e3).toFixed(1)} k`;
}

export function formatMicroTable(doc: MicroDocument): string {
  const rows = [['benchmark', 'ns/op', 'ops/s', 'CI95 ns/op', 'repeats', 'samples', 'ops/sample', 'checksum']];
  for (const r of doc.micro) {
    const m = r.metrics.ns_per_op;
    if (m === undefined) continue;
    rows.push([
      r.id,
      fmtNs(m.value),
      fmtRate(1e9 / m.value),
      m.ci95 === undefined ? '-' : `[${fmtNs(m.ci95[0])}, ${fmtNs(m.ci95[1])}]`,
      String(m.per_repeat.length),
      String(r.samples.reduce((a, b) => a + b, 0)),
      String(r.opsPerSample),
      r.checksum.join(' '),
    ]);
  }
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, c) => (c >= 1 && c <= 6 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export async function micro(args: Record<string, unknown>, io: CliIo): Promise<number> {
  const chosen = selectMicro(args);
  if (args.list === true) {
    io.stdout(chosen.map((b) => `${b.id} — ${b.title}\n`).join(''));
    return 0;
  }
  const options: MicroOptions = {
    timeMs: parseWhole('time', single(args, 'time') ?? String(MICRO_DEFAULTS.timeMs), 1, 600_000),
    warmupMs: parseWhole('warmup-time', single(args, 'warmup-time') ?? String(MICRO_DEFAULTS.warmupMs), 0, 600_000),
    seed: parseWhole('seed', single(args, 'seed') ?? String(MICRO_DEFAULTS.seed), 0, 0xffffffff),
  };
  const repeat = parseWhole('repeat', single(args, 'repeat') ?? '1', 1, 1000);
  const json = single(args, 'json');
  const progress = args.quiet === true ? () => {} : io.stderr;
  const startedAt = new Date();
  const perRepeat =
    repeat === 1
      ? [await measureHere(chosen, options, (b, m) => progress(`${b.id}: ${fmtNs(m.nsPerOp)} ns/op\n`))]
      : await measureRepeats(chosen, options, repeat, (r) => progress(`repeat ${r}/${repeat} done\n`));
  const doc = microDocument(microRecords(chosen, perRepeat, options), {
    argv: io.argv ?? process.argv.slice(2),
    startedAt,
    finishedAt: new Date(),
    repeat,
    seed: options.seed,
  });
  // Validate what we are about to write exactly as readers will.
  validateResults(doc, json ?? '<micro>');
  validateMicroSection(doc, json ?? '<micro>');
  const table = formatMicroTable(doc);
  const warnings = perRepeat.flat().flatMap((m) => m.warnings);
  const tail = warnings.length === 0 ? '' : `tinybench warnings: ${[...new Set(warnings)].join(', ')}\n`;
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (json === '-') {
    io.stderr(table + tail);
    io.stdout(text);
  } else {
    io.stdout(table + tail);
    if (json !== undefined) writeFileAtomic(json, text);
  }
  return 0;
}
