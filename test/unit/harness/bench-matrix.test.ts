/**
 * `ringside bench` as a matrix runner and `ringside merge`, in process: the default suite over
 * every registered model × class, shards merged back into the full run, `--jobs` equal to a
 * serial run, `--repeat` statistics, progress output, and malformed input files (exit 2, one
 * line naming file and field, nothing overwritten). Worker processes (`--jobs`, `--repeat`) run
 * the compiled tree built by test/global-setup.ts, so those cases use the registry's models.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, run } from '../../../harness/cli/main.js';
import { DEFAULT_SUITE } from '../../../harness/matrix/axes.js';
import { deterministicPart } from '../../../harness/matrix/repeat.js';
import { builtinProfilePath } from '../../../harness/profiles/load.js';
import { readResults, validateResults } from '../../../harness/results/io.js';
import type { ResultDocument, RunRecord } from '../../../harness/results/schema.js';
import { cellId } from '../../../harness/runner/cell-id.js';
import type { Model } from '../../../models/platform/model.js';
import { DEVICE_CLASSES } from '../../../models/platform/ports.js';
import { loopbackModel } from '../../support/loopback-model.js';
import { hypercallModel } from '../workloads/hypercall-model.js';

process.env.RINGSIDE_NO_GIT = '1';

const dir = mkdtempSync(join(tmpdir(), 'ringside-matrix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const testModels = [loopbackModel, hypercallModel];

interface Cli {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(
  argv: string[],
  opts: { models?: readonly Model[]; tty?: boolean; env?: Record<string, string> } = {},
): Promise<Cli> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    ...(opts.models === undefined ? {} : { models: opts.models }),
    stderrIsTTY: opts.tty === true,
    env: opts.env ?? {},
    argv,
  });
  return { code, out, err };
}

/** Runs with their wall-clock figures zeroed: what must match between two ways of running a matrix. */
function deterministic(doc: ResultDocument): RunRecord[] {
  return doc.runs.map(deterministicPart);
}

describe('the default suite', () => {
  it('runs every registered model × every class it has, and records how the runs were made', async () => {
    const file = join(dir, 'suite.json');
    const r = await cli(['bench', '--ops', '20', '--json', file], { models: testModels });
    expect(r.code, r.err).toBe(EXIT.ok);
    const doc = readResults(file);
    for (const model of testModels) {
      for (const cls of DEVICE_CLASSES.filter((c) => model.classes[c] !== undefined)) {
        const cells = doc.runs.filter((x) => x.model === model.id && x.device === cls);
        const want = DEFAULT_SUITE.filter((e) => e.device === cls).map((e) => `${e.workload}@${e.iodepth}`);
        expect(cells.map((x) => `${x.workload}@${x.knobs.iodepth}`).sort()).toEqual(want.sort());
        expect(cells.every((x) => x.params.ops === 20)).toBe(true);
      }
    }
    // loopback has one register bank: its iodepth-32 cell is reported, not run.
    const deep = doc.runs.find((x) => x.model === 'loopback' && x.knobs.iodepth === 32);
    expect(deep).toMatchObject({ status: 'unsupported', reason: 'iodepth 32 exceeds slots=1' });
    expect(doc.runs.filter((x) => x.status === 'error')).toEqual([]);
    // Runs sorted by cell id, each carrying its id.
    expect(doc.runs.map((x) => x.id)).toEqual(doc.runs.map((x) => cellId(x)).sort());
    expect(doc.run).toMatchObject({
      argv: ['bench', '--ops', '20', '--json', file],
      engine: 'sim',
      seeds: [1],
      jobs: 1,
      repeat: 1,
      shard: null,
      matrixCells: doc.runs.length,
    });
    expect(doc.run?.profiles.map((p) => p.id)).toEqual(['modern-2020s']);
    expect(doc.run?.env_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.env).toMatchObject({ node: process.version, kernel: expect.any(String), cores: expect.any(Number) });
    // The table lists the same cells, and the summary counts them.
    expect(
      r.out
        .trimEnd()
        .split('\n')
        .filter((l) => /^(loopback|hcall) /.test(l)),
    ).toHaveLength(doc.runs.length);
    expect(r.err).toMatch(new RegExp(`${doc.runs.length} cells: \\d+ ok, 1 unsupported in [\\d.]+ s\\n$`));
  });

  it('draws a progress bar with an ETA on a terminal, plain lines under CI', async () => {
    const argv = ['bench', '--model', 'hcall', '--device', 'entropy', '--workload', 'drain,small', '--ops', '10'];
    const tty = await cli(argv, { models: testModels, tty: true });
    expect(tty.code).toBe(EXIT.ok);
    expect(tty.err).toContain('\r\x1b[2K[');
    expect(tty.err).toMatch(/2\/2 100% \d+:\d\d ETA 0:00/);
    const ci = await cli(argv, { models: testModels, tty: true, env: { CI: '1' } });
    expect(ci.err).not.toContain('\x1b');
    expect(ci.err).toMatch(/^\[1\/2\] hcall entropy drain qd=1 none zerocopy: ok \(\d+\.\d s\)\n\[2\/2\]/);
    const quiet = await cli([...argv, '--quiet'], { models: testModels, tty: true });
    expect(quiet.err).toBe('');
  });
});

describe('--shard and merge', () => {
  const matrix = ['bench', '--ops', '20', '--seed', '1,2', '--quiet'];

  it('the shards, merged, equal the full run (same cells, same deterministic metrics)', async () => {
    const full = join(dir, 'full.json');
    expect((await cli([...matrix, '--json', full], { models: testModels })).code).toBe(EXIT.ok);
    const shards: string[] = [];
    for (const i of [1, 2, 3]) {
      const file = join(dir, `shard${i}.json`);
      const r = await cli([...matrix, '--shard', `${i}/3`, '--json', file], { models: testModels });
      expect(r.code, r.err).toBe(EXIT.ok);
      const doc = readResults(file);
      expect(doc.run?.shard).toEqual({ index: i, count: 3 });
      expect(doc.runs.length).toBeGreaterThan(0);
      shards.push(file);
    }
    const merged = join(dir, 'merged.json');
    const m = await cli(['merge', ...shards.reverse(), '--json', merged]);
    expect(m.code, m.err).toBe(EXIT.ok);
    expect(m.err).toMatch(/^merged 3 files: \d+ cells: /);
    const a = readResults(full);
    const b = readResults(merged);
    expect(b.runs.map((x) => x.id)).toEqual(a.runs.map((x) => x.id));
    expect(deterministic(b)).toEqual(deterministic(a));
    expect(b.shards?.map((s) => s.run?.shard?.index)).toEqual([3, 2, 1]);
    expect(b.run?.matrixCells).toBe(a.runs.length);
  });

  it('merge warns when a shard is missing and writes the partial result', async () => {
    const out = join(dir, 'partial.json');
    const r = await cli(['merge', join(dir, 'shard1.json'), join(dir, 'shard3.json'), '--json', out]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toContain('ringside: warning: shard 2/3 missing: the merged matrix is partial\n');
    expect(readResults(out).shards).toHaveLength(2);
  });

  it('merge refuses overlapping inputs (exit 2) and writes nothing', async () => {
    const out = join(dir, 'overlap.json');
    const r = await cli(['merge', join(dir, 'shard1.json'), join(dir, 'full.json'), '--json', out]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/^ringside: cell \S+ appears in .*shard1\.json and .*full\.json: overlapping inputs\n$/);
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('malformed input files: exit 2, one line naming file and field, nothing overwritten', () => {
  const valid = () => JSON.parse(readFileSync(join(dir, 'shard1.json'), 'utf8')) as Record<string, unknown>;
  const cases: [string, () => string, RegExp][] = [
    ['truncated JSON', () => JSON.stringify(valid()).slice(0, 200), /: invalid JSON \(/],
    [
      'wrong schemaVersion',
      () => JSON.stringify({ ...valid(), schemaVersion: 7 }),
      /: schemaVersion: unsupported schemaVersion 7 \(this ringside reads 1\)$/,
    ],
    [
      'wrong field type',
      () => {
        const d = valid() as { runs: { metrics?: { iops: unknown } }[] };
        const okRun = d.runs.findIndex((x) => x.metrics !== undefined);
        (d.runs[okRun]?.metrics as { iops: unknown }).iops = 'fast';
        return JSON.stringify(d);
      },
      /: runs\[\d+\]\.metrics\.iops: expected number$/,
    ],
    ['not a result document', () => '[1, 2, 3]', /: expected a JSON object \(a ringside result document\)$/],
  ];

  it.each(cases)('merge input with %s', async (_name, content, message) => {
    const bad = join(dir, `bad-${_name.replace(/ /g, '-')}.json`);
    writeFileSync(bad, content());
    const out = join(dir, 'existing.json');
    writeFileSync(out, 'previous contents\n');
    const r = await cli(['merge', join(dir, 'shard2.json'), bad, '--json', out]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe('');
    const line = r.err.trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    expect(line.startsWith(`ringside: ${bad}: `)).toBe(true);
    expect(line).toMatch(message);
    expect(readFileSync(out, 'utf8')).toBe('previous contents\n');
  });

  it('a missing merge input names the file', async () => {
    const r = await cli(['merge', join(dir, 'nope.json')]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toBe(`ringside: ${join(dir, 'nope.json')}: file not found\n`);
  });

  const profile = () => JSON.parse(readFileSync(builtinProfilePath('modern-2020s'), 'utf8')) as Record<string, unknown>;
  const profileCases: [string, () => string, RegExp][] = [
    ['truncated JSON', () => JSON.stringify(profile()).slice(0, 300), /: invalid JSON \(/],
    [
      'wrong schema version',
      () => JSON.stringify({ ...profile(), schema: 'ringside.cost-profile/9' }),
      /: schema: expected "ringside\.cost-profile\/1"/,
    ],
    ['wrong field type', () => JSON.stringify({ ...profile(), clock_ghz: 'fast' }), /: clock_ghz: /],
  ];

  it.each(profileCases)('bench --profile file with %s', async (name, content, message) => {
    const bad = join(dir, `profile-${name.replace(/ /g, '-')}.json`);
    writeFileSync(bad, content());
    const out = join(dir, 'kept.json');
    writeFileSync(out, 'keep me\n');
    const r = await cli(['bench', '--model', 'loopback', '--ops', '5', '--profile', bad, '--json', out], {
      models: testModels,
    });
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe('');
    const line = r.err.trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    expect(line.startsWith(`ringside: ${bad}: `)).toBe(true);
    expect(line).toMatch(message);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
  });
});

describe('worker processes (compiled tree, registry models)', () => {
  const matrix = ['bench', '--model', 'virtio', '--device', 'block,net,entropy', '--ops', '150', '--size', '1m'];

  it('--jobs 2 gives the same runs as a serial run', async () => {
    const serial = await cli([...matrix, '--iodepth', '1,4', '--json', '-', '--quiet']);
    const parallel = await cli([...matrix, '--iodepth', '1,4', '--json', '-', '--quiet', '--jobs', '2']);
    expect(serial.code, serial.err).toBe(EXIT.ok);
    expect(parallel.code, parallel.err).toBe(EXIT.ok);
    const a = validateResults(JSON.parse(serial.out), 'serial');
    const b = validateResults(JSON.parse(parallel.out), 'parallel');
    expect(b.runs).toHaveLength(6);
    expect(deterministic(b)).toEqual(deterministic(a));
    expect(b.run?.jobs).toBe(2);
    expect(b.runs.every((x) => x.status === 'ok' && (x.metrics?.simOpsPerWallSec ?? 0) > 0)).toBe(true);
  });

  it('--repeat 3 runs each cell in 3 processes: per-repeat wall-clock values, mean, CI; identical deterministic metrics', async () => {
    const r = await cli([
      'bench',
      '--model',
      'virtio',
      '--device',
      'entropy',
      '--workload',
      'small,drain',
      '--ops',
      '100',
      '--repeat',
      '3',
      '--jobs',
      '2',
      '--json',
      '-',
    ]);
    expect(r.code, r.err).toBe(EXIT.ok);
    const doc = validateResults(JSON.parse(r.out), 'repeat');
    expect(doc.run?.repeat).toBe(3);
    for (const x of doc.runs) {
      const t = x.repeat?.timing.simOpsPerWallSec;
      expect(x.repeat?.count).toBe(3);
      expect(x.repeat?.deterministic).toEqual({ identical: true, mismatches: [] });
      expect(t?.values).toHaveLength(3);
      expect(t?.values.every((v) => v > 0)).toBe(true);
      expect(t?.ci.lo).toBeLessThanOrEqual(t?.mean ?? 0);
      expect(t?.ci.hi).toBeGreaterThanOrEqual(t?.mean ?? 0);
      expect(x.metrics?.simOpsPerWallSec).toBe(t?.mean);
    }
    // Six processes, one at a time, repeats round-robin over the cells.
    expect(r.err).toContain('--repeat measures wall-clock time: its processes run one at a time (--jobs 2 not used)');
    expect(r.err.match(/\[repeat \d\/3\]/g)).toEqual([
      '[repeat 1/3]',
      '[repeat 1/3]',
      '[repeat 2/3]',
      '[repeat 2/3]',
      '[repeat 3/3]',
      '[repeat 3/3]',
    ]);
    // The table shows the mean ± half the CI.
    expect(r.err).toMatch(/virtio\s+entropy\s+small\s.*\d[kM]?±\d/);
  });
});
