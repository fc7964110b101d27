/**
 * The gate as GitHub-flavoured markdown for `$GITHUB_STEP_SUMMARY` (measurement.md §6: at most
 * 1024 KiB per step, more is dropped): status, failing rows first, then every other change.
 * Rows stop before the byte budget and a line says how many were left out.
 */
import { type GateReport, type GateRow, VERDICT_LABEL } from './compare.js';
import { fmtCi, fmtP, fmtPct, fmtValue, statusLine, verdictCounts } from './format-text.js';

export const STEP_SUMMARY_LIMIT = 1024 * 1024;

function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const HEADER =
  '| Verdict | Cell | Metric | Baseline | Current | Δ | CI 95% of Δ | p | p (Holm) |\n|---|---|---|---:|---:|---:|---|---:|---:|\n';

function row(r: GateRow): string {
  const verdict = `${r.failing ? '**' : ''}${VERDICT_LABEL[r.verdict]}${r.failing ? '**' : ''}${r.highlighted ? ' (BH)' : ''}`;
  const note =
    r.allowed !== undefined
      ? ` (allowed: ${r.allowed.reason}, ${r.allowed.owner}, until ${r.allowed.expires})`
      : r.note !== undefined
        ? ` (${r.note})`
        : '';
  return `| ${cell(verdict + note)} | \`${cell(r.cell)}\` | \`${cell(r.metric)}\` | ${fmtValue(r.base)} | ${fmtValue(r.head)} | ${fmtPct(r.change)} | ${fmtCi(r.ci)} | ${fmtP(r.p)} | ${fmtP(r.pAdjusted)} |\n`;
}

export interface MarkdownOptions {
  readonly baselineName?: string;
  readonly currentName?: string;
  /** Byte budget (default 1 MiB, the step-summary limit). */
  readonly limit?: number;
}

export function formatGateMarkdown(report: GateReport, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? STEP_SUMMARY_LIMIT;
  const counts = [...verdictCounts(report)].map(([v, n]) => `${n} ${VERDICT_LABEL[v].toLowerCase()}`).join(', ');
  let head = `## ringside gate: ${report.passed ? 'passed' : '**failed**'}\n\n`;
  if (options.baselineName !== undefined && options.currentName !== undefined) {
    head += `Baseline \`${cell(options.baselineName)}\` vs current \`${cell(options.currentName)}\`.\n\n`;
  }
  head += `${report.rows.length} comparisons: ${counts || 'none'}. ${statusLine(report)}.\n\n`;
  const extras: string[] = [];
  for (const e of report.expiredAllow)
    extras.push(
      `- **expired allow-list entry** \`${cell(e.cell)}\` \`${cell(e.metric)}\` (${cell(e.owner)}, expired ${e.expires}): ${cell(e.reason)}\n`,
    );
  for (const w of report.warnings) extras.push(`- warning: ${cell(w)}\n`);
  for (const s of report.timingSummaries) {
    extras.push(
      `- timing \`${s.metric}\`: mean Δ ${fmtPct(s.meanChange)} over ${s.cells} cells; ${s.significantCells} significant${s.meanSignificantChange === null ? '' : `, mean Δ ${fmtPct(s.meanSignificantChange)}`}\n`,
    );
  }
  const failing = report.rows.filter((r) => r.failing);
  const others = report.rows.filter((r) => !r.failing && r.verdict !== 'no-change' && r.verdict !== 'not-compared');
  const sections: Array<{ title: string; rows: GateRow[] }> = [
    { title: '### Failing', rows: failing },
    { title: '### Other changes', rows: others },
  ];
  let out = head + (extras.length > 0 ? `${extras.join('')}\n` : '');
  const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
  const reserve = 200; // room for the truncation line
  let used = bytes(out);
  let left = 0;
  for (const section of sections) {
    if (section.rows.length === 0) continue;
    const start = `${section.title}\n\n${HEADER}`;
    if (left > 0 || used + bytes(start) + reserve > limit) {
      left += section.rows.length;
      continue;
    }
    out += start;
    used += bytes(start);
    for (const r of section.rows) {
      const line = row(r);
      const size = bytes(line);
      if (left > 0 || used + size + reserve > limit) {
        left++;
        continue;
      }
      out += line;
      used += size;
    }
    out += '\n';
    used += 1;
  }
  if (left > 0) out += `_${left} more rows left out to stay within ${Math.floor(limit / 1024)} KiB._\n`;
  return out;
}
