/**
 * The threads engine wired into the runner and the matrix (DESIGN §7, §10): a threads cell's
 * engine and wait settings are part of its spec, record and id; the runner dispatches it to the
 * threads engine; the matrix sweeps engines × notify modes and never runs a threads cell beside
 * another cell; repeats of threads cells fold event counts as timing. Threads runs use the
 * compiled workers in dist/ (built by the global setup).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCellThreads } from '../../../harness/engine/threads/run-threads.js';
import { allWorkersExited } from '../../../harness/engine/threads/workers.js';
import { expandMatrix, specLabel } from '../../../harness/matrix/axes.js';
import { resultDocument } from '../../../harness/matrix/document.js';
import { planMatrix } from '../../../harness/matrix/plan.js';
import { combineRepeats, deterministicPart, THREADS_REPEAT_NOTE } from '../../../harness/matrix/repeat.js';
import { runMatrix } from '../../../harness/matrix/run-matrix.js';
import { MODELS, WORKLOADS } from '../../../harness/registry.js';
import { validateResults } from '../../../harness/results/io.js';
import type { RunRecord } from '../../../harness/results/schema.js';
import { type CellSpec, ConfigError, resolveCell } from '../../../harness/runner/cell.js';
import { cellId } from '../../../harness/runner/cell-id.js';
import { runCell } from '../../../harness/runner/run-cell.js';

process.env.RINGSIDE_NO_GIT = '1';

afterAll(async () => {
  await allWorkersExited();
});

const registry = { models: MODELS, workloads: WORKLOADS };

function spec(over: Partial<CellSpec> = {}): CellSpec {
  return {
    model: 'virtio',
    device: 'block',
    workload: 'randread',
    params: { ops: 200, size: 1 << 20 },
    knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' },
    modelOptions: {},
    seed: 2,
    profile: 'modern-2020s',
    engine: 'sim',
    ...over,
  };
}

function documentOf(runs: RunRecord[]) {
  return resultDocument(runs, {
    argv: ['bench'],
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    jobs: 1,
    repeat: 1,
    shard: null,
    matrixCells: runs.length,
  });
}

describe('the runner dispatches threads cells to the threads engine', () => {
  const futex = runCell(spec({ engine: 'threads', notify: 'futex' }));

  it('a futex cell runs on threads: engine, notify and detail in the record, the id names them', () => {
    expect(futex.reason).toBeUndefined();
    expect(futex.status).toBe('ok');
    expect(futex).toMatchObject({ engine: 'threads', notify: 'futex', threads: { notify: 'futex' } });
    expect(futex.spinNs).toBeUndefined();
    expect(futex.metrics?.ops).toBe(200);
    expect(futex.id).toBe(cellId(futex));
    expect(futex.id?.endsWith('/modern-2020s/threads,notify=futex')).toBe(true);
    const doc = validateResults(documentOf([futex]), 'mem');
    expect(doc.run?.engine).toBe('threads');
    expect(doc.runs[0]?.threads?.window.guest.doorbellsRung).toBeGreaterThan(0);
  });

  it("a hybrid cell records its spin budget; the cell's wait settings win over run options", () => {
    const r = runCell(spec({ engine: 'threads', notify: 'hybrid', spinNs: 20_000 }), {
      threads: { notify: 'poll', spinNs: 1 },
    });
    expect(r.status).toBe('ok');
    expect(r).toMatchObject({ notify: 'hybrid', spinNs: 20_000, threads: { notify: 'hybrid', spinNs: 20_000 } });
    expect(r.id?.endsWith('/threads,notify=hybrid,spinNs=20000')).toBe(true);
    // Defaults are filled in and recorded: a threads cell without settings is hybrid at 50 µs.
    const head = resolveCell(spec({ engine: 'threads' }));
    expect(head.spec.notify).toBeUndefined();
    const plain = planMatrix([spec({ engine: 'threads' })])[0];
    expect(plain?.id.endsWith('/threads,notify=hybrid,spinNs=50000')).toBe(true);
  });

  it('runCellThreads on a spec written for sim still names the threads engine in its id', () => {
    const r = runCellThreads(resolveCell(spec()), { notify: 'futex' });
    expect(r.status).toBe('ok');
    expect(r.engine).toBe('threads');
    expect(r.id).toBe(cellId(r));
    expect(r.id?.endsWith('/threads')).toBe(true);
  });

  it('sim ids are unchanged by the engine axis: the last segment is the bare engine', () => {
    const sim = planMatrix([spec()])[0];
    expect(sim?.id.split('/').at(-1)).toBe('sim');
  });

  it('wait settings that do not fit the engine are configuration errors', () => {
    const bad = (over: Partial<CellSpec>) => () => resolveCell(spec(over));
    expect(bad({ notify: 'futex' })).toThrow(ConfigError);
    expect(bad({ notify: 'futex' })).toThrow(/apply to the threads engine, not sim/);
    expect(bad({ engine: 'threads', notify: 'futex', spinNs: 100 })).toThrow(/hybrid only, not futex/);
    expect(bad({ engine: 'threads', notify: 'sleepy' as 'futex' })).toThrow(/notify "sleepy": expected one of/);
    expect(bad({ engine: 'threads', spinNs: -1 })).toThrow(/spin -1 ns/);
    expect(bad({ engine: 'gpu' as 'sim' })).toThrow(/engine "gpu": expected one of sim, threads/);
  });
});

describe('the matrix sweeps engines and notify modes', () => {
  const req = { models: ['virtio'], devices: ['block' as const], params: { ops: [50] } };

  it('sim once, threads once per notify mode; a spin budget only on hybrid cells', () => {
    const specs = expandMatrix(
      { ...req, engines: ['sim', 'threads'], notify: ['futex', 'hybrid'], spinNs: 7000 },
      registry,
    );
    expect(specs.map((s) => [s.engine, s.notify, s.spinNs])).toEqual([
      ['sim', undefined, undefined],
      ['threads', 'futex', undefined],
      ['threads', 'hybrid', 7000],
    ]);
    const ids = planMatrix(specs).map((p) => p.id);
    expect(new Set(ids).size).toBe(3);
    expect(specs.map(specLabel)).toEqual([
      'virtio block randread qd=1 none zerocopy',
      'virtio block randread qd=1 none zerocopy threads:futex',
      'virtio block randread qd=1 none zerocopy threads:hybrid',
    ]);
  });

  it('notify without the threads engine, or a spin budget without a hybrid cell, is refused', () => {
    expect(() => expandMatrix({ ...req, notify: ['poll'] }, registry)).toThrow(/threads engine only/);
    expect(() => expandMatrix({ ...req, engines: ['threads'], notify: ['poll'], spinNs: 5 }, registry)).toThrow(
      /notify hybrid only/,
    );
  });

  it('--jobs 2: sim cells share the pool, threads cells run one at a time with nothing beside them', async () => {
    const specs = expandMatrix(
      { ...req, iodepth: [1, 2], engines: ['sim', 'threads'], notify: ['futex', 'hybrid'] },
      registry,
    );
    const plan = planMatrix(specs);
    const active = new Set<number>();
    const overlaps: string[] = [];
    const isThreads = (cell: number) => plan[cell]?.cell.spec.engine === 'threads';
    const runs = await runMatrix(plan, {
      jobs: 2,
      repeat: 1,
      maxEvents: 10_000_000,
      onTaskStart: (t) => {
        const others = [...active];
        if (others.length > 0 && (isThreads(t.cell) || others.some(isThreads))) {
          overlaps.push(`${t.label} started beside ${others.map((c) => plan[c]?.id).join(', ')}`);
        }
        active.add(t.cell);
      },
      onTaskDone: (t) => {
        active.delete(t.cell);
      },
    });
    expect(overlaps).toEqual([]);
    expect(runs.map((r) => r.status)).toEqual(plan.map(() => 'ok'));
    expect(runs.map((r) => r.id)).toEqual(plan.map((p) => p.id));
    expect(runs.filter((r) => r.engine === 'threads').map((r) => r.notify)).toEqual([
      'futex',
      'hybrid',
      'futex',
      'hybrid',
    ]);
  });
});

describe('documents record the whole matrix’s engines and profiles', () => {
  it('an empty shard of a sim + threads matrix has the same engine and env_hash as a full one', () => {
    const run = runCell(spec());
    const info = {
      argv: ['bench'],
      startedAt: new Date(0),
      finishedAt: new Date(1000),
      jobs: 1,
      repeat: 1,
      shard: null,
      matrixCells: 2,
      engines: ['sim', 'threads'] as const,
      profiles: [run.profile],
    };
    const env = validateResults(documentOf([run]), 'mem').env;
    const full = resultDocument([run], { ...info, env });
    const empty = resultDocument([], { ...info, env, shard: { index: 2, count: 2 } });
    expect(full.run?.engine).toBe('sim,threads');
    expect(empty.run?.engine).toBe('sim,threads');
    expect(empty.run?.profiles).toEqual(full.run?.profiles);
    expect(empty.run?.env_hash).toBe(full.run?.env_hash);
    // Without the matrix's view a document describes its own runs.
    expect(resultDocument([run], { ...info, env, engines: undefined, profiles: undefined }).run?.engine).toBe('sim');
  });
});

describe('repeats of threads cells (counts may vary: folded as timing, said so in the record)', () => {
  const base = runCell(spec({ engine: 'threads', notify: 'futex' }));

  function variant(i: number, edit?: (r: RunRecord) => void): RunRecord {
    const r = structuredClone(base);
    const m = r.metrics as NonNullable<RunRecord['metrics']>;
    m.iops = 1000 + 100 * i;
    m.counters.wakeups += i;
    m.perOp.wakeups = m.counters.wakeups / m.ops;
    (m.actors[0] as { busyNs: number }).busyNs = 5000 + i;
    edit?.(r);
    return r;
  }

  it('differing event counts are not a determinism failure; per-repeat values and means are kept', () => {
    expect(base.status).toBe('ok');
    const folded = combineRepeats([variant(0), variant(1), variant(2)]);
    expect(folded.repeat?.deterministic).toEqual({ identical: true, mismatches: [] });
    expect(folded.repeat?.note).toBe(THREADS_REPEAT_NOTE);
    const wakeups = (base.metrics?.counters.wakeups ?? 0) as number;
    expect(folded.repeat?.timing['counters.wakeups']?.values).toEqual([wakeups, wakeups + 1, wakeups + 2]);
    expect(folded.metrics?.counters.wakeups).toBe(wakeups + 1);
    expect(folded.repeat?.timing.iops?.values).toEqual([1000, 1100, 1200]);
    expect(folded.metrics?.iops).toBe(1100);
    const actor = base.metrics?.actors[0]?.name;
    expect(folded.repeat?.timing[`actors.${actor}.busyNs`]?.mean).toBe(5001);
    expect(folded.metrics?.actors[0]?.busyNs).toBe(5001);
    expect(Number.isInteger(folded.metrics?.lat_ns.count)).toBe(true);
    expect(validateResults(documentOf([folded]), 'mem').runs[0]?.repeat?.count).toBe(3);
  });

  it('a deterministic field of a threads run (ops done) that differs is still flagged', () => {
    const odd = variant(1, (r) => {
      (r.metrics as NonNullable<RunRecord['metrics']>).ops += 1;
    });
    const folded = combineRepeats([variant(0), odd]);
    expect(folded.repeat?.deterministic).toEqual({ identical: false, mismatches: ['metrics.ops (repeat 2)'] });
  });

  it('the engine detail is left out of the determinism check', () => {
    const other = structuredClone(base);
    if (other.threads !== undefined) other.threads = { ...other.threads, wakeupsPerOp: 99 };
    expect(deterministicPart(other)).toEqual(deterministicPart(base));
  });
});
