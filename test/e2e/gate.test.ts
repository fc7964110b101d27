import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConformanceReport } from '../../harness/conformance/report.js';
import { readGateDocument } from '../../harness/gate/run.js';
import { ringsideInScratch } from '../support/ringside-bin.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const _bin = join(root, 'bin', 'ringside.js');
const { dir, ringside } = ringsideInScratch('ringside-e2e-gate-');

describe('ringside gate, micro and conformance binaries', () => {
  it('--help lists the three commands', () => {
    const r = ringside('--help');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ringside gate\s+compare a result file with a baseline/);
    expect(r.out).toMatch(/ringside micro\s+tinybench microbenchmarks/);
    expect(r.out).toMatch(/ringside conformance\s+run the conformance case library/);
  });

  it('micro --repeat 3 twice, then gate: every hot path compared by permutation, and an A/A pair passes', () => {
    const flags = ['--repeat', '3', '--time', '10', '--warmup-time', '2', '--quiet'];
    for (const name of ['a.json', 'b.json']) {
      const r = ringside('micro', ...flags, '--json', name);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/\nvirtio\/split-ring-cycle\s+[\d.]+\s+[\d.]+ [kM]\s+\[[\d.]+, [\d.]+\]\s+3\s/);
    }
    const doc = readGateDocument(join(dir, 'a.json'));
    expect(doc.cells.size).toBeGreaterThanOrEqual(4);
    for (const cell of doc.cells.values()) expect(cell.metrics.get('ns_per_op')?.repeats).toHaveLength(3);
    const g = ringside('gate', '--baseline', 'a.json', '--current', 'b.json', '--all', '--junit', 'gate.xml');
    // With 3 repeats per side the smallest exact p is 2/C(6,3) = 0.1: an A/A pair cannot fail.
    expect(g.code, g.out + g.err).toBe(0);
    expect(g.out.match(/ p [01]\.\d{4}\s+Holm/g)?.length).toBe(doc.cells.size);
    expect(readFileSync(join(dir, 'gate.xml'), 'utf8')).toContain(`tests="${doc.cells.size}" failures="0"`);
  });

  it('bench --save-baseline, then gate a second run: deterministic metrics identical (exit 0); a dropped cell fails (exit 1)', () => {
    const cells = ['--model', 'virtio', '--device', 'block', '--workload', 'randread', '--ops', '300', '--quiet'];
    const first = ringside('bench', ...cells, '--iodepth', '1,4', '--save-baseline', 'base.json');
    expect(first.code, first.err).toBe(0);
    const again = ringside('bench', ...cells, '--iodepth', '1,4', '--json', 'again.json');
    expect(again.code, again.err).toBe(0);
    const pass = ringside('gate', '--baseline', 'base.json', '--current', 'again.json');
    expect(pass.code, pass.out).toBe(0);
    expect(pass.out).toMatch(/\d+ comparisons: \d+ no change, 2 not compared\n/); // sim speed: no repeats
    const fewer = ringside('bench', ...cells, '--iodepth', '1', '--json', 'fewer.json');
    expect(fewer.code, fewer.err).toBe(0);
    const fail = ringside('gate', '--baseline', 'base.json', '--current', 'fewer.json');
    expect(fail.code).toBe(1);
    expect(fail.out).toMatch(/qd=4,.*\n\s+✗ Missing\s+\*/);
  });

  it('gate on a truncated baseline exits 2 with one line naming it, and writes nothing', () => {
    writeFileSync(join(dir, 'cut.json'), '{"schemaVersion": 1, "tool": "ring');
    const r = ringside('gate', '--baseline', 'cut.json', '--current', 'cut.json', '--junit', 'never.xml');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ringside: cut\.json: invalid JSON \(.*\)\n$/);
    expect(existsSync(join(dir, 'never.xml'))).toBe(false);
  });

  it('conformance --json writes a valid report of the whole library and exits 0', () => {
    const r = ringside('conformance', '--model', 'virtio', '--json', 'conformance.json');
    expect(r.code, r.out).toBe(0);
    const report = readConformanceReport(join(dir, 'conformance.json'));
    expect(report.summary.fail).toBe(0);
    // Every case applicable to virtio passes; the emulated-only cases are not applicable.
    const applicable = report.results.filter((x) => x.outcome !== 'not-applicable').length;
    expect(applicable).toBeGreaterThan(100);
    expect(report.summary.pass).toBe(applicable);
    expect(r.out).toMatch(/\nvirtio-pci-driver\.D1\s+MUST\s+virtio 1\.2 §4\.1\.4\.3\.2\s+pass\n/);
  });
});
