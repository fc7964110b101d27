/**
 * How a workload's measured operations are started (measurement.md §3.3).
 *
 * - **Closed loop** (`rate=0`, fio's fixed iodepth): `depth` operations are kept in flight; a
 *   slot takes the next operation as soon as its previous one is released. Latency runs from
 *   the issue time, and a stall also stops issuing: throughput is the outcome.
 * - **Open loop** (`rate>0`): arrivals follow a Poisson process of `rate` per second drawn
 *   from a seeded Rng, scheduled independently of completions. An arrival with no free slot
 *   waits in a FIFO; its latency still runs from the arrival (the intended start), so a
 *   backlog shows up in the latency instead of hiding behind the slower issue rate
 *   (coordinated omission, wrk2 style).
 *
 * The run is bounded by `ops` operations or, when `durationNs > 0`, by virtual time: no
 * operation starts (closed) or arrives (open) at or after the deadline.
 *
 * Slots, intended start times and the arrival FIFO are preallocated; starting and finishing an
 * operation allocates nothing (the FIFO only grows, by doubling, past its initial size).
 */
import { Rng } from '../models/platform/rng.js';
import type { Scheduler } from '../models/platform/scheduler.js';
import type { LatencyRecorder } from './latency.js';
import { param, type WorkloadParam } from './workload.js';

/** The parameters every workload shares: how many operations, for how long, at what rate. */
export function loadParams(opsDefault: number): WorkloadParam[] {
  return [
    { key: 'ops', default: opsDefault, min: 1, unit: 'ops', description: 'measured operations (unless duration)' },
    {
      key: 'duration',
      default: 0,
      min: 0,
      unit: 'ns',
      description: 'measured virtual time instead of ops; 0 = run ops operations',
    },
    {
      key: 'rate',
      default: 0,
      min: 0,
      unit: 'ops/s',
      description: 'open loop: Poisson arrivals per second of virtual time; 0 = closed loop (iodepth kept in flight)',
    },
  ];
}

export interface LoadPlan {
  /** Operations in flight at most (the iodepth knob). */
  readonly depth: number;
  /** Operations to run when `durationNs` is 0. */
  readonly ops: number;
  /** Measured virtual time; 0 = bounded by `ops`. */
  readonly durationNs: number;
  /** Arrivals per second; 0 = closed loop. */
  readonly ratePerSec: number;
}

/** The plan a workload's resolved parameters describe, at queue depth `depth`. */
export function loadPlan(params: Readonly<Record<string, number>>, depth: number): LoadPlan {
  return { depth, ops: param(params, 'ops'), durationNs: param(params, 'duration'), ratePerSec: param(params, 'rate') };
}

/** Operations to size buffers for (the exact count is known only for ops-bounded runs). */
export function expectedLoadOps(params: Readonly<Record<string, number>>): number {
  const duration = param(params, 'duration');
  if (duration === 0) return param(params, 'ops');
  const rate = param(params, 'rate');
  return rate > 0 ? Math.ceil((rate * duration) / 1e9) : 1024;
}

export interface LoadTarget {
  /** Start operation number `sequence` (0, 1, …) in `slot` now. */
  issue(slot: number, sequence: number): void;
  /** Every operation has been released and no more will start; `ops` were run. */
  drained(ops: number): void;
}

/** Salt so the arrival stream differs from other consumers of the run seed. */
const ARRIVAL_STREAM_SALT = 0x0a771e5;

/** A growable FIFO of intended start times (ns). */
class TimeFifo {
  private ring: Float64Array;
  private head = 0;
  length = 0;

  constructor(capacity: number) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.ring = new Float64Array(size);
  }

  push(t: number): void {
    if (this.length === this.ring.length) {
      const bigger = new Float64Array(this.ring.length * 2);
      for (let i = 0; i < this.length; i++) bigger[i] = this.ring[(this.head + i) & (this.ring.length - 1)] as number;
      this.ring = bigger;
      this.head = 0;
    }
    this.ring[(this.head + this.length) & (this.ring.length - 1)] = t;
    this.length++;
  }

  shift(): number {
    const t = this.ring[this.head] as number;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.length--;
    return t;
  }
}

type DriverState = { readonly kind: 'idle' } | { readonly kind: 'running' } | { readonly kind: 'drained' };
const IDLE: DriverState = { kind: 'idle' };
const RUNNING: DriverState = { kind: 'running' };
const DRAINED: DriverState = { kind: 'drained' };

export class LoadDriver {
  private readonly intended: Float64Array;
  private readonly freeSlots: Int32Array;
  private freeCount: number;
  private readonly waiting: TimeFifo;
  private readonly rng: Rng;
  private readonly meanGapNs: number;
  private readonly onArrival: () => void;
  private state: DriverState = IDLE;
  private deadlineNs = Number.POSITIVE_INFINITY;
  private nextArrivalNs = 0;
  private arrivals = 0;
  private started = 0;
  private released = 0;

  /**
   * `latency` receives completion − intended start for every operation whose slot is
   * `record`ed; pass undefined for unmeasured sweeps (prefill, read-back).
   */
  constructor(
    private readonly sched: Scheduler,
    private readonly plan: LoadPlan,
    private readonly target: LoadTarget,
    private readonly latency: LatencyRecorder | undefined,
    seed: number,
  ) {
    if (!Number.isSafeInteger(plan.depth) || plan.depth < 1) throw new RangeError(`depth ${plan.depth}: expected ≥ 1`);
    if (!(plan.ratePerSec >= 0 && Number.isFinite(plan.ratePerSec))) throw new RangeError(`rate ${plan.ratePerSec}`);
    this.intended = new Float64Array(plan.depth);
    this.freeSlots = new Int32Array(plan.depth);
    // Lowest slot first: slot k is the k-th operation of a closed loop's first wave.
    for (let i = 0; i < plan.depth; i++) this.freeSlots[i] = plan.depth - 1 - i;
    this.freeCount = plan.depth;
    this.waiting = new TimeFifo(plan.ratePerSec > 0 && plan.durationNs === 0 ? Math.min(plan.ops, 1 << 16) : 64);
    this.rng = new Rng((seed ^ ARRIVAL_STREAM_SALT) >>> 0);
    this.meanGapNs = plan.ratePerSec > 0 ? 1e9 / plan.ratePerSec : 0;
    this.onArrival = () => this.arrive();
  }

  get openLoop(): boolean {
    return this.plan.ratePerSec > 0;
  }

  /** Operations started so far. */
  get startedOps(): number {
    return this.started;
  }

  /** Operations in flight (started and not yet released). */
  get inflight(): number {
    return this.plan.depth - this.freeCount;
  }

  /** Arrivals waiting for a free slot (open loop). */
  get backlog(): number {
    return this.waiting.length;
  }

  start(): void {
    if (this.state.kind !== 'idle') throw new Error('LoadDriver started twice');
    this.state = RUNNING;
    const now = this.sched.now();
    if (this.plan.durationNs > 0) this.deadlineNs = now + this.plan.durationNs;
    if (this.openLoop) {
      this.nextArrivalNs = this.gapFrom(now);
      this.scheduleArrival(now);
    } else {
      while (this.freeCount > 0 && this.mayStartClosed()) this.launch(this.popFree(), now);
    }
    this.checkDrained();
  }

  /** When the operation now in `slot` was meant to start (its arrival; its issue time in a closed loop). */
  intendedStart(slot: number): number {
    return this.intended[slot] as number;
  }

  /** Record the latency of the operation in `slot` (completion now − its intended start). */
  record(slot: number): void {
    this.latency?.record(this.sched.now() - (this.intended[slot] as number));
  }

  /** `slot` is free for the next operation. */
  release(slot: number): void {
    if (this.state.kind !== 'running') return;
    this.released++;
    if (this.openLoop) {
      if (this.waiting.length > 0) this.launch(slot, this.waiting.shift());
      else this.pushFree(slot);
    } else if (this.mayStartClosed()) {
      this.launch(slot, this.sched.now());
    } else {
      this.pushFree(slot);
    }
    this.checkDrained();
  }

  /** `record` then `release`: the common case of an operation that ends in one step. */
  finished(slot: number): void {
    this.record(slot);
    this.release(slot);
  }

  /** Stop starting operations (after a failure); nothing more is issued or reported. */
  stop(): void {
    this.state = DRAINED;
  }

  private mayStartClosed(): boolean {
    return this.plan.durationNs > 0 ? this.sched.now() < this.deadlineNs : this.started < this.plan.ops;
  }

  /** Arrivals still to come after the ones already generated. */
  private moreArrivals(): boolean {
    return this.plan.durationNs > 0 ? this.nextArrivalNs < this.deadlineNs : this.arrivals < this.plan.ops;
  }

  private scheduleArrival(now: number): void {
    if (!this.moreArrivals()) return;
    // Arrival times accumulate exactly from the start, so a late callback never shifts later arrivals.
    this.sched.after(Math.max(0, this.nextArrivalNs - now), this.onArrival);
  }

  private arrive(): void {
    if (this.state.kind !== 'running') return;
    const now = this.sched.now();
    // Half a picosecond of slack: the clock and the arrival times sit on the same ps grid.
    while (this.nextArrivalNs <= now + 0.0005 && this.moreArrivals()) {
      const at = this.nextArrivalNs;
      this.arrivals++;
      this.nextArrivalNs = this.gapFrom(at);
      if (this.freeCount > 0) this.launch(this.popFree(), at);
      else this.waiting.push(at);
      if (this.state.kind !== 'running') return;
    }
    this.scheduleArrival(now);
    this.checkDrained();
  }

  /**
   * The arrival after one at `t`: an exponential gap, rounded to whole picoseconds (the sim
   * engine's time quantum) so that the callback scheduled for it runs exactly at it.
   */
  private gapFrom(t: number): number {
    return Math.round((t + this.rng.exponential(this.meanGapNs)) * 1000) / 1000;
  }

  private launch(slot: number, intendedNs: number): void {
    this.intended[slot] = intendedNs;
    this.target.issue(slot, this.started++);
  }

  private popFree(): number {
    return this.freeSlots[--this.freeCount] as number;
  }

  private pushFree(slot: number): void {
    this.freeSlots[this.freeCount++] = slot;
  }

  private checkDrained(): void {
    if (this.state.kind !== 'running' || this.freeCount < this.plan.depth || this.waiting.length > 0) return;
    const more = this.openLoop ? this.moreArrivals() : this.mayStartClosed();
    if (more) return;
    this.state = DRAINED;
    this.target.drained(this.released);
  }
}
