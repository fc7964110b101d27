/**
 * Result documents built in memory for report tests: schema-valid by construction (checked
 * with `validateResults`), with metrics derived from a few inputs so tests can compute what
 * the report must show instead of hard-coding it.
 */
import { validateResults } from '../../../harness/results/io.js';
import { type ResultDocument, type RunRecord, SCHEMA_VERSION, TOOL } from '../../../harness/results/schema.js';
import { COUNTER_NAMES, type Counters } from '../../../models/platform/meter.js';

export const ENV: ResultDocument['env'] = {
  node: 'v20.20.2',
  v8: '11.3.244.8-node.38',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpus: 2,
  commit: 'c0ffee0000000000000000000000000000000000',
  dirty: false,
  createdAt: '2026-01-02T03:04:05.000Z',
};

export const PROFILE = { id: 'modern-2020s', sha256: 'a'.repeat(64) };

export interface RunSpec {
  readonly model?: string;
  readonly device?: RunRecord['device'];
  readonly workload?: string;
  readonly iodepth?: number;
  readonly coalesce?: string;
  readonly copy?: 'copy' | 'zerocopy';
  readonly params?: Record<string, number>;
  readonly modelOptions?: Record<string, string>;
  readonly seed?: number;
  readonly profile?: string;
  readonly status?: RunRecord['status'];
  readonly reason?: string;
  readonly iops?: number;
  readonly bw?: number;
  readonly p99?: number;
  /** Per-operation counters (the rest are 0). */
  readonly perOp?: Partial<Counters>;
  readonly repeats?: readonly number[];
}

const OPS = 1000;

/** An ok run (or a failed one with `status`/`reason`) whose metrics follow from the spec. */
export function fixtureRun(spec: RunSpec = {}): RunRecord {
  const base: RunRecord = {
    model: spec.model ?? 'virtio',
    device: spec.device ?? 'block',
    workload: spec.workload ?? 'randread',
    params: spec.params ?? { bs: 4096, ops: OPS },
    knobs: { coalesce: spec.coalesce ?? 'none', iodepth: spec.iodepth ?? 1, copy: spec.copy ?? 'zerocopy' },
    modelOptions: spec.modelOptions ?? {},
    backend: { service: 'ram' },
    engine: 'sim',
    profile: { ...PROFILE, id: spec.profile ?? PROFILE.id },
    seed: spec.seed ?? 1,
    status: spec.status ?? 'ok',
  };
  if (base.status !== 'ok') return { ...base, reason: spec.reason ?? 'not supported by this model' };
  const iops = spec.iops ?? 100_000;
  const p99 = spec.p99 ?? 10_000;
  const perOp = {} as Counters;
  const counters = {} as Counters;
  for (const k of COUNTER_NAMES) {
    perOp[k] = spec.perOp?.[k] ?? 0;
    counters[k] = perOp[k] * OPS;
  }
  const bytes = spec.bw === undefined ? OPS * 4096 : Math.round((spec.bw / iops) * OPS);
  const run: RunRecord = {
    ...base,
    metrics: {
      ops: OPS,
      bytes,
      iops,
      bw_bytes: spec.bw ?? iops * 4096,
      lat_ns: {
        count: OPS,
        mean: p99 / 2,
        p50: p99 / 2,
        p90: (p99 * 3) / 4,
        p99,
        p999: p99 * 2,
        min: p99 / 4,
        max: p99 * 3,
      },
      counters,
      perOp,
      virtualNs: (OPS / iops) * 1e9,
      actors: [{ name: 'vcpu0', busyNs: 1000, util: 0.5 }],
      workload: {},
      simOpsPerWallSec:
        spec.repeats === undefined ? 50_000 : spec.repeats.reduce((a, b) => a + b, 0) / spec.repeats.length,
    },
  };
  if (spec.repeats === undefined) return run;
  const mean = spec.repeats.reduce((a, b) => a + b, 0) / spec.repeats.length;
  return {
    ...run,
    repeat: {
      count: spec.repeats.length,
      timing: {
        simOpsPerWallSec: {
          values: [...spec.repeats],
          mean,
          stddev: 0,
          ci: { level: 0.95, lo: Math.min(...spec.repeats), hi: Math.max(...spec.repeats) },
        },
      },
      deterministic: { identical: true, mismatches: [] },
    },
  };
}

export function fixtureDoc(runs: RunRecord[], env: Partial<ResultDocument['env']> = {}): ResultDocument {
  return validateResults({ schemaVersion: SCHEMA_VERSION, tool: TOOL, env: { ...ENV, ...env }, runs }, 'fixture.json');
}

/** A small sweep: block randread at depths 1/4/16 (× coalescing at 16), console bulk, net rr for `model`. */
export function sweep(model: string, scale = 1): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const iodepth of [1, 4, 16]) {
    runs.push(
      fixtureRun({
        model,
        iodepth,
        iops: 100_000 * iodepth * scale,
        p99: 8000 * Math.sqrt(iodepth),
        perOp: { exits: 1 / iodepth, notifications: 1 / iodepth, interrupts: 1 / iodepth, bytesCopied: 16 },
      }),
    );
  }
  runs.push(
    fixtureRun({
      model,
      iodepth: 16,
      coalesce: 'event-idx',
      iops: 1_700_000 * scale,
      p99: 40_000,
      perOp: { exits: 0.05, interrupts: 0.04, interruptsSuppressed: 0.9 },
    }),
  );
  runs.push(
    fixtureRun({
      model,
      device: 'console',
      workload: 'bulk',
      params: { bs: 256, ops: 256 },
      iops: 20_000 * scale,
      bw: 5_000_000 * scale,
      perOp: { exits: 1, interrupts: 1 },
    }),
  );
  runs.push(
    fixtureRun({
      model,
      device: 'net',
      workload: 'rr',
      params: { request: 64, ops: 1000 },
      iops: 60_000 * scale,
      p99: 17_000,
      perOp: { exits: 1, interrupts: 1, notifications: 1 },
    }),
  );
  return runs;
}
