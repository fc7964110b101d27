/**
 * `reports/`: renderers of the versioned result JSON (DESIGN §2: no model, workload or
 * harness code beyond the result schema). Build the model once, then render it as one
 * offline HTML file, PNG charts and a markdown summary.
 */
export { buildReport } from './build.js';
export type { ChartSpec } from './charts/spec.js';
export { EXTENSION_CELLS, isExtension } from './data/extensions.js';
export { runKey } from './data/runs.js';
export { contentSecurityPolicy, cspHash, renderHtml } from './html/document.js';
export { MARKDOWN_LIMIT_BYTES, type MarkdownImage, type MarkdownOptions, renderMarkdown } from './markdown/summary.js';
export type {
  ConformanceInput,
  ReportInput,
  ReportModel,
  TimingJudge,
  TimingJudgement,
} from './model.js';
export { PNG_SIZE, type PngRenderer, type PngSize, type RenderedPng, renderKeyPngs } from './png/renderer.js';
export { addTextChunks, isPng, readTextChunks } from './png/text-chunks.js';
export { CLAIMS } from './sections/debate.js';
