import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deterministicPart } from '../../harness/matrix/repeat.js';
import { readResults } from '../../harness/results/io.js';
import type { ResultDocument, RunRecord } from '../../harness/results/schema.js';
import { cellId } from '../../harness/runner/cell-id.js';
import { ringsideInScratch } from '../support/ringside-bin.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const _bin = join(root, 'bin', 'ringside.js');
const { dir, ringside } = ringsideInScratch('ringside-e2e-threads-');

const at = (name: string) => join(dir, name);

describe('ringside bench --engine threads', () => {
  it('virtio block, 2000 ops: exit 0, a valid document with the threads record, id and detail', () => {
    const r = ringside(
      'bench',
      '--engine',
      'threads',
      '--model',
      'virtio',
      '--device',
      'block',
      '--ops',
      '2000',
      '--json',
      'f',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/\nvirtio\s+block\s+randread\s+qd=1 none zerocopy threads:hybrid\s+ok\s+2000\s/);
    const doc = readResults(at('f'));
    expect(doc.run?.engine).toBe('threads');
    const [run] = doc.runs;
    expect(run).toMatchObject({ engine: 'threads', notify: 'hybrid', spinNs: 50_000, status: 'ok' });
    expect(run?.id).toBe(cellId(run as RunRecord));
    expect(run?.metrics?.ops).toBe(2000);
    expect(run?.metrics?.lat_ns.count).toBe(2000);
    expect(run?.threads?.notify).toBe('hybrid');
    expect(run?.threads?.latencyHdr.length).toBeGreaterThan(0);
  });

  it('--notify with a bad value is a usage error: exit 2, one line, nothing run', () => {
    const r = ringside('bench', '--engine', 'threads', '--notify', 'sometimes', '--json', 'never.json');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('ringside: --notify sometimes: expected one of futex, poll, hybrid (see ringside --help)\n');
    expect(existsSync(at('never.json'))).toBe(false);
  });
});

describe('a sim + threads matrix', () => {
  const matrix = ['bench', '--engine', 'sim,threads', '--notify', 'futex', '--model', 'virtio'];
  // By the cell-id hash this matrix splits into block cells (shard 1) and net cells (shard 2), both engines in each.
  const cells = [...matrix, '--device', 'block,net', '--ops', '200', '--quiet'];

  it('split into two shards, merges back into the full run', () => {
    const full = ringside(...cells, '--json', 'full.json');
    expect(full.code, full.err).toBe(0);
    expect(ringside(...cells, '--shard', '1/2', '--json', 's1.json').code).toBe(0);
    expect(ringside(...cells, '--shard', '2/2', '--json', 's2.json').code).toBe(0);
    for (const shard of ['s1.json', 's2.json']) {
      expect(new Set(readResults(at(shard)).runs.map((r) => r.engine))).toEqual(new Set(['sim', 'threads']));
    }
    const m = ringside('merge', 's1.json', 's2.json', '--json', 'merged.json');
    expect(m.code, m.err).toBe(0);
    // Both shards record the matrix's engines, so their environments match.
    expect(m.err).not.toMatch(/env_hash/);
    const merged = readResults(at('merged.json'));
    const whole = readResults(at('full.json'));
    expect(merged.run?.engine).toBe('sim,threads');
    expect(merged.runs.map((r) => `${r.engine}:${r.device}`).sort()).toEqual([
      'sim:block',
      'sim:net',
      'threads:block',
      'threads:net',
    ]);
    expect(merged.runs.every((r) => r.status === 'ok')).toBe(true);
    expect(merged.runs.map(deterministicPart)).toEqual(whole.runs.map(deterministicPart));
  });

  it('a sim file and a threads file of the same cells merge, each cell once', () => {
    const one = ['--model', 'virtio', '--device', 'block', '--ops', '200', '--quiet'];
    expect(ringside('bench', ...one, '--json', 'sim.json').code).toBe(0);
    expect(ringside('bench', '--engine', 'threads', ...one, '--json', 'threads.json').code).toBe(0);
    const m = ringside('merge', 'sim.json', 'threads.json', '--json', 'both.json');
    expect(m.code, m.err).toBe(0);
    const both = readResults(at('both.json'));
    expect(both.run?.engine).toBe('sim,threads');
    expect(new Set(both.runs.map((r) => r.id)).size).toBe(2);
  });
});

describe('ringside bench --report', () => {
  it('writes the offline HTML report beside the JSON, with its Content-Security-Policy', () => {
    const r = ringside(
      'bench',
      '--model',
      'virtio',
      '--device',
      'block',
      '--ops',
      '200',
      '--quiet',
      '--json',
      'rep.json',
      '--report',
      'out/rep.html',
    );
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(at('out/rep.html'), 'utf8');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/);
    expect(html).toContain('rep.json');
    expect(existsSync(at('rep.json'))).toBe(true);
  });
});

describe('ringside gate on --repeat files', () => {
  const repeatCells = ['bench', '--engine', 'sim,threads', '--notify', 'futex', '--model', 'virtio'];
  const args = [...repeatCells, '--device', 'block', '--ops', '200', '--repeat', '3', '--quiet'];

  /** `doc` with the threads run's iops repeats replaced by 10 values at `scale` × the original mean. */
  function withIopsRepeats(doc: ResultDocument, scale: number): ResultDocument {
    const out = structuredClone(doc);
    const run = out.runs.find((r) => r.engine === 'threads');
    const iops = run?.repeat?.timing.iops;
    if (run?.metrics === undefined || iops === undefined) throw new Error('no repeated threads run');
    const values = Array.from({ length: 10 }, (_, i) => iops.mean * scale * (1 + (i - 4.5) / 500));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    run.repeat = { ...(run.repeat as NonNullable<RunRecord['repeat']>), count: 10 };
    run.repeat.timing.iops = { values, mean, stddev: 0, ci: { level: 0.95, lo: mean, hi: mean } };
    run.metrics.iops = mean;
    return out;
  }

  it('two --repeat 3 files gate cleanly A/A; a constructed 20% throughput regression fails', () => {
    for (const name of ['a.json', 'b.json']) {
      const r = ringside(...args, '--json', name);
      expect(r.code, r.err).toBe(0);
    }
    const a = readResults(at('a.json'));
    const threads = a.runs.find((r) => r.engine === 'threads');
    expect(threads?.repeat?.timing['counters.exits']?.values).toHaveLength(3);
    expect(threads?.repeat?.note).toMatch(/event counts .* may differ between repeats/);
    const pass = ringside('gate', '--baseline', 'a.json', '--current', 'b.json', '--all');
    expect(pass.code, pass.out + pass.err).toBe(0);
    // Timing metrics of both engines are tested on their per-repeat values.
    expect(pass.out).toMatch(/simOpsPerWallSec .* p [01]\.\d{4}\s+Holm/);
    expect(pass.out).toMatch(/\n\s+\S+(?: \S+)?\s+lat_ns\.p99 .* p [01]\.\d{4}\s+Holm/);

    writeFileSync(at('base10.json'), JSON.stringify(withIopsRepeats(a, 1)));
    writeFileSync(at('slow10.json'), JSON.stringify(withIopsRepeats(a, 0.8)));
    const fail = ringside('gate', '--baseline', 'base10.json', '--current', 'slow10.json');
    expect(fail.code, fail.out + fail.err).toBe(1);
    expect(fail.out).toMatch(/✗ Regressed\s+iops\s/);
  });
});
