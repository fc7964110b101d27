/**
 * Model-level knob and option handling of the trap-and-emulate model through the runner: refused
 * knobs become `unsupported` records with their reason and nothing runs (DESIGN §6: never silently
 * approximated), `--model-opt ide-mode` selects the IDE transfer mode, and `exits=kernel` moves every
 * exit from the userspace device model into the kernel (specs/trap-emulate.md §1 exit classes).
 * Also DESIGN §5: one seeded block workload leaves the same backend trace under emulated and virtio.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveCell } from '../../../harness/runner/cell.js';
import type { RunOptions } from '../../../harness/runner/run-cell.js';
import { RecordingBlockBackend } from '../../../models/backend/index.js';
import type { BlockBackend } from '../../../models/platform/backend-api.js';
import type { DeviceClass } from '../../../models/platform/ports.js';
import { type CellOptions, CLASS_CELLS, cellSpec, MODELS, perOp, runEmulated } from './cells.js';

describe('knobs a device cannot honour are reported unsupported, with the reason, and nothing runs', () => {
  const cases: readonly [DeviceClass, string, CellOptions, RegExp][] = [
    ['block', 'randread', { iodepth: 2 }, /^iodepth 2: ATA\/IDE executes one command per channel/],
    ['block', 'randread', { copy: 'zerocopy' }, /^ide-mode=pio-string moves every word through the data port/],
    ['block', 'randread', { modelOptions: { 'ide-mode': 'dma' }, copy: 'copy' }, /^ide-mode=dma: .*zerocopy/],
    ['block', 'randread', { coalesce: { kind: 'event-idx' } }, /event-idx/],
    ['net', 'rr', { iodepth: 2 }, /^iodepth 2: the NE2000 transmits one frame at a time/],
    ['net', 'rr', { copy: 'zerocopy' }, /^zerocopy: an ISA NE2000 has no host DMA/],
    ['console', 'bulk', { coalesce: { kind: 'count', n: 3 } }, /^coalesce count:3: .*1, 4, 8 or 14/],
    ['console', 'bulk', { copy: 'zerocopy' }, /^zerocopy: every UART byte/],
    ['entropy', 'drain', { iodepth: 2 }, /^iodepth 2: the port-I\/O RNG has one word register/],
    ['entropy', 'drain', { coalesce: { kind: 'time', us: 50 } }, /^the port-I\/O RNG has no interrupt/],
    ['entropy', 'drain', { copy: 'zerocopy' }, /^zerocopy: every RNG word crosses in a register read/],
  ];
  it.each(cases)('%s %s %j', (device, workload, options, reason) => {
    let backendsBuilt = 0;
    const run = runEmulated(
      device,
      workload,
      { params: { ops: 10 }, ...options },
      {
        wrapBackend: (_cls, b) => {
          backendsBuilt++;
          return b;
        },
      },
    );
    expect(run.status).toBe('unsupported');
    expect(run.reason).toMatch(reason);
    expect(run.metrics).toBeUndefined();
    expect(backendsBuilt).toBe(0);
  });

  it('the knobs each class does honour run ok (IDE count:8 = SET MULTIPLE 8 in pio-multiple)', () => {
    const run = runEmulated('block', 'randread', {
      params: { ops: 50, size: 1 << 20 },
      modelOptions: { 'ide-mode': 'pio-multiple' },
      coalesce: { kind: 'count', n: 8 },
    });
    // trap-emulate.md §6: MULTIPLE irq per block — 8 sectors per interrupt, so one per 4 KiB.
    expect(perOp(run).interrupts).toBeCloseTo(1, 1);
  });
});

describe('--model-opt', () => {
  it('ide-mode is validated and recorded; a bad value is a configuration error naming the choices', () => {
    const cell = resolveCell(cellSpec('block', 'randread', { modelOptions: { 'ide-mode': 'dma' }, copy: 'zerocopy' }), {
      models: MODELS,
    });
    expect(cell.config.options).toMatchObject({ 'ide-mode': 'dma', exits: 'user' });
    expect(() =>
      resolveCell(cellSpec('block', 'randread', { modelOptions: { 'ide-mode': 'udma6' } }), { models: MODELS }),
    ).toThrow(
      new ConfigError('model emulated option ide-mode=udma6: expected one of pio-word, pio-string, pio-multiple, dma'),
    );
  });

  it('ide-mode changes how 4 KiB crosses: word > string > multiple > dma in exits per read', () => {
    const params = { ops: 30, size: 1 << 20 };
    const exits = (mode: string) =>
      perOp(
        runEmulated('block', 'randread', {
          params,
          modelOptions: { 'ide-mode': mode },
          copy: mode === 'dma' ? 'zerocopy' : 'copy',
        }),
      ).exitsUser;
    const word = exits('pio-word');
    const string = exits('pio-string');
    const multiple = exits('pio-multiple');
    const dma = exits('dma');
    expect(word).toBeGreaterThan(string);
    expect(string).toBeGreaterThan(multiple);
    expect(multiple).toBeLessThan(dma + 1); // MULTIPLE 16 (11) and DMA (14) are both in the low tens
    expect(dma).toBeLessThan(20);
  });

  for (const c of CLASS_CELLS) {
    it(`exits=kernel on ${c.device} ${c.workload}: the same exits, all in the kernel, and cheaper in virtual time`, () => {
      const user = runEmulated(c.device, c.workload, { params: c.params });
      const kernel = runEmulated(c.device, c.workload, { params: c.params, modelOptions: { exits: 'kernel' } });
      const u = user.metrics?.counters;
      const k = kernel.metrics?.counters;
      expect(kernel.status, kernel.reason).toBe('ok');
      expect(kernel.modelOptions.exits).toBe('kernel');
      expect(u?.exitsUser).toBeGreaterThan(0);
      expect(k?.exitsUser).toBe(0);
      expect(k?.exits).toBe(u?.exits);
      expect(k?.exitsKernel).toBe((u?.exitsKernel ?? 0) + (u?.exitsUser ?? 0));
      // A kernel exit is priced below a user exit in every profile (§10), so the same run takes less virtual time.
      expect(kernel.metrics?.virtualNs).toBeLessThan(user.metrics?.virtualNs ?? 0);
    });
  }
});

describe('DESIGN §5: cross-model backend trace', () => {
  function blockTrace(model: string, options: CellOptions): string[] {
    let recorder: RecordingBlockBackend | undefined;
    const wrapBackend: RunOptions['wrapBackend'] = (cls, backend) => {
      if (cls !== 'block') return backend;
      recorder = new RecordingBlockBackend(backend as BlockBackend);
      return recorder as BlockBackend as typeof backend;
    };
    const run = runEmulated(
      'block',
      'randwrite',
      { params: { ops: 60, size: 1 << 20 }, model, ...options },
      { wrapBackend },
    );
    expect(run.status, run.reason).toBe('ok');
    return (recorder?.trace() ?? [])
      .filter((e) => e.op === 'read' || e.op === 'write')
      .map((e) => `${e.op} ${e.sector}+${e.sectors} ${e.status} ${e.dataHash.toString(16)}`);
  }

  it('randwrite at iodepth 1 leaves the identical read/write trace under emulated bus-master DMA and virtio', () => {
    const virtio = blockTrace('virtio', {});
    expect(virtio.filter((t) => t.startsWith('write'))).toHaveLength(60);
    expect(blockTrace('emulated', { modelOptions: { 'ide-mode': 'dma' }, copy: 'zerocopy' })).toEqual(virtio);
  });

  it('PIO SECTORS reaches the backend one sector per request (QEMU ide/core.c: a block per DRQ phase), covering the same sectors in order', () => {
    const sectors = (trace: string[]): string[] =>
      trace.flatMap((t) => {
        const [op, range] = t.split(' ');
        const [first, count] = (range ?? '').split('+').map(Number);
        return Array.from({ length: count ?? 0 }, (_, i) => `${op} ${(first ?? 0) + i}`);
      });
    const virtio = blockTrace('virtio', {});
    const pio = blockTrace('emulated', {});
    expect(pio.every((t) => / \d+\+1 ok /.test(t))).toBe(true);
    expect(sectors(pio)).toEqual(sectors(virtio));
  });
});
