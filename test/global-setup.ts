/**
 * Build dist/ once so end-to-end tests can run the real `ringside` binary. tsc emits
 * JavaScript even when it reports type errors; those are the typecheck step's job
 * (`npm run typecheck`), so a type error here only warns.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    process.stderr.write(`[global-setup] tsc reported errors (dist still emitted):\n${r.stdout.slice(0, 4000)}\n`);
  }
}
