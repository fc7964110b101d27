/**
 * The HTML report in real headless Chromium (measurement.md §7.4): results produced by the
 * real `ringside bench`, rendered by the real `ringside report`, opened from file:// with a
 * strict CSP. No console error, no request beyond the file, every canvas drawn, the tables
 * equal to the JSON, and a print layout. Screenshots are kept in test-artifacts/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../harness/results/schema.js';
import { valueAt } from '../../reports/data/runs.js';

// The callbacks given to page.evaluate run inside the page; these module-local declarations
// type them without adding the DOM library to the whole program.
interface PageNode {
  readonly id: string;
  readonly textContent: string | null;
  open: boolean;
  readonly children: ArrayLike<PageNode> & Iterable<PageNode>;
  readonly dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
}
interface PageCanvas {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
type PageList<T> = ArrayLike<T> & Iterable<T> & { forEach(f: (node: T) => void): void };
declare const document: {
  readonly body: PageNode;
  getElementById(id: string): PageNode | null;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: 'canvas'): PageList<PageCanvas>;
  querySelectorAll(selector: string): PageList<PageNode>;
};
declare const window: { dispatchEvent(event: unknown): boolean };
declare const Event: new (type: string) => unknown;
declare function getComputedStyle(node: PageNode): { readonly display: string };

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'ringside.js');
const artifacts = join(root, 'test-artifacts');
const dir = mkdtempSync(join(tmpdir(), 'ringside-browser-'));

/** measurement.md §7.4: Debian chromium driven by playwright-core (no browser download). */
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

function ringside(cwd: string, ...args: string[]): { code: number | null; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, RINGSIDE_NO_GIT: '1', CI: '1' },
    timeout: 120_000,
  });
  return { code: r.status, err: r.stderr };
}

function mustRun(cwd: string, ...args: string[]): void {
  const r = ringside(cwd, ...args);
  // bench exits 0 even when some cells are unsupported; anything else is a broken fixture.
  if (r.code !== 0) throw new Error(`ringside ${args.join(' ')} exited ${r.code}: ${r.err}`);
}

let browser: Browser;
let page: Page;
let results: ResultDocument;
const requests: string[] = [];
const problems: string[] = [];
const reportFile = join(dir, 'report.html');

beforeAll(async () => {
  // A small suite over every registered model, plus flushed writes (the barrier cells).
  mustRun(
    dir,
    'bench',
    '--ops',
    '200',
    '--iodepth',
    '1,4',
    '--coalesce',
    'none,event-idx',
    '--copy',
    'copy,zerocopy',
    '--json',
    'suite.json',
    '--quiet',
  );
  mustRun(
    dir,
    'bench',
    '--device',
    'block',
    '--workload',
    'randwrite',
    '--flush',
    '8',
    '--ops',
    '200',
    '--copy',
    'copy,zerocopy',
    '--json',
    'flush.json',
    '--quiet',
  );
  mustRun(
    dir,
    'bench',
    '--device',
    'block',
    '--workload',
    'randread',
    '--iodepth',
    '1,8',
    '--ops',
    '100',
    '--repeat',
    '3',
    '--json',
    'repeat.json',
    '--quiet',
  );
  mustRun(dir, 'merge', 'suite.json', 'flush.json', 'repeat.json', '--json', 'results.json');
  // No output flag: report.html in the working directory.
  mustRun(dir, 'report', 'results.json');
  results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultDocument;
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(pathToFileURL(reportFile).href);
  await page.waitForSelector('body[data-rendered]', { timeout: 5000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTML report in headless Chromium (measurement.md §7.4)', () => {
  it('renders every chart with no console error and no request beyond its own file', async () => {
    const rendered = await page.evaluate(() => document.body.dataset.rendered);
    const specs = await page.evaluate(
      () => JSON.parse(document.getElementById('chart-specs')?.textContent ?? '[]').length,
    );
    expect(specs).toBeGreaterThanOrEqual(10);
    expect(rendered).toBe(String(specs));
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(reportFile).href]);
  });

  it('draws pixels on every canvas', async () => {
    const canvases = await page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((c) => {
        const ctx = c.getContext('2d');
        if (ctx === null || c.width === 0 || c.height === 0) return { id: c.id, drawn: 0 };
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
        return { id: c.id, drawn: painted / (c.width * c.height) };
      }),
    );
    expect(canvases.length).toBeGreaterThanOrEqual(10);
    for (const c of canvases) expect(c.drawn, c.id).toBeGreaterThan(0.01);
  });

  it('shows numbers equal to the result JSON, which is embedded unchanged', async () => {
    const embedded = await page.evaluate(() =>
      JSON.parse(document.getElementById('bench-data')?.textContent ?? 'null'),
    );
    expect(embedded).toEqual(results);
    const cells = await page.evaluate(() =>
      [...document.querySelectorAll('td[data-run][data-metric]')].map((td) => ({
        run: Number(td.getAttribute('data-run')),
        metric: td.getAttribute('data-metric') ?? '',
        value: Number(td.getAttribute('data-value')),
        text: td.textContent ?? '',
      })),
    );
    expect(cells.length).toBeGreaterThan(100);
    for (const c of cells) {
      const run = results.runs[c.run];
      expect(run, `run ${c.run}`).toBeDefined();
      if (run === undefined) continue;
      const expected = valueAt(run, c.metric);
      expect(c.value, `${c.run} ${c.metric}`).toBe(expected);
      // Plain numbers (no unit) must read as the value to four significant digits.
      if (/^-?[\d,.]+$/.test(c.text) && expected !== undefined && expected !== 0) {
        expect(Math.abs(Number(c.text.replace(/,/g, '')) / expected - 1), `${c.text} vs ${expected}`).toBeLessThan(
          5e-4,
        );
      }
    }
  });

  it('labels the model × device matrix from the results: unsupported and extension cells', async () => {
    const status = await page.evaluate(() =>
      [...document.querySelectorAll('#summary tbody tr')]
        .filter((tr) => tr.children[1]?.textContent === 'status')
        .map((tr) => [...tr.children].map((td) => td.textContent ?? '')),
    );
    const byModel = new Map(status.map((r) => [r[0]?.split(' ')[0], r.slice(2)]));
    expect(byModel.get('vbus')).toEqual([
      'not run · extension',
      'not run',
      'not run · extension',
      'not run · extension',
    ]);
    expect(byModel.get('xen')?.[3]).toBe('not run · extension');
    for (const model of new Set(results.runs.map((r) => r.model))) {
      const cells = byModel.get(model) ?? [];
      expect(
        cells.every((t) => t.startsWith('ok')),
        `${model}: ${cells.join(' | ')}`,
      ).toBe(true);
    }
  });

  it('prints readably: navigation hidden, every collapsed table opened', async () => {
    await page.emulateMedia({ media: 'print' });
    const nav = await page.evaluate(() => getComputedStyle(document.querySelector('nav.toc') as PageNode).display);
    expect(nav).toBe('none');
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    const closed = await page.evaluate(() => [...document.querySelectorAll('details')].filter((d) => !d.open).length);
    expect(closed).toBe(0);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
  });

  it('keeps a screenshot as a test artifact', async () => {
    mkdirSync(artifacts, { recursive: true });
    await page.evaluate(() => {
      for (const d of document.querySelectorAll('details')) d.open = false;
    });
    const shot = join(artifacts, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    await page.screenshot({ path: join(artifacts, 'report-top.png') });
    writeFileSync(join(artifacts, 'report.html'), readFileSync(reportFile));
    expect(readFileSync(shot).length).toBeGreaterThan(50_000);
  });
});

describe('ringside report binary', () => {
  it('refuses a results file of an unknown schemaVersion: exit 2, nothing written', () => {
    const cwd = join(dir, 'future');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'future.json'), JSON.stringify({ ...results, schemaVersion: 2 }));
    const r = ringside(cwd, 'report', 'future.json', '--png', 'charts', '--md', 'summary.md', '--out', 'report.html');
    expect(r.code).toBe(2);
    expect(r.err).toBe('ringside: future.json: schemaVersion: unsupported schemaVersion 2 (this ringside reads 1)\n');
    expect(readdirSync(cwd)).toEqual(['future.json']);
    expect(existsSync(join(cwd, 'report.html'))).toBe(false);
  });
});
