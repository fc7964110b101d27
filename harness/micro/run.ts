/**
 * Running microbenchmarks: in this process (one repeat), or in N fresh processes one after
 * another (measurement.md §2.3: R fresh processes, the per-process median as the unit; timing
 * work always serial). Each child is dist/harness/micro/child.js, so repeats need the built CLI.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectEnv, envHash } from '../results/env.js';
import { type Env, SCHEMA_VERSION, TOOL } from '../results/schema.js';
import { bootstrapCi } from '../stats/bootstrap.js';
import { median } from '../stats/summary.js';
import type { MicroBenchmark, MicroMeasurement, MicroOptions } from './measure.js';
import { findMicro } from './registry.js';
import type { MicroDocument, MicroRecord } from './schema.js';

export async function measureHere(
  benchmarks: readonly MicroBenchmark[],
  options: MicroOptions,
  onDone?: (b: MicroBenchmark, m: MicroMeasurement) => void,
): Promise<MicroMeasurement[]> {
  const out: MicroMeasurement[] = [];
  for (const b of benchmarks) {
    const m = await b.measure(options);
    out.push(m);
    onDone?.(b, m);
  }
  return out;
}

/** What the parent sends a child, and what comes back. */
export interface ChildRequest {
  readonly ids: readonly string[];
  readonly options: MicroOptions;
}
export type ChildReply =
  | { readonly ok: true; readonly measurements: MicroMeasurement[] }
  | { readonly ok: false; readonly error: string };

export class MicroChildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MicroChildError';
  }
}

function childPath(): string {
  const path = fileURLToPath(new URL('./child.js', import.meta.url));
  if (!existsSync(path)) throw new MicroChildError(`--repeat runs ${path}, which is missing: build dist first`);
  return path;
}

/** Resolve ids in the child: benchmark objects cannot cross a process boundary. */
export function lookupAll(ids: readonly string[]): MicroBenchmark[] {
  return ids.map((id) => {
    const b = findMicro(id);
    if (b === undefined) throw new MicroChildError(`unknown microbenchmark ${id}`);
    return b;
  });
}

function runChild(path: string, request: ChildRequest): Promise<MicroMeasurement[]> {
  return new Promise((resolve, reject) => {
    const child = fork(path, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    let stderr = '';
    let reply: ChildReply | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('message', (message) => {
      reply = message as ChildReply;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (reply?.ok === true) resolve(reply.measurements);
      else if (reply?.ok === false) reject(new MicroChildError(reply.error));
      else
        reject(
          new MicroChildError(`microbenchmark process ended (${signal ?? code}) without a result: ${stderr.trim()}`),
        );
    });
    child.send(request);
  });
}

/** `repeat` fresh processes, one after another; result[r][i] is repeat r of benchmark i. */
export async function measureRepeats(
  benchmarks: readonly MicroBenchmark[],
  options: MicroOptions,
  repeat: number,
  onRepeat?: (r: number) => void,
): Promise<MicroMeasurement[][]> {
  const path = childPath();
  const ids = benchmarks.map((b) => b.id);
  const out: MicroMeasurement[][] = [];
  for (let r = 0; r < repeat; r++) {
    out.push(await runChild(path, { ids, options }));
    onRepeat?.(r + 1);
  }
  return out;
}

/** One record per benchmark from `perRepeat[r][i]`: the median over repeats of each process's median sample. */
export function microRecords(
  benchmarks: readonly MicroBenchmark[],
  perRepeat: readonly (readonly MicroMeasurement[])[],
  options: MicroOptions,
): MicroRecord[] {
  return benchmarks.map((b, i) => {
    const runs = perRepeat.map((measurements) => {
      const m = measurements[i];
      if (m === undefined) throw new MicroChildError(`no measurement of ${b.id}`);
      return m;
    });
    const ns = runs.map((m) => m.nsPerOp);
    const value = median(ns);
    const ci = ns.length >= 2 ? bootstrapCi(ns, median, { seed: options.seed }) : undefined;
    return {
      id: b.id,
      model: b.model,
      title: b.title,
      params: { ...b.params, timeMs: options.timeMs, warmupMs: options.warmupMs },
      seed: options.seed,
      opsPerSample: Math.max(...runs.map((m) => m.opsPerSample)),
      samples: runs.map((m) => m.samples),
      checksum: runs.map((m) => String(m.checksum)),
      metrics: {
        ns_per_op: {
          kind: 'timing',
          basis: 'wall',
          unit: 'ns/op',
          better: 'lower',
          value,
          per_repeat: ns,
          ...(ci === undefined ? {} : { ci95: [ci.lo, ci.hi] as [number, number] }),
        },
      },
    };
  });
}

/** How a micro file was produced; `env_hash` lets the gate refuse timing comparisons across machines. */
export interface MicroRunInfo {
  readonly argv: readonly string[];
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly repeat: number;
  readonly seed: number;
}

export const MICRO_ENGINE = 'micro';

export function microDocument(
  records: MicroRecord[],
  info: MicroRunInfo,
  env: Env = collectEnv(info.finishedAt),
): MicroDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: TOOL,
    env,
    run: {
      argv: [...info.argv],
      startedAt: info.startedAt.toISOString(),
      finishedAt: info.finishedAt.toISOString(),
      engine: MICRO_ENGINE,
      seeds: [info.seed],
      profiles: [],
      jobs: 1,
      repeat: info.repeat,
      shard: null,
      matrixCells: records.length,
      env_hash: envHash(env, MICRO_ENGINE, []),
    },
    runs: [],
    micro: records,
  };
}
