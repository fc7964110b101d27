import { describe, expect, it } from 'vitest';
import { createEntropyBackend, type EntropyBackendOptions } from '../../../models/backend/index.js';
import { env } from './helpers.js';

function entropy(opts: EntropyBackendOptions = {}, seed = 1) {
  const e = env(seed);
  return { ...e, backend: createEntropyBackend(opts, e.sched, e.meter, e.rng) };
}

function take(backend: { read(b: Uint8Array, o: number, l: number): number }, n: number): Uint8Array {
  const b = new Uint8Array(n);
  expect(backend.read(b, 0, n)).toBe(n);
  return b;
}

describe('entropy backend', () => {
  it('produces the same bytes for the same seed and different bytes for another seed', () => {
    const a = take(entropy({}, 7).backend, 256);
    const b = take(entropy({}, 7).backend, 256);
    const c = take(entropy({}, 8).backend, 256);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBeGreaterThan(100); // not a constant or short cycle
  });

  it('gives the same byte stream whatever the read sizes (register vs ring reads)', () => {
    const whole = take(entropy({}, 3).backend, 4103);
    const { backend } = entropy({}, 3);
    const pieces = [1, 3, 2, 4097].map((n) => take(backend, n));
    const joined = new Uint8Array(4103);
    let at = 0;
    for (const p of pieces) {
      joined.set(p, at);
      at += p.length;
    }
    expect(joined).toEqual(whole);
  });

  it('fills at an offset and never past the buffer', () => {
    const { backend } = entropy();
    const b = new Uint8Array(16);
    expect(backend.read(b, 10, 100)).toBe(6);
    expect(b.subarray(0, 10).every((x) => x === 0)).toBe(true);
    expect(backend.read(b, 0, 0)).toBe(0);
  });

  it('draws from the host CSPRNG when source is crypto (independent of the seed)', () => {
    const a = take(entropy({ source: 'crypto' }, 7).backend, 64);
    const b = take(entropy({ source: 'crypto' }, 7).backend, 64);
    const seeded = take(entropy({}, 7).backend, 64);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(seeded);
  });

  it('rate-limits in simulated time: short reads, possibly 0, never more than the bucket', () => {
    const { sched, backend } = entropy({ bytesPerSecond: 1000, burstBytes: 100 });
    const b = new Uint8Array(500);
    expect(backend.read(b, 0, 500)).toBe(100); // a full bucket to start
    expect(backend.read(b, 0, 500)).toBe(0); // empty, and it does not block
    sched.advance(50e6); // 50 ms → 50 bytes
    expect(backend.read(b, 0, 500)).toBe(50);
    sched.advance(20e6);
    expect(backend.read(b, 0, 5)).toBe(5); // asks for less than allowed: no short read
    expect(backend.read(b, 0, 500)).toBe(15);
    sched.advance(10e9); // a long idle refills only to the bucket size
    expect(backend.read(b, 0, 500)).toBe(100);
    expect(backend.stats).toMatchObject({ reads: 6, bytes: 270, shortReads: 5 });
  });

  it('defaults the bucket to a tenth of a second of rate', () => {
    const { backend } = entropy({ bytesPerSecond: 2000 });
    expect(backend.read(new Uint8Array(1000), 0, 1000)).toBe(200);
  });

  it('keeps a rate-limited seeded stream identical to the unlimited one', () => {
    const { sched, backend } = entropy({ bytesPerSecond: 1e6, burstBytes: 64 }, 5);
    const got = new Uint8Array(1000);
    let at = 0;
    while (at < got.length) {
      at += backend.read(got, at, got.length - at);
      sched.advance(10_000);
    }
    expect(got).toEqual(take(entropy({}, 5).backend, 1000));
  });
});
