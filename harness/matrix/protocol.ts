/** Messages between the matrix runner and its worker processes (child_process IPC, JSON). */
import type { RunRecord } from '../results/schema.js';
import type { CellSpec } from '../runner/cell.js';

/** Parent → worker: run one cell (already validated by the parent) and answer with its record. */
export interface RunTask {
  readonly type: 'run';
  readonly task: number;
  readonly spec: CellSpec;
  readonly maxEvents: number;
}

export type ParentMessage = RunTask | { readonly type: 'exit' };

export type WorkerMessage =
  | { readonly type: 'result'; readonly task: number; readonly record: RunRecord }
  /** The cell could not even be attempted (e.g. a model this process does not know). */
  | { readonly type: 'failed'; readonly task: number; readonly message: string };

export function isParentMessage(value: unknown): value is ParentMessage {
  const t = (value as { type?: unknown } | null)?.type;
  return t === 'run' || t === 'exit';
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const v = value as { type?: unknown; task?: unknown } | null;
  return (v?.type === 'result' || v?.type === 'failed') && typeof v.task === 'number';
}
