/**
 * The conformance runner and `ringside conformance` on an injected, test-only library (one
 * case fails on purpose), plus the real library through the CLI: matrix output with spec
 * references, the versioned JSON report validated on write and read, exit 1 on a MUST failure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ConformanceLibrary, conformance } from '../../../harness/cli/conformance.js';
import { EXIT, run } from '../../../harness/cli/main.js';
import { UsageError } from '../../../harness/cli/parse.js';
import { expectEqual } from '../../../harness/conformance/assert.js';
import { appliesTo, type ConformanceCase } from '../../../harness/conformance/case.js';
import { CONFORMANCE_CASES, ConformanceLibraryError, checkLibrary } from '../../../harness/conformance/library.js';
import { readConformanceReport, validateConformanceReport } from '../../../harness/conformance/report.js';
import { runConformance } from '../../../harness/conformance/runner.js';
import { ResultsError } from '../../../harness/results/io.js';

process.env.RINGSIDE_NO_GIT = '1';

const dir = mkdtempSync(join(tmpdir(), 'ringside-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ref = (level: 'MUST' | 'SHOULD', section: string) => ({
  doc: 'test spec 1.0',
  section,
  level,
  paraphrase: `rule of ${section}`,
});

const passing: ConformanceCase = {
  id: 'test.pass',
  title: 'always holds',
  ref: ref('MUST', '§1'),
  models: 'all',
  run: () => expectEqual(1 + 1, 2, 'sum'),
};
const mustFail: ConformanceCase = {
  id: 'test.must-fail',
  title: 'broken on purpose',
  ref: ref('MUST', '§2.3'),
  models: ['alpha'],
  run: () => expectEqual(2 + 2, 5, 'sum of two and two'),
};
const shouldFail: ConformanceCase = {
  id: 'test.should-fail',
  title: 'a recommendation not met',
  ref: ref('SHOULD', '§4'),
  models: ['beta'],
  run: async () => {
    await Promise.resolve();
    throw new RangeError('value out of range');
  },
};

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) } };
}

describe('runConformance', () => {
  it('gives every case × model pass, fail (with the message) or not-applicable, and a consistent summary', async () => {
    const report = await runConformance([passing, mustFail, shouldFail], ['alpha', 'beta']);
    const outcome = (c: string, m: string) => report.results.find((r) => r.case === c && r.model === m);
    expect(outcome('test.pass', 'alpha')).toEqual({ case: 'test.pass', model: 'alpha', outcome: 'pass' });
    expect(outcome('test.must-fail', 'alpha')).toEqual({
      case: 'test.must-fail',
      model: 'alpha',
      outcome: 'fail',
      message: 'sum of two and two: expected 5, got 4',
    });
    expect(outcome('test.must-fail', 'beta')?.outcome).toBe('not-applicable');
    expect(outcome('test.should-fail', 'beta')?.message).toBe('RangeError: value out of range');
    expect(report.summary).toEqual({ pass: 2, fail: 2, notApplicable: 2, mustFailures: 1 });
    expect(validateConformanceReport(report, 'in-memory')).toEqual(report);
  });
});

describe('ringside conformance on an injected library', () => {
  const library: ConformanceLibrary = { cases: [passing, mustFail, shouldFail], models: ['alpha', 'beta'] };

  it('prints the matrix with spec references, lists failures, writes a valid JSON report and exits 1 on a MUST failure', async () => {
    const file = join(dir, 'report.json');
    const t = io();
    const code = await conformance({ json: file }, t.io, library);
    expect(code).toBe(1);
    const text = t.out.join('');
    expect(text).toMatch(/^case\s+level\s+spec reference\s+alpha\s+beta\n/);
    expect(text).toMatch(/\ntest\.pass\s+MUST\s+test spec 1\.0 §1\s+pass\s+pass\n/);
    expect(text).toMatch(/\ntest\.must-fail\s+MUST\s+test spec 1\.0 §2\.3\s+FAIL\s+n\/a\n/);
    expect(text).toMatch(/\ntest\.should-fail\s+SHOULD\s+test spec 1\.0 §4\s+n\/a\s+FAIL\n/);
    expect(text).toContain(
      '  test.must-fail × alpha: sum of two and two: expected 5, got 4 [MUST test spec 1.0 §2.3: rule of §2.3]',
    );
    expect(text).toMatch(/3 cases × 2 models: 2 pass, 2 fail \(1 MUST\), 2 not applicable\n$/);
    const report = readConformanceReport(file);
    expect(report.schema).toBe('ringside.conformance');
    expect(report.schemaVersion).toBe(1);
    expect(report.cases.map((c) => c.ref.section)).toEqual(['§1', '§2.3', '§4']);
  });

  it('a failing SHOULD case alone exits 0', async () => {
    const t = io();
    expect(await conformance({ model: 'beta' }, t.io, library)).toBe(0);
    expect(t.out.join('')).toMatch(/\ntest\.should-fail\s+SHOULD\s+test spec 1\.0 §4\s+FAIL\n/);
  });

  it('--case filters by id; --json - puts the report on stdout and the matrix on stderr', async () => {
    const t = io();
    expect(await conformance({ case: '^test\\.pass$', json: '-' }, t.io, library)).toBe(0);
    const report = validateConformanceReport(JSON.parse(t.out.join('')), 'stdout');
    expect(report.cases.map((c) => c.id)).toEqual(['test.pass']);
    expect(t.err.join('')).toMatch(/^case\s+level/);
  });

  it('an unknown model or a case filter matching nothing is a usage error', async () => {
    await expect(conformance({ model: 'gamma' }, io().io, library)).rejects.toThrow(UsageError);
    await expect(conformance({ case: 'nothing-like-this' }, io().io, library)).rejects.toThrow(UsageError);
  });
});

describe('the conformance report file is validated on read', () => {
  it('names the file and the field of a malformed report', async () => {
    const report = await runConformance([passing], ['alpha']);
    const write = (name: string, doc: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
      return path;
    };
    const cases: Array<[string, unknown, RegExp]> = [
      ['truncated.json', JSON.stringify(report).slice(0, 40), /invalid JSON/],
      ['version.json', { ...report, schemaVersion: 2 }, /schemaVersion: unsupported schemaVersion 2/],
      ['outcome.json', { ...report, results: [{ ...report.results[0], outcome: 'maybe' }] }, /results\[0\]\.outcome: /],
      ['summary.json', { ...report, summary: { ...report.summary, pass: 7 } }, /summary\.pass: says 7, results hold 1/],
      [
        'level.json',
        { ...report, cases: [{ ...report.cases[0], ref: { ...passing.ref, level: 'MAY' } }] },
        /cases\[0\]\.ref\.level/,
      ],
    ];
    for (const [name, doc, field] of cases) {
      const path = write(name, doc);
      let caught: unknown;
      try {
        readConformanceReport(path);
      } catch (error) {
        caught = error;
      }
      expect(caught, name).toBeInstanceOf(ResultsError);
      expect((caught as Error).message).toContain(path);
      expect((caught as Error).message).toMatch(field);
      expect((caught as Error).message).not.toContain('\n');
    }
  });
});

describe('the real case library', () => {
  it('has unique ids and a complete spec reference on every case', () => {
    const ids = CONFORMANCE_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(50);
    for (const c of CONFORMANCE_CASES) {
      expect(c.ref.doc.length * c.ref.section.length * c.ref.paraphrase.length, c.id).toBeGreaterThan(0);
      expect(['MUST', 'SHOULD']).toContain(c.ref.level);
    }
    expect(() => checkLibrary([passing, passing])).toThrow(ConformanceLibraryError);
  });

  it('`ringside conformance --model virtio` passes every virtio case and exits 0', async () => {
    let out = '';
    const code = await run(['conformance', '--model', 'virtio'], {
      stdout: (t) => {
        out += t;
      },
      stderr: () => {},
    });
    expect(code, out).toBe(EXIT.ok);
    expect(out).toMatch(/\nvirtio-pci\.V13\s+MUST\s+virtio 1\.2 §4\.1\.4\s+pass\n/);
    expect(out).toMatch(/\nvirtio-ring\.H1\s+MUST\s+specs\/virtio\.md §10 H1 \(virtio 1\.2 §2\.7\.6\)\s+pass\n/);
    const applicable = CONFORMANCE_CASES.filter((c) => appliesTo(c, 'virtio')).length;
    expect(applicable).toBeGreaterThan(100);
    expect(out).toMatch(new RegExp(`${CONFORMANCE_CASES.length} cases × 1 models: ${applicable} pass, 0 fail`));
  });

  it('an unknown --model through the CLI exits 2 with one line', async () => {
    let err = '';
    const code = await run(['conformance', '--model', 'nonesuch'], {
      stdout: () => {},
      stderr: (t) => {
        err += t;
      },
    });
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/^ringside: --model nonesuch: unknown/);
  });
});
