import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readResults, validateResults } from '../../harness/results/io.js';
import { ringsideInScratch } from '../support/ringside-bin.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const _bin = join(root, 'bin', 'ringside.js');
const { dir, ringside } = ringsideInScratch('ringside-e2e-emulated-');

describe('ringside binary, trap-and-emulate model', () => {
  it('list shows the emulated model, its four native classes and its options', () => {
    const r = ringside('list');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ {2}emulated — /m);
    expect(r.out).toContain('classes: block (native), net (native), console (native), entropy (native)');
    expect(r.out).toMatch(/--model-opt ide-mode=pio-word\|pio-string\|pio-multiple\|dma {2}default pio-string/);
    expect(r.out).toMatch(/--model-opt exits=user\|kernel {2}default user/);
  });

  it('bench --device block --model-opt ide-mode=dma: a verified randread run over bus-master DMA', () => {
    const file = join(dir, 'ide-dma.json');
    const r = ringside(
      'bench',
      '--model',
      'emulated',
      '--device',
      'block',
      '--model-opt',
      'ide-mode=dma',
      '--copy',
      'zerocopy',
      '--ops',
      '300',
      '--size',
      '1m',
      '--json',
      file,
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.err).toMatch(/^\[1\/1\] emulated block randread qd=1 none zerocopy: ok/);
    expect(r.out).toMatch(/\nemulated\s+block\s+randread\s+qd=1 none zerocopy\s+ok\s+300\s/);
    const run = readResults(file).runs[0];
    expect(run).toMatchObject({ model: 'emulated', device: 'block', workload: 'randread', status: 'ok' });
    expect(run?.modelOptions).toMatchObject({ 'ide-mode': 'dma', exits: 'user' });
    expect(run?.metrics?.ops).toBe(300);
    expect(run?.metrics?.workload.verifiedReads).toBe(300);
    const perOp = run?.metrics?.perOp;
    // trap-emulate.md §3 driver sequence D: ≈ 14 user exits per 4 KiB DMA read, 1 IRQ (+ 2 slave-PIC EOI exits).
    // (The last read's EOI may fall just after the measured window: per-op figures to ±0.05.)
    expect(perOp?.interrupts).toBeCloseTo(1, 1);
    expect(perOp?.exitsUser).toBeCloseTo(14, 1);
    expect(perOp?.exitsKernel).toBeCloseTo(2, 1);
  });

  it('bench --device entropy --copy copy: 2 exits per 4 bytes (32 per 64-byte read)', () => {
    const r = ringside(
      'bench',
      '--model',
      'emulated',
      '--device',
      'entropy',
      '--copy',
      'copy',
      '--bs',
      '64',
      '--ops',
      '200',
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/\nemulated\s+entropy\s+drain\s+qd=1 none copy\s+ok\s+200\s/);
    const doc = ringside(
      'bench',
      '--model',
      'emulated',
      '--device',
      'entropy',
      '--copy',
      'copy',
      '--bs',
      '64',
      '--ops',
      '200',
      '--json',
      '-',
      '--quiet',
    );
    const run = validateResults(JSON.parse(doc.out), 'stdout').runs[0];
    expect(run?.metrics?.perOp.exits).toBe(32);
    expect(run?.metrics?.perOp.exitsUser).toBe(32);
  });

  it('a knob the device cannot honour is reported unsupported with its reason, and exits 0', () => {
    const r = ringside('bench', '--model', 'emulated', '--device', 'block', '--iodepth', '2', '--ops', '10');
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/\nemulated\s+block\s+randread\s+qd=2 none zerocopy\s+unsupported\s/);
    expect(r.out).toMatch(/\[1\] emulated\/block\/randread unsupported: .*iodepth/);
  });

  it('--model-opt ide-mode=bogus is a usage error: exit 2, one line', () => {
    const r = ringside('bench', '--model', 'emulated', '--model-opt', 'ide-mode=bogus');
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'ringside: model emulated option ide-mode=bogus: expected one of pio-word, pio-string, pio-multiple, dma (see ringside --help)\n',
    );
  });
});
