import { describe, expect, it } from 'vitest';
import { Rng } from '../../../models/platform/rng.js';
import {
  availEventOffset,
  availRingSize,
  descTableSize,
  legacyVringLayout,
  needEvent,
  usedEventOffset,
  usedRingSize,
  vringSize,
} from '../../../models/virtio/layout.js';

/** The definition by enumeration: notify iff event ∈ {old, old+1, …, new−1} (mod 2^16). */
function needEventByEnumeration(event: number, newIdx: number, oldIdx: number): boolean {
  for (let i = oldIdx; i !== newIdx; i = (i + 1) & 0xffff) if (i === event) return true;
  return false;
}

function around(center: number, radius: number): number[] {
  const out: number[] = [];
  for (let d = -radius; d <= radius; d++) out.push((center + d) & 0xffff);
  return out;
}

describe('needEvent (virtio 1.2 §2.7.7.3 / §2.7.10, specs/virtio.md §3.4)', () => {
  it('agrees with the enumeration definition on 11×11×11 grids around 0, 32768 and 65535', () => {
    let checked = 0;
    let notified = 0;
    for (const center of [0, 0x8000, 0xffff]) {
      const values = around(center, 5);
      for (const e of values) {
        for (const n of values) {
          for (const o of values) {
            const expected = needEventByEnumeration(e, n, o);
            expect(needEvent(e, n, o), `event=${e} new=${n} old=${o}`).toBe(expected);
            checked++;
            if (expected) notified++;
          }
        }
      }
    }
    expect(checked).toBe(3 * 1331);
    // Both outcomes occur in the grid, so a constant answer cannot pass.
    expect(notified).toBeGreaterThan(0);
    expect(notified).toBeLessThan(checked);
  });

  it('agrees with the enumeration definition on 2,000 seeded random triples', () => {
    const rng = new Rng(0x5eed);
    for (let i = 0; i < 2000; i++) {
      const e = rng.below(65536);
      const n = rng.below(65536);
      // Half of the triples keep old near new so both outcomes are common.
      const o = i % 2 === 0 ? rng.below(65536) : (n - rng.below(64)) & 0xffff;
      expect(needEvent(e, n, o), `event=${e} new=${n} old=${o}`).toBe(needEventByEnumeration(e, n, o));
    }
  });

  it('used_event = 0 signals on 0→1 and not again until the index comes round (specs/virtio.md §3.4 example)', () => {
    expect(needEvent(0, 1, 0)).toBe(true);
    expect(needEvent(0, 2, 1)).toBe(false);
    expect(needEvent(0, 0, 0xffff)).toBe(false);
    expect(needEvent(0, 1, 0xffff)).toBe(true);
  });
});

describe('split ring area sizes (virtio 1.2 §2.7 table, QS = 256)', () => {
  it('descriptor table 4096, driver area 518, device area 2054', () => {
    expect(descTableSize(256)).toBe(4096);
    expect(availRingSize(256)).toBe(518);
    expect(usedRingSize(256)).toBe(2054);
    expect(usedEventOffset(256)).toBe(516);
    expect(availEventOffset(256)).toBe(2052);
  });
});

describe('legacy contiguous layout (virtio 1.2 §2.7.2, Linux vring_size)', () => {
  it('N=256 at align 4096: used at 8192, size 10246 (not the 12288 of the padded listing)', () => {
    const l = legacyVringLayout(256, 4096);
    expect(l).toEqual({ desc: 0, avail: 4096, usedEvent: 4612, used: 8192, availEvent: 10244, size: 10246 });
    expect(vringSize(256, 4096)).toBe(10246);
  });

  it('N=256 at align 64 (modern Linux SMP_CACHE_BYTES): used at 4672, size 6726', () => {
    expect(legacyVringLayout(256, 64).used).toBe(4672);
    expect(vringSize(256, 64)).toBe(6726);
  });

  it('N=1 at align 4: no padding needed beyond the 4-byte boundary', () => {
    // desc 16 + avail 2·(3+1)=8 → 24, already 4-aligned; used 6 + 8.
    expect(vringSize(1, 4)).toBe(24 + 14);
  });
});
