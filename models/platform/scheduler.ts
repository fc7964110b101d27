/**
 * Scheduler / Clock (DESIGN §4). Models never call setTimeout, Date.now or await a
 * Promise for protocol progress: work is a callback scheduled on an actor, so the sim
 * engine stays deterministic and the threads engine can run the same code.
 *
 * A Scheduler is bound to one actor (a guest vCPU, a device thread, …). Callbacks it
 * runs execute *on that actor*: in the sim engine, metered events inside them are
 * priced onto that actor's time.
 */
export type TimerId = number;

export interface Scheduler {
  /** Name of the actor this scheduler runs work on (e.g. "vcpu0", "virtio-blk"). */
  readonly actor: string;
  /** Current time of this actor in nanoseconds (virtual in sim, monotonic wall time in threads). */
  now(): number;
  /** Run `fn` on this actor after `delayNs` of the caller's time (0 = as soon as the actor is free). */
  after(delayNs: number, fn: () => void): TimerId;
  cancel(id: TimerId): void;
}
