/**
 * `reports/`: renderers of the versioned result JSON (DESIGN §2: no model, workload or
 * harness code beyond the result schema). Build the model once, then render it as one
 * offline HTML file, PNG charts and a markdown summary.
 */
export { buildReport } from './build.js';
export type { ChartSpec } from './charts/spec.js';
export { contentSecurityPolicy, cspHash, renderHtml } from './html/document.js';
export type {
  ConformanceInput,
  ReportInput,
  ReportModel,
  TimingJudge,
  TimingJudgement,
} from './model.js';
