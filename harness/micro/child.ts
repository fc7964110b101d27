/**
 * A fresh process for one `--repeat` of `ringside micro`: receives the benchmark ids and
 * options over IPC, measures them in order, replies once and exits.
 */
import type { MicroOptions } from './measure.js';
import { type ChildReply, type ChildRequest, lookupAll, measureHere } from './run.js';

async function serve(request: ChildRequest): Promise<ChildReply> {
  try {
    const options: MicroOptions = request.options;
    return { ok: true, measurements: await measureHere(lookupAll(request.ids), options) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

process.once('message', (message) => {
  void serve(message as ChildRequest).then((reply) => {
    process.send?.(reply, () => process.disconnect());
  });
});
