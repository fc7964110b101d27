import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readResults, validateResults } from '../../harness/results/io.js';
import { ringsideInScratch } from '../support/ringside-bin.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const _bin = join(root, 'bin', 'ringside.js');
const { dir, ringside } = ringsideInScratch('ringside-e2e-');

describe('ringside binary', () => {
  it('--help lists the commands and exits 0', () => {
    const r = ringside('--help');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ringside list\s+list models/);
    expect(r.out).toMatch(/ringside bench\s+run a matrix of benchmark cells/);
    expect(r.out).toMatch(/ringside merge <files\.\.>\s+join result files/);
    expect(r.err).toBe('');
  });

  it('list shows virtio with its classes and options, the workloads and the profiles', () => {
    const r = ringside('list');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ {2}virtio — /m);
    expect(r.out).toContain('classes: block (native), net (native), console (native), entropy (native)');
    expect(r.out).toMatch(/--model-opt queue-size=[\d|]+ {2}default 256/);
    for (const w of ['block randread', 'block randwrite', 'net rr', 'net stream', 'console bulk', 'entropy drain']) {
      expect(r.out).toContain(`${w} — `);
    }
    expect(r.out).toContain('modern-2020s (');
  });

  it('bench on virtio-blk writes a valid result document and prints the table', () => {
    const file = join(dir, 'virtio.json');
    const r = ringside(
      'bench',
      '--model',
      'virtio',
      '--device',
      'block',
      '--workload',
      'randread',
      '--iodepth',
      '8',
      '--bs',
      '4096',
      '--ops',
      '2000',
      '--size',
      '4m',
      '--coalesce',
      'event-idx',
      '--json',
      file,
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.err).toMatch(/^\[1\/1\] virtio block randread qd=8 event-idx zerocopy: ok/);
    expect(r.out).toMatch(/^model\s+device\s+workload/);
    expect(r.out).toMatch(/\nvirtio\s+block\s+randread\s+qd=8 event-idx zerocopy\s+ok\s+2000\s/);
    const doc = readResults(file);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.env.node).toBe(process.version);
    const run = doc.runs[0];
    expect(run).toMatchObject({ model: 'virtio', device: 'block', workload: 'randread', status: 'ok', seed: 1 });
    expect(run?.metrics?.ops).toBe(2000);
    expect(run?.metrics?.workload.verifiedReads).toBe(2000);
    // EVENT_IDX at depth 8: fewer than one notification per request.
    expect(run?.metrics?.perOp.notifications).toBeLessThan(1);
  });

  it('--json - puts the document on stdout', () => {
    const r = ringside('bench', '--model', 'virtio', '--device', 'entropy', '--ops', '50', '--json', '-', '--quiet');
    expect(r.code, r.err).toBe(0);
    const doc = validateResults(JSON.parse(r.out), 'stdout');
    expect(doc.runs[0]).toMatchObject({ device: 'entropy', workload: 'drain', status: 'ok' });
    expect(r.err).toMatch(/^model\s+device/);
  });

  it('an unknown flag is a usage error: exit 2, one line, no stack trace', () => {
    const r = ringside('bench', '--bogus', '1');
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('ringside: Unknown argument: bogus (see ringside --help)\n');
  });

  it('--coalesce bogus is a usage error: exit 2, one line', () => {
    const r = ringside('bench', '--coalesce', 'bogus');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toBe(
      'ringside: --coalesce: invalid coalesce "bogus": expected none, event-idx, count:N or time:US (see ringside --help)\n',
    );
  });
});
