/**
 * A deterministic scheduler for tests: events ordered by (time, insertion sequence) in a
 * binary heap and run only when the test says so. Several actors can share one clock
 * (`forActor`); time is global, as in the sim engine with free actors.
 */
import type { Scheduler, TimerId } from '../../../models/platform/scheduler.js';

interface Entry {
  at: number;
  seq: number;
  id: TimerId;
  actor: string;
  fn: () => void;
}

export class ManualClock {
  private time = 0;
  private seq = 0;
  private nextId = 1;
  private readonly heap: Entry[] = [];
  private readonly cancelled = new Set<TimerId>();
  /** Events run so far. */
  executed = 0;
  /** Actor of the event being run (undefined between events). */
  running: string | undefined;

  now(): number {
    return this.time;
  }

  /** Timers not yet run (cancelled ones excluded). */
  get pending(): number {
    return this.heap.length - this.cancelled.size;
  }

  schedule(actor: string, delayNs: number, fn: () => void): TimerId {
    if (!Number.isFinite(delayNs) || delayNs < 0) throw new RangeError(`after(${delayNs}): delay must be ≥ 0`);
    const id = this.nextId++;
    this.push({ at: this.time + delayNs, seq: this.seq++, id, actor, fn });
    return id;
  }

  cancel(id: TimerId): void {
    if (this.heap.some((e) => e.id === id)) this.cancelled.add(id);
  }

  /** Run the earliest event; false when none is left. */
  step(): boolean {
    for (;;) {
      const e = this.pop();
      if (e === undefined) return false;
      if (this.cancelled.delete(e.id)) continue;
      this.time = e.at;
      this.executed++;
      this.running = e.actor;
      try {
        e.fn();
      } finally {
        this.running = undefined;
      }
      return true;
    }
  }

  /** Run until no event is left; throws past `maxEvents` (a runaway loop). Returns events run. */
  run(maxEvents = 10_000_000): number {
    let n = 0;
    while (this.step()) {
      if (++n > maxEvents) throw new Error(`ManualClock: more than ${maxEvents} events`);
    }
    return n;
  }

  /** Run every event due at or before `t`, then advance the clock to `t`. */
  runUntil(t: number): number {
    let n = 0;
    for (;;) {
      const head = this.peekLive();
      if (head === undefined || head.at > t) break;
      this.step();
      n++;
    }
    if (t > this.time) this.time = t;
    return n;
  }

  /** Advance the clock by `ns`, running what falls due. */
  advance(ns: number): number {
    return this.runUntil(this.time + ns);
  }

  scheduler(actor: string): Scheduler {
    return {
      actor,
      now: () => this.time,
      after: (delayNs, fn) => this.schedule(actor, delayNs, fn),
      cancel: (id) => this.cancel(id),
    };
  }

  private peekLive(): Entry | undefined {
    for (;;) {
      const head = this.heap[0];
      if (head === undefined || !this.cancelled.has(head.id)) return head;
      this.cancelled.delete(head.id);
      this.pop();
    }
  }

  private before(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
    return top;
  }
}

/** One actor on its own clock: the usual shape for a unit test. */
export class ManualScheduler implements Scheduler {
  readonly clock: ManualClock;

  constructor(
    readonly actor = 'device',
    clock?: ManualClock,
  ) {
    this.clock = clock ?? new ManualClock();
  }

  now(): number {
    return this.clock.now();
  }

  after(delayNs: number, fn: () => void): TimerId {
    return this.clock.schedule(this.actor, delayNs, fn);
  }

  cancel(id: TimerId): void {
    this.clock.cancel(id);
  }

  /** Another actor on the same clock. */
  forActor(actor: string): ManualScheduler {
    return new ManualScheduler(actor, this.clock);
  }

  run(maxEvents?: number): number {
    return this.clock.run(maxEvents);
  }

  runUntil(t: number): number {
    return this.clock.runUntil(t);
  }

  advance(ns: number): number {
    return this.clock.advance(ns);
  }

  step(): boolean {
    return this.clock.step();
  }

  get pending(): number {
    return this.clock.pending;
  }
}
