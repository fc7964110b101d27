/**
 * The emulated console end to end through the runner (`runCell`, sim engine, reference backend,
 * `bulk` workload): output verified byte for byte by the workload, and the measured-phase exits per
 * byte checked against specs/trap-emulate.md §2's table (§7 item 24). Knobs the UART cannot honour
 * come back `unsupported` with a reason, and nothing runs.
 */
import { describe, expect, it } from 'vitest';
import { type CellSpec, runCell } from '../../../harness/runner/index.js';
import { emulatedModel } from '../../../models/emulated/index.js';
import { parseCoalesce } from '../../../models/platform/knobs.js';

const BS = 256;
const OPS = 64;
const SIZE = BS * OPS;

function cell(
  coalesce: string,
  options: Record<string, string> = {},
  knobs: Partial<CellSpec['knobs']> = {},
  workload: { id: string; params: Record<string, number> } = { id: 'bulk', params: { bs: BS, ops: OPS } },
) {
  const spec: CellSpec = {
    model: 'emulated',
    device: 'console',
    workload: workload.id,
    params: workload.params,
    knobs: { coalesce: parseCoalesce(coalesce), iodepth: 1, copy: 'copy', ...knobs },
    modelOptions: options,
    seed: 5,
    profile: 'modern-2020s',
    engine: 'sim',
  };
  return runCell(spec, { models: [emulatedModel] });
}

describe('bulk console writes through the runner: exits per byte (trap-emulate.md §2 table)', () => {
  it.each([
    { mode: 'polled', coalesce: 'none', perByte: 2, exact: true },
    { mode: 'polled', coalesce: 'count:14', perByte: 17 / 16, exact: true },
    { mode: 'irq', coalesce: 'none', perByte: 2, exact: false },
    { mode: 'irq', coalesce: 'count:1', perByte: 17 / 16, exact: false },
  ])('$mode, $coalesce: $perByte user exits per byte, output verified', ({ mode, coalesce, perByte, exact }) => {
    const r = cell(coalesce, { 'uart-mode': mode });
    expect(r.status, r.reason).toBe('ok');
    const m = r.metrics;
    if (m === undefined) throw new Error('no metrics');
    expect(m.workload.verifiedBytes).toBe(SIZE);
    const userPerByte = m.counters.exitsUser / SIZE;
    // Exact for polled; irq adds IER on/off and the final IIR once per run plus a continuation per
    // ISR pass limit (≤ 0.01 per byte here).
    if (exact) expect(userPerByte).toBe(perByte);
    else expect(Math.abs(userPerByte - perByte)).toBeLessThan(0.01);
    if (mode === 'polled') expect(m.counters.interrupts).toBe(0);
    else expect(m.counters.interrupts).toBeLessThanOrEqual(OPS / 2);
  });

  it('exits=kernel moves every UART exit to the kernel', () => {
    const r = cell('none', { 'uart-mode': 'polled', exits: 'kernel' });
    expect(r.status, r.reason).toBe('ok');
    expect(r.metrics?.counters.exitsUser).toBe(0);
    expect(r.metrics?.counters.exitsKernel).toBe(2 * SIZE);
  });
});

describe('echo through the runner: input and output on one UART', () => {
  it.each(['none', 'count:1', 'count:14'])('irq, %s: every message comes back whole and in order', (coalesce) => {
    const r = cell(coalesce, {}, {}, { id: 'echo', params: { bs: 16, ops: 40 } });
    expect(r.status, r.reason).toBe('ok');
    const m = r.metrics;
    if (m === undefined) throw new Error('no metrics');
    expect(m.ops).toBe(40);
    // Each byte crosses twice (THR out, RBR in): at least one exit per byte each way.
    expect(m.counters.exitsUser).toBeGreaterThanOrEqual(2 * 16 * 40);
    expect(m.counters.interrupts).toBeGreaterThan(0);
  });

  it('polled: every message comes back without an interrupt', () => {
    const r = cell('count:4', { 'uart-mode': 'polled' }, {}, { id: 'echo', params: { bs: 16, ops: 20 } });
    expect(r.status, r.reason).toBe('ok');
    expect(r.metrics?.counters.interrupts).toBe(0);
  });
});

describe('knob mapping (DESIGN §6; trap-emulate.md §6 UART column)', () => {
  it.each([
    { coalesce: 'count:3', knobs: {}, reason: /trigger level is 1, 4, 8 or 14/ },
    { coalesce: 'event-idx', knobs: {}, reason: /no ring index/ },
    { coalesce: 'time:50', knobs: {}, reason: /4 character times/ },
    { coalesce: 'none', knobs: { iodepth: 2 }, reason: /one write at a time/ },
    { coalesce: 'none', knobs: { copy: 'zerocopy' as const }, reason: /copy must be copy/ },
  ])('$coalesce $knobs: unsupported, nothing runs', ({ coalesce, knobs, reason }) => {
    const r = cell(coalesce, {}, knobs);
    expect(r.status).toBe('unsupported');
    expect(r.reason).toMatch(reason);
    expect(r.metrics).toBeUndefined();
  });
});
