/**
 * Knob mapping of the IDE disk (models/emulated/ide/knobs.ts; DESIGN §6, specs/trap-emulate.md §6):
 * depth 1 only, the copy knob must agree with the transfer mode, coalescing count:N only as SET
 * MULTIPLE N in pio-multiple; everything refused comes with a reason naming the fix.
 */
import { describe, expect, it } from 'vitest';
import { ideBinding, ideSettings } from '../../../models/emulated/ide/index.js';
import { coalesce, ideConfig } from './ide-stack.js';

describe('ideSettings', () => {
  it('defaults: each mode with its own copy knob, multiple count 16', () => {
    for (const mode of ['pio-word', 'pio-string', 'pio-multiple', 'dma'] as const) {
      expect(ideSettings(ideConfig(mode))).toEqual({ ok: true, settings: { mode, multipleSectors: 16 } });
    }
  });

  it('iodepth > 1 is unsupported (one command per channel)', () => {
    const r = ideSettings(ideConfig('dma', { iodepth: 2 }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^iodepth 2: ATA\/IDE executes one command per channel/);
  });

  it('copy must match the mode: PIO is copy, DMA is zerocopy; the reason names both fixes', () => {
    const pio = ideSettings(ideConfig('pio-string', { copy: 'zerocopy' }));
    expect(!pio.ok && pio.reason).toMatch(/--copy copy.*ide-mode=dma/);
    const dma = ideSettings(ideConfig('dma', { copy: 'copy' }));
    expect(!dma.ok && dma.reason).toMatch(/--copy zerocopy/);
  });

  it('count:N is SET MULTIPLE N in pio-multiple for N ∈ 1, 2, 4, 8, 16 only', () => {
    for (const n of [1, 2, 4, 8, 16]) {
      expect(ideSettings(ideConfig('pio-multiple', { coalesce: coalesce(`count:${n}`) }))).toEqual({
        ok: true,
        settings: { mode: 'pio-multiple', multipleSectors: n },
      });
    }
    for (const n of [3, 32]) {
      const r = ideSettings(ideConfig('pio-multiple', { coalesce: coalesce(`count:${n}`) }));
      expect(!r.ok && r.reason).toMatch(/1, 2, 4, 8, 16/);
    }
    for (const mode of ['pio-word', 'pio-string', 'dma'] as const) {
      const r = ideSettings(ideConfig(mode, { coalesce: coalesce('count:4') }));
      expect(!r.ok && r.reason).toMatch(/fixed rate/);
    }
  });

  it('event-idx and time:US are unsupported; support() reports the same reasons', () => {
    for (const c of ['event-idx', 'time:50']) {
      const config = ideConfig('dma', { coalesce: coalesce(c) });
      const r = ideSettings(config);
      expect(r.ok).toBe(false);
      expect(ideBinding.support(config)).toEqual({ ok: false, reason: !r.ok ? r.reason : '' });
    }
    expect(ideBinding.support(ideConfig('dma'))).toEqual({ ok: true });
  });
});
