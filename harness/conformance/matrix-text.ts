/** The human-readable conformance matrix: one row per case, one column per model, failures listed below. */
import type { ConformanceOutcome, ConformanceReport } from './report.js';

const CELL: Record<ConformanceOutcome, string> = { pass: 'pass', fail: 'FAIL', 'not-applicable': 'n/a' };

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, c) => {
      widths[c] = Math.max(widths[c] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export function formatConformanceMatrix(report: ConformanceReport): string {
  const outcome = new Map(report.results.map((r) => [`${r.case}\u0000${r.model}`, r.outcome]));
  const rows: string[][] = [['case', 'level', 'spec reference', ...report.models]];
  for (const c of report.cases) {
    rows.push([
      c.id,
      c.ref.level,
      `${c.ref.doc} ${c.ref.section}`,
      ...report.models.map((m) => {
        const o = outcome.get(`${c.id}\u0000${m}`);
        return o === undefined ? '-' : CELL[o];
      }),
    ]);
  }
  const lines = table(rows);
  const failures = report.results.filter((r) => r.outcome === 'fail');
  if (failures.length > 0) {
    lines.push('', 'failures:');
    const byId = new Map(report.cases.map((c) => [c.id, c]));
    for (const f of failures) {
      const c = byId.get(f.case);
      const ref = c === undefined ? '' : ` [${c.ref.level} ${c.ref.doc} ${c.ref.section}: ${c.ref.paraphrase}]`;
      lines.push(`  ${f.case} × ${f.model}: ${f.message ?? 'failed'}${ref}`);
    }
  }
  const s = report.summary;
  lines.push(
    '',
    `${report.cases.length} cases × ${report.models.length} models: ${s.pass} pass, ${s.fail} fail ` +
      `(${s.mustFailures} MUST), ${s.notApplicable} not applicable`,
  );
  return `${lines.join('\n')}\n`;
}
