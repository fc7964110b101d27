/**
 * `ringside report`: every input validated before anything is written (exit 2 naming the
 * file and field, nothing written), then HTML, PNGs and a markdown summary whose links resolve.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../harness/cli/main.js';
import type { ConformanceCase } from '../../../harness/conformance/case.js';
import { writeConformanceReport } from '../../../harness/conformance/report.js';
import { runConformance } from '../../../harness/conformance/runner.js';
import { writeResults } from '../../../harness/results/io.js';
import { buildReport } from '../../../reports/build.js';
import { MARKDOWN_LIMIT_BYTES, renderMarkdown } from '../../../reports/markdown/summary.js';
import { fixtureDoc, fixtureRun, sweep } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ringside-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ringside(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

function fresh(name: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  return d;
}

const current = join(dir, 'current.json');
const baseline = join(dir, 'baseline.json');
writeResults(
  current,
  fixtureDoc([...sweep('virtio'), fixtureRun({ iodepth: 4, model: 'emulated', status: 'unsupported' })]),
);
writeResults(baseline, fixtureDoc(sweep('virtio', 0.9)));

const CASES: ConformanceCase[] = [
  {
    id: 'virtio-ring.D12',
    title: 'barrier before avail.idx',
    ref: {
      doc: 'virtio 1.2',
      section: '§2.7.13.3.1',
      level: 'MUST',
      paraphrase: 'descriptors visible before the index',
    },
    models: 'all',
    run: () => undefined,
  },
  {
    id: 'virtio-pci.V3',
    title: 'reset reads back 0',
    ref: { doc: 'virtio 1.2', section: '§4.1.4.3', level: 'SHOULD', paraphrase: 'device status 0 after reset' },
    models: ['virtio'],
    run: () => {
      throw new Error('status read 0x40 after reset');
    },
  },
];
const conformance = join(dir, 'conformance.json');
writeConformanceReport(
  conformance,
  await runConformance(CASES, ['virtio', 'emulated'], new Date('2026-01-01T00:00:00Z')),
);

describe('ringside report: inputs are validated before anything is written', () => {
  it('refuses an unknown schemaVersion with exit 2, one line naming the file, and writes nothing', async () => {
    const future = join(dir, 'future.json');
    writeFileSync(future, JSON.stringify({ ...fixtureDoc(sweep('virtio')), schemaVersion: 99 }));
    const out = fresh('future-out');
    const r = await ringside(
      'report',
      future,
      '--out',
      join(out, 'r.html'),
      '--png',
      join(out, 'png'),
      '--md',
      join(out, 's.md'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toBe(`ringside: ${future}: schemaVersion: unsupported schemaVersion 99 (this ringside reads 1)\n`);
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses a malformed baseline or conformance file even when the results are valid', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"schemaVersion": 1, "tool": "ringside"');
    const out = fresh('broken-out');
    const a = await ringside('report', current, '--baseline', broken, '--out', join(out, 'r.html'));
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/broken\.json: invalid JSON/);
    const b = await ringside('report', current, '--conformance', current, '--out', join(out, 'r.html'));
    expect(b.code).toBe(2);
    expect(b.err).toContain('current.json: schema: ');
    expect(readdirSync(out)).toEqual([]);
  });

  it('needs a results file', async () => {
    const r = await ringside('report');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Not enough non-option arguments|results/);
  });
});

describe('ringside report: outputs', () => {
  it('writes HTML, PNGs and markdown whose links all resolve', async () => {
    const out = fresh('full');
    const md = join(out, 'summary', 'pr.md');
    mkdirSync(dirname(md));
    const r = await ringside(
      'report',
      current,
      '--baseline',
      baseline,
      '--conformance',
      conformance,
      '--out',
      join(out, 'report.html'),
      '--png',
      join(out, 'charts'),
      '--md',
      md,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const pngs = readdirSync(join(out, 'charts'));
    expect(pngs.length).toBeGreaterThanOrEqual(4);
    expect(r.out.trim().split('\n')).toHaveLength(2 + pngs.length);
    const text = readFileSync(md, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MARKDOWN_LIMIT_BYTES);
    const links = [...text.matchAll(/\]\(([^)]+)\)/g)].map((m) => decodeURIComponent(m[1] ?? ''));
    expect(links.filter((l) => l.endsWith('.png'))).toHaveLength(pngs.length);
    expect(links).toContain('../report.html');
    for (const link of links) expect(existsSync(resolve(dirname(md), link)), link).toBe(true);
    expect(text).toContain('### Against baseline.json');
    expect(text).toContain('2 pass, 1 fail (0 MUST), 1 not applicable');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<section id="conformance">');
    expect(html).toContain('<section id="baseline">');
    expect(html).toContain('status read 0x40 after reset');
  });

  it('writes only what was asked for', async () => {
    const out = fresh('md-only');
    const r = await ringside('report', current, '--md', join(out, 's.md'));
    expect(r.code).toBe(0);
    expect(readdirSync(out)).toEqual(['s.md']);
    expect(readFileSync(join(out, 's.md'), 'utf8')).not.toContain('![');
  });
});

describe('markdown summary size', () => {
  it('cuts tables until the summary fits the limit (a PR comment: 65,536 characters; a step summary: 1 MiB)', () => {
    const many = fixtureDoc(Array.from({ length: 60 }, (_, i) => fixtureRun({ model: `model-${i}`, iops: 1000 + i })));
    const model = buildReport({ results: many, resultsName: 'many.json' });
    const full = renderMarkdown(model);
    expect(full.split('\n').filter((l) => l.startsWith('| model-'))).toHaveLength(60);
    const limit = 6000;
    const small = renderMarkdown(model, { limitBytes: limit });
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(limit);
    expect(small).toMatch(/… and \d+ more rows/);
  });
});
