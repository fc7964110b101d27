/**
 * A table of numbers as data, rendered to HTML (with each number's source cited in
 * `data-run` / `data-metric` / `data-value` attributes, so a reader or a test can trace it to
 * the embedded JSON) and to GitHub-flavoured markdown.
 */
import { formatNumber } from './format.js';

export interface TableCell {
  readonly text: string;
  /** The raw number behind `text`. */
  readonly value?: number;
  /** Index in the results' `runs` array the value comes from. */
  readonly run?: number;
  /** Dotted path inside that run (`metrics.lat_ns.p99`) when the value is read directly. */
  readonly metric?: string;
  /** Which document the run index refers to (default the current results). */
  readonly source?: 'results' | 'baseline';
  /** A CSS class naming the cell's state (`ok`, `unsupported`, `extension`, `pass`, `fail`…). */
  readonly state?: string;
  /** Longer text shown on hover (a failure reason, the exact settings). */
  readonly title?: string;
}

export interface Table {
  readonly head: readonly string[];
  readonly rows: readonly (readonly TableCell[])[];
  /** Column indexes holding numbers (right-aligned). */
  readonly numeric?: readonly number[];
}

export function textCell(text: string, extra: Omit<TableCell, 'text'> = {}): TableCell {
  return { text, ...extra };
}

/** A number read from run `run` at `metric`, shown with `format`. */
export function numberCell(
  value: number,
  source: { run?: number; metric?: string; source?: 'results' | 'baseline' } = {},
  format: (v: number) => string = (v) => formatNumber(v),
): TableCell {
  return { text: format(value), value, ...source };
}

export const EMPTY_CELL: TableCell = { text: '—' };
