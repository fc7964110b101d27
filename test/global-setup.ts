/**
 * Build dist/ once so end-to-end tests can run the real `ringside` binary. The build goes
 * to a fresh directory that is then swapped in, so a concurrently running binary never
 * loads half-written files. tsc emits JavaScript even when it reports type errors; those
 * are the typecheck step's job (`npm run typecheck`), so a type error here only warns.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const fresh = `${root}dist.build-${process.pid}`;
  const old = `${root}dist.old-${process.pid}`;
  const r = spawnSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json', '--outDir', fresh],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.status !== 0) {
    process.stderr.write(`[global-setup] tsc reported errors (dist still emitted):\n${r.stdout.slice(0, 4000)}\n`);
  }
  if (existsSync(`${root}dist`)) renameSync(`${root}dist`, old);
  renameSync(fresh, `${root}dist`);
  rmSync(old, { recursive: true, force: true });
}
