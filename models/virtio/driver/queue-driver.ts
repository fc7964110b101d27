/**
 * The guest side of one virtqueue's service loop, shared by every virtio driver:
 * - submit: publish and take the §3.4 kick decision now, or when the open KickBatch ends;
 * - interrupt: reclaim used entries, then re-arm per the coalescing knob with the §2.7.14 re-check
 *   (specs/virtio.md §3.4, §3.5; checklist D14, D15, D16): `event-idx` re-enables with used_event =
 *   lastUsed; `count:N` puts used_event N − 1 entries ahead, bounded by what can still complete;
 *   `none` and `time:US` run in flags mode with interrupts left enabled.
 * Kicks are metered here (`notify` / `notifySuppressed`); the doorbell write itself is an exit the bus meters.
 */
import type { Coalesce } from '../../platform/knobs.js';
import type { Meter, NotifyMechanism } from '../../platform/meter.js';
import type { VirtioPciTransport } from '../pci/driver.js';
import type { DriverRing } from '../ring/driver-ring.js';
import type { KickBatch } from './kick-batch.js';

/** Called once per reclaimed chain with its token and used `len`. */
export type UsedHandler = (token: number, usedLen: number) => void;

/** The part of the transport a queue rings. */
export type Doorbell = Pick<VirtioPciTransport, 'kick'>;

export interface QueueDriverOptions {
  readonly index: number;
  readonly meter: Meter;
  /** How a kick crosses: an ioeventfd-style doorbell or a trapped write served in userspace. */
  readonly mechanism: NotifyMechanism;
  readonly coalesce: Coalesce;
  readonly batch: KickBatch;
  /**
   * Completions a `count:N` threshold may wait for, when they are not chains the driver has in flight
   * (received frames: the workload's depth; console input: 1). Default: the chains in flight.
   */
  readonly countBound?: number;
}

export class QueueDriver {
  private doorbell: Doorbell | undefined;
  private current: DriverRing | undefined;
  /** Chains committed since the last publish. */
  private pending = false;

  constructor(private readonly opts: QueueDriverOptions) {
    opts.batch.add(this);
  }

  get index(): number {
    return this.opts.index;
  }

  /** Bind to a (re)initialised ring. Unpublished chains of a previous ring are forgotten with it. */
  attach(doorbell: Doorbell, ring: DriverRing): void {
    this.doorbell = doorbell;
    this.current = ring;
    this.pending = false;
  }

  get ring(): DriverRing {
    const r = this.current;
    if (r === undefined) throw new Error(`virtqueue ${this.opts.index} is not set up`);
    return r;
  }

  /** Chains were committed: publish and decide on a kick now, or when the open batch ends. */
  submitted(): void {
    this.pending = true;
    if (!this.opts.batch.deferring) this.flush();
  }

  /** Publish committed chains; kick iff the §3.4 rule asks for it (never before DRIVER_OK, D8). */
  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    const ring = this.ring;
    ring.publish(); // descriptors before avail.idx: barrier A inside
    if (ring.kickNeeded()) {
      this.opts.meter.notify(this.opts.mechanism);
      this.doorbell?.kick(this.opts.index);
    } else {
      this.opts.meter.notifySuppressed();
    }
  }

  /**
   * Used-buffer notification: reclaim every used entry and leave interrupts armed per the knob.
   * Spurious interrupts simply find nothing; only used.idx is trusted (D16). Throws
   * VirtqueueDriverError for a device that broke the ring.
   */
  drain(onUsed: UsedHandler): void {
    const ring = this.ring;
    const c = this.opts.coalesce;
    const holdsOff = c.kind === 'event-idx' || c.kind === 'count';
    for (;;) {
      if (holdsOff) ring.disableInterrupts();
      this.reclaim(onUsed);
      if (!this.rearm(ring)) return;
    }
  }

  /** Reclaim what is already used without touching interrupt suppression (Linux `free_old_xmit`). */
  reclaim(onUsed: UsedHandler): void {
    const ring = this.ring;
    for (let token = ring.getUsed(); token >= 0; token = ring.getUsed()) onUsed(token, ring.lastUsedLen);
  }

  /** Re-enable interrupts per the knob; true when completions are already pending (keep draining, D15). */
  private rearm(ring: DriverRing): boolean {
    const c = this.opts.coalesce;
    switch (c.kind) {
      case 'event-idx':
        return ring.enableInterrupts(); // used_event = lastUsed, full barrier, re-read used.idx
      case 'count': {
        // Interrupt after min(N, what can complete) more completions, at least one.
        const k = Math.max(1, Math.min(c.n, this.opts.countBound ?? ring.inFlight));
        return ring.setUsedEvent(ring.lastUsed + k - 1);
      }
      case 'none':
      case 'time':
        return false; // flags mode: interrupts were never disabled, every publish may signal
    }
  }
}
