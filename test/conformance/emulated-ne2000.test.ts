/**
 * NE2000 (specs/trap-emulate.md §4, §7 items 17–21, 24): a thin wrapper over the case library (harness/conformance/cases/emulated/ne2000.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { EMULATED_NE2000_CASES } from '../../harness/conformance/cases/emulated/ne2000.js';
import { multicastHashIndex } from '../../models/emulated/ne2000/index.js';
import { BROADCAST } from '../unit/emulated-ne2000/raw-card.js';

describe('NE2000 (specs/trap-emulate.md §4, §7 items 17–21, 24)', () => {
  for (const c of EMULATED_NE2000_CASES) it(caseLabel(c), () => c.run({ model: 'emulated' }));
});

describe('multicast hash (IEEE 802.3 CRC-32; N net_crc32 >> 26)', () => {
  it('equals the top 6 bits of the bit-reversed complement of zlib’s CRC-32', () => {
    const reverse32 = (x: number): number => {
      let r = 0;
      for (let i = 0; i < 32; i++) r = ((r << 1) | ((x >>> i) & 1)) >>> 0;
      return r;
    };
    for (const mac of [[0x01, 0x00, 0x5e, 0x00, 0x00, 0x01], [0x33, 0x33, 0x00, 0x00, 0x00, 0x01], [...BROADCAST]]) {
      const bytes = Uint8Array.from(mac);
      expect(multicastHashIndex(bytes, 0)).toBe(reverse32(~crc32(Buffer.from(bytes)) >>> 0) >>> 26);
    }
  });
});
