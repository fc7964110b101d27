/**
 * Number formatting shared by the gate's outputs, and the stdout table: rows grouped by cell,
 * one line per metric with its verdict, baseline → current, Δ%, the CI of Δ and the raw and
 * Holm-adjusted p. Unchanged metrics are counted, not listed, unless `all` is asked for.
 */
import { type GateReport, type GateRow, VERDICT_LABEL, type Verdict } from './compare.js';

export function fmtValue(v: number | null): string {
  if (v === null) return '-';
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1e15 || (abs !== 0 && abs < 1e-3)) return v.toExponential(3);
  if (abs >= 1000) return v.toFixed(1);
  return String(Number(v.toPrecision(4)));
}

export function fmtPct(x: number | null): string {
  if (x === null) return '-';
  const pct = x * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(Math.abs(pct) < 10 ? 2 : 1)}%`;
}

export function fmtCi(ci: readonly [number, number] | null): string {
  return ci === null ? '-' : `[${fmtPct(ci[0])}, ${fmtPct(ci[1])}]`;
}

export function fmtP(p: number | null): string {
  if (p === null) return '-';
  return p < 1e-3 ? p.toExponential(1) : p.toFixed(4);
}

/** The failure text of a row, as JUnit and markdown use it: value, baseline, Δ%, p. */
export function rowSummary(row: GateRow): string {
  const parts = [`value ${fmtValue(row.head)}`, `baseline ${fmtValue(row.base)}`, `Δ ${fmtPct(row.change)}`];
  if (row.ci !== null) parts.push(`CI ${fmtCi(row.ci)}`);
  if (row.p !== null) parts.push(`p ${fmtP(row.p)} (Holm ${fmtP(row.pAdjusted)})`);
  if (row.note !== undefined) parts.push(row.note);
  return parts.join(', ');
}

export function verdictCounts(report: GateReport): Map<Verdict, number> {
  const counts = new Map<Verdict, number>();
  for (const row of report.rows) counts.set(row.verdict, (counts.get(row.verdict) ?? 0) + 1);
  return counts;
}

export function statusLine(report: GateReport): string {
  if (report.passed) return 'gate: PASS';
  const why: string[] = [];
  if (report.failures > 0)
    why.push(`${report.failures} failing ${report.failures === 1 ? 'comparison' : 'comparisons'}`);
  if (report.expiredAllow.length > 0) why.push(`${report.expiredAllow.length} expired allow-list entries`);
  return `gate: FAIL (${why.join(', ')})`;
}

function verdictCell(row: GateRow): string {
  const mark = row.failing ? '✗ ' : row.allowed !== undefined ? '~ ' : row.highlighted ? '* ' : '  ';
  return mark + VERDICT_LABEL[row.verdict];
}

export function formatGateText(report: GateReport, options: { all?: boolean } = {}): string {
  // Unchanged and uncompared metrics are counted in the tally; --all lists them too.
  const shown = report.rows.filter(
    (r) => options.all === true || (r.verdict !== 'no-change' && r.verdict !== 'not-compared'),
  );
  const lines: string[] = [];
  const table = shown.map((r) => [
    verdictCell(r),
    r.metric,
    `${fmtValue(r.base)} → ${fmtValue(r.head)}`,
    fmtPct(r.change),
    fmtCi(r.ci),
    r.p === null ? '' : `p ${fmtP(r.p)}`,
    r.pAdjusted === null ? '' : `Holm ${fmtP(r.pAdjusted)}`,
    r.allowed !== undefined
      ? `allowed: ${r.allowed.reason} (${r.allowed.owner}, until ${r.allowed.expires})`
      : (r.note ?? ''),
  ]);
  const widths = [0, 1, 2, 3, 4, 5, 6].map((c) => Math.max(0, ...table.map((t) => (t[c] ?? '').length)));
  let cell: string | undefined;
  shown.forEach((row, i) => {
    if (row.cell !== cell) {
      cell = row.cell;
      lines.push(cell);
    }
    const t = table[i] as string[];
    lines.push(
      `  ${t
        .map((text, c) => (c === 3 ? text.padStart(widths[c] ?? 0) : c < 7 ? text.padEnd(widths[c] ?? 0) : text))
        .join('  ')
        .trimEnd()}`,
    );
  });
  const counts = verdictCounts(report);
  const tally = [...counts].map(([v, n]) => `${n} ${VERDICT_LABEL[v].toLowerCase()}`).join(', ');
  if (lines.length > 0) lines.push('');
  lines.push(`${report.rows.length} comparisons: ${tally || 'none'}`);
  if (!options.all && (counts.get('no-change') ?? 0) > 0)
    lines.push('(unchanged metrics not listed; --all lists them)');
  for (const s of report.timingSummaries) {
    const sig =
      s.meanSignificantChange === null
        ? 'none significant'
        : `${s.significantCells} significant, mean ${fmtPct(s.meanSignificantChange)}`;
    lines.push(`timing ${s.metric}: mean Δ ${fmtPct(s.meanChange)} over ${s.cells} cells; ${sig}`);
  }
  for (const e of report.expiredAllow)
    lines.push(`expired allow-list entry: ${e.cell} ${e.metric} (${e.owner}, expired ${e.expires}): ${e.reason}`);
  for (const e of report.unusedAllow) lines.push(`unused allow-list entry: ${e.cell} ${e.metric} (${e.owner})`);
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  lines.push(statusLine(report));
  return `${lines.join('\n')}\n`;
}
