/**
 * Run the real `ringside` binary (bin/ringside.js → dist/, built by test/global-setup.ts) in a
 * scratch folder that is removed after the file's tests. No git in tests (the commit is
 * recorded as null) and CI set, so no TTY-dependent output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export interface BinResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

export const RINGSIDE_BIN = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'ringside.js');

/** A scratch folder for this test file and a runner for the binary inside it. */
export function ringsideInScratch(prefix: string): { dir: string; ringside: (...args: string[]) => BinResult } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ringside = (...args: string[]): BinResult => {
    const r = spawnSync(process.execPath, [RINGSIDE_BIN, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, RINGSIDE_NO_GIT: '1', CI: '1' },
      timeout: 120_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  return { dir, ringside };
}
