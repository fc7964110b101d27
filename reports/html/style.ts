/**
 * The report's stylesheet (one `<style>`, hashed into the CSP). System fonts only; states
 * (`ok`, `fail`, `extension`…) are colours plus text, so the meaning survives greyscale print.
 */
export const STYLESHEET = `
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #d9dce1; --band: #f5f6f8; --accent: #0072b2;
  --pass: #e3f4ea; --pass-fg: #0b6b3a; --fail: #fde7e4; --fail-fg: #a4260f; --warn: #fff4d6; --warn-fg: #7a5200;
  --ext: #efe6f7; --ext-fg: #5b2a86; --absent: #f0f0f0; --absent-fg: #6b6b6b; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Roboto, sans-serif; }
header.page { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: var(--band); }
header.page h1 { margin: 0 0 4px; font-size: 22px; }
header.page .stamp { color: var(--muted); font-size: 12px; word-break: break-all; }
.chips { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px; }
.chip { border-radius: 12px; padding: 2px 10px; font-size: 12px; border: 1px solid var(--line); background: #fff; }
.layout { display: flex; align-items: flex-start; }
nav.toc { position: sticky; top: 0; flex: 0 0 210px; max-height: 100vh; overflow-y: auto; padding: 16px 12px 16px 24px;
  font-size: 13px; border-right: 1px solid var(--line); }
nav.toc ul { list-style: none; margin: 0; padding: 0; }
nav.toc li { margin: 3px 0; }
nav.toc li li { margin-left: 12px; font-size: 12px; }
nav.toc a { color: var(--fg); text-decoration: none; }
nav.toc a:hover { color: var(--accent); }
main { flex: 1 1 auto; min-width: 0; padding: 8px 32px 48px; }
section { margin-top: 8px; }
h2 { font-size: 19px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 6px; }
h4 { font-size: 14px; margin: 16px 0 6px; }
p { margin: 6px 0 10px; max-width: 60em; }
p.note { color: var(--muted); font-size: 13px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 8px 0 12px; max-width: 72em; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-word; }
.table-wrap { overflow-x: auto; margin: 6px 0 14px; }
table { border-collapse: collapse; font-size: 12.5px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 3px 8px; vertical-align: top; text-align: left; }
th { background: var(--band); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fbfbfc; }
.s-ok, .s-pass { background: var(--pass) !important; color: var(--pass-fg); }
.s-fail, .s-error { background: var(--fail) !important; color: var(--fail-fg); font-weight: 600; }
.s-unsupported { background: var(--warn) !important; color: var(--warn-fg); }
.s-extension { background: var(--ext) !important; color: var(--ext-fg); }
.s-absent { background: var(--absent) !important; color: var(--absent-fg); }
.s-must { font-weight: 600; }
figure.chart { margin: 14px 0 22px; padding: 10px 12px; border: 1px solid var(--line); border-radius: 6px; }
figure.chart figcaption { color: var(--muted); font-size: 12.5px; margin-bottom: 6px; }
.chart-box { position: relative; height: 340px; }
details { margin-top: 8px; }
details > summary { cursor: pointer; color: var(--accent); font-size: 13px; }
footer.page { padding: 16px 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
@media (max-width: 900px) { nav.toc { display: none; } main { padding: 8px 14px 32px; } }
@media print {
  @page { size: A4; margin: 14mm; }
  body { font-size: 11px; }
  nav.toc, details > summary { display: none; }
  .layout { display: block; }
  main { padding: 0; }
  header.page { background: none; padding: 0 0 8px; }
  figure.chart, table, dl.facts { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .chart-box { height: 260px; }
  .table-wrap { overflow: visible; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
