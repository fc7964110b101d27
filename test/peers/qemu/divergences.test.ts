/** The divergence list is complete and well-formed: unique ids per device, every field stated. */
import { describe, expect, it } from 'vitest';
import { QEMU_DIVERGENCES } from './divergences/index.js';

describe('QEMU divergences (trap-emulate.md §9)', () => {
  it('names each divergence once per device, with QEMU’s answer, ours and a reason', () => {
    const keys = QEMU_DIVERGENCES.map((d) => `${d.device}:${d.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const d of QEMU_DIVERGENCES) {
      for (const field of [d.behaviour, d.qemu, d.ours, d.reason]) expect(field.trim().length).toBeGreaterThan(2);
    }
    expect(new Set(QEMU_DIVERGENCES.map((d) => d.device))).toEqual(new Set(['uart', 'ide', 'ne2000']));
  });
});
