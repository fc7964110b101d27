/**
 * What crosses between the threads as numbers: host snapshots through the control block, the
 * latency histogram, the metrics built from two halves (meters summed as the sim runner sums them).
 */
import { describe, expect, it } from 'vitest';
import { wallLatency } from '../../../harness/engine/threads/latency-histogram.js';
import { Slot, ThreadLink } from '../../../harness/engine/threads/link.js';
import type { GuestReport } from '../../../harness/engine/threads/protocol.js';
import {
  diffSnapshots,
  readSnapshot,
  takeSnapshot,
  writeSnapshot,
  zeroThreadStats,
} from '../../../harness/engine/threads/snapshot.js';
import { buildMetrics, THREADS_METRIC_TAGS } from '../../../harness/engine/threads/threads-metrics.js';
import { LatencyHistogram } from '../../../harness/stats/histogram.js';
import { Meter } from '../../../models/platform/meter.js';

describe('snapshots', () => {
  it('round-trip through the control block', () => {
    const link = ThreadLink.allocate();
    const meter = new Meter();
    meter.exit('pio', 'user', 1);
    meter.copy(512, 'host');
    meter.interrupt();
    const stats = zeroThreadStats();
    stats.busyNs = 12_345;
    stats.doorbellsDelivered = 7;
    const s = takeSnapshot(meter, stats);
    writeSnapshot(s, link.f64, Slot.snapshot);
    expect(readSnapshot(link.f64, Slot.snapshot)).toEqual(s);
  });

  it('a snapshot is a copy: later events do not change it; diff gives the window', () => {
    const meter = new Meter();
    const stats = zeroThreadStats();
    meter.exit('mmio', 'kernel', 4);
    const a = takeSnapshot(meter, stats);
    meter.exit('mmio', 'kernel', 4);
    meter.exit('mmio', 'user', 4);
    stats.wakeups = 3;
    const b = takeSnapshot(meter, stats);
    expect(a.counters.exits).toBe(1);
    const d = diffSnapshots(b, a);
    expect(d.counters.exits).toBe(2);
    expect(d.counters.exitsKernel).toBe(1);
    expect(d.counters.exitsUser).toBe(1);
    expect(d.stats.wakeups).toBe(3);
  });
});

describe('wall-clock latency (measurement.md §3.1)', () => {
  it('HDR percentiles, integer ns, and an encoded histogram that decodes to the same counts', () => {
    const samples = Float64Array.from({ length: 1000 }, (_, i) => (i + 1) * 1000 + 0.4);
    const lat = wallLatency(samples);
    expect(lat.count).toBe(1000);
    expect(lat.min).toBe(1000);
    expect(lat.p50).toBeGreaterThanOrEqual(500_000);
    expect(lat.p50).toBeLessThanOrEqual(500_000 * 1.001);
    expect(lat.p999).toBeGreaterThanOrEqual(999_000);
    const back = LatencyHistogram.decode(lat.hdr);
    expect(back.count).toBe(1000);
    expect(back.summary().p99).toBe(lat.p99);
  });

  it('no samples: zeros, not NaN', () => {
    const lat = wallLatency(new Float64Array(0));
    expect([lat.count, lat.mean, lat.p50, lat.max]).toEqual([0, 0, 0, 0]);
  });
});

describe('threads metrics', () => {
  function report(): GuestReport {
    const gm = new Meter();
    const hm = new Meter();
    const gs = zeroThreadStats();
    const hs = zeroThreadStats();
    const g0 = takeSnapshot(gm, gs);
    const h0 = takeSnapshot(hm, hs);
    for (let i = 0; i < 10; i++) {
      gm.exit('mmio', 'kernel', 2); // doorbells, counted by the guest
      gm.interrupt();
      hm.exit('pio', 'user', 4); // exits served by the host bus
      hm.zeroCopy(4096);
    }
    gs.busyNs = 4e6;
    hs.busyNs = 9e6;
    gs.wakeups = 5;
    return {
      kind: 'guest-report',
      outcome: { kind: 'finished' },
      phase: 'measured',
      ops: 10,
      bytes: 40_960,
      wallNs: 5e6,
      window: {
        guest: diffSnapshots(takeSnapshot(gm, gs), g0),
        host: diffSnapshots(takeSnapshot(hm, hs), h0),
      },
      latency: wallLatency(Float64Array.from({ length: 10 }, () => 500_000)),
      notes: { verified: 10 },
      total: takeSnapshot(gm, gs),
    };
  }

  it('sums both meters, computes ops ÷ wall time, clamps utilisation to 1', () => {
    const m = buildMetrics(report());
    expect(m.counters.exits).toBe(20);
    expect(m.perOp.exits).toBe(2);
    expect(m.perOp.interrupts).toBe(1);
    expect(m.perOp.bytesZeroCopy).toBe(4096);
    expect(m.iops).toBeCloseTo(2000, 9);
    expect(m.bw_bytes).toBeCloseTo(8_192_000, 6);
    expect(m.virtualNs).toBe(5e6);
    expect(m.actors.map((a) => [a.name, a.util])).toEqual([
      ['guest-thread', 0.8],
      ['host-thread', 1],
    ]);
    expect(m.lat_ns.p50).toBeGreaterThanOrEqual(500_000); // HDR: highest equivalent value, ≤ 0.1 % above
    expect(m.lat_ns.p50).toBeLessThanOrEqual(500_500);
    expect(m.workload).toEqual({ verified: 10 });
  });

  it('wall-clock metrics are tagged timing (measurement.md §5.3), counts of ops stay deterministic', () => {
    expect(THREADS_METRIC_TAGS.iops.kind).toBe('timing');
    expect(THREADS_METRIC_TAGS.lat_ns.basis).toBe('wall');
    expect(THREADS_METRIC_TAGS.ops.kind).toBe('deterministic');
  });
});
