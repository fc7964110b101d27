/**
 * The gate as JUnit XML (measurement.md §6): one testcase per gate, named
 * `gate: <cell> <metric> <bound>`; a failure's message is value, baseline, Δ% and p. Rows that
 * were not gated (new cells or metrics, timing without repeats) are skipped testcases; an
 * expired allow-list entry is a failing testcase of its own.
 */
import type { GateReport, GateRow } from './compare.js';
import { rowSummary } from './format-text.js';

/** XML 1.0 allows no control characters but tab, LF and CR. */
function stripControl(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code >= 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) out += ch;
  }
  return out;
}

function attr(text: string): string {
  return stripControl(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function testcase(row: GateRow): string {
  const name = attr(`gate: ${row.cell} ${row.metric}${row.bound === '' ? '' : ` ${row.bound}`}`);
  const open = `    <testcase classname="ringside.gate" name="${name}" time="0"`;
  if (row.failing)
    return `${open}>\n      <failure type="${row.verdict}" message="${attr(rowSummary(row))}"/>\n    </testcase>\n`;
  if (row.verdict === 'new' || row.verdict === 'not-compared') {
    return `${open}>\n      <skipped message="${attr(`${row.verdict}: ${row.note ?? ''}`.trim())}"/>\n    </testcase>\n`;
  }
  return `${open}/>\n`;
}

export function formatGateJunit(report: GateReport): string {
  const cases = report.rows.map(testcase);
  for (const e of report.expiredAllow) {
    const name = attr(`gate: allow-list ${e.cell} ${e.metric} expires ${e.expires}`);
    const message = attr(`allow-list entry expired on ${e.expires} (owner ${e.owner}): ${e.reason}`);
    cases.push(
      `    <testcase classname="ringside.gate" name="${name}" time="0">\n      <failure type="expired-allow" message="${message}"/>\n    </testcase>\n`,
    );
  }
  const failures = report.failures + report.expiredAllow.length;
  const skipped = report.rows.filter((r) => !r.failing && (r.verdict === 'new' || r.verdict === 'not-compared')).length;
  const counts = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}"`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="ringside gate" ${counts}>\n` +
    `  <testsuite name="ringside gate" ${counts}>\n` +
    cases.join('') +
    '  </testsuite>\n</testsuites>\n'
  );
}
