/**
 * The conformance matrix (DESIGN §9): case × model, each case with its spec reference; a
 * failure's message is in the cell's hover text and in the failures table below.
 */
import { orderModels } from '../data/extensions.js';
import type { ConformanceInput, Section } from '../model.js';
import { type Table, type TableCell, textCell } from '../table.js';

const OUTCOME_TEXT = { pass: 'pass', fail: 'FAIL', 'not-applicable': 'n/a' } as const;

export interface ConformanceOutput {
  readonly section: Section;
  readonly failures: Table;
}

export function conformanceSection(doc: ConformanceInput, name: string): ConformanceOutput {
  const models = orderModels(doc.models);
  const outcome = new Map(doc.results.map((r) => [`${r.case}\u0000${r.model}`, r]));
  const rows: TableCell[][] = doc.cases.map((c) => [
    textCell(c.id, { title: c.title }),
    textCell(c.title),
    textCell(`${c.ref.doc} ${c.ref.section}`, { title: c.ref.paraphrase }),
    textCell(c.ref.level, { state: c.ref.level === 'MUST' ? 'must' : 'should' }),
    ...models.map((m) => {
      const r = outcome.get(`${c.id}\u0000${m}`);
      if (r === undefined) return textCell('not run', { state: 'absent' });
      return textCell(OUTCOME_TEXT[r.outcome], {
        state: r.outcome === 'not-applicable' ? 'absent' : r.outcome,
        ...(r.message === undefined ? {} : { title: r.message }),
      });
    }),
  ]);
  const failed = doc.results.filter((r) => r.outcome === 'fail');
  const cases = new Map(doc.cases.map((c) => [c.id, c]));
  const failures: Table = {
    head: ['case', 'model', 'spec', 'level', 'message'],
    rows: failed.map((r) => {
      const c = cases.get(r.case);
      return [
        textCell(r.case),
        textCell(r.model),
        textCell(c === undefined ? '' : `${c.ref.doc} ${c.ref.section}`),
        textCell(c?.ref.level ?? ''),
        textCell(r.message ?? ''),
      ];
    }),
  };
  const s = doc.summary;
  const blocks: Section['blocks'][number][] = [
    {
      kind: 'facts',
      items: [
        { term: 'file', text: name },
        { term: 'cases × models', text: `${doc.cases.length} × ${models.length}` },
        {
          term: 'outcome',
          text: `${s.pass} pass, ${s.fail} fail (${s.mustFailures} of them MUST), ${s.notApplicable} not applicable`,
          state: s.fail > 0 ? 'fail' : 'pass',
        },
        { term: 'commit', text: doc.env.commit ?? 'unknown' },
      ],
    },
    {
      kind: 'table',
      table: { head: ['case', 'title', 'spec', 'level', ...models], rows },
    },
  ];
  if (failed.length > 0) blocks.push({ kind: 'table', caption: `Failures (${failed.length})`, table: failures });
  return { section: { id: 'conformance', title: 'Conformance', blocks }, failures };
}
