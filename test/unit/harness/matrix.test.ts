/**
 * The matrix: request expansion (default suite, selection rules, sweeps), planning
 * (unsupported cells reported, duplicates dropped), sharding (a stable partition), repeat
 * folding (timing statistics, determinism check) and merge checks.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUITE, expandMatrix, type Registry } from '../../../harness/matrix/axes.js';
import { resultDocument, sortRuns } from '../../../harness/matrix/document.js';
import { MergeError, mergeResults } from '../../../harness/matrix/merge.js';
import { planMatrix, selectShard } from '../../../harness/matrix/plan.js';
import { combineRepeats, differingPaths } from '../../../harness/matrix/repeat.js';
import { parseShard, shardOf } from '../../../harness/matrix/shard.js';
import { MODELS, WORKLOADS } from '../../../harness/registry.js';
import { collectEnv } from '../../../harness/results/env.js';
import { validateResults } from '../../../harness/results/io.js';
import type { RunRecord } from '../../../harness/results/schema.js';
import { ConfigError } from '../../../harness/runner/cell.js';
import { cellId } from '../../../harness/runner/cell-id.js';
import { runCell } from '../../../harness/runner/run-cell.js';
import { DEVICE_CLASSES } from '../../../models/platform/ports.js';
import { loopbackModel } from '../../support/loopback-model.js';
import { hypercallModel } from '../workloads/hypercall-model.js';

process.env.RINGSIDE_NO_GIT = '1';

const testRegistry: Registry = { models: [loopbackModel, hypercallModel], workloads: WORKLOADS };

describe('default suite (ringside bench with no selection)', () => {
  it('covers every registered model × every class it has with that class’s suite entries', () => {
    const specs = expandMatrix({}, { models: MODELS, workloads: WORKLOADS });
    for (const model of MODELS) {
      for (const cls of DEVICE_CLASSES.filter((c) => model.classes[c] !== undefined)) {
        const got = specs
          .filter((s) => s.model === model.id && s.device === cls)
          .map((s) => `${s.workload}@${s.knobs.iodepth}`);
        const want = DEFAULT_SUITE.filter((e) => e.device === cls).map((e) => `${e.workload}@${e.iodepth}`);
        expect(got, `${model.id} ${cls}`).toEqual(want);
      }
    }
    // Nothing for classes a model lacks, nothing for models that are not registered.
    expect(new Set(specs.map((s) => s.model))).toEqual(new Set(MODELS.map((m) => m.id)));
  });

  it('every suite entry names a registered workload of its class and fills only its parameters', () => {
    for (const e of DEFAULT_SUITE) {
      const w = WORKLOADS.find((x) => x.cls === e.device && x.id === e.workload);
      expect(w, `${e.device} ${e.workload}`).toBeDefined();
      for (const key of Object.keys(e.params)) expect(w?.params.map((p) => p.key)).toContain(key);
    }
    expect(new Set(DEFAULT_SUITE.map((e) => e.device))).toEqual(new Set(DEVICE_CLASSES));
  });

  it('flags override the suite: parameters where declared, iodepth everywhere', () => {
    const specs = expandMatrix({ params: { ops: [50] }, iodepth: [2] }, testRegistry);
    expect(specs.every((s) => s.knobs.iodepth === 2 && s.params.ops === 50)).toBe(true);
    // randread@1 and randread@32 collapse onto one cell once the depth is overridden.
    const plan = planMatrix(specs, { models: testRegistry.models });
    expect(plan.filter((p) => p.cell.spec.workload === 'randread')).toHaveLength(1);
  });

  it('picks copy for a model whose class honours only copy (the knob is recorded, not hidden)', () => {
    const copyOnly = {
      ...hypercallModel,
      id: 'copyonly',
      support: (_cls: unknown, config: { knobs: { copy: string } }) =>
        config.knobs.copy === 'copy' ? { ok: true as const } : { ok: false as const, reason: 'copy only' },
    };
    const specs = expandMatrix({}, { models: [copyOnly], workloads: WORKLOADS });
    expect(specs.length).toBeGreaterThan(0);
    expect(specs.every((s) => s.knobs.copy === 'copy')).toBe(true);
    // An explicit --copy is taken as given, even where unsupported.
    const explicit = expandMatrix(
      { models: ['copyonly'], copy: ['zerocopy'] },
      { models: [copyOnly], workloads: WORKLOADS },
    );
    expect(explicit.every((s) => s.knobs.copy === 'zerocopy')).toBe(true);
  });
});

describe('selection rules', () => {
  it('devices default to the classes of the named workloads', () => {
    const specs = expandMatrix({ models: ['hcall'], workloads: ['echo', 'small'] }, testRegistry);
    expect(specs.map((s) => `${s.device}/${s.workload}`)).toEqual(['console/echo', 'entropy/small']);
  });

  it('a model without a named device yields unsupported cells, not an error', () => {
    const specs = expandMatrix({ devices: ['block', 'net'] }, testRegistry);
    const plan = planMatrix(specs, { models: testRegistry.models });
    const settled = plan.filter((p) => p.kind === 'settled').map((p) => (p.kind === 'settled' ? p.record : undefined));
    expect(settled.map((r) => `${r?.model}/${r?.device}: ${r?.reason}`)).toEqual([
      'loopback/net: model loopback has no net device (classes: block)',
      'hcall/block: model hcall has no block device (classes: net, console, entropy)',
    ]);
    expect(settled.every((r) => r?.status === 'unsupported' && r.id === cellId(r))).toBe(true);
  });

  it('knobs a model declines are settled as unsupported in the plan', () => {
    const plan = planMatrix(expandMatrix({ models: ['loopback'], coalesce: [{ kind: 'event-idx' }] }, testRegistry), {
      models: testRegistry.models,
    });
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({
      kind: 'settled',
      record: { status: 'unsupported', reason: 'loopback has no interrupt coalescing (coalesce must be none)' },
    });
  });

  it('unknown names and parameters no workload declares are configuration errors', () => {
    expect(() => expandMatrix({ models: ['nope'] }, testRegistry)).toThrow(
      new ConfigError('unknown model "nope" (models: loopback, hcall)'),
    );
    expect(() => expandMatrix({ devices: ['net'], workloads: ['randread'] }, testRegistry)).toThrow(
      'unknown workload "randread" for net (workloads: rr, stream, pps)',
    );
    expect(() => expandMatrix({ devices: ['net', 'console'], workloads: ['rr'] }, testRegistry)).toThrow(
      'no workload named for device console (--workload lists none of its)',
    );
  });
});

describe('shards', () => {
  const ids = planMatrix(expandMatrix({ params: { ops: [10] }, seeds: [1, 2, 3, 4, 5] }, testRegistry), {
    models: testRegistry.models,
  }).map((p) => p.id);

  it('partition the matrix: every cell in exactly one shard, the same on every call', () => {
    expect(ids.length).toBeGreaterThan(40);
    for (const n of [1, 2, 3, 7]) {
      const owners = ids.map((id) => shardOf(id, n));
      expect(owners.every((k) => k >= 1 && k <= n)).toBe(true);
      expect(ids.map((id) => shardOf(id, n))).toEqual(owners);
    }
    // Three shards over ~50 cells: none is empty.
    expect(new Set(ids.map((id) => shardOf(id, 3)))).toEqual(new Set([1, 2, 3]));
  });

  it('selectShard keeps plan order and the union of all shards is the plan', () => {
    const plan = planMatrix(expandMatrix({ params: { ops: [10] } }, testRegistry), { models: testRegistry.models });
    const parts = [1, 2, 3].map((index) => selectShard(plan, { index, count: 3 }));
    expect(
      parts
        .flat()
        .map((p) => p.id)
        .sort(),
    ).toEqual(plan.map((p) => p.id).sort());
    for (const part of parts) {
      const order = part.map((p) => plan.indexOf(p));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('parses i/n, 1-based', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('0/4')).toThrow(ConfigError);
    expect(() => parseShard('5/4')).toThrow(ConfigError);
  });
});

function loopbackRun(seed: number): RunRecord {
  return runCell(
    {
      model: 'loopback',
      device: 'block',
      workload: 'randread',
      params: { ops: 50, size: 1 << 20 },
      knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' },
      modelOptions: {},
      seed,
      profile: 'modern-2020s',
      engine: 'sim',
    },
    { models: [loopbackModel] },
  );
}

describe('repeat folding', () => {
  it('keeps per-repeat wall-clock values with mean and CI; identical deterministic metrics pass', () => {
    const runs = [loopbackRun(1), loopbackRun(1), loopbackRun(1)].map((r, i) => ({
      ...r,
      metrics: { ...(r.metrics as NonNullable<RunRecord['metrics']>), simOpsPerWallSec: 1000 + 100 * i },
    }));
    const folded = combineRepeats(runs);
    expect(folded.repeat).toMatchObject({
      count: 3,
      deterministic: { identical: true, mismatches: [] },
      timing: { simOpsPerWallSec: { values: [1000, 1100, 1200], mean: 1100 } },
    });
    const ci = folded.repeat?.timing.simOpsPerWallSec?.ci;
    expect(ci?.lo).toBeLessThanOrEqual(1100);
    expect(ci?.hi).toBeGreaterThanOrEqual(1100);
    expect(folded.metrics?.simOpsPerWallSec).toBe(1100);
    expect(
      validateResults({ schemaVersion: 1, tool: 'ringside', env: collectEnv(), runs: [folded] }, 'mem'),
    ).toBeTruthy();
  });

  it('flags deterministic metrics that differ between repeats, naming the paths', () => {
    const a = loopbackRun(1);
    const b = structuredClone(a);
    (b.metrics as NonNullable<RunRecord['metrics']>).counters.exits += 1;
    const folded = combineRepeats([a, b]);
    expect(folded.repeat?.deterministic.identical).toBe(false);
    expect(folded.repeat?.deterministic.mismatches).toEqual(['metrics.counters.exits (repeat 2)']);
    expect(differingPaths({ x: [1, 2] }, { x: [1, 3] })).toEqual(['x[1]']);
  });

  it('a failed repeat makes the cell an error naming the repeat', () => {
    const a = loopbackRun(1);
    const folded = combineRepeats([a, { ...a, status: 'error', reason: 'boom', metrics: undefined }]);
    expect(folded).toMatchObject({ status: 'error', reason: 'repeat 2 of 2: boom' });
  });
});

describe('merge checks', () => {
  const runs = [loopbackRun(1), loopbackRun(2), loopbackRun(3)];
  const doc = (part: RunRecord[], shard: { index: number; count: number } | null) =>
    resultDocument(part, {
      argv: ['bench'],
      startedAt: new Date(0),
      finishedAt: new Date(1000),
      jobs: 1,
      repeat: 1,
      shard,
      matrixCells: 3,
      env: collectEnv(new Date(0)),
    });

  it('joins shards into the runs of the whole, sorted by cell id, keeping each shard’s environment', () => {
    const merged = mergeResults(
      [
        { file: 'b.json', doc: doc([runs[2] as RunRecord], { index: 2, count: 2 }) },
        { file: 'a.json', doc: doc([runs[0] as RunRecord, runs[1] as RunRecord], { index: 1, count: 2 }) },
      ],
      ['merge'],
    );
    expect(merged.warnings).toEqual([]);
    expect(merged.doc.runs).toEqual(sortRuns(runs));
    expect(merged.doc.shards?.map((s) => `${s.file} ${s.run?.shard?.index}`)).toEqual(['b.json 2', 'a.json 1']);
    expect(merged.doc.run).toMatchObject({ shard: null, matrixCells: 3, seeds: [1, 2, 3] });
    expect(validateResults(merged.doc, 'merged')).toEqual(merged.doc);
  });

  it('refuses overlaps, clashing profiles, inconsistent shards and doctored ids; warns about missing shards', () => {
    const a = doc([runs[0] as RunRecord], { index: 1, count: 3 });
    expect(() =>
      mergeResults(
        [
          { file: 'a.json', doc: a },
          { file: 'b.json', doc: doc([runs[0] as RunRecord], { index: 2, count: 3 }) },
        ],
        [],
      ),
    ).toThrow(new MergeError(`cell ${cellId(runs[0] as RunRecord)} appears in a.json and b.json: overlapping inputs`));
    expect(() =>
      mergeResults(
        [
          { file: 'a.json', doc: a },
          { file: 'c.json', doc: doc([runs[1] as RunRecord], { index: 1, count: 3 }) },
        ],
        [],
      ),
    ).toThrow('a.json and c.json are both shard 1/3');
    expect(() =>
      mergeResults(
        [
          { file: 'a.json', doc: a },
          { file: 'c.json', doc: doc([runs[1] as RunRecord], { index: 1, count: 2 }) },
        ],
        [],
      ),
    ).toThrow(/^inputs were split into different shard counts/);
    const clash = structuredClone(runs[1] as RunRecord);
    clash.profile.sha256 = 'f'.repeat(64);
    delete clash.id;
    expect(() =>
      mergeResults(
        [
          { file: 'a.json', doc: a },
          { file: 'd.json', doc: doc([clash], { index: 2, count: 3 }) },
        ],
        [],
      ),
    ).toThrow(
      /^profile modern-2020s differs between a\.json \(sha256 [0-9a-f]{12}…\) and d\.json \(sha256 ffffffffffff…\)$/,
    );
    const doctored = doc([{ ...(runs[1] as RunRecord), id: 'elsewhere' }], { index: 2, count: 3 });
    expect(() => mergeResults([{ file: 'e.json', doc: doctored }], [])).toThrow(
      /^e\.json: runs\[0\]\.id: "elsewhere" does not match the run's fields/,
    );
    const partial = mergeResults(
      [
        { file: 'a.json', doc: a },
        { file: 'b.json', doc: doc([runs[1] as RunRecord], { index: 2, count: 3 }) },
      ],
      [],
    );
    expect(partial.warnings).toEqual(['shard 3/3 missing: the merged matrix is partial']);
  });
});
