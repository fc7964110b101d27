/**
 * A markdown summary for a CI step summary (≤ 1024 KiB per step, measurement.md §6) and a
 * pull-request comment (≤ 65,536 characters): run line, model × class matrix, debate verdicts, baseline and
 * conformance outcomes, and the key charts as images linked relative to the markdown file.
 */
import type { ReportModel } from '../model.js';
import type { Table } from '../table.js';

/**
 * GitHub rejects a pull-request comment above 65,536 characters ("Body is too long") and drops a
 * step summary above 1024 KiB; a summary within the first limit (counted in bytes, so in
 * characters too) fits both.
 */
export const MARKDOWN_LIMIT_BYTES = 65_536;

export interface MarkdownImage {
  readonly title: string;
  /** Link target, relative to the markdown file (or absolute URL). */
  readonly href: string;
}

export interface MarkdownOptions {
  readonly images?: readonly MarkdownImage[];
  /** Link to the HTML report, relative to the markdown file. */
  readonly htmlHref?: string;
  readonly limitBytes?: number;
}

function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GFM table; rows beyond `maxRows` are summarised in one line. */
export function markdownTable(table: Table, maxRows = Number.POSITIVE_INFINITY): string {
  const numeric = new Set(table.numeric ?? []);
  const head = `| ${table.head.map(escapeCell).join(' | ')} |`;
  const rule = `|${table.head.map((_, i) => (numeric.has(i) ? ' ---: ' : ' --- ')).join('|')}|`;
  const rows = table.rows.slice(0, maxRows).map((r) => `| ${r.map((c) => escapeCell(c.text)).join(' | ')} |`);
  const more =
    table.rows.length > maxRows ? `\n\n… and ${table.rows.length - maxRows} more rows (see the HTML report).` : '';
  return [head, rule, ...rows].join('\n') + more;
}

const VERDICT_ICON: Readonly<Record<string, string>> = {
  supported: '✅',
  refuted: '❌',
  mixed: '⚖️',
  pending: '⏳',
};

function encodeLink(href: string): string {
  return href.split('/').map(encodeURIComponent).join('/');
}

function build(model: ReportModel, options: MarkdownOptions, maxRows: number): string {
  const s = model.stamp;
  const runs = model.data.results.runs;
  const count = (st: string) => runs.filter((r) => r.status === st).length;
  const out: string[] = [
    `## ${model.title}`,
    '',
    `engine **${s.engine}** · profile **${s.profile}** · seed **${s.seed}** · commit \`${s.commit}\` · ` +
      `${runs.length} runs (${count('ok')} ok, ${count('unsupported')} unsupported, ${count('error')} error)`,
  ];
  if (options.htmlHref !== undefined)
    out.push('', `Full report: [${options.htmlHref}](${encodeLink(options.htmlHref)})`);
  if (model.baseline !== undefined) {
    const b = model.baseline;
    const counts = Object.entries(b.counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    out.push('', `### Against ${b.name}`, '', counts);
    if (b.top.rows.length > 0) out.push('', markdownTable(b.top, maxRows));
  }
  out.push('', '### Model × device', '', markdownTable(model.summary, maxRows));
  if (model.summary.rows.some((r) => r.some((c) => c.text.endsWith(' *')))) {
    out.push('', "\\* shown at other settings than the class's reference slice (the HTML report says which).");
  }
  out.push('', '### Design debate', '');
  out.push(
    markdownTable({
      head: ['claim', 'verdict', 'measured'],
      rows: model.debate.map((d) => [
        { text: d.title },
        { text: `${VERDICT_ICON[d.verdict] ?? ''} ${d.verdict}`.trim() },
        { text: d.headline },
      ]),
    }),
  );
  if (model.conformance !== undefined) {
    const c = model.conformance.summary;
    out.push(
      '',
      '### Conformance',
      '',
      `${c.pass} pass, ${c.fail} fail (${c.mustFailures} MUST), ${c.notApplicable} not applicable`,
    );
    if (model.conformance.failures.rows.length > 0) out.push('', markdownTable(model.conformance.failures, maxRows));
  }
  const images = options.images ?? [];
  if (images.length > 0) {
    out.push('', '### Charts', '');
    for (const img of images) out.push(`![${escapeCell(img.title)}](${encodeLink(img.href)})`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The summary, with tables cut shorter until it fits `limitBytes` (default 1 MiB). */
export function renderMarkdown(model: ReportModel, options: MarkdownOptions = {}): string {
  const limit = options.limitBytes ?? MARKDOWN_LIMIT_BYTES;
  for (const maxRows of [Number.POSITIVE_INFINITY, 200, 50, 10, 0]) {
    const text = build(model, options, maxRows);
    if (Buffer.byteLength(text, 'utf8') <= limit) return text;
  }
  const text = build(model, { ...options, images: [] }, 0);
  if (Buffer.byteLength(text, 'utf8') <= limit) return text;
  // Cut at a byte budget; a split character decodes as U+FFFD (3 bytes), inside the 64-byte margin.
  return `${Buffer.from(text, 'utf8')
    .subarray(0, Math.max(0, limit - 64))
    .toString('utf8')}\n\n(truncated)\n`;
}
