/**
 * The event loop of one thread of the threads engine. It runs the same callbacks the sim engine
 * would (Scheduler.after), in wall-clock ns, and between callbacks it looks at the thread's
 * attention word, where the peer announces exits, doorbells, interrupts and stop. With nothing due
 * it waits on that word (notify.ts) until the next timer.
 *
 * Pending callbacks live in the sim engine's pooled heap (event-queue.ts), so posting and running a
 * callback allocates nothing. Several named actors (the host's device, its backend…) may share one
 * loop: they are one thread here, and their names only label their schedulers.
 */
import type { Meter } from '../../../models/platform/meter.js';
import type { Scheduler, TimerId } from '../../../models/platform/scheduler.js';
import { type EventFn, EventQueue } from '../sim/event-queue.js';
import { Activity, type ThreadLink } from './link.js';
import { clockNs, Waiter, WaitOutcome, type WaitPolicy, type WaitStats, zeroWaitStats } from './notify.js';

/** What the loop asks of the half it runs. */
export interface LoopSide {
  /** The peer moved this thread's attention word: collect what it posted (exits, doorbells, interrupts). */
  onAttention(): void;
  /** True once this half has nothing more to do (workload over, stop requested, failure). */
  readonly finished: boolean;
}

export interface LoopWords {
  readonly attention: number;
  readonly sleeping: number;
  readonly progress: number;
  readonly activity: number;
}

/** Callbacks run per turn before the attention word is looked at again by the outer loop. */
const MAX_EVENTS_PER_TURN = 256;

export class LoopScheduler implements Scheduler {
  constructor(
    private readonly loop: ThreadLoop,
    readonly actor: string,
    readonly index: number,
  ) {}

  now(): number {
    return clockNs();
  }

  after(delayNs: number, fn: () => void): TimerId {
    return this.loop.post(this.index, delayNs, fn);
  }

  cancel(id: TimerId): void {
    this.loop.cancel(id);
  }
}

export class ThreadLoop {
  readonly waitStats: WaitStats = zeroWaitStats();
  private readonly queue = new EventQueue(256);
  private readonly schedulers = new Map<string, LoopScheduler>();
  private readonly waiter: Waiter;
  private readonly ctl: Int32Array;
  private seenAttention: number;
  /** Clock at the start of the current turn: `after(0)` posts are due from then. */
  private turnNow = clockNs();
  private readonly createdAt = clockNs();
  private progress = 0;
  /** Callbacks run over the loop's life. */
  eventsRun = 0;

  constructor(
    link: ThreadLink,
    private readonly words: LoopWords,
    policy: WaitPolicy,
    /** Real wake-ups of this thread are metered here. */
    private readonly meter: Meter,
    private readonly wakeupActor: string,
  ) {
    this.ctl = link.ctl;
    this.waiter = new Waiter(link.ctl, words.attention, words.sleeping, policy, this.waitStats);
    this.seenAttention = Atomics.load(link.ctl, words.attention);
  }

  /** The scheduler of actor `name` on this thread, created on first use. */
  scheduler(name: string): LoopScheduler {
    let s = this.schedulers.get(name);
    if (s === undefined) {
      s = new LoopScheduler(this, name, this.schedulers.size);
      this.schedulers.set(name, s);
    }
    return s;
  }

  post(actorIndex: number, delayNs: number, fn: () => void): TimerId {
    if (!(delayNs >= 0 && delayNs < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`after(${delayNs}): delay must be a finite number of ns ≥ 0`);
    }
    const due = delayNs === 0 ? this.turnNow : clockNs() + delayNs;
    return this.queue.push(due, actorIndex, fn as EventFn, undefined);
  }

  cancel(id: TimerId): void {
    this.queue.cancel(id);
  }

  /** Wall-clock ns this thread spent outside idle waits since the loop was made (see Waiter.idleNs). */
  busyNs(): number {
    return clockNs() - this.createdAt - this.waiter.idleNs;
  }

  /** Look at the attention word; let the side collect if it moved. */
  checkAttention(side: LoopSide): void {
    const a = Atomics.load(this.ctl, this.words.attention);
    if (a === this.seenAttention) return;
    this.seenAttention = a;
    side.onAttention();
    this.ctl[this.words.progress] = ++this.progress;
  }

  /** Run until the side is finished. Exceptions from callbacks propagate (the worker reports them). */
  run(side: LoopSide): void {
    const q = this.queue;
    const ctl = this.ctl;
    const words = this.words;
    ctl[words.activity] = Activity.working;
    for (;;) {
      this.checkAttention(side);
      if (side.finished) return;
      let slot = q.peek();
      // The clock is read only when something is queued (a clock read costs tens of ns).
      const now = slot < 0 ? 0 : (this.turnNow = clockNs());
      let ran = 0;
      while (slot >= 0 && (q.time[slot] as number) <= now) {
        const fn = q.fns[slot] as EventFn;
        q.removeTop();
        q.release(slot);
        fn(undefined);
        ran++;
        this.checkAttention(side);
        if (side.finished || ran === MAX_EVENTS_PER_TURN) break;
        slot = q.peek();
      }
      if (ran > 0) {
        this.eventsRun += ran;
        ctl[words.progress] = ++this.progress;
        continue;
      }
      if (side.finished) return;
      // Idle: wait for a signal or the next timer.
      const deadline = slot < 0 ? Number.POSITIVE_INFINITY : (q.time[slot] as number);
      ctl[words.activity] = Activity.idle;
      const outcome = this.waiter.wait(this.seenAttention, deadline);
      ctl[words.activity] = Activity.working;
      if (outcome === WaitOutcome.woken) this.meter.wakeup(this.wakeupActor);
    }
  }
}
