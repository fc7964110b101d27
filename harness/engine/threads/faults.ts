/** Faults the threads engine injects into itself to test its failure handling (protocol.ts ThreadsFault). */
import type { Side } from './protocol.js';

export class InjectedFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InjectedFault';
  }
}

export function injectedFault(side: Side, at: 'start' | 'measured'): InjectedFault {
  return new InjectedFault(
    `${side} half failed on purpose (${at === 'start' ? 'at start-up' : 'as the measured phase began'})`,
  );
}

/** Block this thread for good, without spinning and without progress: a hung peer. */
export function hang(): never {
  const word = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(word, 0, 0);
}
