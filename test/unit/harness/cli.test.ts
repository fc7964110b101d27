/** The CLI in-process (`run(argv, io)`) with the loopback test model registered. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requestFromArgs } from '../../../harness/cli/bench.js';
import { EXIT, run } from '../../../harness/cli/main.js';
import { parseCount, parseDuration, parseSize, UsageError } from '../../../harness/cli/parse.js';
import { expandMatrix } from '../../../harness/matrix/axes.js';
import { WORKLOADS } from '../../../harness/registry.js';
import { readResults, validateResults } from '../../../harness/results/io.js';
import { loopbackModel } from '../../support/loopback-model.js';

// Tests never shell out to git: the commit is recorded as null.
process.env.RINGSIDE_NO_GIT = '1';

const dir = mkdtempSync(join(tmpdir(), 'ringside-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    models: [loopbackModel],
  });
  return { code, out, err };
}

const small = ['bench', '--model', 'loopback', '--ops', '100', '--size', '1m'];

describe('ringside bench (in-process)', () => {
  it('prints a table and a progress line per cell, and writes a valid JSON file', async () => {
    const file = join(dir, 'out.json');
    const r = await cli(...small, '--iodepth', '1,2', '--model-opt', 'slots=2', '--json', file);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^model\s+device\s+workload\s+knobs\s+status\s+ops\s+IOPS\s+MiB\/s\s+p50 µs\s+p99 µs\s+p99\.9 µs\s+exits\/op/,
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^loopback\s+block\s+randread\s+qd=1 none zerocopy\s+ok\s+100\s+\d+/);
    expect(lines[2]).toContain('qd=2 none zerocopy');
    expect(r.err).toMatch(
      /^\[1\/2\] loopback block randread qd=1 none zerocopy: ok \(\d+\.\d s\)\n\[2\/2\] .*qd=2.*: ok/,
    );
    const doc = readResults(file);
    expect(doc.runs.map((x) => x.knobs.iodepth)).toEqual([1, 2]);
    expect(doc.runs[0]?.metrics?.perOp.exits).toBe(9);
    expect(doc.env.commit).toBeNull();
  });

  it('--json - writes the document to stdout and the table to stderr; --quiet drops progress', async () => {
    const r = await cli(...small, '--json', '-', '--quiet', '--workload', 'randwrite', '--seed', '7', '--bs', '8k');
    expect(r.code).toBe(EXIT.ok);
    const doc = validateResults(JSON.parse(r.out), 'stdout');
    expect(doc.runs[0]).toMatchObject({
      workload: 'randwrite',
      seed: 7,
      params: { bs: 8192, ops: 100, size: 1 << 20 },
    });
    expect(r.err).toMatch(/^model\s+device/);
    expect(r.err).not.toContain('[1/1]');
  });

  it('exit 1 when a run fails, with the reason under the table', async () => {
    const r = await cli(
      'bench',
      '--model',
      'loopback',
      '--workload',
      'randwrite',
      '--size',
      '4k',
      '--iodepth',
      '2',
      '--model-opt',
      'slots=2',
    );
    expect(r.code).toBe(EXIT.runFailed);
    expect(r.out).toContain('error');
    expect(r.out).toContain(
      '[1] loopback/block/randwrite error: size 4096 holds 1 blocks of 4096: fewer than iodepth 2',
    );
  });

  it('unsupported cells are reported, not failures (exit 0)', async () => {
    const r = await cli(...small, '--coalesce', 'event-idx', '--quiet');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('unsupported: loopback has no interrupt coalescing');
  });

  it.each([
    [['bench', '--bogus', '1'], 'ringside: Unknown argument: bogus (see ringside --help)'],
    [
      ['bench', '--coalesce', 'bogus'],
      'ringside: --coalesce: invalid coalesce "bogus": expected none, event-idx, count:N or time:US (see ringside --help)',
    ],
    [
      ['bench', '--copy', 'teleport'],
      'ringside: --copy: invalid copy mode "teleport": expected copy or zerocopy (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--model-opt', 'slots'],
      'ringside: --model-opt slots: expected key=value (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--model-opt', 'speed=9'],
      'ringside: no model in this matrix has an option "speed" (options: slots, irq) (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--param', 'request=9'],
      'ringside: no workload in this matrix (randread) has a parameter "request" (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--rate', 'fast'],
      'ringside: --rate fast: expected a whole number, optionally with k, m or g (×1000) (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--duration', '3 weeks'],
      'ringside: --duration 3 weeks: expected a time such as 500us, 10ms or 2s (see ringside --help)',
    ],
    [
      ['bench', '--shard', '3/2'],
      'ringside: --shard 3/2: expected 1 ≤ i ≤ n (shards are numbered from 1) (see ringside --help)',
    ],
    [['bench', '--shard', 'half'], 'ringside: --shard half: expected i/n, e.g. 1/4 (see ringside --help)'],
    [['bench', '--jobs', '0'], 'ringside: --jobs 0: expected 1..256 (see ringside --help)'],
    [['bench', '--engine', 'qemu'], 'ringside: --engine qemu: expected one of sim, threads (see ringside --help)'],
    [
      ['bench', '--engine', 'threads', '--notify', 'fast'],
      'ringside: --notify fast: expected one of futex, poll, hybrid (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--notify', 'futex'],
      'ringside: --notify futex: applies to --engine threads only (see ringside --help)',
    ],
    [
      ['bench', '--engine', 'threads', '--notify', 'poll', '--spin-ns', '1000'],
      'ringside: --spin-ns 1000: applies to --engine threads with --notify hybrid only (see ringside --help)',
    ],
    [
      ['bench', '--engine', 'threads', '--spin-ns', '1.5'],
      'ringside: --spin-ns 1.5: expected a whole number (see ringside --help)',
    ],
    [['bench', '--model', 'loopback', '--report', '-'], 'ringside: --report needs a file name (see ringside --help)'],
    [
      ['bench', '--workload', 'teleport'],
      'ringside: unknown workload "teleport" (workloads: randread, randwrite, randrw, read, write, rr, stream, pps, bulk, echo, drain, small) (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--iodepth', 'deep'],
      'ringside: --iodepth deep: expected a whole number (see ringside --help)',
    ],
    [['bench', '--model', 'xen'], 'ringside: unknown model "xen" (models: loopback) (see ringside --help)'],
    [
      ['bench', '--model', 'loopback', '--device', 'gpu'],
      'ringside: --device gpu: expected one of block, net, console, entropy (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--bs', '1000'],
      'ringside: workload randread bs=1000: must be a multiple of 512 (see ringside --help)',
    ],
    [
      ['bench', '--model', 'loopback', '--profile', '/no/such.json'],
      expect.stringMatching(/^ringside: \/no\/such\.json: file not found/),
    ],
    [[], 'ringside: choose a command: list, bench, merge, gate, micro, conformance or report (see ringside --help)'],
  ])('usage error %j → exit 2 with one line', async (argv, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe('');
    expect(r.err.endsWith('\n')).toBe(true);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err.trimEnd()).toEqual(message);
  });

  it('an unwritable --json target is a one-line error and the runs still print', async () => {
    // Missing folders are created; a parent that is a plain file cannot be.
    writeFileSync(join(dir, 'plain-file'), 'x');
    const r = await cli(...small, '--quiet', '--json', join(dir, 'plain-file', 'out.json'));
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toMatch(/^model/);
    expect(r.err.trimEnd()).toMatch(/plain-file\/out\.json: cannot write \(E[A-Z]+\)$/);
  });
});

describe('internal errors', () => {
  it('exit 3 with the message when writing output itself fails', async () => {
    let err = '';
    const code = await run(['list'], {
      stdout: () => {
        throw new Error('write EPIPE');
      },
      stderr: (t) => {
        err += t;
      },
      models: [loopbackModel],
    });
    expect(code).toBe(EXIT.internal);
    expect(err).toMatch(/^ringside: internal error: Error: write EPIPE\n/);
  });
});

describe('ringside list and help', () => {
  it('lists models with classes and options, workloads with parameters, profiles and knob syntax', async () => {
    const r = await cli('list');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('loopback — test-only PIO register block device');
    expect(r.out).toContain('classes: block (extension)');
    expect(r.out).toContain('--model-opt irq=msi|intx  default msi');
    expect(r.out).toContain('block randread — ');
    expect(r.out).toContain('net rr — ');
    expect(r.out).toContain('request=64 bytes');
    expect(r.out).toContain('modern-2020s (');
    expect(r.out).toContain('core2-2008 (');
    expect(r.out).toContain('--coalesce none | event-idx | count:N');
  });

  it('--help documents the bench defaults', async () => {
    const r = await cli('bench', '--help');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('--iodepth');
    expect(r.out).toMatch(/--coalesce[\s\S]*\[default: none\]/);
    expect(r.out).toMatch(/--jobs[\s\S]*--shard[\s\S]*--repeat/);
    expect(r.out).toMatch(/--profile[\s\S]*\[default: "modern-2020s"\]/);
    const top = await cli('--help');
    expect(top.code).toBe(EXIT.ok);
    expect(top.out).toMatch(/ringside list\s+list models/);
    expect(top.out).toMatch(/ringside bench\s+run a matrix of benchmark cells/);
    expect(top.out).toMatch(/ringside merge <files\.\.>\s+join result files/);
    const version = await cli('--version');
    expect(version.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a repeated single-valued flag is a usage error', async () => {
    const r = await cli(...small, '--size', '4k');
    expect(r.code).toBe(EXIT.usage);
    expect(r.err.trimEnd()).toBe(
      'ringside: --size given more than once (use a comma list to sweep) (see ringside --help)',
    );
  });
});

describe('flag parsing', () => {
  const models = [
    { ...loopbackModel, id: 'a' },
    { ...loopbackModel, id: 'b' },
  ];
  const expand = (args: Record<string, unknown>) =>
    expandMatrix(requestFromArgs(args), { models, workloads: WORKLOADS });

  it('sweeps the product of comma lists and keeps single values', () => {
    const cells = expand({ model: 'a,b', iodepth: '1,4', coalesce: 'none,count:8', copy: 'copy', bs: '4k' });
    expect(cells).toHaveLength(8);
    expect(cells.map((c) => `${c.model}/${c.knobs.iodepth}/${c.knobs.coalesce.kind}`).slice(0, 4)).toEqual([
      'a/1/none',
      'a/1/count',
      'a/4/none',
      'a/4/count',
    ]);
    expect(cells.every((c) => c.params.bs === 4096 && c.knobs.copy === 'copy' && c.seed === 1)).toBe(true);
  });

  it('reads parameter values by unit: sizes binary, rates decimal, durations with units', () => {
    const [cell] = expand({ model: 'a', bs: '8k', rate: '25k', duration: '1.5ms', param: ['size=2m'] });
    expect(cell?.params).toEqual({ bs: 8192, rate: 25_000, duration: 1_500_000, size: 2 * 1024 * 1024 });
  });

  it('a parameter applies to the workloads that declare it; --param lists sweep', () => {
    const cells = expand({ model: 'a', workload: 'randread,randrw', param: ['rwmixread=30,70'] });
    expect(cells.map((c) => `${c.workload}:${c.params.rwmixread ?? '-'}`)).toEqual([
      'randread:-',
      'randrw:30',
      'randrw:70',
    ]);
  });

  it('seeds and profiles sweep too; --ops and --param ops together are refused', () => {
    expect(expand({ model: 'a', seed: '1,2,3', profile: 'modern-2020s,core2-2008' })).toHaveLength(6);
    expect(() => requestFromArgs({ ops: '5', param: ['ops=6'] })).toThrow('--ops and --param ops= both given');
  });

  it('--engine and --notify sweep: sim once, threads per notify mode, a spin budget on hybrid only', () => {
    const cells = expand({ model: 'a', engine: 'sim,threads', notify: 'futex,hybrid', 'spin-ns': '2000' });
    expect(cells.map((c) => `${c.engine}:${c.notify ?? '-'}:${c.spinNs ?? '-'}`)).toEqual([
      'sim:-:-',
      'threads:futex:-',
      'threads:hybrid:2000',
    ]);
    // Without --notify a threads cell is hybrid; its spin budget is the engine's default, filled in on resolution.
    expect(expand({ model: 'a', engine: 'threads' }).map((c) => [c.engine, c.notify, c.spinNs])).toEqual([
      ['threads', 'hybrid', undefined],
    ]);
    expect(requestFromArgs({ engine: 'threads,threads', notify: 'poll,poll' })).toMatchObject({
      engines: ['threads'],
      notify: ['poll'],
    });
  });

  it('parses sizes with binary suffixes', () => {
    expect(parseSize('bs', '4k')).toBe(4096);
    expect(parseSize('size', '64M')).toBe(64 * 1024 * 1024);
    expect(parseSize('size', '512')).toBe(512);
    expect(() => parseSize('bs', '4kb2')).toThrow(UsageError);
    expect(() => parseSize('bs', '-1')).toThrow('--bs -1: expected a whole number, optionally with k, m or g');
  });

  it('parses counts with decimal suffixes and durations with units', () => {
    expect(parseCount('rate', '100k')).toBe(100_000);
    expect(parseCount('ops', '2m')).toBe(2_000_000);
    expect(parseDuration('duration', '250')).toBe(250);
    expect(parseDuration('duration', '500us')).toBe(500_000);
    expect(parseDuration('duration', '2s')).toBe(2e9);
    expect(() => parseCount('rate', '1.5k')).toThrow(UsageError);
  });
});
