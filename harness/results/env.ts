/**
 * Environment metadata recorded with every result document (measurement.md §5.4: each
 * field has caused false alarms when missing), and the hash of its A/B-critical subset. The commit is `git rev-parse HEAD` of the
 * ringside checkout when there is one; `RINGSIDE_NO_GIT=1` skips git entirely.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';
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

/** The cpufreq governor of cpu0 (`performance`, `powersave`…), or null where sysfs has none. */
function governor(): string | null {
  try {
    return readFileSync('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor', 'utf8').trim() || null;
  } catch {
    return null;
  }
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
    execArgv: [...process.execArgv],
    kernel: release(),
    cores: availableParallelism(),
    memBytes: totalmem(),
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    governor: governor(),
    ci: process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false',
  };
}

/**
 * sha256 over the A/B-critical subset of the environment (measurement.md §5.4): node, V8,
 * execArgv, CPU model, cores, kernel, engine and the cost profiles (id + sha256, sorted). Two
 * result files with different hashes must not be compared on timing metrics.
 */
export function envHash(env: Env, engine: string, profiles: readonly { id: string; sha256: string }[]): string {
  const critical = {
    node: env.node,
    v8: env.v8,
    execArgv: env.execArgv ?? [],
    cpuModel: env.cpuModel,
    cores: env.cores ?? env.cpus,
    kernel: env.kernel ?? '',
    engine,
    profiles: profiles.map((p) => `${p.id}:${p.sha256}`).sort(),
  };
  return createHash('sha256').update(JSON.stringify(critical)).digest('hex');
}
