/**
 * `ringside gate` in-process: exit codes (0 pass, 1 regression, 2 bad input), outputs, and
 * malformed input for every file the gate reads — truncated, wrong schemaVersion, wrong types —
 * each a one-line error naming the file and the field, with no output file written or touched.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT, run } from '../../../harness/cli/main.js';
import { makeDoc, makeRun, microRecord } from './fixtures.js';

process.env.RINGSIDE_NO_GIT = '1';

const dir = mkdtempSync(join(tmpdir(), 'ringside-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const base = () => file('base.json', makeDoc([makeRun(1), makeRun(8)]));
const same = () => file('same.json', makeDoc([makeRun(1), makeRun(8)]));
const worse = () =>
  file(
    'worse.json',
    makeDoc([
      makeRun(1, (m) => {
        m.perOp.exits *= 1.1;
      }),
      makeRun(8),
    ]),
  );

const junit = join(dir, 'gate.xml');
const markdown = join(dir, 'summary.md');

beforeEach(() => {
  rmSync(junit, { force: true });
  rmSync(markdown, { force: true });
});

describe('ringside gate: verdicts and outputs', () => {
  it('identical files: exit 0, PASS, JUnit testcases all passing, markdown written', async () => {
    const r = await cli('gate', '--baseline', base(), '--current', same(), '--junit', junit, '--markdown', markdown);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(r.out).toMatch(/gate: PASS\n$/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="ringside gate" tests="\d+" failures="0"/,
    );
    expect(xml).not.toContain('<failure');
    expect(readFileSync(markdown, 'utf8')).toMatch(/^## ringside gate: passed/);
  });

  it('a 10% regression: exit 1, the row in the table, a JUnit failure with value, baseline, Δ% and the bound', async () => {
    const r = await cli('gate', '--baseline', base(), '--current', worse(), '--junit', junit, '--markdown', markdown);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ Regressed\s+perOp\.exits\s+1 → 1\.1\s+\+10\.0%/);
    expect(r.out).toMatch(/gate: FAIL \(1 failing comparison\)\n$/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('failures="1"');
    expect(xml).toMatch(/name="gate: virtio\/block\/randread\/[^"]*qd=1,[^"]* perOp\.exits == 1"/);
    expect(xml).toContain('<failure type="regressed" message="value 1.1, baseline 1, Δ +10.0%"/>');
    const md = readFileSync(markdown, 'utf8');
    expect(md).toContain('## ringside gate: **failed**');
    expect(md).toMatch(/### Failing\n\n\| Verdict .*\n.*\n\| \*\*Regressed\*\* \| `virtio\/block\/randread/);
  });

  it('--markdown - puts the summary on stdout and the table on stderr', async () => {
    const r = await cli('gate', '--baseline', base(), '--current', worse(), '--markdown', '-');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^## ringside gate: \*\*failed\*\*/);
    expect(r.err).toMatch(/gate: FAIL/);
  });

  it('micro benchmark files gate like any other result file', async () => {
    const values = [10, 11, 10.5, 10.2, 10.8, 10.1, 10.9, 10.4, 10.6, 10.3];
    const b = file('micro-base.json', makeDoc([], [microRecord('virtio/ring', values)]));
    const h = file(
      'micro-head.json',
      makeDoc(
        [],
        [
          microRecord(
            'virtio/ring',
            values.map((v) => v * 1.3),
          ),
        ],
      ),
    );
    const r = await cli('gate', '--baseline', b, '--current', h);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/micro\/virtio\/ring\n\s+✗ Regressed\s+ns_per_op .* p 1\.1e-5\s+Holm 1\.1e-5/);
  });

  it('a config with a tolerance and a live allow-list entry turns the failure into a pass', async () => {
    const config = file('gate.json', {
      tolerances: { iops: { relative: 0.02 } },
      allow: [
        { cell: '*qd=1,*', metric: 'perOp.exits', reason: 'doorbell rework', owner: 'ana', expires: '2999-12-31' },
      ],
    });
    const r = await cli('gate', '--baseline', base(), '--current', worse(), '--config', config);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('allowed: doorbell rework (ana, until 2999-12-31)');
  });

  it('an expired allow-list entry fails the gate (exit 1) even with nothing regressed', async () => {
    const config = file('expired.json', {
      allow: [{ cell: '*', metric: '*', reason: 'old', owner: 'bo', expires: '2001-01-01' }],
    });
    const r = await cli('gate', '--baseline', base(), '--current', same(), '--config', config, '--junit', junit);
    expect(r.code).toBe(1);
    expect(r.out).toContain('expired allow-list entry: * * (bo, expired 2001-01-01): old');
    expect(readFileSync(junit, 'utf8')).toContain('<failure type="expired-allow"');
  });
});

describe('ringside gate: malformed input (exit 2, one line naming file and field, nothing written)', () => {
  const valid = makeDoc([makeRun(1)]);
  const text = JSON.stringify(valid, null, 2);
  const cases: Array<{ name: string; content: unknown; field: RegExp }> = [
    { name: 'truncated.json', content: text.slice(0, Math.floor(text.length / 2)), field: /invalid JSON/ },
    {
      name: 'version.json',
      content: { ...valid, schemaVersion: 99 },
      field: /schemaVersion: unsupported schemaVersion 99/,
    },
    {
      name: 'types.json',
      content: { ...valid, runs: [{ ...makeRun(1), metrics: { ...makeRun(1).metrics, iops: 'fast' } }] },
      field: /runs\[0\]\.metrics\.iops: expected number/,
    },
    {
      name: 'micro.json',
      content: {
        ...valid,
        micro: [{ ...microRecord('virtio/ring', [1, 2]), metrics: { ns_per_op: { per_repeat: 'x' } } }],
      },
      field: /micro\[0\]\.metrics\.ns_per_op\.kind/,
    },
    { name: 'not-object.json', content: '[1, 2]', field: /expected a JSON object/ },
  ];

  for (const side of ['--baseline', '--current'] as const) {
    for (const c of cases) {
      it(`${side} ${c.name}`, async () => {
        const bad = file(`${side.slice(2)}-${c.name}`, c.content);
        writeFileSync(markdown, 'OLD');
        const args = side === '--baseline' ? [bad, same()] : [base(), bad];
        const r = await cli(
          'gate',
          '--baseline',
          args[0] as string,
          '--current',
          args[1] as string,
          '--junit',
          junit,
          '--markdown',
          markdown,
        );
        expect(r.code).toBe(EXIT.usage);
        expect(r.out).toBe('');
        expect(r.err.split('\n')).toHaveLength(2); // one line and its newline
        expect(r.err).toContain(bad);
        expect(r.err).toMatch(c.field);
        expect(existsSync(junit)).toBe(false);
        expect(readFileSync(markdown, 'utf8')).toBe('OLD');
      });
    }
  }

  const configCases: Array<{ name: string; content: unknown; field: RegExp }> = [
    { name: 'cfg-truncated.json', content: '{"tolerances": {"iops": {"rel', field: /invalid JSON/ },
    {
      name: 'cfg-type.json',
      content: { tolerances: { iops: { relative: '2%' } } },
      field: /tolerances\.iops\.relative: /,
    },
    { name: 'cfg-unknown.json', content: { tolerance: {} }, field: /\(root\): unknown key "tolerance"/ },
    {
      name: 'cfg-date.json',
      content: { allow: [{ cell: 'a', metric: 'b', reason: 'c', owner: 'd', expires: '2026-13-01' }] },
      field: /allow\[0\]\.expires: not a calendar date/,
    },
    {
      name: 'cfg-owner.json',
      content: { allow: [{ cell: 'a', metric: 'b', reason: 'c', expires: '2026-01-01' }] },
      field: /allow\[0\]\.owner: /,
    },
    { name: 'cfg-alpha.json', content: { timing: { alpha: 2 } }, field: /timing\.alpha: / },
  ];
  for (const c of configCases) {
    it(`--config ${c.name}`, async () => {
      const bad = file(c.name, c.content);
      const r = await cli('gate', '--baseline', base(), '--current', worse(), '--config', bad, '--junit', junit);
      expect(r.code).toBe(EXIT.usage);
      expect(r.err.split('\n')).toHaveLength(2);
      expect(r.err).toContain(bad);
      expect(r.err).toMatch(c.field);
      expect(existsSync(junit)).toBe(false);
    });
  }

  it('a missing file or a missing flag is a usage error', async () => {
    const r = await cli('gate', '--baseline', join(dir, 'nope.json'), '--current', same());
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/nope\.json: file not found/);
    const noCurrent = await cli('gate', '--baseline', base());
    expect(noCurrent.code).toBe(EXIT.usage);
    expect(noCurrent.err).toMatch(/current/);
  });
});
