/**
 * The design debate: every claim with its statement, source, experiment, verdict rule, the
 * measured numbers and the verdict — or **pending** when the results lack its cells.
 */

import type { RunIndex } from '../data/run-index.js';
import type { Claim, ClaimOutcome } from '../debate/claim.js';
import { blockClaim, uartClaim } from '../debate/console-block.js';
import { grantClaim, p9Claim, vbusClaim } from '../debate/rings.js';
import type { Block, DebateLine, Section } from '../model.js';
import { type TableCell, textCell } from '../table.js';

export const CLAIMS: readonly Claim[] = [uartClaim, blockClaim, p9Claim, vbusClaim, grantClaim];

const VERDICT_STATE: Readonly<Record<ClaimOutcome['verdict'], string>> = {
  supported: 'pass',
  refuted: 'fail',
  mixed: 'unsupported',
  pending: 'absent',
};

export interface DebateOutput {
  readonly section: Section;
  readonly lines: readonly DebateLine[];
}

export function debateSection(index: RunIndex, claims: readonly Claim[] = CLAIMS): DebateOutput {
  const outcomes = claims.map((claim) => ({ claim, outcome: claim.evaluate(index) }));
  const lines: DebateLine[] = outcomes.map(({ claim, outcome }) => ({
    id: claim.id,
    title: claim.title,
    verdict: outcome.verdict,
    state: VERDICT_STATE[outcome.verdict],
    headline: outcome.headline,
  }));
  const overview: TableCell[][] = lines.map((l) => [
    textCell(l.title),
    textCell(l.verdict, { state: l.state }),
    textCell(l.headline),
  ]);
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text:
        'The arguments of 2006–2009 restated as experiments on one shared backend. Each verdict follows from its ' +
        'stated rule and the numbers beside it; a claim whose cells are not in these results is pending.',
    },
    { kind: 'table', table: { head: ['claim', 'verdict', 'measured'], rows: overview } },
  ];
  for (const { claim, outcome } of outcomes) {
    const inner: Block[] = [
      {
        kind: 'facts',
        items: [
          { term: 'claim', text: claim.statement },
          {
            term: 'source',
            text: `${claim.source.who}, ${claim.source.year} — ${claim.source.where} [${claim.source.status}]`,
          },
          { term: 'experiment', text: claim.experiment },
          { term: 'verdict rule', text: claim.rule },
          { term: 'measured', text: outcome.headline },
          { term: 'verdict', text: outcome.verdict, state: VERDICT_STATE[outcome.verdict] },
        ],
      },
    ];
    if (outcome.numbers !== undefined && outcome.numbers.rows.length > 0) {
      inner.push({ kind: 'table', caption: 'Measured numbers', table: outcome.numbers });
    }
    if (outcome.missing.length > 0) {
      inner.push({ kind: 'note', text: `Cells not in these results: ${outcome.missing.join(', ')}.` });
    }
    blocks.push({ kind: 'section', section: { id: `claim-${claim.id}`, title: claim.title, blocks: inner } });
  }
  return { section: { id: 'debate', title: 'The design debate', blocks }, lines };
}
