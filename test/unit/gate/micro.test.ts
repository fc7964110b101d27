/**
 * Microbenchmarks as gate input: seeded, deterministic hot-path tasks; a sink that sees every
 * batch; records aggregated over repeats (median, per-process values, CI); the `micro` section
 * of a result file validated like the rest; and `ringside micro` writing a valid file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, run } from '../../../harness/cli/main.js';
import { selectMicro } from '../../../harness/cli/micro.js';
import { UsageError } from '../../../harness/cli/parse.js';
import { readGateDocument } from '../../../harness/gate/run.js';
import { busPioTask, guestCopyTask } from '../../../harness/micro/benches/platform.js';
import { blkHeaderParseTask } from '../../../harness/micro/benches/virtio.js';
import {
  type BatchTask,
  type MicroBenchmark,
  type MicroMeasurement,
  measureBatched,
} from '../../../harness/micro/measure.js';
import { MICRO_BENCHMARKS } from '../../../harness/micro/registry.js';
import { microDocument, microRecords } from '../../../harness/micro/run.js';
import { validateMicroSection } from '../../../harness/micro/schema.js';
import { ResultsError, validateResults } from '../../../harness/results/io.js';

process.env.RINGSIDE_NO_GIT = '1';

const dir = mkdtempSync(join(tmpdir(), 'ringside-micro-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hot-path tasks', () => {
  // `period`: inputs per round; `stateless`: a second round reads exactly what the first did
  // (the PIO registers keep what was written, so that task is not).
  const tasks: Array<[string, (seed: number) => BatchTask, number, boolean]> = [
    ['bus PIO dispatch', busPioTask, 1024, false],
    ['guest memory copy', guestCopyTask, 256, true],
    ['blk header parse', blkHeaderParseTask, 64, true],
  ];
  for (const [name, make, period, stateless] of tasks) {
    it(`${name}: the same seed gives the same sink, another seed a different one`, () => {
      const a = make(1);
      const first = a.run(period);
      const second = a.run(period);
      const b = make(1);
      expect([b.run(period), b.run(period)]).toEqual([first, second]);
      if (stateless) expect(second).toBe(first);
      expect(make(2).run(period)).not.toBe(first);
    });
  }
});

describe('measureBatched', () => {
  it('runs whole batches through tinybench and sums every batch into the checksum', async () => {
    let ops = 0;
    const task: BatchTask = {
      run(n) {
        ops += n;
        return n;
      },
    };
    const m = await measureBatched(task, { timeMs: 5, warmupMs: 1, seed: 1 });
    expect(m.samples).toBeGreaterThan(0);
    expect(m.opsPerSample).toBeGreaterThanOrEqual(1);
    expect(m.checksum).toBe(ops);
    expect(Number.isFinite(m.nsPerOp) && m.nsPerOp > 0).toBe(true);
  });
});

describe('micro records and documents', () => {
  const bench = MICRO_BENCHMARKS[0] as MicroBenchmark;
  const measured = (ns: number): MicroMeasurement => ({
    nsPerOp: ns,
    samples: 100,
    opsPerSample: 50,
    checksum: 7,
    warnings: [],
  });
  const options = { timeMs: 10, warmupMs: 1, seed: 3 };
  const info = { argv: ['micro'], startedAt: new Date(0), finishedAt: new Date(1000), repeat: 1, seed: 3 };

  it('one repeat: the value is that process median, no CI', () => {
    const [record] = microRecords([bench], [[measured(40)]], options);
    expect(record?.metrics.ns_per_op).toEqual({
      kind: 'timing',
      basis: 'wall',
      unit: 'ns/op',
      better: 'lower',
      value: 40,
      per_repeat: [40],
    });
    expect(record).toMatchObject({ id: bench.id, seed: 3, samples: [100], checksum: ['7'] });
  });

  it('repeats: per-process values kept, the median as value, a bootstrap CI inside their range', () => {
    const values = [40, 44, 41, 39, 60];
    const [record] = microRecords(
      [bench],
      values.map((v) => [measured(v)]),
      options,
    );
    const metric = record?.metrics.ns_per_op;
    expect(metric?.per_repeat).toEqual(values);
    expect(metric?.value).toBe(41);
    expect(metric?.ci95?.[0]).toBeGreaterThanOrEqual(39);
    expect(metric?.ci95?.[1]).toBeLessThanOrEqual(60);
    const doc = microDocument(
      microRecords(
        [bench],
        values.map((v) => [measured(v)]),
        options,
      ),
      { ...info, repeat: values.length },
    );
    expect(doc.run?.env_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.run).toMatchObject({ engine: 'micro', repeat: 5, matrixCells: 1 });
    expect(validateResults(doc, 'x').runs).toEqual([]);
    expect(validateMicroSection(doc, 'x')).toEqual(doc.micro);
  });

  it('a malformed micro section names the file and the field', () => {
    const doc = microDocument(microRecords([bench], [[measured(40)]], options), info);
    const bad = {
      ...doc,
      micro: [{ ...doc.micro[0], metrics: { ns_per_op: { ...doc.micro[0]?.metrics.ns_per_op, better: 'none' } } }],
    };
    expect(() => validateMicroSection(bad, 'm.json')).toThrow(ResultsError);
    expect(() => validateMicroSection(bad, 'm.json')).toThrow(/^m\.json: micro\[0\]\.metrics\.ns_per_op\.better: /);
    const missing = { ...doc, micro: [{ ...doc.micro[0], id: undefined }] };
    expect(() => validateMicroSection(missing, 'm.json')).toThrow(/micro\[0\]\.id: missing/);
  });
});

describe('ringside micro', () => {
  it('selects by --filter and --model and refuses selections that match nothing', () => {
    expect(selectMicro({ model: 'virtio' }).every((b) => b.model === 'virtio')).toBe(true);
    expect(selectMicro({ filter: 'copy' }).map((b) => b.id)).toEqual(['platform/guest-memory-copy-4k']);
    expect(() => selectMicro({ model: 'nonesuch' })).toThrow(UsageError);
    expect(() => selectMicro({ filter: '(' })).toThrow(UsageError);
    expect(() => selectMicro({ filter: 'zzz' })).toThrow(UsageError);
  });

  it('writes a result file the gate reads, and prints the table with checksums', async () => {
    const file = join(dir, 'micro.json');
    let out = '';
    const code = await run(
      ['micro', '--filter', 'platform/', '--time', '5', '--warmup-time', '1', '--quiet', '--json', file],
      {
        stdout: (t) => {
          out += t;
        },
        stderr: () => {},
      },
    );
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/^benchmark\s+ns\/op\s+ops\/s\s+CI95 ns\/op\s+repeats\s+samples\s+ops\/sample\s+checksum\n/);
    expect(out).toMatch(/\nplatform\/bus-pio-dispatch\s+[\d.]+\s+[\d.]+ [kM]\s+-\s+1\s+\d+\s+\d+\s+\d+\n/);
    const gateDoc = readGateDocument(file);
    expect([...gateDoc.cells.keys()]).toEqual([
      'micro/platform/bus-pio-dispatch',
      'micro/platform/guest-memory-copy-4k',
    ]);
  });

  it('a selection error exits 2 with one line', async () => {
    let err = '';
    const code = await run(['micro', '--model', 'nonesuch'], {
      stdout: () => {},
      stderr: (t) => {
        err += t;
      },
    });
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/^ringside: --model nonesuch: no microbenchmarks/);
  });
});
