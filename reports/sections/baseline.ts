/**
 * The baseline view: verdict counts, the largest relative changes as a chart, the changed
 * metrics as a table and every compared metric in a collapsed table.
 */
import type { ResultDocument } from '../../harness/results/schema.js';
import { compareDocuments, type DeltaRow } from '../baseline/compare.js';
import { axis, baseOptions, type ChartSpec, pruneUndefined } from '../charts/spec.js';
import { formatChange, formatNumber } from '../format.js';
import type { Block, Section, TimingJudge } from '../model.js';
import { type Table, type TableCell, textCell } from '../table.js';

const VERDICT_STATE: Readonly<Record<string, string>> = {
  improved: 'pass',
  regressed: 'fail',
  missing: 'fail',
  changed: 'unsupported',
  new: 'extension',
};

/** Largest changes charted and listed in markdown. */
const TOP = 20;

function cellName(r: DeltaRow): string {
  return `${r.model} ${r.device} ${r.workload} ${r.knobs}`;
}

function valueCell(
  value: number | null,
  run: number | null,
  path: string | null,
  source: 'results' | 'baseline',
): TableCell {
  if (value === null) return textCell('—');
  return {
    text: formatNumber(value),
    value,
    ...(run === null ? {} : { run, source }),
    ...(path === null ? {} : { metric: path }),
  };
}

function rowCells(r: DeltaRow): TableCell[] {
  return [
    textCell(cellName(r), { title: r.key }),
    textCell(r.metric),
    textCell(r.kind ?? ''),
    valueCell(r.base, r.baseRun, r.path, 'baseline'),
    valueCell(r.head, r.headRun, r.path, 'results'),
    r.change === null ? textCell('n/a') : { text: formatChange(r.change), value: r.change },
    textCell(r.significance),
    textCell(r.verdict, { state: VERDICT_STATE[r.verdict] ?? 'absent' }),
  ];
}

const HEAD = ['cell', 'metric', 'kind', 'baseline', 'current', 'Δ', 'significance', 'verdict'];

function table(rows: readonly DeltaRow[]): Table {
  return { head: HEAD, rows: rows.map(rowCells), numeric: [3, 4, 5] };
}

function deltaChart(changed: readonly DeltaRow[]): ChartSpec | undefined {
  const top = changed
    .filter((r) => r.change !== null && r.change !== 0)
    .sort((a, b) => Math.abs(b.change ?? 0) - Math.abs(a.change ?? 0))
    .slice(0, TOP);
  if (top.length === 0) return undefined;
  const colour = (r: DeltaRow) =>
    r.verdict === 'regressed' ? '#D55E00' : r.verdict === 'improved' ? '#009E73' : '#999999';
  const title = `Largest changes against the baseline (top ${top.length})`;
  return {
    id: 'baseline-changes',
    title,
    caption:
      'Relative change per (cell, metric), current / baseline − 1; green improved, red regressed, grey no direction or not judged.',
    key: true,
    config: pruneUndefined({
      type: 'bar',
      data: {
        labels: top.map((r) => `${cellName(r)} · ${r.metric}`),
        datasets: [
          {
            label: 'Δ (%)',
            backgroundColor: top.map(colour),
            data: top.map((r) => (r.change ?? 0) * 100),
          },
        ],
      },
      options: { ...baseOptions(title, { x: axis({ title: 'change (%)' }), y: axis({ title: '' }) }), indexAxis: 'y' },
    }),
    table: table(top),
  };
}

export interface BaselineOutput {
  readonly section: Section;
  readonly counts: Readonly<Record<string, number>>;
  readonly top: Table;
}

export function baselineSection(
  base: ResultDocument,
  baseName: string,
  head: ResultDocument,
  headName: string,
  judge?: TimingJudge,
): BaselineOutput {
  const rows = compareDocuments(base, head, judge);
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  // A timing metric without a judge and without movement says nothing: leave it to the full table.
  const changed = rows.filter((r) => r.verdict !== 'no change' && !(r.verdict === 'not compared' && r.change === 0));
  const sameEnv = base.run?.env_hash !== undefined && base.run.env_hash === head.run?.env_hash;
  const blocks: Block[] = [
    {
      kind: 'facts',
      items: [
        { term: 'baseline', text: `${baseName} (commit ${base.env.commit ?? 'unknown'})` },
        { term: 'current', text: `${headName} (commit ${head.env.commit ?? 'unknown'})` },
        {
          term: 'environment',
          text: sameEnv
            ? 'same environment hash: timing metrics are comparable'
            : 'environment hashes differ or are missing: timing deltas are indicative only (measurement.md §4.2)',
          ...(sameEnv ? {} : { state: 'unsupported' }),
        },
        {
          term: 'verdicts',
          text: Object.entries(counts)
            .map(([k, n]) => `${n} ${k}`)
            .join(', '),
          state: (counts.regressed ?? 0) + (counts.missing ?? 0) > 0 ? 'fail' : 'pass',
        },
      ],
    },
    {
      kind: 'paragraph',
      text:
        'Deterministic metrics (event counts and virtual-time figures under the sim engine) are exact: any ' +
        "difference is a real change, judged by the metric's better direction. Timing metrics are judged only " +
        'with per-process repeats on both sides (permutation test and bootstrap interval of the gate); otherwise ' +
        'only Δ% is shown.',
    },
  ];
  const chart = deltaChart(changed);
  if (chart !== undefined) blocks.push({ kind: 'chart', chart });
  if (changed.length > 0) {
    blocks.push({ kind: 'table', caption: `Changed (${changed.length})`, table: table(changed) });
  } else {
    blocks.push({ kind: 'note', text: 'No compared metric changed.' });
  }
  blocks.push({
    kind: 'table',
    caption: `Every compared metric (${rows.length})`,
    collapsed: true,
    table: table(rows),
  });
  const top = table(
    [...changed]
      .sort((a, b) => Math.abs(b.change ?? Number.POSITIVE_INFINITY) - Math.abs(a.change ?? Number.POSITIVE_INFINITY))
      .slice(0, TOP),
  );
  return { section: { id: 'baseline', title: 'Baseline comparison', blocks }, counts, top };
}
