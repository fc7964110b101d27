/**
 * NE2000 device-model details (trap-emulate.md §4) pinned to values observed on QEMU 7.2 via
 * qtest (`-device ne2k_isa,mac=52:54:00:12:34:56`), and the class binding's knob mapping (§6).
 */
import { describe, expect, it } from 'vitest';
import { ne2000Binding } from '../../../models/emulated/ne2000/index.js';
import { type Knobs, parseCoalesce } from '../../../models/platform/knobs.js';
import { ne2000Config } from './ne2000-stack.js';
import { RawCard } from './raw-card.js';

describe('NE2000 card memory and window (QEMU-observed values)', () => {
  it('after power-up and one reset-port read, PROM bytes 12–27 hold QEMU’s stale doubling', () => {
    const c = new RawCard();
    c.in(0x1f);
    expect(c.peek(0, 32)).toEqual([
      0x52, 0x52, 0x54, 0x54, 0x00, 0x00, 0x12, 0x12, 0x34, 0x34, 0x56, 0x56, 0x12, 0x12, 0x12, 0x12, 0x34, 0x34, 0x34,
      0x34, 0x56, 0x56, 0x56, 0x56, 0x00, 0x00, 0x00, 0x00, 0x57, 0x57, 0x57, 0x57,
    ]);
  });

  it('unaligned wide accesses split like QEMU’s memory core: inl +0x0D → 0x52ffff00, inl +0x0F → 0xff000000', () => {
    const c = new RawCard();
    c.out(0x0e, 0x49);
    c.remote(0, 0x20);
    c.out(0, 0x0a);
    // byte 0x0D (0) | word 0x0E (all-ones) | data-port byte (word read, PROM 0x5252 → 0x52)
    expect(c.in(0x0d, 4)).toBe(0x52ffff00);
    expect(c.card.rsar).toBe(2);
    c.remote(4, 0x20);
    // byte 0x0F (0) | data-port word (PROM 0x0000) | byte 0x12 (not decoded: 0xFF)
    expect(c.in(0x0f, 4)).toBe(0xff000000);
    expect(c.card.rsar).toBe(6);
    // A split 32-bit write: word to 0x0E dropped, word to the data port written.
    c.out(0x0a, 2);
    c.out(0, 0x12);
    c.out(0x0e, 0x12345678, 4);
    expect(c.card.rsar).toBe(8);
    expect(c.card.dcr).toBe(0x49);
  });
});

describe('NE2000 binding: knob mapping (trap-emulate.md §6, NE2000 column)', () => {
  const support = (knobs: Partial<Knobs>) => ne2000Binding.support(ne2000Config({}, knobs));

  it('honours coalesce none, iodepth 1, copy', () => {
    expect(support({})).toEqual({ ok: true });
  });

  it.each([
    [{ coalesce: parseCoalesce('event-idx') }, 'coalescing must be none'],
    [{ coalesce: parseCoalesce('count:8') }, 'drains the whole receive ring per interrupt'],
    [{ coalesce: parseCoalesce('time:50') }, 'no interrupt moderation'],
    [{ iodepth: 2 }, 'iodepth 2'],
    [{ iodepth: 64 }, 'one frame is in flight'],
    [{ copy: 'zerocopy' as const }, 'no host DMA'],
  ])('reports %o as unsupported with its reason', (knobs, reason) => {
    const s = support(knobs);
    expect(s.ok).toBe(false);
    expect(s.ok ? '' : s.reason).toContain(reason);
  });
});
