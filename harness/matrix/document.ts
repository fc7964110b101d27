/**
 * The result document of a bench run: environment (measurement.md §5.4), how the runs were
 * produced (argv, timestamps, engine, seeds, profiles, jobs, repeat, shard, env_hash) and the
 * runs sorted by cell id, so that a full run and the merge of its shards list the same runs in
 * the same order.
 */
import { collectEnv, envHash } from '../results/env.js';
import {
  type Env,
  type ResultDocument,
  type RunInfo,
  type RunRecord,
  SCHEMA_VERSION,
  TOOL,
} from '../results/schema.js';
import { cellId } from '../runner/cell-id.js';
import type { ShardSpec } from './shard.js';

export interface DocumentInfo {
  readonly argv: readonly string[];
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly jobs: number;
  readonly repeat: number;
  readonly shard: ShardSpec | null;
  /** Cells in the whole matrix, every shard included. */
  readonly matrixCells: number;
  /** Test hook: a fixed environment. */
  readonly env?: Env;
}

/** A run's cell id (computed for records that predate the `id` field). */
export function runId(run: RunRecord): string {
  return run.id ?? cellId(run);
}

/** Runs ordered by cell id (code-unit order, locale independent). */
export function sortRuns(runs: readonly RunRecord[]): RunRecord[] {
  return [...runs].sort((a, b) => {
    const x = runId(a);
    const y = runId(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export function distinctProfiles(runs: readonly RunRecord[]): { id: string; sha256: string }[] {
  const seen = new Map<string, { id: string; sha256: string }>();
  for (const r of runs) seen.set(`${r.profile.id}:${r.profile.sha256}`, { id: r.profile.id, sha256: r.profile.sha256 });
  return [...seen.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.sha256 < b.sha256 ? -1 : 1));
}

export function runInfo(runs: readonly RunRecord[], env: Env, info: Omit<DocumentInfo, 'env'>): RunInfo {
  const engine = 'sim';
  const profiles = distinctProfiles(runs);
  return {
    argv: [...info.argv],
    startedAt: info.startedAt.toISOString(),
    finishedAt: info.finishedAt.toISOString(),
    engine,
    seeds: [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b),
    profiles,
    jobs: info.jobs,
    repeat: info.repeat,
    shard: info.shard === null ? null : { index: info.shard.index, count: info.shard.count },
    matrixCells: info.matrixCells,
    env_hash: envHash(env, engine, profiles),
  };
}

export function resultDocument(runs: readonly RunRecord[], info: DocumentInfo): ResultDocument {
  const env = info.env ?? collectEnv(info.startedAt);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: TOOL,
    env,
    run: runInfo(runs, env, info),
    runs: sortRuns(runs),
  };
}
