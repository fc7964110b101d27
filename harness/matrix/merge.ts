/**
 * `ringside merge`: join result documents — typically the shards of one matrix run by
 * separate CI jobs (DESIGN §10) — into one. Inputs arrive validated (readResults); merging
 * then refuses what cannot be joined honestly, each with one line naming the files:
 * different schema versions, a run whose id does not match its fields, a cell present twice,
 * one profile id with two different contents, inconsistent shard numbering or matrix sizes.
 * Each input's environment is kept (`shards`); timing metrics of inputs from different
 * environments (env_hash) are flagged, not compared. The runs come out sorted by cell id,
 * equal to a full run's runs.
 */
import { envHash } from '../results/env.js';
import type { MergedShard, ResultDocument, RunRecord } from '../results/schema.js';
import { cellId } from '../runner/cell-id.js';
import { distinctProfiles, engineText, sortRuns } from './document.js';

export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

export interface MergeInput {
  readonly file: string;
  readonly doc: ResultDocument;
}

export interface MergeResult {
  readonly doc: ResultDocument;
  /** Not errors, but worth a line on stderr (missing shards, mixed environments). */
  readonly warnings: string[];
}

function checkIds(input: MergeInput, owner: Map<string, string>): void {
  input.doc.runs.forEach((run, i) => {
    const expected = cellId(run);
    if (run.id !== undefined && run.id !== expected) {
      throw new MergeError(`${input.file}: runs[${i}].id: "${run.id}" does not match the run's fields (${expected})`);
    }
    const first = owner.get(expected);
    if (first !== undefined) {
      const where = first === input.file ? `twice in ${first}` : `in ${first} and ${input.file}`;
      throw new MergeError(`cell ${expected} appears ${where}: overlapping inputs`);
    }
    owner.set(expected, input.file);
  });
}

function checkProfiles(inputs: readonly MergeInput[]): void {
  const seen = new Map<string, { sha256: string; file: string }>();
  for (const { file, doc } of inputs) {
    for (const run of doc.runs) {
      const prior = seen.get(run.profile.id);
      if (prior === undefined) seen.set(run.profile.id, { sha256: run.profile.sha256, file });
      else if (prior.sha256 !== run.profile.sha256) {
        throw new MergeError(
          `profile ${run.profile.id} differs between ${prior.file} (sha256 ${prior.sha256.slice(0, 12)}…) ` +
            `and ${file} (sha256 ${run.profile.sha256.slice(0, 12)}…)`,
        );
      }
    }
  }
}

/** Shard numbering must be one partition of one matrix; missing shards are only a warning. */
function checkShards(inputs: readonly MergeInput[], warnings: string[]): void {
  const sharded = inputs.filter((i) => i.doc.run?.shard != null);
  if (sharded.length === 0) return;
  const counts = new Set(sharded.map((i) => i.doc.run?.shard?.count));
  if (counts.size > 1) {
    throw new MergeError(`inputs were split into different shard counts: ${sharded.map(shardText).join(', ')}`);
  }
  const byIndex = new Map<number, string>();
  for (const i of sharded) {
    const index = i.doc.run?.shard?.index as number;
    const other = byIndex.get(index);
    if (other !== undefined) {
      throw new MergeError(`${other} and ${i.file} are both shard ${index}/${i.doc.run?.shard?.count}`);
    }
    byIndex.set(index, i.file);
  }
  const sizes = new Set(sharded.map((i) => i.doc.run?.matrixCells));
  if (sizes.size > 1) {
    throw new MergeError(`inputs come from different matrices (matrix sizes ${[...sizes].join(', ')} cells)`);
  }
  const count = [...counts][0] as number;
  const missing: number[] = [];
  for (let k = 1; k <= count; k++) if (!byIndex.has(k)) missing.push(k);
  if (missing.length > 0) {
    warnings.push(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} missing: the merged matrix is partial`,
    );
  }
}

function shardText(i: MergeInput): string {
  const s = i.doc.run?.shard;
  return s == null ? `${i.file} (whole)` : `${i.file} shard ${s.index}/${s.count}`;
}

export function mergeResults(inputs: readonly MergeInput[], argv: readonly string[], now = new Date()): MergeResult {
  const first = inputs[0];
  if (first === undefined) throw new MergeError('nothing to merge: give at least one result file');
  for (const i of inputs) {
    if (i.doc.schemaVersion !== first.doc.schemaVersion) {
      throw new MergeError(
        `${i.file}: schemaVersion ${i.doc.schemaVersion} differs from ${first.file} (schemaVersion ${first.doc.schemaVersion})`,
      );
    }
  }
  const warnings: string[] = [];
  const owner = new Map<string, string>();
  for (const i of inputs) checkIds(i, owner);
  checkProfiles(inputs);
  checkShards(inputs, warnings);

  const hashes = new Set(inputs.map((i) => i.doc.run?.env_hash).filter((h) => h !== undefined));
  if (hashes.size > 1) {
    warnings.push('inputs ran in different environments (env_hash differs): their timing metrics are not comparable');
  }
  const repeats = new Set(inputs.map((i) => i.doc.run?.repeat ?? 1));
  if (repeats.size > 1) warnings.push(`inputs used different --repeat counts (${[...repeats].join(', ')})`);

  const runs: RunRecord[] = sortRuns(inputs.flatMap((i) => i.doc.runs.map((r) => ({ ...r, id: cellId(r) }))));
  const shards: MergedShard[] = inputs.flatMap(({ file, doc }) =>
    doc.shards !== undefined
      ? doc.shards.map((s) => ({ ...s, file: `${file}: ${s.file}` }))
      : [{ file, env: doc.env, ...(doc.run === undefined ? {} : { run: doc.run }) }],
  );
  const starts = inputs.map((i) => i.doc.run?.startedAt ?? i.doc.env.createdAt).sort();
  const profiles = distinctProfiles(runs);
  const env = first.doc.env;
  const sizes = new Set(inputs.map((i) => i.doc.run?.matrixCells));
  const engine = engineText([
    ...runs.map((r) => r.engine),
    ...inputs.flatMap((i) => (i.doc.run === undefined ? [] : i.doc.run.engine.split(','))),
  ]);
  const doc: ResultDocument = {
    schemaVersion: first.doc.schemaVersion,
    tool: first.doc.tool,
    env,
    run: {
      argv: [...argv],
      startedAt: starts[0] ?? now.toISOString(),
      finishedAt: now.toISOString(),
      engine,
      seeds: [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b),
      profiles,
      jobs: Math.max(...inputs.map((i) => i.doc.run?.jobs ?? 1)),
      repeat: Math.max(...repeats),
      shard: null,
      matrixCells: sizes.size === 1 && !sizes.has(undefined) ? ([...sizes][0] as number) : runs.length,
      env_hash: envHash(env, engine, profiles),
    },
    shards,
    runs,
  };
  return { doc, warnings };
}
