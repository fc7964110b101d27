/**
 * The single self-contained HTML file (measurement.md §7.3): chart.js and the boxplot/violin
 * plugin inlined, the documents embedded as JSON, and a meta Content-Security-Policy that
 * allows only the hashed inline scripts and stylesheet — no network access of any kind.
 */
import { createHash } from 'node:crypto';
import type { ReportModel } from '../model.js';
import { type ChartAssets, chartAssets } from './assets.js';
import { sectionHtml, tocHtml } from './blocks.js';
import { CLIENT_SCRIPT } from './client.js';
import { escapeHtml, inlineScriptText, jsonScriptText } from './escape.js';
import { STYLESHEET } from './style.js';

/** `'sha256-…'` source expression of an inline element's exact text (CSP Level 2 hash source). */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export function contentSecurityPolicy(scripts: readonly string[], styles: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map(cspHash).join(' ')}`,
    `style-src ${styles.map(cspHash).join(' ')}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function chip(text: string, state: string): string {
  return `<span class="chip s-${state}">${escapeHtml(text)}</span>`;
}

function headerChips(model: ReportModel): string {
  const runs = model.data.results.runs;
  const count = (s: string) => runs.filter((r) => r.status === s).length;
  const chips = [chip(`${count('ok')} ok`, 'ok')];
  if (count('unsupported') > 0) chips.push(chip(`${count('unsupported')} unsupported`, 'unsupported'));
  if (count('error') > 0) chips.push(chip(`${count('error')} error`, 'error'));
  for (const line of model.debate) chips.push(chip(`${line.title}: ${line.verdict}`, line.state));
  if (model.baseline !== undefined) {
    const bad = (model.baseline.counts.regressed ?? 0) + (model.baseline.counts.missing ?? 0);
    chips.push(chip(`baseline: ${bad} regressed or missing`, bad > 0 ? 'fail' : 'pass'));
  }
  if (model.conformance !== undefined) {
    const s = model.conformance.summary;
    chips.push(chip(`conformance: ${s.pass} pass, ${s.fail} fail`, s.fail > 0 ? 'fail' : 'pass'));
  }
  return `<div class="chips">${chips.join('')}</div>`;
}

export interface HtmlOptions {
  /** Scripts to inline (default: the installed chart.js and boxplot plugin). */
  readonly assets?: ChartAssets;
}

export function renderHtml(model: ReportModel, options: HtmlOptions = {}): string {
  const assets = options.assets ?? chartAssets();
  const scripts = [assets.chartJs, assets.boxplot, CLIENT_SCRIPT].map(inlineScriptText);
  const csp = contentSecurityPolicy(scripts, [STYLESHEET]);
  const specs = model.charts.map((c) => ({ id: c.id, config: c.config }));
  const s = model.stamp;
  const data = [
    `<script type="application/json" id="bench-data">${jsonScriptText(model.data.results)}</script>`,
    model.data.baseline === undefined
      ? ''
      : `<script type="application/json" id="baseline-data">${jsonScriptText(model.data.baseline)}</script>`,
    model.data.conformance === undefined
      ? ''
      : `<script type="application/json" id="conformance-data">${jsonScriptText(model.data.conformance)}</script>`,
    `<script type="application/json" id="chart-specs">${jsonScriptText(specs)}</script>`,
  ].filter((t) => t !== '');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(model.title)}</title>`,
    `<style>${STYLESHEET}</style>`,
    '</head>',
    '<body>',
    '<header class="page">',
    `<h1>${escapeHtml(model.title)}</h1>`,
    `<div class="stamp">engine ${escapeHtml(s.engine)} · profile ${escapeHtml(s.profile)} · seed ${escapeHtml(s.seed)} · commit ${escapeHtml(s.commit)} · run ${escapeHtml(s.runId)}</div>`,
    headerChips(model),
    '</header>',
    '<div class="layout">',
    tocHtml(model.sections),
    '<main>',
    ...model.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`),
    ...model.sections.map((section) => sectionHtml(section)),
    '</main>',
    '</div>',
    '<footer class="page">Self-contained report: the result documents are embedded as JSON ' +
      '(<code>#bench-data</code>), charts are drawn in the page by the inlined chart.js; the file makes no network request.</footer>',
    ...data,
    ...scripts.map((text) => `<script>${text}</script>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
