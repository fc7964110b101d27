/** Result document: schema acceptance and rejection with field paths, atomic writes, env metadata. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectEnv, envHash } from '../../../harness/results/env.js';
import { ResultsError, readResults, validateResults, writeResults } from '../../../harness/results/io.js';
import { METRIC_TAGS, metricsSchema, type ResultDocument } from '../../../harness/results/schema.js';
import { runCell } from '../../../harness/runner/run-cell.js';
import { loopbackModel } from '../../support/loopback-model.js';

// Tests never shell out to git: the commit is recorded as null.
process.env.RINGSIDE_NO_GIT = '1';

const dir = mkdtempSync(join(tmpdir(), 'ringside-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCell(
  {
    model: 'loopback',
    device: 'block',
    workload: 'randwrite',
    params: { ops: 50, size: 1 << 20 },
    knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' },
    modelOptions: {},
    seed: 1,
    profile: 'modern-2020s',
    engine: 'sim',
  },
  { models: [loopbackModel] },
);

function doc(): ResultDocument {
  return structuredClone({ schemaVersion: 1, tool: 'ringside', env: collectEnv(new Date(0)), runs: [run] });
}

/** The one-line error `validateResults` raises for `mutate(doc)`. */
function rejection(mutate: (d: Record<string, unknown> & { runs: Record<string, unknown>[] }) => void): string {
  const d = doc() as unknown as Record<string, unknown> & { runs: Record<string, unknown>[] };
  mutate(d);
  try {
    validateResults(d, 'out.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ResultsError);
    return (error as Error).message;
  }
  throw new Error('expected the document to be rejected');
}

describe('result schema', () => {
  it('accepts a real run, and ok / unsupported / error records', () => {
    expect(run.status).toBe('ok');
    expect(validateResults(doc(), 'out.json').runs).toHaveLength(1);
    const d = doc();
    d.runs.push({ ...d.runs[0]!, status: 'unsupported', reason: 'no coalescing', metrics: undefined });
    d.runs.push({ ...d.runs[0]!, status: 'error', reason: 'data mismatch', metrics: undefined });
    expect(validateResults(d, 'out.json').runs.map((r) => r.status)).toEqual(['ok', 'unsupported', 'error']);
  });

  it('rejects with the file and the failing field path', () => {
    expect(
      rejection((d) => {
        (d.runs[0]!.metrics as Record<string, unknown>).iops = 'fast';
      }),
    ).toBe('out.json: runs[0].metrics.iops: expected number');
    expect(
      rejection((d) => {
        delete (d.runs[0]!.metrics as { lat_ns: Record<string, unknown> }).lat_ns.p999;
      }),
    ).toBe('out.json: runs[0].metrics.lat_ns.p999: missing (expected number)');
    expect(
      rejection((d) => {
        (d.runs[0]!.knobs as Record<string, unknown>).coalesce = 'sometimes';
      }),
    ).toBe('out.json: runs[0].knobs.coalesce: expected none, event-idx, count:N or time:US');
    expect(
      rejection((d) => {
        d.runs[0]!.metrics = undefined;
      }),
    ).toBe('out.json: runs[0].metrics: missing (required when status is ok)');
    expect(
      rejection((d) => {
        d.runs[0]!.status = 'error';
      }),
    ).toBe('out.json: runs[0].reason: missing (required when status is error)');
    expect(
      rejection((d) => {
        d.runs[0]!.device = 'gpu';
      }),
    ).toMatch(/^out\.json: runs\[0\]\.device: /);
    expect(
      rejection((d) => {
        (d.env as Record<string, unknown>).createdAt = 'yesterday';
      }),
    ).toMatch(/^out\.json: env\.createdAt: /);
  });

  it('validates the run information, shard and repeat fields, and still reads documents without them', () => {
    const withRun = () => {
      const d = doc() as unknown as Record<string, unknown> & { runs: Record<string, unknown>[] };
      d.run = {
        argv: ['bench'],
        startedAt: '2024-01-01T00:00:00.000Z',
        finishedAt: '2024-01-01T00:00:01.000Z',
        engine: 'sim',
        seeds: [1],
        profiles: [{ id: 'modern-2020s', sha256: 'a'.repeat(64) }],
        jobs: 1,
        repeat: 1,
        shard: { index: 1, count: 2 },
        matrixCells: 4,
        env_hash: 'b'.repeat(64),
      };
      return d;
    };
    expect(validateResults(withRun(), 'out.json').run?.shard).toEqual({ index: 1, count: 2 });
    const bad = (mutate: (d: ReturnType<typeof withRun>) => void): string => {
      const d = withRun();
      mutate(d);
      try {
        validateResults(d, 'out.json');
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a rejection');
    };
    expect(
      bad((d) => {
        (d.run as Record<string, unknown>).env_hash = 'xyz';
      }),
    ).toBe('out.json: run.env_hash: expected 64 hex digits');
    expect(
      bad((d) => {
        (d.run as Record<string, unknown>).shard = { index: 3, count: 2 };
      }),
    ).toBe('out.json: run.shard.index: shard index exceeds the shard count');
    expect(
      bad((d) => {
        d.runs[0]!.repeat = { count: 1, timing: {}, deterministic: { identical: true, mismatches: [] } };
      }),
    ).toMatch(/^out\.json: runs\[0\]\.repeat\.count: /);
    // Files written before these fields existed: no run, no ids, no new env fields.
    const old = doc() as unknown as { env: Record<string, unknown>; runs: Record<string, unknown>[] };
    delete old.env.kernel;
    delete old.env.execArgv;
    delete old.runs[0]!.id;
    expect(validateResults(old, 'old.json').runs).toHaveLength(1);
  });

  it('names an unknown or missing schemaVersion clearly', () => {
    expect(
      rejection((d) => {
        d.schemaVersion = 2;
      }),
    ).toBe('out.json: schemaVersion: unsupported schemaVersion 2 (this ringside reads 1)');
    expect(
      rejection((d) => {
        delete d.schemaVersion;
      }),
    ).toBe('out.json: schemaVersion: missing (not a ringside result document?)');
  });

  it('tags every metric group deterministic or timing (simulator speed is the only timing one)', () => {
    expect(Object.keys(METRIC_TAGS).sort()).toEqual(Object.keys(metricsSchema.shape).sort());
    const timing = Object.entries(METRIC_TAGS)
      .filter(([, t]) => t.kind === 'timing')
      .map(([k]) => k);
    expect(timing).toEqual(['simOpsPerWallSec']);
    expect(metricsSchema.shape.iops.meta()).toMatchObject({ kind: 'deterministic', unit: 'ops/s' });
  });
});

describe('readResults / writeResults', () => {
  it('round-trips a document', () => {
    const path = join(dir, 'round.json');
    writeResults(path, doc());
    expect(readResults(path)).toEqual(validateResults(doc(), 'x'));
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
  });

  it('reports missing files, bad JSON and bad fields with the file name', () => {
    expect(() => readResults(join(dir, 'absent.json'))).toThrow(`${join(dir, 'absent.json')}: file not found`);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schemaVersion": 1,');
    expect(() => readResults(bad)).toThrow(new RegExp(`^${bad.replace(/[.\\/]/g, '\\$&')}: invalid JSON`));
    writeFileSync(bad, JSON.stringify({ ...doc(), tool: 'fio' }));
    expect(() => readResults(bad)).toThrow(`${bad}: tool: `);
  });

  it('leaves the existing file intact when the document fails validation', () => {
    const path = join(dir, 'keep.json');
    writeResults(path, doc());
    const before = readFileSync(path, 'utf8');
    const broken = doc();
    (broken.runs[0]!.metrics as { ops: unknown }).ops = -1;
    expect(() => writeResults(path, broken)).toThrow(ResultsError);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves the target and no temp file behind when the final rename fails', () => {
    const target = join(dir, 'occupied');
    mkdirSync(join(target, 'child'), { recursive: true });
    expect(() => writeResults(target, doc())).toThrow(/occupied: cannot write \(E/);
    expect(existsSync(join(target, 'child'))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('env_hash (measurement.md §5.4)', () => {
  it('covers the A/B-critical fields only: node, V8, execArgv, CPU, cores, kernel, engine, profiles', () => {
    const env = collectEnv(new Date(0));
    const profiles = [{ id: 'modern-2020s', sha256: 'a'.repeat(64) }];
    const h = envHash(env, 'sim', profiles);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    // Not critical: timestamps, hostname, load.
    expect(
      envHash({ ...env, createdAt: new Date(5).toISOString(), hostname: 'x', loadavg: [9, 9, 9] }, 'sim', profiles),
    ).toBe(h);
    for (const changed of [
      { ...env, node: 'v99.0.0' },
      { ...env, v8: '1.0' },
      { ...env, execArgv: ['--jitless'] },
      { ...env, cpuModel: 'other' },
      { ...env, cores: (env.cores ?? 1) + 1 },
      { ...env, kernel: 'other' },
    ]) {
      expect(envHash(changed, 'sim', profiles)).not.toBe(h);
    }
    expect(envHash(env, 'threads', profiles)).not.toBe(h);
    expect(envHash(env, 'sim', [{ id: 'core2-2008', sha256: 'a'.repeat(64) }])).not.toBe(h);
  });
});

describe('environment metadata', () => {
  it('records node, v8, platform, cpu and an ISO timestamp; RINGSIDE_NO_GIT=1 records no commit', () => {
    const env = collectEnv(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
    expect(env).toMatchObject({ node: process.version, v8: process.versions.v8, commit: null, dirty: null });
    expect(env.kernel).toBeTruthy();
    expect(env.cores).toBeGreaterThan(0);
    expect(env.execArgv).toEqual(process.execArgv);
    expect(env.loadavg).toHaveLength(3);
    expect(env.createdAt).toBe('2024-01-02T03:04:05.000Z');
    expect(env.cpus).toBeGreaterThan(0);
  });
});
