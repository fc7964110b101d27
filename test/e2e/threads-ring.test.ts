/**
 * The cross-thread ring benchmark (harness/engine/threads/bench-ring.ts) runs from dist/ and moves
 * every buffer exactly once, in order: the device checks each buffer's sequence number, which holds
 * only if descriptors and payload are visible before avail.idx (virtio 1.2 §2.7.13.3.1) and the
 * re-enable/re-check protocol never loses a wake-up (§2.7.14; a lost one would hang the run).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as BenchRing from '../../harness/engine/threads/bench-ring.js';
import { packageRoot } from '../../harness/profiles/load.js';

async function load(): Promise<typeof BenchRing> {
  const url = pathToFileURL(join(packageRoot(), 'dist', 'harness', 'engine', 'threads', 'bench-ring.js')).href;
  return (await import(url)) as typeof BenchRing;
}

describe('bench-ring: the bare virtqueue cycle across two threads', () => {
  it('poll: every buffer arrives in order, with no notification and no sleep', { timeout: 60_000 }, async () => {
    const { benchRing } = await load();
    const n = 30_000;
    const r = await benchRing({ buffers: n, mode: 'poll', size: 64 });
    expect(r.checksum).toBe((n * (n - 1)) / 2);
    expect([r.driver.signals, r.device.signals, r.driver.sleeps, r.device.sleeps]).toEqual([0, 0, 0, 0]);
    expect(r.buffersPerSec).toBeGreaterThan(0);
  });

  it('futex + EVENT_IDX: every buffer arrives in order; wake-ups never exceed the signals that caused them', {
    timeout: 60_000,
  }, async () => {
    const { benchRing } = await load();
    const n = 30_000;
    const r = await benchRing({ buffers: n, mode: 'futex', size: 256 });
    expect(r.checksum).toBe((n * (n - 1)) / 2);
    expect(r.driver.signals).toBeGreaterThan(0); // at least the first kick
    expect(r.device.wakeups).toBeLessThanOrEqual(r.driver.signals);
    expect(r.driver.wakeups).toBeLessThanOrEqual(r.device.signals);
    // Suppression works: far fewer kicks than buffers.
    expect(r.driver.signals).toBeLessThan(n);
  });

  it('futex + flags (NO_NOTIFY / NO_INTERRUPT, virtio 1.2 §2.7.7, §2.7.10): every buffer arrives in order', {
    timeout: 60_000,
  }, async () => {
    const { benchRing } = await load();
    const n = 30_000;
    const r = await benchRing({ buffers: n, mode: 'futex', eventIdx: false, size: 128 });
    expect(r.eventIdx).toBe(false);
    expect(r.checksum).toBe((n * (n - 1)) / 2);
    expect(r.driver.signals).toBeGreaterThan(0);
    expect(r.driver.signals).toBeLessThan(n);
  });
});
