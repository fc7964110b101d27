/**
 * Failure handling of the threads engine: an exception on either half ends both workers and is
 * reported with the half that failed; a hung half (no progress, no answer) is detected by the stall
 * timeout and reported with what each half was doing. In every case no worker is left running.
 * Faults are injected by the engine's own test hook; the model code is untouched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ThreadsFault } from '../../harness/engine/threads/protocol.js';
import { runCellThreads } from '../../harness/engine/threads/run-threads.js';
import { allWorkersExited, liveWorkers } from '../../harness/engine/threads/workers.js';
import { type CellSpec, resolveCell } from '../../harness/runner/cell.js';

process.env.RINGSIDE_NO_GIT = '1';

const BLOCK: CellSpec = {
  model: 'virtio',
  device: 'block',
  workload: 'randread',
  params: { ops: 2000 },
  knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' },
  modelOptions: {},
  seed: 9,
  profile: 'modern-2020s',
  engine: 'sim',
};

/** Short enough for a test, long enough that a loaded machine's scheduling gaps are not taken for a hang. */
const STALL_MS = 3000;

function runWith(fault: ThreadsFault) {
  return runCellThreads(resolveCell(BLOCK), { fault, stallMs: STALL_MS, notify: 'hybrid' });
}

afterEach(async () => {
  // Terminated workers exit: this resolves (the test timeout is the guard), and none is left.
  await allWorkersExited();
  expect(liveWorkers()).toBe(0);
});

describe('an exception on either half fails the run and ends both workers', () => {
  for (const side of ['host', 'guest'] as const) {
    for (const at of ['start', 'measured'] as const) {
      it(`${side} throws at ${at}`, { timeout: 60_000 }, () => {
        const r = runWith({ side, kind: 'throw', at });
        expect(r.status).toBe('error');
        expect(r.metrics).toBeUndefined();
        expect(r.reason).toMatch(new RegExp(`^${side} half failed: InjectedFault: ${side} half failed on purpose`));
      });
    }
  }
});

describe('a hung half is detected by the stall timeout and reported', () => {
  it('host hangs as the measured phase begins', { timeout: 60_000 }, () => {
    const r = runWith({ side: 'host', kind: 'hang', at: 'measured' });
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/^hang: no progress for \d+ ms/);
    // The hung host is stuck inside a callback; the guest is idle or blocked in an exit.
    expect(r.reason).toMatch(/host half running callbacks/);
  });

  it('host hangs while the guest is blocked in an exit (trap-and-emulate: every register access is one)', {
    timeout: 60_000,
  }, () => {
    const rng: CellSpec = {
      ...BLOCK,
      model: 'emulated',
      device: 'entropy',
      workload: 'drain',
      params: { ops: 100_000 },
      knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'copy' },
    };
    const r = runCellThreads(resolveCell(rng), {
      fault: { side: 'host', kind: 'hang', at: 'measured' },
      stallMs: STALL_MS,
    });
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/^hang: no progress for \d+ ms, the host half stopped answering exits/);
    expect(r.reason).toMatch(/guest half blocked in an exit/);
  });

  it('host hangs before it comes up', { timeout: 90_000 }, () => {
    const r = runCellThreads(resolveCell(BLOCK), {
      fault: { side: 'host', kind: 'hang', at: 'start' },
      stallMs: STALL_MS,
      startMs: 5000,
    });
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/did not start within \d+ ms/);
  });

  it('guest hangs as the measured phase begins', { timeout: 60_000 }, () => {
    const r = runWith({ side: 'guest', kind: 'hang', at: 'measured' });
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/^hang: no progress for \d+ ms, neither half was woken/);
    expect(r.reason).toMatch(/guest half running callbacks/);
  });
});
