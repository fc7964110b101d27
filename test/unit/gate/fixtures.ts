/** Result documents built in memory for gate tests: valid by construction, then bent per test. */

import type { MicroRecord } from '../../../harness/micro/schema.js';
import { type ResultDocument, type RunRecord, SCHEMA_VERSION, TOOL } from '../../../harness/results/schema.js';
import { COUNTER_NAMES, type Counters } from '../../../models/platform/meter.js';
import { Rng } from '../../../models/platform/rng.js';

export const ENV: ResultDocument['env'] = {
  node: 'v20.20.2',
  v8: '11.3.244.8-node.19',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpus: 2,
  commit: null,
  dirty: null,
  createdAt: '2026-01-01T00:00:00.000Z',
};

function counters(base: number): Counters {
  const c = {} as Counters;
  COUNTER_NAMES.forEach((k, i) => {
    c[k] = base * (i + 1);
  });
  return c;
}

/** An ok run of `iodepth` with round numbers; `edit` changes its metrics in place. */
export function makeRun(iodepth = 1, edit?: (m: NonNullable<RunRecord['metrics']>) => void): RunRecord {
  const metrics: NonNullable<RunRecord['metrics']> = {
    ops: 1000,
    bytes: 4096000,
    iops: 200000,
    bw_bytes: 819200000,
    lat_ns: { count: 1000, mean: 5000, p50: 4800, p90: 6000, p99: 9000, p999: 12000, min: 3000, max: 15000 },
    counters: counters(1000),
    perOp: counters(1),
    virtualNs: 5_000_000,
    actors: [{ name: 'vcpu0', busyNs: 4_000_000, util: 0.8 }],
    workload: { reads: 1000 },
    simOpsPerWallSec: 1_000_000,
  };
  edit?.(metrics);
  return {
    model: 'virtio',
    device: 'block',
    workload: 'randread',
    params: { bs: 4096, ops: 1000 },
    knobs: { coalesce: 'none', iodepth, copy: 'zerocopy' },
    modelOptions: {},
    backend: { service: 'ram' },
    engine: 'sim',
    profile: { id: 'modern-2020s', sha256: 'a'.repeat(64) },
    seed: 1,
    status: 'ok',
    metrics,
  };
}

export function makeDoc(runs: RunRecord[], micro?: MicroRecord[]): ResultDocument & { micro?: MicroRecord[] } {
  const doc = { schemaVersion: SCHEMA_VERSION, tool: TOOL, env: ENV, runs } as ResultDocument;
  return micro === undefined ? doc : { ...doc, micro };
}

export function microRecord(id: string, perRepeat: number[]): MicroRecord {
  const sorted = [...perRepeat].sort((a, b) => a - b);
  return {
    id,
    model: id.split('/')[0] as string,
    title: `test benchmark ${id}`,
    params: {},
    seed: 1,
    opsPerSample: 100,
    samples: perRepeat.map(() => 1000),
    checksum: perRepeat.map(() => '42'),
    metrics: {
      ns_per_op: {
        kind: 'timing',
        basis: 'wall',
        unit: 'ns/op',
        better: 'lower',
        value: sorted[sorted.length >> 1] as number,
        per_repeat: perRepeat,
      },
    },
  };
}

/** `n` draws around `mean` with relative spread `spread` (a sum of uniforms: bell-shaped, seeded). */
export function noisy(rng: Rng, n: number, mean: number, spread: number): number[] {
  return Array.from({ length: n }, () => {
    const u = (rng.float() + rng.float() + rng.float() + rng.float() - 2) / 2; // in (−1, 1), sd ≈ 0.29
    return mean * (1 + spread * u * 3.46); // sd ≈ spread
  });
}

export { Rng };
