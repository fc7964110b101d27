/**
 * A pool of worker processes (child_process.fork of `dist/harness/matrix/worker.js`) that
 * runs cells and sends their records back (DESIGN §10: `--jobs N` on one machine). Tasks are
 * handed out in order as workers free up; results land at their task's index, so the output
 * does not depend on which worker ran what. With `freshProcess` every task gets a process of
 * its own (`--repeat`: independent wall-clock samples, no JIT or heap carried over).
 *
 * A worker that dies mid-cell turns that cell into an error record and is replaced; the run
 * goes on.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../profiles/load.js';
import type { RunRecord } from '../results/schema.js';
import type { CellSpec } from '../runner/cell.js';
import { isWorkerMessage, type ParentMessage } from './protocol.js';

export interface PoolTask {
  readonly spec: CellSpec;
  /** The cell's identifying fields, for the error record if its worker fails. */
  readonly head: Omit<RunRecord, 'status'>;
}

export interface PoolOptions {
  readonly processes: number;
  readonly freshProcess: boolean;
  readonly maxEvents: number;
  readonly onStart?: (task: number) => void;
  readonly onResult?: (task: number, record: RunRecord, wallMs: number) => void;
}

/**
 * The compiled worker entry. Running from dist it sits beside this module; running from the
 * TypeScript sources (tests) the compiled tree under the package root is used.
 */
export function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const entry = here.endsWith('.js')
    ? join(dirname(here), 'worker.js')
    : join(packageRoot(), 'dist', 'harness', 'matrix', 'worker.js');
  if (!existsSync(entry)) throw new Error(`the worker entry ${entry} is missing: build it with \`npm run build\``);
  return entry;
}

/**
 * Node flags for workers: the parent's own when it runs the compiled tree (a user's
 * `--max-old-space-size` applies to the cells too), none when it runs TypeScript sources
 * under a test runner, whose loader flags mean nothing to a compiled worker.
 */
function workerExecArgv(): string[] {
  return fileURLToPath(import.meta.url).endsWith('.js') ? [...process.execArgv] : [];
}

export function runInWorkers(tasks: readonly PoolTask[], options: PoolOptions): Promise<RunRecord[]> {
  return new Promise((resolve, reject) => {
    const results: (RunRecord | undefined)[] = new Array(tasks.length).fill(undefined);
    if (tasks.length === 0) {
      resolve([]);
      return;
    }
    let entry: string;
    try {
      entry = workerEntry();
    } catch (error) {
      reject(error);
      return;
    }
    let next = 0;
    let finished = 0;
    let live = 0;

    const settle = (): void => {
      if (finished === tasks.length && live === 0) resolve(results as RunRecord[]);
    };

    const record = (task: number, run: RunRecord, wallMs: number): void => {
      results[task] = run;
      finished++;
      options.onResult?.(task, run, wallMs);
    };

    const failure = (task: number, reason: string): RunRecord => {
      const head = (tasks[task] as PoolTask).head;
      return { ...head, status: 'error', reason };
    };

    const spawn = (): void => {
      live++;
      const child: ChildProcess = fork(entry, [], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        execArgv: workerExecArgv(),
        serialization: 'json',
      });
      let current: { task: number; startedMs: number } | undefined;
      const post = (message: ParentMessage): void => {
        if (child.connected) child.send(message);
      };
      const dispatch = (): void => {
        if (next >= tasks.length) {
          post({ type: 'exit' });
          return;
        }
        const task = next++;
        current = { task, startedMs: performance.now() };
        options.onStart?.(task);
        post({ type: 'run', task, spec: (tasks[task] as PoolTask).spec, maxEvents: options.maxEvents });
      };
      child.on('message', (message: unknown) => {
        if (!isWorkerMessage(message) || current === undefined || message.task !== current.task) return;
        const { task, startedMs } = current;
        current = undefined;
        const run = message.type === 'result' ? message.record : failure(task, `worker: ${message.message}`);
        record(task, run, performance.now() - startedMs);
        if (options.freshProcess) post({ type: 'exit' });
        else dispatch();
      });
      let ended = false;
      const end = (why: string): void => {
        if (ended) return;
        ended = true;
        if (current !== undefined) {
          const { task, startedMs } = current;
          current = undefined;
          record(task, failure(task, `worker process ${why} while running this cell`), performance.now() - startedMs);
        }
        live--;
        if (next < tasks.length) spawn();
        settle();
      };
      child.on('exit', (code, signal) => end(signal === null ? `exited with code ${code}` : `was killed by ${signal}`));
      child.on('error', (error) => {
        child.kill();
        end(`failed (${error.message})`);
      });
      dispatch();
    };

    const processes = Math.max(1, Math.min(options.processes, tasks.length));
    for (let i = 0; i < processes; i++) spawn();
  });
}
