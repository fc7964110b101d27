/**
 * Entry point of both threads-engine workers (compiled to dist/, see workers.ts). It imports nothing
 * of the project statically, so that a worker whose modules fail to load still reports: whatever
 * happens, it ends by posting one report on its port and setting its state word (`done`, or `failed`
 * after asking the peer to stop), using only the word indices the main thread handed it.
 */
import { workerData } from 'node:worker_threads';
import type { WorkerInit, WorkerReport } from './protocol.js';

const init = workerData as WorkerInit;
const ctl = new Int32Array(init.link, 0, init.words.count);
const w = init.words;
let reported = false;

function finish(report: WorkerReport, state: number): void {
  if (reported) return;
  reported = true;
  init.port.postMessage(report);
  Atomics.store(ctl, w.state, state);
  Atomics.notify(ctl, w.state);
  if (state === w.failed) {
    Atomics.store(ctl, w.stop, 1);
    for (const word of w.wake) {
      Atomics.add(ctl, word, 1);
      Atomics.notify(ctl, word);
    }
    for (const word of w.notify) Atomics.notify(ctl, word);
  }
  Atomics.add(ctl, w.mainAttention, 1);
  Atomics.notify(ctl, w.mainAttention);
}

function fail(error: unknown): void {
  const reason =
    error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  finish({ kind: 'failure', side: init.role, reason }, w.failed);
}

process.on('uncaughtException', fail);
try {
  const { runWorker } = await import('./worker-main.js');
  finish(await runWorker(init), w.done);
} catch (error) {
  fail(error);
}
