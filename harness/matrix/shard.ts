/**
 * `--shard i/n` (1-based, measurement.md §8.2): a deterministic slice of the matrix chosen by
 * a stable hash of each cell id, so every CI job computes the same partition without
 * coordinating, and adding a cell moves no other cell between shards.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../runner/cell.js';

export interface ShardSpec {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) throw new ConfigError(`--shard ${text}: expected i/n, e.g. 1/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new ConfigError(`--shard ${text}: expected 1 ≤ i ≤ n (shards are numbered from 1)`);
  }
  return { index, count };
}

/** The shard (1…count) a cell id belongs to: the first 32 bits of its sha256, modulo count. */
export function shardOf(id: string, count: number): number {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export function inShard(id: string, shard: ShardSpec): boolean {
  return shardOf(id, shard.count) === shard.index;
}
