/**
 * Running a planned matrix:
 * - `jobs 1, repeat 1`: in this process, one cell after another;
 * - `jobs N`: N worker processes; cells are deterministic under the sim engine, so the
 *   records equal the serial ones except for wall-clock figures;
 * - `repeat N`: every cell in N fresh processes, folded by repeat.ts. Repeats measure wall
 *   clock, so they run one process at a time whatever `jobs` says (measurement.md §8.2: timing
 *   cells always serial), round-robin over the cells so that slow drift of the machine spreads
 *   over all of them rather than biasing the last.
 * - threads-engine cells measure wall clock too: whatever `jobs` says they run one at a time,
 *   after the sim cells, with nothing else running beside them.
 * Records come back in plan order.
 */
import type { Model } from '../../models/platform/model.js';
import type { RunRecord } from '../results/schema.js';
import { recordHead } from '../runner/cell.js';
import { runResolved } from '../runner/run-cell.js';
import { specLabel } from './axes.js';
import type { PlannedCell } from './plan.js';
import { type PoolTask, runInWorkers } from './pool.js';
import { combineRepeats } from './repeat.js';

export interface TaskInfo {
  /** Index of the cell in the plan. */
  readonly cell: number;
  /** 0-based repeat (0 when not repeating). */
  readonly repeat: number;
  readonly repeats: number;
  readonly label: string;
}

export interface MatrixRunOptions {
  readonly jobs: number;
  readonly repeat: number;
  readonly maxEvents: number;
  /** Models for in-process runs (tests may add their own); worker processes use the registry. */
  readonly models?: readonly Model[];
  readonly onTaskStart?: (task: TaskInfo) => void;
  readonly onTaskDone?: (task: TaskInfo, run: RunRecord, wallMs: number) => void;
}

/** Progress units: a settled cell counts once, a cell to run once per repeat. */
export function taskCount(plan: readonly PlannedCell[], repeat: number): number {
  return plan.reduce((n, p) => n + (p.kind === 'run' ? repeat : 1), 0);
}

export async function runMatrix(plan: readonly PlannedCell[], options: MatrixRunOptions): Promise<RunRecord[]> {
  const repeat = Math.max(1, options.repeat);
  const records: (RunRecord | undefined)[] = new Array(plan.length).fill(undefined);
  const info = (cell: number, r: number): TaskInfo => ({
    cell,
    repeat: r,
    repeats: (plan[cell] as PlannedCell).kind === 'run' ? repeat : 1,
    label: specLabel((plan[cell] as PlannedCell).cell.spec),
  });
  const settle = (i: number, record: RunRecord): void => {
    records[i] = record;
    options.onTaskDone?.(info(i, 0), record, 0);
  };

  if (repeat === 1 && options.jobs <= 1) {
    plan.forEach((p, i) => {
      if (p.kind === 'settled') {
        settle(i, p.record);
        return;
      }
      options.onTaskStart?.(info(i, 0));
      const t0 = performance.now();
      const run = runResolved(p.cell, {
        maxEvents: options.maxEvents,
        ...(options.models && { models: options.models }),
      });
      records[i] = run;
      options.onTaskDone?.(info(i, 0), run, performance.now() - t0);
    });
    return records as RunRecord[];
  }

  const simCells: number[] = [];
  const threadsCells: number[] = [];
  plan.forEach((p, i) => {
    if (p.kind === 'settled') settle(i, p.record);
    else if (p.cell.spec.engine === 'threads') threadsCells.push(i);
    else simCells.push(i);
  });

  const perCell = new Map<number, RunRecord[]>();
  const runBatch = async (cells: readonly number[], processes: number): Promise<void> => {
    // One task per (repeat, cell), repeats outermost: round-robin over the cells.
    const tasks: PoolTask[] = [];
    const origin: { cell: number; repeat: number }[] = [];
    for (let r = 0; r < repeat; r++) {
      for (const i of cells) {
        const cell = (plan[i] as PlannedCell).cell;
        tasks.push({ spec: cell.spec, head: recordHead(cell) });
        origin.push({ cell: i, repeat: r });
      }
    }
    const at = (task: number): TaskInfo => {
      const o = origin[task] as { cell: number; repeat: number };
      return info(o.cell, o.repeat);
    };
    const results = await runInWorkers(tasks, {
      processes,
      freshProcess: repeat > 1,
      maxEvents: options.maxEvents,
      onStart: (task) => options.onTaskStart?.(at(task)),
      onResult: (task, run, wallMs) => options.onTaskDone?.(at(task), run, wallMs),
    });
    results.forEach((run, task) => {
      const { cell } = origin[task] as { cell: number };
      perCell.set(cell, [...(perCell.get(cell) ?? []), run]);
    });
  };
  await runBatch(simCells, repeat > 1 ? 1 : options.jobs);
  // Wall-clock cells: one process, after every sim cell has finished.
  await runBatch(threadsCells, 1);
  for (const [cell, runs] of perCell) records[cell] = combineRepeats(runs);
  return records as RunRecord[];
}
