/**
 * The deterministic discrete-event engine (DESIGN §7): virtual time in integer picoseconds,
 * serial actors with local clocks, and a Pricer that turns each metered event into time on
 * the actor running when it happens.
 *
 * Rules:
 * - An event runs on its actor at its due time if the actor is free. An event that comes due
 *   while its actor is busy waits in that actor's backlog (in the order events came due) and
 *   runs when the actor frees up, so work of other actors due in between runs first.
 * - While an actor runs, `Pricer.charge` adds priced ps to its clock; `after` posts at the
 *   running actor's clock + delay. Outside any actor (setup, between runs) "now" is the end
 *   of the latest work done on any actor.
 * - A post to an actor that is idle — not running, nothing queued, free at post time — is a
 *   wake-up: metered on that actor's meter and charged to it when it starts its next event
 *   (dropped if every event queued for it is cancelled first).
 * Same posts in the same order ⇒ same event order, times and counters, bit for bit.
 */
import { METER_EVENT_COUNT, type Meter, type MeterEventId, type Pricer } from '../../../models/platform/meter.js';
import type { TimerId } from '../../../models/platform/scheduler.js';
import { type ActorHost, SimActor } from './actor.js';
import { type EventFn, EventQueue } from './event-queue.js';

/** Marker callback of the heap entry that resumes a busy actor's backlog. */
const RESUME: EventFn = () => {};

export interface RunOptions {
  /** Stop as soon as this holds (checked before the first event and after each event). */
  until?: () => boolean;
  /** Stop after running this many events in this call. */
  maxEvents?: number;
  /** Do not start events due after this virtual time. */
  maxTimeNs?: number;
}

export type RunReason = 'until' | 'idle' | 'maxEvents' | 'maxTime';

export interface RunSummary {
  /** Events run by this call. */
  events: number;
  reason: RunReason;
}

export interface ActorStats {
  name: string;
  busyNs: number;
  events: number;
}

export class SimEngine implements Pricer, ActorHost {
  /** Integer ps charged on actors, per MeterEvent id (where the time went). */
  readonly chargedPsByEvent = new Float64Array(METER_EVENT_COUNT);
  /** Integer ps charged while no actor was running (setup code metering outside the engine). */
  unattributedPs = 0;
  /** Events run over the engine's life. */
  eventsRun = 0;
  private readonly prices: Float64Array;
  private readonly queue = new EventQueue();
  private readonly actorList: SimActor[] = [];
  private readonly actorsByName = new Map<string, SimActor>();
  private current: SimActor | undefined;
  private currentStartPs = 0;
  private horizonPs = 0;
  private inRun = false;

  /** `prices`: integer ps per unit (fractional per byte) indexed by MeterEvent id — see profiles/prices.ts. */
  constructor(prices: Float64Array) {
    if (prices.length !== METER_EVENT_COUNT) throw new RangeError(`price table needs ${METER_EVENT_COUNT} entries`);
    this.prices = Float64Array.from(prices);
  }

  /** The actor called `name`, created on first use with `meter` (its side's meter). */
  actor(name: string, meter?: Meter): SimActor {
    const existing = this.actorsByName.get(name);
    if (existing !== undefined) {
      if (meter !== undefined && meter !== existing.meter) {
        throw new Error(`actor "${name}" already exists with another side's meter`);
      }
      return existing;
    }
    if (meter === undefined) throw new Error(`actor "${name}" does not exist and no meter was given to create it`);
    const a = new SimActor(this, name, this.actorList.length, meter);
    this.actorList.push(a);
    this.actorsByName.set(name, a);
    return a;
  }

  /** The actor currently running, if any. */
  running(): SimActor | undefined {
    return this.current;
  }

  /** Virtual ps of the running actor's clock; outside any actor, the end of the latest work. */
  nowPs(): number {
    const a = this.current;
    return a !== undefined ? a.clockPs : this.horizonPs;
  }

  nowNs(): number {
    return this.nowPs() / 1000;
  }

  // ---- Pricer ------------------------------------------------------------------

  charge(event: MeterEventId, units: number): void {
    const ps = Math.round(units * (this.prices[event] as number));
    const a = this.current;
    if (a === undefined) {
      this.unattributedPs += ps;
      return;
    }
    a.clockPs += ps;
    this.chargedPsByEvent[event] = (this.chargedPsByEvent[event] as number) + ps;
  }

  // ---- posting -----------------------------------------------------------------

  post(target: SimActor, delayNs: number, fn: EventFn, arg: unknown): TimerId {
    if (!(delayNs >= 0 && delayNs < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`after(${delayNs}): delay must be a finite number of ns ≥ 0`);
    }
    const base = this.nowPs();
    // Idle receiver: its next event (whichever runs first) starts with a wake-up.
    if (target !== this.current && target.pending === 0 && target.busyUntilPs <= base) target.wakeDue = true;
    target.pending++;
    return this.queue.push(base + Math.round(delayNs * 1000), target.index, fn, arg);
  }

  cancel(id: TimerId): void {
    const actorIndex = this.queue.cancel(id);
    if (actorIndex < 0) return;
    const a = this.actorList[actorIndex] as SimActor;
    // With nothing left to do, the receiver was never actually woken.
    if (--a.pending === 0) a.wakeDue = false;
  }

  // ---- running -----------------------------------------------------------------

  run(options: RunOptions = {}): RunSummary {
    if (this.inRun) throw new Error('SimEngine.run is not re-entrant');
    const until = options.until;
    const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
    const maxTimePs = options.maxTimeNs === undefined ? Number.POSITIVE_INFINITY : options.maxTimeNs * 1000;
    const q = this.queue;
    const actors = this.actorList;
    let events = 0;
    let reason: RunReason;
    this.inRun = true;
    try {
      if (until?.()) return { events: 0, reason: 'until' };
      for (;;) {
        if (events >= maxEvents) {
          reason = 'maxEvents';
          break;
        }
        const slot = q.peek();
        if (slot < 0) {
          reason = 'idle';
          break;
        }
        const due = q.time[slot] as number;
        if (due > maxTimePs) {
          reason = 'maxTime';
          break;
        }
        const a = actors[q.actor[slot] as number] as SimActor;
        q.removeTop();
        let ev = slot;
        if (q.fns[slot] === RESUME) {
          // The actor is free: run the oldest live event of its backlog.
          q.release(slot);
          a.resumeScheduled = false;
          ev = this.nextFromBacklog(a);
          if (ev < 0) continue;
        } else if (a.busyUntilPs > due || a.backlog.length > 0) {
          // Still busy: the event waits in the actor's backlog, in the order events came due,
          // while work of other actors due meanwhile runs first.
          a.backlog.push(slot);
          if (!a.resumeScheduled) this.scheduleResume(a);
          continue;
        }
        const fn = q.fns[ev] as EventFn;
        const arg = q.args[ev];
        q.release(ev);
        a.pending--;
        this.current = a;
        this.currentStartPs = due;
        a.clockPs = due;
        if (a.wakeDue) {
          a.wakeDue = false;
          a.meter.wakeup(a.actor);
        }
        fn(arg);
        this.finish(a);
        if (a.backlog.length > 0) this.scheduleResume(a);
        events++;
        if (until?.()) {
          reason = 'until';
          break;
        }
      }
    } finally {
      const a = this.current;
      // An event threw: close its accounting so the engine stays consistent for inspection.
      if (a !== undefined) {
        this.finish(a);
        if (a.backlog.length > 0) this.scheduleResume(a);
      }
      this.inRun = false;
      this.eventsRun += events;
    }
    return { events, reason };
  }

  private nextFromBacklog(a: SimActor): number {
    for (;;) {
      const slot = a.backlog.shift();
      if (slot < 0 || this.queue.isPending(slot)) return slot;
      this.queue.release(slot); // cancelled while waiting
    }
  }

  private scheduleResume(a: SimActor): void {
    a.resumeScheduled = true;
    this.queue.push(a.busyUntilPs, a.index, RESUME, undefined);
  }

  private finish(a: SimActor): void {
    const end = a.clockPs;
    a.busyPs += end - this.currentStartPs;
    a.busyUntilPs = end;
    a.eventsRun++;
    if (end > this.horizonPs) this.horizonPs = end;
    this.current = undefined;
  }

  actors(): ActorStats[] {
    return this.actorList.map((a) => ({ name: a.actor, busyNs: a.busyPs / 1000, events: a.eventsRun }));
  }
}
