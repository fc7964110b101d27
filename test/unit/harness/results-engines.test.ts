/**
 * The result schema's later additions: threads-engine runs (engine, wait settings, engine
 * detail, their own metric tags) and counters the meter gained after files were first written
 * (an older v1 file still reads, the missing counter as 0).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { THREADS_METRIC_TAGS } from '../../../harness/engine/threads/index.js';
import { collectEnv } from '../../../harness/results/env.js';
import { ResultsError, readResults, validateResults, writeResults } from '../../../harness/results/io.js';
import {
  COUNTERS_ADDED_LATER,
  ENGINE_METRIC_TAGS,
  METRIC_TAGS,
  metricsSchema,
  type RunRecord,
  timingGroups,
} from '../../../harness/results/schema.js';
import { cellId } from '../../../harness/runner/cell-id.js';
import { runCell } from '../../../harness/runner/run-cell.js';
import { COUNTER_NAMES } from '../../../models/platform/meter.js';
import { loopbackModel } from '../../support/loopback-model.js';

process.env.RINGSIDE_NO_GIT = '1';

const dir = mkdtempSync(join(tmpdir(), 'ringside-results-engines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const simRun = runCell(
  {
    model: 'loopback',
    device: 'block',
    workload: 'randread',
    params: { ops: 40, size: 1 << 20 },
    knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' },
    modelOptions: {},
    seed: 1,
    profile: 'modern-2020s',
    engine: 'sim',
  },
  { models: [loopbackModel] },
);

const stats = {
  busyNs: 1000.5,
  events: 10,
  sleeps: 2,
  wakeups: 2,
  sleepTimeouts: 0,
  wokePeer: 3,
  exits: 4,
  doorbellsRung: 5,
  doorbellsPosted: 5,
  doorbellsDelivered: 0,
  irqSent: 0,
  irqPosted: 0,
  irqCoalesced: 0,
  irqDropped: 0,
  irqTaken: 5,
  irqUnhandled: 0,
};

/** A threads-engine record shaped like the engine's (the loopback sim run relabelled). */
function threadsRun(): RunRecord {
  const fields = { ...structuredClone(simRun), engine: 'threads' as const, notify: 'hybrid' as const, spinNs: 50_000 };
  return {
    ...fields,
    id: cellId(fields),
    threads: {
      notify: 'hybrid',
      spinNs: 50_000,
      window: { guest: stats, host: { ...stats, doorbellsDelivered: 5, irqSent: 5 } },
      wakeupsPerOp: 0.1,
      signals: {
        doorbells: { rung: 5, posted: 5, delivered: 5, pendingAtEnd: 0 },
        interrupts: { sent: 5, posted: 5, coalesced: 0, dropped: 0, taken: 5, unhandled: 0, msiPendingAtEnd: 0 },
      },
      latencyHdr: 'HISTFAAAAB',
    },
  };
}

function doc(runs: unknown[]): Record<string, unknown> {
  return { schemaVersion: 1, tool: 'ringside', env: collectEnv(new Date(0)), runs };
}

function rejection(runs: unknown[]): string {
  try {
    validateResults(doc(runs), 'out.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ResultsError);
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('threads-engine runs in the result document', () => {
  it('accepts engine threads with its notify mode, spin budget and engine detail', () => {
    const got = validateResults(doc([simRun, threadsRun()]), 'out.json');
    expect(got.runs.map((r) => r.engine)).toEqual(['sim', 'threads']);
    expect(got.runs[1]?.threads?.signals.interrupts.taken).toBe(5);
    expect(got.runs[1]?.id?.endsWith('/threads,notify=hybrid,spinNs=50000')).toBe(true);
  });

  it('rejects wait settings on a sim run, a spin budget off hybrid, unknown engines and modes, a bad detail', () => {
    const t = threadsRun();
    expect(rejection([{ ...simRun, notify: 'futex' }])).toBe(
      'out.json: runs[0].notify: only threads-engine runs have notify',
    );
    expect(rejection([{ ...simRun, threads: t.threads }])).toBe(
      'out.json: runs[0].threads: only threads-engine runs have threads',
    );
    expect(rejection([{ ...t, notify: 'futex' }])).toBe(
      'out.json: runs[0].spinNs: a spin budget belongs to notify hybrid only',
    );
    expect(rejection([{ ...t, engine: 'qemu' }])).toMatch(/^out\.json: runs\[0\]\.engine: /);
    expect(rejection([{ ...t, notify: 'sleepy' }])).toMatch(/^out\.json: runs\[0\]\.notify: /);
    const detail = structuredClone(t.threads) as Record<string, unknown>;
    delete detail.latencyHdr;
    expect(rejection([{ ...t, threads: detail }])).toBe(
      'out.json: runs[0].threads.latencyHdr: missing (expected string)',
    );
  });

  it('threads metrics carry their own tags, equal to the engine’s table (measurement.md §5.3)', () => {
    expect(ENGINE_METRIC_TAGS.sim).toBe(METRIC_TAGS);
    expect(ENGINE_METRIC_TAGS.threads).toEqual(THREADS_METRIC_TAGS);
    expect(Object.keys(ENGINE_METRIC_TAGS.threads).sort()).toEqual(Object.keys(metricsSchema.shape).sort());
    expect(timingGroups('sim')).toEqual(['simOpsPerWallSec']);
    expect(timingGroups('threads')).toEqual(
      expect.arrayContaining(['iops', 'bw_bytes', 'lat_ns', 'counters', 'perOp', 'actors', 'simOpsPerWallSec']),
    );
    expect(timingGroups('threads')).not.toContain('ops');
  });
});

describe('counters added to the meter later (interruptsSent, models/platform/meter.ts COUNTER_NAMES)', () => {
  it('the meter counts interruptsSent and the schema lists it as added later', () => {
    expect(COUNTER_NAMES).toContain('interruptsSent');
    expect(Object.keys(COUNTERS_ADDED_LATER)).toEqual(['interruptsSent']);
  });

  it('a v1 document written before it existed still reads, the counter as 0, and is written back with it', () => {
    const old = structuredClone(simRun) as unknown as {
      metrics: { counters: Record<string, number>; perOp: Record<string, number> };
    };
    delete old.metrics.counters.interruptsSent;
    delete old.metrics.perOp.interruptsSent;
    const file = join(dir, 'old.json');
    writeFileSync(file, JSON.stringify(doc([old])));
    const read = readResults(file);
    expect(read.runs[0]?.metrics?.counters.interruptsSent).toBe(0);
    expect(read.runs[0]?.metrics?.perOp.interruptsSent).toBe(0);
    // Every other counter is as written.
    expect(read.runs[0]?.metrics?.counters.exits).toBe(simRun.metrics?.counters.exits);
    const again = join(dir, 'again.json');
    writeResults(again, read);
    const raw = JSON.parse(readFileSync(again, 'utf8')) as { runs: { metrics: { counters: object } }[] };
    expect(raw.runs[0]?.metrics.counters).toHaveProperty('interruptsSent', 0);
  });

  it('a counter that was always there is still required', () => {
    const old = structuredClone(simRun) as unknown as { metrics: { counters: Record<string, number> } };
    delete old.metrics.counters.exits;
    expect(rejection([old])).toBe('out.json: runs[0].metrics.counters.exits: missing (expected number)');
  });
});
