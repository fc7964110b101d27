/** virtio-rng through the whole stack on the sim engine: driver → virtio-pci → device → entropy backend. */
import { describe, expect, it } from 'vitest';
import { RNG_MAX_QUEUE_SIZE, rngBinding } from '../../../models/virtio/rng/index.js';
import { blkConfig, counters, delta } from '../virtio-blk/blk-stack.js';
import { firstDifference, makeRngStack, readLoop, readOnce } from './rng-stack.js';

describe('virtio-rng round trip', () => {
  const variants: Record<string, string>[] = [{}, { irq: 'intx' }, { notify: 'userspace' }, { 'queue-size': '16' }];
  for (const options of variants) {
    it(`delivers the backend's seeded stream (${JSON.stringify(options)})`, () => {
      const s = makeRngStack({ options });
      const r = readOnce(s, 64);
      expect(r.n).toBe(64);
      expect(r.bytes).toEqual(s.expected(64));
      expect(s.dev.deviceStatus).toBe(0x0f);
    });
  }

  it('keeps 8 reads of assorted sizes in flight; bytes arrive in stream order', () => {
    const s = makeRngStack({ knobs: { coalesce: { kind: 'event-idx' } } });
    const sizes = (i: number): number => 1 + ((i * 977) % 5000);
    const { stream, counts } = readLoop(s, 8, 300, sizes);
    expect(counts.length).toBe(300);
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(1);
    expect(firstDifference(stream, s.expected(stream.length))).toBe(-1);
  });

  it('zerocopy fills guest buffers in place; copy mode goes through the device bounce buffer', () => {
    const run = (copy: 'copy' | 'zerocopy') => {
      const s = makeRngStack({ knobs: { copy } });
      const before = counters(s.m);
      const r = readOnce(s, 10_000);
      expect(r.bytes).toEqual(s.expected(10_000));
      return delta(counters(s.m), before);
    };
    const zc = run('zerocopy');
    const cp = run('copy');
    expect(zc.bytesZeroCopy).toBe(10_000);
    expect(zc.bytesCopied).toBe(0);
    expect(cp.bytesZeroCopy).toBe(0);
    expect(cp.bytesCopied).toBe(10_000);
  });

  it('queue capped at 64 entries; support() refuses deeper iodepth', () => {
    const s = makeRngStack({ options: { 'queue-size': '256' } });
    expect(s.driver.maxInflight).toBe(RNG_MAX_QUEUE_SIZE);
    expect(rngBinding.support(blkConfig({ iodepth: 64 }, { 'queue-size': '256' })).ok).toBe(true);
    const deep = rngBinding.support(blkConfig({ iodepth: 65 }, { 'queue-size': '256' }));
    expect(deep.ok).toBe(false);
    expect(rngBinding.support(blkConfig({ iodepth: 32 }, { 'queue-size': '16' })).ok).toBe(false);
  });

  it('reads of 0 bytes, above maxRead or outside guest RAM report 0 without reaching the device', () => {
    const s = makeRngStack();
    const reads = s.backend.stats.reads;
    const got: number[] = [];
    s.driver.read(s.m.guest.alloc.alloc(16, 16), 0, (n) => got.push(n));
    s.driver.read(s.m.guest.alloc.alloc(16, 16), s.driver.maxRead + 1, (n) => got.push(n));
    s.driver.read(s.m.guest.mem.size - 8, 16, (n) => got.push(n));
    s.m.run({ maxEvents: 10_000 });
    expect(got).toEqual([0, 0, 0]);
    expect(s.backend.stats.reads).toBe(reads);
  });

  describe('rate-limited backend', () => {
    // 1 byte per µs, at most 100 bytes at once.
    const entropy = { bytesPerSecond: 1_000_000, burstBytes: 100 };

    it('answers with what the backend had (≥ 1 byte); the driver reports the used len', () => {
      const s = makeRngStack({ entropy });
      const first = readOnce(s, 4096);
      expect(first.n).toBe(100); // the full bucket
      expect(first.bytes).toEqual(s.expected(100));
      const second = readOnce(s, 4096);
      expect(second.n).toBeGreaterThanOrEqual(1);
      expect(second.n).toBeLessThan(4096);
      expect(second.bytes).toEqual(s.expected(second.n));
    });

    it('parks an empty-handed request on a back-off timer instead of spinning', () => {
      const s = makeRngStack({ entropy: { bytesPerSecond: 1000, burstBytes: 100 } }); // 1 byte per ms
      readOnce(s, 100); // drain the bucket
      const t0 = s.m.nowNs();
      const events0 = s.m.engine.eventsRun;
      const r = readOnce(s, 50);
      const waited = s.m.nowNs() - t0;
      expect(r.n).toBeGreaterThanOrEqual(1);
      expect(s.logic.parks).toBeGreaterThanOrEqual(1);
      expect(waited).toBeGreaterThan(500_000); // about one byte's worth of refill
      // Back-off doubles from 10 µs: a handful of timer events, not a busy loop.
      expect(s.m.engine.eventsRun - events0).toBeLessThan(50);
      expect(s.logic.waiting).toBe(0);
    });

    it('a sustained drain gets exactly the rate-limited byte stream, in order', () => {
      const s = makeRngStack({ entropy, knobs: { coalesce: { kind: 'event-idx' } } });
      const { stream, counts } = readLoop(s, 4, 40, () => 256);
      for (const n of counts) expect(n).toBeGreaterThanOrEqual(1);
      expect(firstDifference(stream, s.expected(stream.length))).toBe(-1);
      // Roughly the configured rate: 1 byte/µs after the initial 100-byte burst.
      expect(s.m.nowNs()).toBeGreaterThan((stream.length - 100) * 1000 * 0.9);
    });
  });
});
