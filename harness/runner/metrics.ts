/**
 * Measured-phase accounting: counters (guest + host meters summed), actor busy time,
 * virtual and wall time are snapshotted when the workload begins its measured phase and
 * differenced when it ends, so prefill and read-back traffic never leaks into a result.
 * Throughput = ops / elapsed virtual time of the measured phase (never a mean of rates).
 */
import { addCounters, COUNTER_NAMES, type Counters, type Meter, zeroCounters } from '../../models/platform/meter.js';
import type { LatencyRecorder } from '../../workloads/latency.js';
import type { Metrics } from '../results/schema.js';

export interface ActorBusy {
  readonly name: string;
  readonly busyNs: number;
}

/** What the runner needs from a machine to take a snapshot. */
export interface MeteredMachine {
  readonly guestMeter: Meter;
  readonly hostMeter: Meter;
  actors(): readonly ActorBusy[];
}

interface Snapshot {
  readonly counters: Counters;
  readonly busy: Map<string, number>;
  virtualNs: number;
  wallMs: number;
}

function emptySnapshot(): Snapshot {
  return { counters: zeroCounters(), busy: new Map(), virtualNs: 0, wallMs: 0 };
}

function take(into: Snapshot, machine: MeteredMachine, virtualNs: number): void {
  const c = into.counters;
  for (const k of COUNTER_NAMES) c[k] = 0;
  addCounters(c, machine.guestMeter.counters);
  addCounters(c, machine.hostMeter.counters);
  into.busy.clear();
  for (const a of machine.actors()) into.busy.set(a.name, a.busyNs);
  into.virtualNs = virtualNs;
  into.wallMs = performance.now();
}

export type PhaseState =
  | { readonly kind: 'before' }
  | { readonly kind: 'measuring' }
  | { readonly kind: 'measured'; readonly ops: number; readonly bytes: number };

/** Brackets the measured phase; `begin` / `end` are called by the workload through its context. */
export class MeasuredWindow {
  private readonly start = emptySnapshot();
  private readonly stop = emptySnapshot();
  state: PhaseState = { kind: 'before' };

  constructor(
    private readonly machine: MeteredMachine,
    private readonly clockNs: () => number,
  ) {}

  begin(): void {
    if (this.state.kind !== 'before') throw new Error(`measured phase begun twice`);
    take(this.start, this.machine, this.clockNs());
    this.state = { kind: 'measuring' };
  }

  end(ops: number, bytes: number): void {
    if (this.state.kind !== 'measuring') throw new Error(`measured phase ended while ${this.state.kind}`);
    if (!Number.isSafeInteger(ops) || ops < 0 || !Number.isSafeInteger(bytes) || bytes < 0) {
      throw new Error(`measured phase ended with ops=${ops} bytes=${bytes}`);
    }
    take(this.stop, this.machine, this.clockNs());
    this.state = { kind: 'measured', ops, bytes };
  }

  /** Metrics of the finished window. */
  metrics(latency: LatencyRecorder, notes: Readonly<Record<string, number>>): Metrics {
    const state = this.state;
    if (state.kind !== 'measured') throw new Error('the workload finished without completing a measured phase');
    const { ops, bytes } = state;
    // The engine counts integer ps: round the ns difference back onto that grid.
    const virtualNs = Math.round((this.stop.virtualNs - this.start.virtualNs) * 1000) / 1000;
    if (!(virtualNs > 0)) throw new Error(`the measured phase took ${virtualNs} ns of virtual time`);
    const seconds = virtualNs / 1e9;
    const counters = zeroCounters();
    const perOp = zeroCounters();
    for (const k of COUNTER_NAMES) {
      counters[k] = this.stop.counters[k] - this.start.counters[k];
      perOp[k] = ops === 0 ? 0 : counters[k] / ops;
    }
    const actors = [...this.stop.busy].map(([name, busy]) => {
      const busyNs = Math.round((busy - (this.start.busy.get(name) ?? 0)) * 1000) / 1000;
      // Busy time is booked when an event ends, so the event running at each snapshot lands on one
      // side of the window: utilisation can overshoot by one event's length; clamp it to 1.
      return { name, busyNs, util: Math.min(1, busyNs / virtualNs) };
    });
    const wallSeconds = (this.stop.wallMs - this.start.wallMs) / 1000;
    const lat = latency.summary();
    return {
      ops,
      bytes,
      iops: ops / seconds,
      bw_bytes: bytes / seconds,
      lat_ns: {
        count: lat.count,
        mean: lat.mean,
        p50: lat.p50,
        p90: lat.p90,
        p99: lat.p99,
        p999: lat.p999,
        min: lat.min,
        max: lat.max,
      },
      counters,
      perOp,
      virtualNs,
      actors,
      workload: { ...notes },
      // A measured phase shorter than the timer resolution reports 0 rather than infinity.
      simOpsPerWallSec: wallSeconds > 0 ? ops / wallSeconds : 0,
    };
  }
}
