/**
 * The load driver behind every workload (measurement.md §3.3): a closed loop really holds
 * `depth` operations in flight; an open loop draws Poisson arrivals with the asked-for mean,
 * independent of completions, and measures latency from the intended start, so a backlog in
 * front of a slow device shows up in the latency (coordinated omission cannot hide it).
 *
 * The device here is a serial server on the sim engine: one operation at a time, `serviceNs`
 * each, completions in order.
 */
import { describe, expect, it } from 'vitest';
import { SimEngine } from '../../../harness/engine/sim/engine.js';
import { METER_EVENT_COUNT, Meter } from '../../../models/platform/meter.js';
import { LatencyRecorder } from '../../../workloads/latency.js';
import { LoadDriver, type LoadPlan } from '../../../workloads/load.js';

interface Issue {
  readonly slot: number;
  readonly sequence: number;
  readonly at: number;
  readonly intended: number;
  readonly inflight: number;
}

interface Outcome {
  readonly issues: Issue[];
  /** Completion time of each operation, by sequence. */
  readonly completions: number[];
  readonly latencies: number[];
  readonly drainedOps: number | undefined;
  readonly endNs: number;
}

function serve(plan: LoadPlan, serviceNs: number, seed = 5): Outcome {
  const engine = new SimEngine(new Float64Array(METER_EVENT_COUNT));
  const vcpu = engine.actor('vcpu0', new Meter(engine));
  const latency = new LatencyRecorder(plan.ops);
  const issues: Issue[] = [];
  const completions: number[] = [];
  let drainedOps: number | undefined;
  let inflight = 0;
  let busyUntil = 0;
  let driver: LoadDriver | undefined;
  driver = new LoadDriver(
    vcpu,
    plan,
    {
      issue(slot, sequence) {
        const d = driver as LoadDriver;
        const now = vcpu.now();
        inflight++;
        issues.push({ slot, sequence, at: now, intended: d.intendedStart(slot), inflight });
        const start = Math.max(now, busyUntil);
        busyUntil = start + serviceNs;
        vcpu.after(busyUntil - now, () => {
          inflight--;
          completions[sequence] = vcpu.now();
          d.finished(slot);
        });
      },
      drained(ops) {
        drainedOps = ops;
      },
    },
    latency,
    seed,
  );
  vcpu.after(0, () => driver?.start());
  engine.run();
  return {
    issues,
    completions,
    latencies: Array.from(latency.values()),
    drainedOps,
    endNs: engine.nowNs(),
  };
}

const closed = (depth: number, ops: number): LoadPlan => ({ depth, ops, durationNs: 0, ratePerSec: 0 });
const open = (depth: number, ops: number, ratePerSec: number): LoadPlan => ({ depth, ops, durationNs: 0, ratePerSec });

describe('closed loop (fio iodepth)', () => {
  it('holds exactly depth operations in flight once ramped, and drains at the end', () => {
    const r = serve(closed(8, 1000), 1000);
    expect(r.drainedOps).toBe(1000);
    expect(r.issues).toHaveLength(1000);
    expect(r.issues.map((i) => i.inflight).slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Every later issue refills the slot just freed: depth in flight again.
    expect(r.issues.slice(8).every((i) => i.inflight === 8)).toBe(true);
    expect(new Set(r.issues.map((i) => i.slot))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    // A serial device behind 8 slots: each op waits for the 7 ahead of it.
    expect(r.latencies.slice(8).every((l) => l === 8000)).toBe(true);
  });

  it('measures from the issue time (the intended start of a closed loop)', () => {
    const r = serve(closed(2, 50), 300);
    for (const i of r.issues) expect(i.intended).toBe(i.at);
  });

  it('a duration bounds the run by virtual time instead of ops', () => {
    const r = serve({ depth: 1, ops: 1, durationNs: 1_000_000, ratePerSec: 0 }, 10_000);
    // Ops start at 0, 10 µs, …, 990 µs: the 101st would start at the deadline.
    expect(r.drainedOps).toBe(100);
    expect(r.latencies).toHaveLength(100);
  });
});

describe('open loop (Poisson arrivals, measurement.md §3.3)', () => {
  it('arrivals have the asked-for mean and an exponential spread', () => {
    const rate = 100_000; // mean gap 10 µs
    const r = serve(open(64, 20_000, rate), 100);
    expect(r.drainedOps).toBe(20_000);
    const t = r.issues.map((i) => i.intended);
    const gaps = t.slice(1).map((x, k) => x - (t[k] as number));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / (gaps.length - 1));
    // Standard error of the mean is 10 µs / √20000 ≈ 0.7 %.
    expect(mean).toBeGreaterThan(9_700);
    expect(mean).toBeLessThan(10_300);
    // Exponential: standard deviation equals the mean, and P(gap < mean) = 1 − 1/e.
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
    const below = gaps.filter((g) => g < mean).length / gaps.length;
    expect(below).toBeGreaterThan(1 - Math.exp(-1) - 0.015);
    expect(below).toBeLessThan(1 - Math.exp(-1) + 0.015);
    // An idle fast device serves each arrival at once: issue = arrival.
    expect(r.issues.every((i) => i.at === i.intended)).toBe(true);
  });

  it('arrival times do not depend on how fast the device completes', () => {
    const fast = serve(open(4, 500, 50_000), 100).issues.map((i) => i.intended);
    const slow = serve(open(4, 500, 50_000), 50_000).issues.map((i) => i.intended);
    expect(slow).toEqual(fast);
    const otherSeed = serve(open(4, 500, 50_000), 100, 6).issues.map((i) => i.intended);
    expect(otherSeed).not.toEqual(fast);
  });

  it('latency runs from the intended start: a backlog in front of a slow device shows up', () => {
    // Capacity 100 k/s, offered 200 k/s: the queue grows for the whole run.
    const service = 10_000;
    const r = serve(open(1, 2_000, 200_000), service);
    expect(r.drainedOps).toBe(2_000);
    // Each latency is exactly queueing + service from the arrival: c_k = max(c_{k-1}, a_k) + S.
    let c = 0;
    r.issues.forEach((issue, k) => {
      c = Math.max(c, issue.intended) + service;
      expect(r.completions[k]).toBeCloseTo(c, 3);
      expect(r.latencies[k]).toBeCloseTo(c - issue.intended, 3);
    });
    // Latency grows with the backlog: each quarter of the run waits longer than the last.
    const q = (k: number) => r.latencies.slice(k * 500, (k + 1) * 500).reduce((a, b) => a + b, 0) / 500;
    expect(q(1)).toBeGreaterThan(q(0));
    expect(q(2)).toBeGreaterThan(q(1));
    expect(q(3)).toBeGreaterThan(q(2));
    // ≈ 2000 × 10 µs of work arriving within ≈ 10 ms: the last op waited about 10 ms.
    expect(r.latencies[1999]).toBeGreaterThan(8e6);
    // The same device in a closed loop reports the service time only: the queueing is hidden.
    const closedRun = serve(closed(1, 2_000), service);
    expect(Math.max(...closedRun.latencies)).toBe(service);
  });

  it('arrivals with no free slot wait, and are issued in arrival order as slots free up', () => {
    const r = serve(open(2, 300, 400_000), 10_000);
    const intended = r.issues.map((i) => i.intended);
    expect(intended).toEqual([...intended].sort((a, b) => a - b));
    expect(r.issues.some((i) => i.at > i.intended)).toBe(true);
    expect(Math.max(...r.issues.map((i) => i.inflight))).toBe(2);
  });
});
