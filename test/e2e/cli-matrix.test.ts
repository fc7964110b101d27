import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUITE } from '../../harness/matrix/axes.js';
import { deterministicPart } from '../../harness/matrix/repeat.js';
import { MODELS } from '../../harness/registry.js';
import { readResults } from '../../harness/results/io.js';
import { DEVICE_CLASSES } from '../../models/platform/ports.js';
import { ringsideInScratch } from '../support/ringside-bin.js';

const { dir, ringside } = ringsideInScratch('ringside-e2e-matrix-');

describe('ringside bench (default suite)', () => {
  it('runs the suite over every registered model and class, prints the table and writes JSON', () => {
    const file = join(dir, 'suite.json');
    const r = ringside('bench', '--ops', '30', '--json', file);
    expect(r.code, r.err).toBe(0);
    const doc = readResults(file);
    for (const model of MODELS) {
      for (const cls of DEVICE_CLASSES.filter((c) => model.classes[c] !== undefined)) {
        const got = doc.runs.filter((x) => x.model === model.id && x.device === cls).map((x) => x.workload);
        const want = DEFAULT_SUITE.filter((e) => e.device === cls).map((e) => e.workload);
        expect(got.sort(), `${model.id} ${cls}`).toEqual(want.sort());
      }
    }
    expect(doc.runs.filter((x) => x.status === 'error').map((x) => `${x.id}: ${x.reason}`)).toEqual([]);
    expect(r.out).toMatch(/^model\s+device\s+workload\s+knobs\s+status/);
    expect(r.err).toMatch(/\d+ cells: \d+ ok.* in [\d.]+ s\n$/);
  });
});

describe('--jobs, --shard and merge through the binary', () => {
  const matrix = ['bench', '--model', 'virtio', '--ops', '100', '--size', '1m', '--iodepth', '1,2', '--quiet'];

  it('--jobs 2 equals a serial run', () => {
    const serial = join(dir, 'serial.json');
    const parallel = join(dir, 'parallel.json');
    expect(ringside(...matrix, '--json', serial).code).toBe(0);
    const r = ringside(...matrix, '--jobs', '2', '--json', parallel);
    expect(r.code, r.err).toBe(0);
    const a = readResults(serial);
    const b = readResults(parallel);
    expect(b.runs.map(deterministicPart)).toEqual(a.runs.map(deterministicPart));
  });

  it('two shards merged equal the full run; a truncated input is exit 2 and writes nothing', () => {
    const s1 = join(dir, 's1.json');
    const s2 = join(dir, 's2.json');
    expect(ringside(...matrix, '--shard', '1/2', '--json', s1).code).toBe(0);
    expect(ringside(...matrix, '--shard', '2/2', '--json', s2).code).toBe(0);
    const merged = join(dir, 'merged.json');
    const m = ringside('merge', s1, s2, '--json', merged);
    expect(m.code, m.err).toBe(0);
    const full = readResults(join(dir, 'serial.json'));
    expect(readResults(merged).runs.map(deterministicPart)).toEqual(full.runs.map(deterministicPart));

    const bad = join(dir, 'truncated.json');
    writeFileSync(bad, readFileSync(s2, 'utf8').slice(0, 100));
    const out = join(dir, 'untouched.json');
    writeFileSync(out, 'old\n');
    const r = ringside('merge', s1, bad, '--json', out);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^ringside: ${bad.replace(/[.\\/]/g, '\\$&')}: invalid JSON \\(.*\\)\\n$`));
    expect(readFileSync(out, 'utf8')).toBe('old\n');
  });
});
