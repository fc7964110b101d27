/**
 * The whole trap-and-emulate model through the runner (runCell, `models: [emulatedModel]`): every
 * class runs virtio's workloads into the same result schema, and the per-operation exit counts
 * match the derivations of specs/trap-emulate.md (§2 UART, §3 IDE, §4 NE2000, §5 RNG; EOIs §1).
 * Per-op figures are measured-window ratios: an EOI of the last operation may fall just outside the
 * window, hence `toBeCloseTo(…, 1)` (±0.05) rather than exact equality.
 */
import { describe, expect, it } from 'vitest';
import { collectEnv } from '../../../harness/results/env.js';
import { validateResults } from '../../../harness/results/io.js';
import { emulatedModel } from '../../../models/emulated/index.js';
import { CLASS_CELLS, perOp, runEmulated } from './cells.js';

describe('emulated model: every class through the runner', () => {
  it('declares the four classes as native, with ide-mode and exits options', () => {
    expect(emulatedModel.id).toBe('emulated');
    expect(emulatedModel.classes).toEqual({ block: 'native', net: 'native', console: 'native', entropy: 'native' });
    expect(emulatedModel.options.find((o) => o.key === 'ide-mode')).toMatchObject({
      values: ['pio-word', 'pio-string', 'pio-multiple', 'dma'],
      default: 'pio-string',
    });
    expect(emulatedModel.options.find((o) => o.key === 'exits')).toMatchObject({
      values: ['user', 'kernel'],
      default: 'user',
    });
  });

  for (const c of CLASS_CELLS) {
    it(`${c.device} ${c.workload}: ok, and the record has the same shape as virtio's for the same cell`, () => {
      const emulated = runEmulated(c.device, c.workload, { params: c.params });
      const virtio = runEmulated(c.device, c.workload, { params: c.params, model: 'virtio' });
      expect(emulated.status, emulated.reason).toBe('ok');
      expect(virtio.status, virtio.reason).toBe('ok');
      const doc = validateResults(
        { schemaVersion: 1, tool: 'ringside', env: collectEnv(), runs: [emulated, virtio] },
        'mem',
      );
      const [e, v] = doc.runs;
      expect(e?.metrics?.ops).toBe(c.params.ops);
      expect(Object.keys(e?.metrics ?? {}).sort()).toEqual(Object.keys(v?.metrics ?? {}).sort());
      expect(Object.keys(e?.metrics?.workload ?? {}).sort()).toEqual(Object.keys(v?.metrics?.workload ?? {}).sort());
      expect(e?.modelOptions).toMatchObject({ 'ide-mode': 'pio-string', exits: 'user' });
      // Trap-and-emulate: the guest pays exits, never a virtqueue notification.
      expect(e?.metrics?.perOp.exits).toBeGreaterThan(v?.metrics?.perOp.exits ?? Number.POSITIVE_INFINITY);
      expect(e?.metrics?.counters.notifications).toBe(0);
    });
  }

  it('DESIGN §5: the seeded entropy stream reaches the guest identically under emulated and virtio', () => {
    const params = { ops: 100, bs: 64 };
    const emulated = runEmulated('entropy', 'drain', { params });
    const virtio = runEmulated('entropy', 'drain', { params, model: 'virtio' });
    expect(emulated.metrics?.workload.bytes).toBe(6400);
    expect(emulated.metrics?.workload.digest).toBe(virtio.metrics?.workload.digest);
  });
});

describe('emulated model: per-op exits against the fact-sheet derivations (default options)', () => {
  it('§3 A: IDE READ SECTORS + rep insw, 4 KiB = 6 + 8 × (status + rep insw) = 22 user exits, 8 IRQs, 2 EOI exits each', () => {
    const p = perOp(runEmulated('block', 'randread', { params: { ops: 100, size: 1 << 20 } }));
    expect(p.exitsUser).toBeCloseTo(22, 1);
    expect(p.interrupts).toBeCloseTo(8, 1);
    expect(p.exitsKernel).toBeCloseTo(16, 1); // slave-PIC IRQ 14: out 0xA0 + out 0x20 (§1)
  });

  it('§3 C: IDE WRITE SECTORS + rep outsw, 4 KiB ≈ 2,060 user exits (one per element), 8 IRQs', () => {
    const p = perOp(runEmulated('block', 'randwrite', { params: { ops: 40, size: 1 << 20 } }));
    expect(p.exitsUser).toBeGreaterThanOrEqual(8 * 256 + 6);
    expect(p.exitsUser).toBeLessThanOrEqual(2070);
    expect(p.interrupts).toBeCloseTo(8, 1);
  });

  it('§3 B: ide-mode=pio-multiple READ MULTIPLE 16, 4 KiB = 6 + 1 + 4 × 1 KiB = 11 user exits, 1 IRQ', () => {
    const p = perOp(
      runEmulated('block', 'randread', {
        params: { ops: 100, size: 1 << 20 },
        modelOptions: { 'ide-mode': 'pio-multiple' },
      }),
    );
    expect(p.exitsUser).toBeCloseTo(11, 1);
    expect(p.interrupts).toBeCloseTo(1, 1);
  });

  it('§3 D: ide-mode=dma bus-master READ DMA, 4 KiB ≈ 14 user exits, 1 IRQ, no copy', () => {
    const run = runEmulated('block', 'randread', {
      params: { ops: 100, size: 1 << 20 },
      modelOptions: { 'ide-mode': 'dma' },
      copy: 'zerocopy',
    });
    const p = perOp(run);
    expect(p.exitsUser).toBeCloseTo(14, 1);
    expect(p.interrupts).toBeCloseTo(1, 1);
    expect(p.exitsKernel).toBeCloseTo(2, 1);
    expect(p.bytesZeroCopy).toBe(4096);
  });

  it('§3: ide-mode=pio-word, 4 KiB ≈ 2,070 user exits (one inw per word)', () => {
    const p = perOp(
      runEmulated('block', 'randread', {
        params: { ops: 30, size: 1 << 20 },
        modelOptions: { 'ide-mode': 'pio-word' },
      }),
    );
    expect(p.exitsUser).toBeGreaterThanOrEqual(8 * 256);
    expect(p.exitsUser).toBeLessThanOrEqual(2070);
  });

  it('§4: NE2000 rr, 64 B each way = TX (15 + N/2) + RX (20 + ⌈N/1024⌉) = 47 + 21 user exits, 2 IRQs', () => {
    const p = perOp(runEmulated('net', 'rr', { params: { ops: 100 } }));
    expect(p.exitsUser).toBeCloseTo(68, 1);
    expect(p.interrupts).toBeCloseTo(2, 1);
    expect(p.exitsKernel).toBeCloseTo(4, 1); // IRQ 9 is on the slave PIC
  });

  it('§4: NE2000 stream, 1,514 B frames = 15 + 757 = 772 user exits per frame', () => {
    const p = perOp(runEmulated('net', 'stream', { params: { ops: 60 } }));
    expect(p.exitsUser).toBeCloseTo(772, 1);
  });

  it('§2: UART bulk with FIFOs off (coalesce none) = 2 user exits per byte (LSR + THR; QEMU THRE always set)', () => {
    const run = runEmulated('console', 'bulk', { params: { ops: 20, bs: 256 } });
    expect(perOp(run).exitsUser / 256).toBeCloseTo(2, 1);
  });

  it('§2: UART bulk with the FIFO on (coalesce count:14) = 17/16 user exits per byte', () => {
    const run = runEmulated('console', 'bulk', { params: { ops: 20, bs: 256 }, coalesce: { kind: 'count', n: 14 } });
    expect(perOp(run).exitsUser / 256).toBeCloseTo(17 / 16, 2);
  });

  it('§5: RNG drain = 2 user exits per 4 bytes, no interrupt', () => {
    const p = perOp(runEmulated('entropy', 'drain', { params: { ops: 100, bs: 64 } }));
    expect(p.exitsUser).toBe(32);
    expect(p.exitsKernel).toBe(0);
    expect(p.interrupts).toBe(0);
  });
});
