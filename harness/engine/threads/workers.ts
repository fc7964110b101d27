/**
 * Starting and tracking the two workers of a threads-engine run.
 *
 * Workers run the compiled JavaScript in dist/ (the package builds it in `prepare`; the test setup
 * builds it too): a worker thread cannot load TypeScript, and the shipped CLI runs from dist anyway.
 * From dist the entry is this module's sibling; from the sources (vitest) it is found under the
 * package root's dist/. Every worker started is tracked until its 'exit' event, so callers and tests
 * can check that none is left running.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { packageRoot } from '../../profiles/load.js';
import type { WorkerInit } from './protocol.js';

export class WorkerBuildMissing extends Error {
  constructor(path: string) {
    super(`the threads engine runs its workers from ${path}, which does not exist: run \`npm run build\` first`);
    this.name = 'WorkerBuildMissing';
  }
}

export function workerEntry(): URL {
  const here = new URL(import.meta.url);
  const entry = here.pathname.endsWith('.js')
    ? new URL('./worker.js', here)
    : pathToFileURL(join(packageRoot(), 'dist', 'harness', 'engine', 'threads', 'worker.js'));
  if (!existsSync(fileURLToPath(entry))) throw new WorkerBuildMissing(fileURLToPath(entry));
  return entry;
}

const live = new Set<Worker>();
let idleWaiters: (() => void)[] = [];

/** Workers started by this module whose thread has not exited yet. */
export function liveWorkers(): number {
  return live.size;
}

/** Resolves once every worker started so far has exited. */
export function allWorkersExited(): Promise<void> {
  if (live.size === 0) return Promise.resolve();
  return new Promise((resolve) => idleWaiters.push(resolve));
}

export interface StartedWorker {
  readonly worker: Worker;
  /** The main thread's end of the worker's report channel (drained with receiveMessageOnPort). */
  readonly port: MessagePort;
}

export function startWorker(entry: URL, init: Omit<WorkerInit, 'port'>): StartedWorker {
  const { port1, port2 } = new MessageChannel();
  const data: WorkerInit = { ...init, port: port2 };
  const worker = new Worker(entry, { workerData: data, transferList: [port2] });
  live.add(worker);
  worker.on('error', () => {
    // Reported through the shared state word and the port; the event only must not go unhandled.
  });
  worker.on('exit', () => {
    live.delete(worker);
    port1.close();
    if (live.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  });
  return { worker, port: port1 };
}
