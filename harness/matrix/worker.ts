/**
 * Worker process entry (`dist/harness/matrix/worker.js`), started by the pool with
 * child_process.fork: runs the cells it is sent, one at a time, on the models of the registry,
 * and sends each run record back. It exits when told to or when the parent goes away.
 */
import { runCell } from '../runner/run-cell.js';
import { isParentMessage, type WorkerMessage } from './protocol.js';

function send(message: WorkerMessage): void {
  process.send?.(message);
}

process.on('message', (message: unknown) => {
  if (!isParentMessage(message)) return;
  if (message.type === 'exit') {
    process.disconnect();
    return;
  }
  try {
    send({ type: 'result', task: message.task, record: runCell(message.spec, { maxEvents: message.maxEvents }) });
  } catch (error) {
    send({ type: 'failed', task: message.task, message: error instanceof Error ? error.message : String(error) });
  }
});

// An orphaned worker must not linger.
process.on('disconnect', () => process.exit(0));
