/**
 * The single-file HTML report (measurement.md §7.3): a hash-only CSP that covers exactly the
 * inline scripts and stylesheet, no external reference of any kind, data embedded so it
 * round-trips even through hostile strings, and every number traceable to its run.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../reports/build.js';
import { valueAt } from '../../../reports/data/runs.js';
import { renderHtml } from '../../../reports/html/document.js';
import { inlineScriptText, jsonScriptText } from '../../../reports/html/escape.js';
import { fixtureDoc, fixtureRun, sweep } from './fixtures.js';

const HOSTILE = 'bad </script><script>alert(1)</script> <!-- \u2028 \u2029 & "quotes" <b>';

const doc = fixtureDoc([
  ...sweep('virtio'),
  ...sweep('emulated', 0.1),
  fixtureRun({ model: 'emulated', iodepth: 4, status: 'unsupported', reason: HOSTILE }),
]);
const model = buildReport({ results: doc, resultsName: 'results <1>.json' });
const html = renderHtml(model);

function scripts(text: string): { attrs: string; body: string }[] {
  return [...text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({
    attrs: m[1] ?? '',
    body: m[2] ?? '',
  }));
}

function jsonBlock(id: string): unknown {
  const block = scripts(html).find((s) => s.attrs.includes(`id="${id}"`));
  if (block === undefined) throw new Error(`no #${id}`);
  return JSON.parse(block.body);
}

const sha = (t: string) => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;

describe('single-file HTML report (measurement.md §7.3)', () => {
  it('carries a hash-only CSP that lists exactly its inline scripts and stylesheet', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    expect(csp).toBeDefined();
    const directives = new Map(
      (csp ?? '').split('; ').map((d) => {
        const [name, ...values] = d.split(' ');
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('img-src')).toEqual(['data:']);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    const executable = scripts(html).filter((s) => !s.attrs.includes('application/json'));
    expect(executable.length).toBe(3);
    expect(directives.get('script-src')).toEqual(executable.map((s) => sha(s.body)));
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
    expect(styles.length).toBe(1);
    expect(directives.get('style-src')).toEqual(styles.map(sha));
    expect(csp).not.toContain('unsafe');
  });

  it('refers to nothing outside the file', () => {
    const markup = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
    expect(/\ssrc=|<link|<img|<iframe|<object|<embed|url\(|@import/i.exec(markup)?.[0]).toBeUndefined();
    expect(/https?:\/\/\S*/.exec(markup)?.[0]).toBeUndefined();
    expect(/\sstyle="/.exec(markup)?.[0]).toBeUndefined();
    for (const s of scripts(html)) expect(s.body).not.toContain('sourceMappingURL');
  });

  it('embeds the result document so that it round-trips through hostile strings', () => {
    expect(jsonBlock('bench-data')).toEqual(doc);
    expect(html.includes('<script>alert(1)')).toBe(false);
    // U+2028/2029 are line terminators to older JavaScript parsers: never raw inside a script.
    for (const s of scripts(html)) expect(/[\u2028\u2029]/.test(s.body)).toBe(false);
    expect(jsonScriptText({ t: '</script>' })).toBe('{"t":"\\u003c/script>"}');
    expect(inlineScriptText('a</script>b<!--c')).toBe('a<\\/script>b<\\!--c');
  });

  it('draws every chart from the embedded specs, each with its table of numbers', () => {
    const specs = jsonBlock('chart-specs') as { id: string; config: { type: string } }[];
    expect(specs.map((s) => s.id)).toEqual(model.charts.map((c) => c.id));
    expect(specs.length).toBeGreaterThanOrEqual(8);
    for (const spec of specs) {
      expect(html.split(`<canvas id="${spec.id}"`).length - 1, spec.id).toBe(1);
      const figure = new RegExp(`<figure class="chart" id="figure-${spec.id}">([\\s\\S]*?)</figure>`).exec(html)?.[1];
      expect(figure, spec.id).toMatch(/<details><summary>Numbers behind this chart[\s\S]*<table>/);
    }
  });

  it('cites each number with the run and field it was read from', () => {
    const cells = [...html.matchAll(/<td[^>]*data-run="(\d+)"[^>]*data-metric="([^"]+)"[^>]*data-value="([^"]+)"/g)];
    expect(cells.length).toBeGreaterThan(50);
    for (const [, run, metric, value] of cells) {
      const source = doc.runs[Number(run)];
      expect(source, `run ${run}`).toBeDefined();
      if (source !== undefined) expect(Number(value), `${run} ${metric}`).toBe(valueAt(source, metric ?? ''));
    }
  });

  it('escapes names and reasons in the markup', () => {
    expect(html.includes('<title>ringside report — results &lt;1&gt;.json</title>')).toBe(true);
    expect(html.includes('bad &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;')).toBe(true);
  });
});
