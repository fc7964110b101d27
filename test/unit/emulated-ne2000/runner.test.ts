/**
 * End to end through the runner (harness/runner runCell with the emulated model): the net
 * workloads run over the NE2000 on the sim engine, verify their own data, and the per-operation
 * exit counts are the fact sheet's derivations (trap-emulate.md §4 "Driver sequences"):
 * TX 15 + N/2, RX 20 + ceil(N/1024) user exits, each with one IRQ 9 and 2 slave-PIC EOI kernel exits.
 */
import { describe, expect, it } from 'vitest';
import type { CellSpec } from '../../../harness/runner/index.js';
import { runCell } from '../../../harness/runner/index.js';
import { emulatedModel } from '../../../models/emulated/index.js';
import { type Knobs, parseCoalesce } from '../../../models/platform/knobs.js';

const KNOBS: Knobs = { coalesce: parseCoalesce('none'), iodepth: 1, copy: 'copy' };

function cell(workload: string, params: Record<string, number>, knobs: Partial<Knobs> = {}): CellSpec {
  return {
    model: 'emulated',
    device: 'net',
    workload,
    params,
    knobs: { ...KNOBS, ...knobs },
    modelOptions: {},
    seed: 1,
    profile: 'modern-2020s',
    engine: 'sim',
  };
}

/**
 * The measured window closes inside the interrupt handler that completes the last operation: the
 * handler's final ISR read (→ 0) and the 2 EOI exits of that interrupt fall after it.
 */
const AFTER_WINDOW = { user: 1, kernel: 2 } as const;

function run(spec: CellSpec) {
  const record = runCell(spec, { models: [emulatedModel] });
  if (record.status !== 'ok') throw new Error(`${record.status}: ${record.reason}`);
  const m = record.metrics;
  if (m === undefined) throw new Error('no metrics');
  return m;
}

describe('NE2000 cells through the runner (§7.24 exit counts per packet)', () => {
  it.each([
    ['pps', 60, 45],
    ['stream', 1514, 772],
  ])('%s of %i-byte frames: %i user exits, 2 kernel exits, 1 interrupt per frame', (workload, bs, exits) => {
    const m = run(cell(workload, { bs, ops: 200 }));
    expect(m.ops).toBe(200);
    expect(m.counters.exitsUser).toBe(200 * exits - AFTER_WINDOW.user);
    expect(m.counters.exitsKernel).toBe(200 * 2 - AFTER_WINDOW.kernel);
    expect(m.counters.interrupts).toBe(200);
    expect(m.workload.framesAtPeer).toBe(200);
  });

  it.each([
    [60, 45 + 21],
    [1514, 772 + 22],
  ])('rr with %i-byte frames: TX + RX = %i user exits, two interrupts per transaction', (size, exits) => {
    const m = run(cell('rr', { request: size, ops: 100 }));
    expect(m.ops).toBe(100);
    expect(m.counters.exitsUser).toBe(100 * exits - AFTER_WINDOW.user);
    expect(m.counters.exitsKernel).toBe(100 * 4 - AFTER_WINDOW.kernel);
    expect(m.counters.interrupts).toBe(200);
  });

  it('exits=kernel moves every port exit to the kernel column', () => {
    const record = runCell(
      { ...cell('pps', { bs: 60, ops: 50 }), modelOptions: { exits: 'kernel' } },
      {
        models: [emulatedModel],
      },
    );
    expect(record.status).toBe('ok');
    expect(record.metrics?.counters.exitsUser).toBe(0);
    expect(record.metrics?.counters.exitsKernel).toBe(50 * 47 - AFTER_WINDOW.user - AFTER_WINDOW.kernel);
  });

  it.each([
    [{ coalesce: parseCoalesce('count:4') }, /no interrupt moderation/],
    [{ iodepth: 2 }, /one frame is in flight/],
    [{ copy: 'zerocopy' as const }, /no host DMA/],
  ])('knobs it cannot honour are reported unsupported, nothing runs (%o)', (knobs, reason) => {
    const record = runCell(cell('stream', { bs: 1514, ops: 10 }, knobs), { models: [emulatedModel] });
    expect(record.status).toBe('unsupported');
    expect(record.reason).toMatch(reason);
  });
});
