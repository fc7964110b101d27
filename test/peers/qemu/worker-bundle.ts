/**
 * The qtest worker's code as one ES module in a data: URL.
 *
 * Tests run TypeScript through vitest's transform, which a node:worker_threads Worker
 * does not get, and Node 20 cannot strip types itself. So the worker entry and its
 * imports are bundled once per process with rolldown (already installed as the bundler
 * under vitest/vite) and started from memory: no files to clean up.
 */
import { fileURLToPath } from 'node:url';

let cached: Promise<URL> | undefined;

export function qtestWorkerUrl(): Promise<URL> {
  cached ??= bundle();
  return cached;
}

async function bundle(): Promise<URL> {
  const { build } = await import('rolldown');
  const input = fileURLToPath(new URL('./qtest-worker.ts', import.meta.url));
  const result = await build({
    input,
    platform: 'node',
    write: false,
    logLevel: 'warn',
    // Sources import siblings as `./x.js` (NodeNext); the files on disk are `.ts`.
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    output: { format: 'esm' },
  });
  const chunk = result.output[0];
  return new URL(`data:text/javascript,${encodeURIComponent(chunk.code)}`);
}
