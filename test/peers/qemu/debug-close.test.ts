import { it } from 'vitest';
import { QtestPlatform } from './qtest-platform.js';
it('close timing', async () => {
  const g = await QtestPlatform.launch({ extraArgs: ['-serial', 'null'] });
  g.io.in(0x3fd, 1);
  const t = performance.now();
  const w = (g.link as unknown as { worker: import('node:worker_threads').Worker }).worker;
  w.on('message', (m) => console.log('msg', m, performance.now() - t));
  w.on('exit', (c) => console.log('exit', c, performance.now() - t));
  await g.close();
  console.log('closed', performance.now() - t);
}, 20000);
