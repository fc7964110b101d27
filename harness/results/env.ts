/**
 * Environment metadata recorded with every result document (measurement.md §5.4: each
 * field has caused false alarms when missing). The commit is `git rev-parse HEAD` of the
 * ringside checkout when there is one; `RINGSIDE_NO_GIT=1` skips git entirely.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { arch, cpus, hostname, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from './schema.js';

/** The nearest ancestor of this module that holds package.json (source tree or installed package). */
function packageDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function git(cwd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
  } catch {
    return undefined;
  }
}

export interface SourceState {
  readonly commit: string | null;
  readonly dirty: boolean | null;
}

export function sourceState(): SourceState {
  const dir = packageDir();
  if (process.env.RINGSIDE_NO_GIT === '1' || dir === undefined) return { commit: null, dirty: null };
  const commit = git(dir, ['rev-parse', 'HEAD']);
  if (commit === undefined || !/^[0-9a-f]{40,64}$/.test(commit)) return { commit: null, dirty: null };
  const status = git(dir, ['status', '--porcelain', '--untracked-files=no']);
  return { commit, dirty: status === undefined ? null : status.length > 0 };
}

export function collectEnv(now: Date = new Date()): Env {
  const cpuList = cpus();
  const source = sourceState();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: platform(),
    arch: arch(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpus: cpuList.length,
    commit: source.commit,
    dirty: source.dirty,
    hostname: hostname(),
    createdAt: now.toISOString(),
  };
}
