/**
 * A sim actor: one serial resource (a guest vCPU, a device thread, a backend worker) with
 * its own clock, seen by models as a platform Scheduler. Its work is whatever the engine
 * runs on it; metered events inside that work advance its clock (DESIGN §7).
 */
import type { Meter } from '../../../models/platform/meter.js';
import type { Scheduler, TimerId } from '../../../models/platform/scheduler.js';
import { SlotFifo } from './event-queue.js';

/** What an actor needs from its engine (kept narrow so the two files stay independent). */
export interface ActorHost {
  nowPs(): number;
  post(target: SimActor, delayNs: number, fn: (arg: unknown) => void, arg: unknown): TimerId;
  cancel(id: TimerId): void;
}

export class SimActor implements Scheduler {
  /** Actor name (the Scheduler contract calls it `actor`). */
  readonly actor: string;
  readonly index: number;
  /** The meter of the side this actor belongs to: wake-ups it suffers are counted there. */
  readonly meter: Meter;
  /** Integer ps: the end of the work already done on this actor. */
  busyUntilPs = 0;
  /** Integer ps of work done (utilisation = busyPs / elapsed). */
  busyPs = 0;
  /** While running: start of the current event plus everything charged since. */
  clockPs = 0;
  /** Events queued for this actor and not yet run or cancelled. */
  pending = 0;
  /** Posted to while idle: the next event it starts begins with a wake-up. */
  wakeDue = false;
  eventsRun = 0;
  /** Events that came due while this actor was busy, in the order they came due. */
  readonly backlog = new SlotFifo();
  /** A resume marker for the backlog is in the engine's heap (iff the backlog is non-empty). */
  resumeScheduled = false;
  private readonly host: ActorHost;

  constructor(host: ActorHost, name: string, index: number, meter: Meter) {
    this.host = host;
    this.actor = name;
    this.index = index;
    this.meter = meter;
  }

  /** Virtual ns of the running context (this or another actor), see SimEngine.nowPs. */
  now(): number {
    return this.host.nowPs() / 1000;
  }

  after(delayNs: number, fn: () => void): TimerId {
    return this.host.post(this, delayNs, fn, undefined);
  }

  /** `after` for a long-lived callback taking one argument: no closure per call. */
  afterCall<T>(delayNs: number, fn: (arg: T) => void, arg: T): TimerId {
    return this.host.post(this, delayNs, fn as (arg: unknown) => void, arg);
  }

  cancel(id: TimerId): void {
    this.host.cancel(id);
  }
}
