import { describe, expect, it } from 'vitest';
import { fillPattern, fillStream, firstMismatch, fnv1a } from '../../../workloads/pattern.js';

function sectorBytes(seed: number, sector: number, gen: number, sectors = 1): Uint8Array {
  const words = new Uint32Array((512 / 4) * sectors);
  fillPattern(words, seed, sector, sectors, gen);
  return new Uint8Array(words.buffer);
}

describe('block data pattern', () => {
  it('is a pure function of (seed, sector, generation)', () => {
    expect(sectorBytes(1, 42, 3)).toEqual(sectorBytes(1, 42, 3));
    // A multi-sector fill equals the single-sector fills side by side.
    const two = sectorBytes(9, 100, 0, 2);
    expect(two.subarray(0, 512)).toEqual(sectorBytes(9, 100, 0));
    expect(two.subarray(512)).toEqual(sectorBytes(9, 101, 0));
  });

  it('differs in every input, so misdirected and stale writes are caught', () => {
    const base = sectorBytes(1, 42, 3);
    for (const other of [
      sectorBytes(2, 42, 3),
      sectorBytes(1, 43, 3),
      sectorBytes(1, 42, 4),
      sectorBytes(1, 42 + 2 ** 32, 3),
    ]) {
      expect(firstMismatch(base, other, 512)).toBeGreaterThanOrEqual(0);
      // Not just the header words: the body differs too.
      expect(firstMismatch(base.subarray(8), other.subarray(8), 504)).toBeGreaterThanOrEqual(0);
    }
  });

  it('records sector and generation in the first words (little endian)', () => {
    const b = sectorBytes(5, 0x01020304, 7);
    expect(Array.from(b.subarray(0, 8))).toEqual([4, 3, 2, 1, 7, 0, 0, 0]);
  });

  it('rejects a scratch buffer too small', () => {
    expect(() => fillPattern(new Uint32Array(100), 1, 0, 1, 0)).toThrow(RangeError);
  });
});

describe('helpers', () => {
  it('firstMismatch finds the first differing byte or -1', () => {
    expect(firstMismatch(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3), 3)).toBe(-1);
    expect(firstMismatch(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 9, 3), 3)).toBe(1);
  });

  it('fnv1a matches the published FNV-1a 32 test vectors and chains', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(fnv1a(enc(''), 0, 0)).toBe(0x811c9dc5);
    expect(fnv1a(enc('a'), 0, 1)).toBe(0xe40c292c);
    expect(fnv1a(enc('foobar'), 0, 6)).toBe(0xbf9cf968);
    expect(fnv1a(enc('bar'), 0, 3, fnv1a(enc('foo'), 0, 3))).toBe(0xbf9cf968);
  });

  it('fillStream depends on seed and sequence', () => {
    const a = new Uint8Array(64);
    const b = new Uint8Array(64);
    fillStream(a, 0, 64, 1, 5);
    fillStream(b, 0, 64, 1, 5);
    expect(a).toEqual(b);
    fillStream(b, 0, 64, 1, 6);
    expect(firstMismatch(a, b, 64)).toBeGreaterThanOrEqual(0);
    fillStream(b, 0, 64, 2, 5);
    expect(firstMismatch(a, b, 64)).toBeGreaterThanOrEqual(0);
  });
});
