/**
 * Sections and blocks as HTML. Every chart is a figure with its canvas and, collapsed below
 * it, the table of the numbers it draws. Numeric cells cite their source run and field.
 */
import type { ChartSpec } from '../charts/spec.js';
import type { Block, Section } from '../model.js';
import type { Table, TableCell } from '../table.js';
import { escapeHtml, safeToken } from './escape.js';

function cellHtml(cell: TableCell, numeric: boolean): string {
  const classes: string[] = [];
  if (numeric) classes.push('num');
  if (cell.state !== undefined) classes.push(`s-${safeToken(cell.state)}`);
  const attrs: string[] = [];
  if (classes.length > 0) attrs.push(`class="${classes.join(' ')}"`);
  if (cell.run !== undefined) attrs.push(`data-run="${cell.run}"`);
  if (cell.source === 'baseline') attrs.push('data-source="baseline"');
  if (cell.metric !== undefined) attrs.push(`data-metric="${escapeHtml(cell.metric)}"`);
  if (cell.value !== undefined) attrs.push(`data-value="${cell.value}"`);
  if (cell.title !== undefined) attrs.push(`title="${escapeHtml(cell.title)}"`);
  return `<td${attrs.length > 0 ? ` ${attrs.join(' ')}` : ''}>${escapeHtml(cell.text)}</td>`;
}

export function tableHtml(table: Table, caption?: string): string {
  const numeric = new Set(table.numeric ?? []);
  const head = table.head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = table.rows
    .map((row) => `<tr>${row.map((c, i) => cellHtml(c, numeric.has(i))).join('')}</tr>`)
    .join('\n');
  const cap = caption === undefined ? '' : `<caption>${escapeHtml(caption)}</caption>`;
  return `<div class="table-wrap"><table>${cap}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function chartHtml(chart: ChartSpec): string {
  return [
    `<figure class="chart" id="figure-${chart.id}">`,
    `<figcaption>${escapeHtml(chart.caption)}</figcaption>`,
    `<div class="chart-box"><canvas id="${chart.id}" role="img" aria-label="${escapeHtml(chart.title)}"></canvas></div>`,
    `<details><summary>Numbers behind this chart (${chart.table.rows.length} rows)</summary>`,
    tableHtml(chart.table),
    '</details>',
    '</figure>',
  ].join('\n');
}

function blockHtml(block: Block, depth: number): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${escapeHtml(block.text)}</p>`;
    case 'note':
      return `<p class="note">${escapeHtml(block.text)}</p>`;
    case 'facts':
      return `<dl class="facts">${block.items
        .map(
          (i) =>
            `<dt>${escapeHtml(i.term)}</dt><dd${i.state === undefined ? '' : ` class="s-${safeToken(i.state)}"`}>${escapeHtml(i.text)}</dd>`,
        )
        .join('')}</dl>`;
    case 'chart':
      return chartHtml(block.chart);
    case 'table':
      return block.collapsed === true
        ? `<details><summary>${escapeHtml(block.caption ?? 'Table')}</summary>${tableHtml(block.table)}</details>`
        : tableHtml(block.table, block.caption);
    case 'section':
      return sectionHtml(block.section, depth + 1);
  }
}

export function sectionHtml(section: Section, depth = 2): string {
  const level = Math.min(depth, 4);
  const body = section.blocks.map((b) => blockHtml(b, depth)).join('\n');
  return `<section id="${safeToken(section.id)}">\n<h${level}>${escapeHtml(section.title)}</h${level}>\n${body}\n</section>`;
}

/** Table of contents: top-level sections and their direct subsections. */
export function tocHtml(sections: readonly Section[]): string {
  const item = (s: Section, nested: string) =>
    `<li><a href="#${safeToken(s.id)}">${escapeHtml(s.title)}</a>${nested}</li>`;
  const items = sections.map((s) => {
    const children = s.blocks.flatMap((b) => (b.kind === 'section' ? [b.section] : []));
    return item(s, children.length === 0 ? '' : `<ul>${children.map((c) => item(c, '')).join('')}</ul>`);
  });
  return `<nav class="toc" aria-label="contents"><ul>${items.join('')}</ul></nav>`;
}
