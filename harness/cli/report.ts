/**
 * `ringside report results.json [--baseline base.json] [--conformance conf.json]
 * [--out report.html] [--png DIR] [--md FILE]`: render a result document as one offline HTML
 * file, PNGs of the key charts and a markdown summary. Every input is read and validated
 * first (a malformed file or an unknown schemaVersion is a ResultsError: exit 2, nothing
 * written); then everything is rendered in memory; then the files are written atomically.
 * With no output flag, `--out report.html`.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Argv } from 'yargs';
import {
  buildReport,
  type ConformanceInput,
  type PngRenderer,
  type RenderedPng,
  type ReportInput,
  renderHtml,
  renderKeyPngs,
  renderMarkdown,
  runKey,
  type TimingJudge,
} from '../../reports/index.js';
import { readConformanceReport } from '../conformance/report.js';
import { compareCellSets, VERDICT_LABEL } from '../gate/compare.js';
import { resolvePolicy } from '../gate/config.js';
import { type GateCell, type MetricPoint, runMetrics } from '../gate/series.js';
import { readResults, writeFileAtomic } from '../results/io.js';
import type { ResultDocument } from '../results/schema.js';
import type { CliIo } from './io.js';
import { UsageError } from './parse.js';

export function reportOptions(y: Argv): Argv {
  return y
    .positional('results', { type: 'string', describe: 'result document (ringside bench --json)' })
    .option('baseline', { type: 'string', requiresArg: true, describe: 'a result file to compare against' })
    .option('conformance', {
      type: 'string',
      requiresArg: true,
      describe: 'conformance report (ringside conformance --json) for the case × model matrix',
    })
    .option('out', {
      type: 'string',
      requiresArg: true,
      describe: 'HTML report file',
      defaultDescription: 'report.html when no other output is asked for',
    })
    .option('png', { type: 'string', requiresArg: true, describe: 'write PNGs of the key charts into DIR' })
    .option('md', {
      type: 'string',
      requiresArg: true,
      describe: 'write a markdown summary linking the PNGs (fits a PR comment and a CI step summary)',
    })
    .example('ringside report results.json', 'write report.html')
    .example(
      'ringside report pr.json --baseline main.json --png charts --md summary.md --out report.html',
      'HTML for review, PNGs and markdown for the pull request',
    );
}

function single(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new UsageError(`--${key} given more than once`);
  const text = String(v);
  if (text === '') throw new UsageError(`--${key} needs a value`);
  return text;
}

/** The timing metrics of each repeated run (tagged by its engine), with their per-process values. */
function repeatCells(doc: ResultDocument): Map<string, GateCell> {
  const cells = new Map<string, GateCell>();
  for (const run of doc.runs) {
    if (run.status !== 'ok' || run.repeat === undefined) continue;
    const metrics = new Map<string, MetricPoint>();
    for (const [name, point] of runMetrics(run)) {
      if (point.kind === 'timing' && point.repeats !== undefined) metrics.set(name, point);
    }
    cells.set(runKey(run), { id: runKey(run), status: 'ok', metrics });
  }
  return cells;
}

/**
 * The gate's statistics (permutation test, Holm, bootstrap interval of the change) over the
 * per-process values of `--repeat`, for the timing metrics the report compares.
 */
export function gateJudge(base: ResultDocument, head: ResultDocument): TimingJudge | undefined {
  const baseCells = repeatCells(base);
  const headCells = repeatCells(head);
  if (baseCells.size === 0 || headCells.size === 0) return undefined;
  const report = compareCellSets(baseCells, headCells, resolvePolicy());
  const rows = new Map(report.rows.map((r) => [`${r.cell}\u0000${r.metric}`, r]));
  return (_b, h, metric) => {
    const row = rows.get(`${runKey(h)}\u0000${metric}`);
    if (row === undefined || row.method !== 'permutation') return undefined;
    return {
      verdict: VERDICT_LABEL[row.verdict],
      p: row.p,
      pAdjusted: row.pAdjusted,
      ci: row.ci,
      ...(row.note === undefined ? {} : { note: row.note }),
    };
  };
}

export interface ReportTargets {
  readonly out?: string;
  readonly png?: string;
  readonly md?: string;
}

function linkFrom(fromFile: string, target: string): string {
  return relative(dirname(resolve(fromFile)), resolve(target))
    .split(sep)
    .join('/');
}

async function loadRenderer(): Promise<PngRenderer> {
  try {
    const { ChartjsNodeCanvasRenderer } = await import('../../reports/png/chartjs-node-canvas.js');
    return new ChartjsNodeCanvasRenderer();
  } catch (error) {
    throw new UsageError(`--png: the PNG renderer (canvas native module) cannot load: ${(error as Error).message}`);
  }
}

/** Render and write the requested outputs; returns the files written. */
export async function writeReport(
  input: ReportInput,
  targets: ReportTargets,
  renderer?: PngRenderer,
): Promise<string[]> {
  const model = buildReport(input);
  const html = targets.out === undefined ? undefined : renderHtml(model);
  let pngs: RenderedPng[] = [];
  if (targets.png !== undefined) pngs = await renderKeyPngs(model, renderer ?? (await loadRenderer()));
  const pngDir = targets.png;
  const md =
    targets.md === undefined
      ? undefined
      : renderMarkdown(model, {
          images:
            pngDir === undefined
              ? []
              : pngs.map((p) => ({ title: p.chart.title, href: linkFrom(targets.md as string, join(pngDir, p.file)) })),
          ...(targets.out === undefined ? {} : { htmlHref: linkFrom(targets.md, targets.out) }),
        });
  const written: string[] = [];
  if (html !== undefined && targets.out !== undefined) {
    writeFileAtomic(targets.out, html);
    written.push(targets.out);
  }
  if (pngDir !== undefined) {
    mkdirSync(pngDir, { recursive: true });
    for (const p of pngs) {
      writeFileAtomic(join(pngDir, p.file), p.png);
      written.push(join(pngDir, p.file));
    }
  }
  if (md !== undefined && targets.md !== undefined) {
    writeFileAtomic(targets.md, md);
    written.push(targets.md);
  }
  return written;
}

/** `ringside bench --report FILE`: the HTML report of the result document bench just produced. */
export async function writeBenchReport(doc: ResultDocument, out: string, resultsName = 'bench results'): Promise<void> {
  await writeReport({ results: doc, resultsName }, { out });
}

/** Read every input, or throw (ResultsError → exit 2) before anything is written. */
export function readReportInput(results: string, baseline?: string, conformance?: string): ReportInput {
  const doc = readResults(results);
  const base = baseline === undefined ? undefined : readResults(baseline);
  const conf: ConformanceInput | undefined = conformance === undefined ? undefined : readConformanceReport(conformance);
  const judge = base === undefined ? undefined : gateJudge(base, doc);
  return {
    results: doc,
    resultsName: basename(results),
    ...(base === undefined || baseline === undefined
      ? {}
      : { baseline: { doc: base, name: basename(baseline), ...(judge === undefined ? {} : { judge }) } }),
    ...(conf === undefined || conformance === undefined
      ? {}
      : { conformance: { doc: conf, name: basename(conformance) } }),
  };
}

export async function report(args: Record<string, unknown>, io: CliIo): Promise<number> {
  const results = single(args, 'results');
  if (results === undefined) throw new UsageError('a results file is required: ringside report results.json');
  const png = single(args, 'png');
  const md = single(args, 'md');
  const out = single(args, 'out') ?? (png === undefined && md === undefined ? 'report.html' : undefined);
  if (md === '-' || out === '-') throw new UsageError('--out and --md need file names');
  const input = readReportInput(results, single(args, 'baseline'), single(args, 'conformance'));
  const written = await writeReport(input, {
    ...(out === undefined ? {} : { out }),
    ...(png === undefined ? {} : { png }),
    ...(md === undefined ? {} : { md }),
  });
  io.stdout(`${written.map((f) => `wrote ${f}`).join('\n')}\n`);
  return 0;
}
