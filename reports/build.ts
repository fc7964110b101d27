/** Assemble the report model from validated documents: every section, in page order. */
import type { ChartSpec } from './charts/spec.js';
import { RunIndex } from './data/run-index.js';
import type { Block, ReportInput, ReportModel, Section } from './model.js';
import { baselineSection } from './sections/baseline.js';
import { conformanceSection } from './sections/conformance.js';
import { debateSection } from './sections/debate.js';
import { deviceSections } from './sections/devices.js';
import { metadataSection, runStamp } from './sections/metadata.js';
import { summarySection } from './sections/summary.js';

function collectCharts(blocks: readonly Block[], into: ChartSpec[]): void {
  for (const b of blocks) {
    if (b.kind === 'chart') into.push(b.chart);
    else if (b.kind === 'section') collectCharts(b.section.blocks, into);
  }
}

export function buildReport(input: ReportInput): ReportModel {
  const doc = input.results;
  const index = new RunIndex(doc);
  const summary = summarySection(index);
  const debate = debateSection(index);
  const sections: Section[] = [metadataSection(doc, input.resultsName, index), summary.section];
  let baseline: ReportModel['baseline'];
  if (input.baseline !== undefined) {
    const b = baselineSection(input.baseline.doc, input.baseline.name, doc, input.resultsName, input.baseline.judge);
    sections.push(b.section);
    baseline = { counts: b.counts, top: b.top, name: input.baseline.name };
  }
  sections.push(debate.section, ...deviceSections(index));
  let conformance: ReportModel['conformance'];
  if (input.conformance !== undefined) {
    const c = conformanceSection(input.conformance.doc, input.conformance.name);
    sections.push(c.section);
    conformance = { summary: input.conformance.doc.summary, failures: c.failures };
  }
  const charts: ChartSpec[] = [];
  for (const s of sections) collectCharts(s.blocks, charts);
  const ids = new Set<string>();
  for (const c of charts) {
    if (ids.has(c.id)) throw new Error(`report: two charts share the id ${c.id}`);
    ids.add(c.id);
  }
  const notes: string[] = [];
  if (doc.runs.length === 0) notes.push('The results file holds no runs.');
  return {
    title: `ringside report — ${input.resultsName}`,
    stamp: runStamp(doc, index),
    sections,
    charts,
    summary: summary.compact,
    debate: debate.lines,
    ...(baseline === undefined ? {} : { baseline }),
    ...(conformance === undefined ? {} : { conformance }),
    data: {
      results: doc,
      ...(input.baseline === undefined ? {} : { baseline: input.baseline.doc }),
      ...(input.conformance === undefined ? {} : { conformance: input.conformance.doc }),
    },
    notes,
  };
}
