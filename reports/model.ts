/**
 * The report as data: inputs (the validated documents), sections made of blocks, and the
 * pieces the markdown summary and the PNGs reuse. Renderers (HTML, markdown, PNG) are pure
 * functions of this model.
 */
import type { Env, ResultDocument, RunRecord } from '../harness/results/schema.js';
import type { ChartSpec } from './charts/spec.js';
import type { Table } from './table.js';

/**
 * The conformance report (`ringside conformance --json`, schema `ringside.conformance` v1),
 * as far as the report reads it. The caller validates the file with the conformance runner's
 * own zod schema (harness/conformance/report.ts); reports import no harness code beyond the
 * result schema (DESIGN §2), hence this structural copy.
 */
export interface ConformanceInput {
  readonly schemaVersion: number;
  readonly env: Env;
  readonly models: readonly string[];
  readonly cases: readonly {
    readonly id: string;
    readonly title: string;
    readonly ref: {
      readonly doc: string;
      readonly section: string;
      readonly level: 'MUST' | 'SHOULD';
      readonly paraphrase: string;
    };
    readonly models: 'all' | readonly string[];
  }[];
  readonly results: readonly {
    readonly case: string;
    readonly model: string;
    readonly outcome: 'pass' | 'fail' | 'not-applicable';
    readonly message?: string;
  }[];
  readonly summary: {
    readonly pass: number;
    readonly fail: number;
    readonly notApplicable: number;
    readonly mustFailures: number;
  };
}

/** What a statistical comparison (the gate module) says about one timing metric of one cell. */
export interface TimingJudgement {
  /** Verdict label: `Regressed`, `Improved`, `Within noise`, `No change`, `Not compared`… */
  readonly verdict: string;
  readonly p: number | null;
  /** Multiplicity-adjusted p (Holm). */
  readonly pAdjusted: number | null;
  /** Interval of the relative change. */
  readonly ci: readonly [number, number] | null;
  readonly note?: string;
}

/** Asked once per (baseline run, current run, timing metric) that both sides carry. */
export type TimingJudge = (base: RunRecord, head: RunRecord, metric: string) => TimingJudgement | undefined;

export interface ReportInput {
  readonly results: ResultDocument;
  /** File name shown in the report. */
  readonly resultsName: string;
  readonly baseline?: { readonly doc: ResultDocument; readonly name: string; readonly judge?: TimingJudge };
  readonly conformance?: { readonly doc: ConformanceInput; readonly name: string };
}

export type Block =
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'note'; readonly text: string }
  | {
      readonly kind: 'facts';
      readonly items: readonly { readonly term: string; readonly text: string; readonly state?: string }[];
    }
  | { readonly kind: 'chart'; readonly chart: ChartSpec }
  | { readonly kind: 'table'; readonly table: Table; readonly caption?: string; readonly collapsed?: boolean }
  | { readonly kind: 'section'; readonly section: Section };

export interface Section {
  /** Anchor id: `[a-z0-9-]+`. */
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

/** Identity of the run stamped on every output (PNG text chunks, markdown header). */
export interface RunStamp {
  readonly runId: string;
  readonly commit: string;
  readonly profile: string;
  readonly engine: string;
  readonly seed: string;
}

export interface DebateLine {
  readonly id: string;
  readonly title: string;
  readonly verdict: string;
  readonly state: string;
  readonly headline: string;
}

export interface ReportModel {
  readonly title: string;
  readonly stamp: RunStamp;
  readonly sections: readonly Section[];
  /** Every chart of every section, in page order. */
  readonly charts: readonly ChartSpec[];
  /** Model × class matrix in compact form (markdown). */
  readonly summary: Table;
  readonly debate: readonly DebateLine[];
  /** Verdict counts and the largest changes, when a baseline was given. */
  readonly baseline?: { readonly counts: Readonly<Record<string, number>>; readonly top: Table; readonly name: string };
  readonly conformance?: { readonly summary: ConformanceInput['summary']; readonly failures: Table };
  /** Documents embedded in the HTML. */
  readonly data: {
    readonly results: ResultDocument;
    readonly baseline?: ResultDocument;
    readonly conformance?: ConformanceInput;
  };
  readonly notes: readonly string[];
}
