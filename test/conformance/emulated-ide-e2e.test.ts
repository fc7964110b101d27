/**
 * End to end through the runner (harness/runner runCell on the sim engine): the fio-style block
 * workload over the IDE driver and device, every block verified, with the exits per 4 KiB
 * operation checked against specs/trap-emulate.md §3 "Driver sequences" (§7 items 23–24).
 *
 * Derivations (user exits per 4 KiB = 8 sectors, LBA28, master):
 * - setup 6: device, count, LBA low/mid/high, command.
 * - READ SECTORS, per word: 6 + 8 × (status + 256 inw) = 2,062; with rep insw 6 + 8 × (1 + 1) = 22.
 * - READ MULTIPLE (block ≥ 8): 6 + 1 status + 4 × 1 KiB rep insw = 11.
 * - WRITE SECTORS: 6 + 1 DRQ poll + 8 × 256 outw/outsw elements + 8 status = 2,063 (per word or string).
 * - WRITE MULTIPLE: 6 + 1 + 2,048 + 1 = 2,056.
 * - BMDMA: BM pointer, BM status, BM direction, 5 taskfile, command, START; IRQ: BM status, STOP,
 *   ATA status, INT clear = 14, read or write.
 * Kernel exits = 2 per IRQ (slave 8259 EOI + master): 8 IRQs for SECTORS, 1 for MULTIPLE and DMA.
 */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../harness/results/schema.js';
import type { CellSpec } from '../../harness/runner/cell.js';
import { runCell } from '../../harness/runner/run-cell.js';
import type { IdeMode } from '../../models/emulated/binding.js';
import type { Coalesce } from '../../models/platform/knobs.js';
import { ideOnlyModel } from '../unit/emulated-ide/ide-model.js';

process.env.RINGSIDE_NO_GIT = '1';

const OPS = 40;

function spec(mode: IdeMode, workload: string, coalesce: Coalesce = { kind: 'none' }): CellSpec {
  return {
    model: 'emulated',
    device: 'block',
    workload,
    params: { bs: 4096, ops: OPS, size: 1 << 20 },
    knobs: { coalesce, iodepth: 1, copy: mode === 'dma' ? 'zerocopy' : 'copy' },
    modelOptions: { 'ide-mode': mode },
    seed: 5,
    profile: 'modern-2020s',
    engine: 'sim',
  };
}

function run(s: CellSpec): RunRecord {
  const r = runCell(s, { models: [ideOnlyModel] });
  if (r.status !== 'ok') throw new Error(`${r.status}: ${r.reason}`);
  return r;
}

const EXPECTED: Record<IdeMode, { read: [number, number]; write: [number, number] }> = {
  // [user exits, kernel exits] per 4 KiB operation
  'pio-word': { read: [2062, 16], write: [2063, 16] },
  'pio-string': { read: [22, 16], write: [2063, 16] },
  'pio-multiple': { read: [11, 2], write: [2056, 2] },
  dma: { read: [14, 2], write: [14, 2] },
};

describe('§7.24 exits per 4 KiB operation match the §3 derivations (runner, randread/randwrite, verified data)', () => {
  for (const mode of ['pio-word', 'pio-string', 'pio-multiple', 'dma'] as const) {
    it(`${mode}: read ${EXPECTED[mode].read[0]} and write ${EXPECTED[mode].write[0]} user exits`, () => {
      const read = run(spec(mode, 'randread')).metrics;
      const write = run(spec(mode, 'randwrite')).metrics;
      expect(read?.perOp.exitsUser).toBe(EXPECTED[mode].read[0]);
      expect(write?.perOp.exitsUser).toBe(EXPECTED[mode].write[0]);
      // The EOI of the last measured IRQ runs after its completion closed the window: ±2 in total.
      expect(Math.abs((read?.counters.exitsKernel ?? 0) - OPS * EXPECTED[mode].read[1])).toBeLessThanOrEqual(2);
      expect(Math.abs((write?.counters.exitsKernel ?? 0) - OPS * EXPECTED[mode].write[1])).toBeLessThanOrEqual(2);
      expect(read?.workload.verifiedReads).toBeGreaterThanOrEqual(40);
    });
  }

  it('§7.23 rep insw: one user exit per KiB (READ MULTIPLE of 4 KiB = 4 data exits); rep outsw: one per word', () => {
    const m = run(spec('pio-multiple', 'randread')).metrics;
    // 11 = 6 setup + 1 status + 4 data exits of 1 KiB each.
    expect((m?.perOp.exitsUser ?? 0) - 7).toBe(4);
    const w = run(spec('pio-string', 'randwrite')).metrics;
    expect((w?.perOp.exitsUser ?? 0) - 6 - 1 - 8).toBe(2048);
  });

  it('coalesce count:N is SET MULTIPLE N: IRQs per 4 KiB read = ceil(8 / N)', () => {
    for (const n of [1, 2, 4, 8, 16]) {
      const m = run(spec('pio-multiple', 'randread', { kind: 'count', n })).metrics;
      expect(m?.perOp.interrupts).toBe(Math.ceil(8 / n));
      expect(m?.perOp.exitsUser).toBe(6 + Math.ceil(8 / n) * (1 + Math.ceil(Math.min(8, n) / 2)));
    }
  });

  it('exits=kernel prices the device exits as kernel exits (same counts)', () => {
    const s = spec('dma', 'randread');
    const r = runCell({ ...s, modelOptions: { ...s.modelOptions, exits: 'kernel' } }, { models: [ideOnlyModel] });
    expect(r.status, r.reason).toBe('ok');
    expect(r.metrics?.perOp.exitsUser).toBe(0);
    expect(Math.abs((r.metrics?.counters.exitsKernel ?? 0) - OPS * 16)).toBeLessThanOrEqual(2);
  });

  it('iodepth > 1 and a copy knob that disagrees with the mode are unsupported, with reasons', () => {
    const deep = runCell(
      { ...spec('dma', 'randread'), knobs: { coalesce: { kind: 'none' }, iodepth: 4, copy: 'zerocopy' } },
      { models: [ideOnlyModel] },
    );
    expect(deep.status).toBe('unsupported');
    expect(deep.reason).toMatch(/one command per channel/);
    const mismatch = runCell(
      { ...spec('pio-string', 'randread'), knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' } },
      { models: [ideOnlyModel] },
    );
    expect(mismatch.status).toBe('unsupported');
    expect(mismatch.reason).toMatch(/--copy copy/);
  });
});
