/**
 * The result document of a bench run: environment (measurement.md §5.4), how the runs were
 * produced (argv, timestamps, engine, seeds, profiles, jobs, repeat, shard, env_hash) and the
 * runs sorted by cell id, so that a full run and the merge of its shards list the same runs in
 * the same order.
 */
import { collectEnv, envHash } from '../results/env.js';
import {
  ENGINES,
  type EngineId,
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
  /**
   * The engines the whole matrix asked for (default: those of `runs`), so every shard of one
   * matrix records the same engine and env_hash whichever cells it happens to hold.
   */
  readonly engines?: readonly EngineId[];
  /** The cost profiles the whole matrix uses (default: those of `runs`), for the same reason. */
  readonly profiles?: readonly { readonly id: string; readonly sha256: string }[];
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

export function distinctProfiles(runs: readonly Pick<RunRecord, 'profile'>[]): { id: string; sha256: string }[] {
  const seen = new Map<string, { id: string; sha256: string }>();
  for (const r of runs) seen.set(`${r.profile.id}:${r.profile.sha256}`, { id: r.profile.id, sha256: r.profile.sha256 });
  return [...seen.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.sha256 < b.sha256 ? -1 : 1));
}

/** `sim`, `threads` or `sim,threads`: the engines present, in ENGINES order (sim when none). */
export function engineText(engines: Iterable<string>): string {
  const present = new Set(engines);
  const listed = ENGINES.filter((e) => present.has(e));
  return listed.length === 0 ? 'sim' : listed.join(',');
}

export function runInfo(runs: readonly RunRecord[], env: Env, info: Omit<DocumentInfo, 'env'>): RunInfo {
  const engine = engineText(info.engines ?? runs.map((r) => r.engine));
  const profiles = distinctProfiles(info.profiles?.map((profile) => ({ profile })) ?? runs);
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
