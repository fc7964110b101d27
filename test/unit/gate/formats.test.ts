/** The gate's output formats: number formatting, the 1 MiB step-summary budget, and well-formed JUnit XML. */
import { describe, expect, it } from 'vitest';
import type { GateReport, GateRow } from '../../../harness/gate/compare.js';
import { resolvePolicy } from '../../../harness/gate/config.js';
import { formatGateJunit } from '../../../harness/gate/format-junit.js';
import { formatGateMarkdown, STEP_SUMMARY_LIMIT } from '../../../harness/gate/format-markdown.js';
import { fmtCi, fmtP, fmtPct, fmtValue, formatGateText } from '../../../harness/gate/format-text.js';

function gateRow(cell: string, overrides: Partial<GateRow> = {}): GateRow {
  return {
    cell,
    metric: 'perOp.exits',
    kind: 'deterministic',
    better: 'lower',
    unit: 'events/op',
    base: 1,
    head: 1.1,
    baseRepeats: 0,
    headRepeats: 0,
    change: 0.1,
    ci: null,
    p: null,
    pAdjusted: null,
    q: null,
    highlighted: false,
    method: 'exact',
    bound: '== 1',
    verdict: 'regressed',
    failing: true,
    ...overrides,
  };
}

function report(rows: GateRow[]): GateReport {
  const failures = rows.filter((r) => r.failing).length;
  return {
    rows,
    passed: failures === 0,
    failures,
    expiredAllow: [],
    unusedAllow: [],
    warnings: [],
    timingSummaries: [],
    policy: resolvePolicy(),
  };
}

describe('number formatting', () => {
  it('values, percentages, intervals and p values', () => {
    expect([fmtValue(null), fmtValue(12), fmtValue(1.23456), fmtValue(123456.789), fmtValue(2e-5)]).toEqual([
      '-',
      '12',
      '1.235',
      '123456.8',
      '2.000e-5',
    ]);
    expect([fmtPct(0.1), fmtPct(-0.0123), fmtPct(0), fmtPct(null)]).toEqual(['+10.0%', '-1.23%', '+0.00%', '-']);
    expect(fmtCi([0.166, 0.234])).toBe('[+16.6%, +23.4%]');
    expect([fmtP(1.0825e-5), fmtP(0.0123), fmtP(null)]).toEqual(['1.1e-5', '0.0123', '-']);
  });
});

describe('markdown step summary', () => {
  it('fits its byte budget, keeps failing rows first and says how many rows were left out', () => {
    const rows = Array.from({ length: 400 }, (_, i) =>
      gateRow(
        `block/randread/iodepth=${i}/model=virtio`,
        i % 2 === 0 ? {} : { verdict: 'improved', failing: false, head: 0.9, change: -0.1 },
      ),
    );
    const md = formatGateMarkdown(report(rows), { limit: 16 * 1024 });
    expect(Buffer.byteLength(md, 'utf8')).toBeLessThanOrEqual(16 * 1024);
    const listed = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Verdict')).length;
    const left = Number(/_(\d+) more rows left out to stay within 16 KiB\._/.exec(md)?.[1]);
    expect(listed + left).toBe(400);
    expect(md.indexOf('### Failing')).toBeLessThan(md.indexOf('**Regressed**'));
    expect(md).not.toContain('### Other changes'); // the failing rows alone fill the budget
  });

  it('the default budget is the 1 MiB step-summary limit, and a huge report stays under it', () => {
    expect(STEP_SUMMARY_LIMIT).toBe(1024 * 1024);
    const rows = Array.from({ length: 20_000 }, (_, i) => gateRow(`net/rr/request=${i}/model=virtio`));
    const md = formatGateMarkdown(report(rows));
    expect(Buffer.byteLength(md, 'utf8')).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT);
    expect(md).toMatch(/_\d+ more rows left out to stay within 1024 KiB\._\n$/);
  });

  it('escapes table separators in cell ids', () => {
    const md = formatGateMarkdown(report([gateRow('a|b')]));
    expect(md).toContain('`a\\|b`');
  });
});

describe('JUnit XML', () => {
  it('one testcase per row, counts on both wrappers, escaped names and messages', () => {
    const rows = [
      gateRow('cell<&"\'>\u0001x'),
      gateRow('ok', { verdict: 'no-change', failing: false, head: 1, change: 0 }),
      gateRow('fresh', { verdict: 'new', failing: false, metric: '*', note: 'cell absent from the baseline' }),
    ];
    const xml = formatGateJunit(report(rows));
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain('<testsuites name="ringside gate" tests="3" failures="1" errors="0" skipped="1">');
    expect(xml).toContain('<testsuite name="ringside gate" tests="3" failures="1" errors="0" skipped="1">');
    expect(xml).toContain('name="gate: cell&lt;&amp;&quot;&apos;&gt;x perOp.exits == 1"');
    expect(xml).toContain('<failure type="regressed" message="value 1.1, baseline 1, Δ +10.0%"/>');
    expect(xml).toContain('<skipped message="new: cell absent from the baseline"/>');
    expect([...xml].some((ch) => ch.charCodeAt(0) < 0x09)).toBe(false);
  });
});

describe('stdout table', () => {
  it('groups rows by cell, hides unchanged rows unless --all, and ends with the status line', () => {
    const rows = [gateRow('c1'), gateRow('c1', { metric: 'iops', verdict: 'no-change', failing: false, change: 0 })];
    const text = formatGateText(report(rows));
    expect(text).toMatch(/^c1\n {2}✗ Regressed {2}perOp\.exits {2}1 → 1\.1 {2}\+10\.0%/);
    expect(text).not.toContain('iops');
    expect(text).toMatch(/2 comparisons: 1 regressed, 1 no change\n/);
    expect(text).toMatch(/gate: FAIL \(1 failing comparison\)\n$/);
    expect(formatGateText(report(rows), { all: true })).toMatch(/\n {4}No change {2}iops /);
  });
});
