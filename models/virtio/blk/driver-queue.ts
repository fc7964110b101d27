/**
 * The guest side of one virtqueue's service loop, shared by the blk and rng drivers:
 * - submit: publish and take the kick decision at once, or — while a batch is open (inside the
 *   interrupt handler, where the workload resubmits from its completion callbacks) — once at the end
 *   of the batch, so a drain of k completions costs one kick (Linux blk-mq `bd->last`);
 * - interrupt: drain used entries, then re-arm per the coalescing knob with the §2.7.14 re-check
 *   (specs/virtio.md §3.4, §3.5; checklist D14, D15, D16).
 * Kicks are metered here (`notify` / `notifySuppressed`); the doorbell write itself is an exit the bus meters.
 */
import type { Coalesce } from '../../platform/knobs.js';
import type { Meter, NotifyMechanism } from '../../platform/meter.js';
import type { VirtioPciTransport } from '../pci/driver.js';
import type { DriverRing } from '../ring/driver-ring.js';

/** Called once per reclaimed chain with its token and used `len`. */
export type UsedHandler = (token: number, usedLen: number) => void;

export class DriverQueue {
  private transport: VirtioPciTransport | undefined;
  private activeRing: DriverRing | undefined;
  /** Open batches (nested: the handler may run inside a recovery batch). */
  private batchDepth = 0;
  /** Chains committed while a batch was open, not yet published. */
  private unpublished = 0;

  constructor(
    private readonly meter: Meter,
    readonly index: number,
    private readonly coalesce: Coalesce,
    private readonly mechanism: NotifyMechanism,
    private readonly onUsed: UsedHandler,
  ) {}

  /** Bind to a (re)initialised device. Unpublished chains of a previous ring are forgotten with it. */
  attach(transport: VirtioPciTransport, ring: DriverRing): void {
    this.transport = transport;
    this.activeRing = ring;
    this.unpublished = 0;
  }

  get ring(): DriverRing {
    const r = this.activeRing;
    if (r === undefined) throw new Error(`virtqueue ${this.index} is not set up`);
    return r;
  }

  /** A chain was committed on `ring`. */
  committed(): void {
    if (this.batchDepth > 0) {
      this.unpublished++;
      return;
    }
    this.publishAndKick();
  }

  beginBatch(): void {
    this.batchDepth++;
  }

  endBatch(): void {
    this.batchDepth--;
    if (this.batchDepth === 0 && this.unpublished > 0) this.publishAndKick();
  }

  private publishAndKick(): void {
    const ring = this.ring;
    this.unpublished = 0;
    ring.publish(); // descriptors before avail.idx: barrier A inside
    if (ring.kickNeeded()) {
      this.meter.notify(this.mechanism);
      this.transport?.kick(this.index);
    } else {
      this.meter.notifySuppressed();
    }
  }

  /**
   * Used-buffer notification. Spurious ones (nothing used) are harmless: only used.idx is trusted (D16).
   * A VirtqueueDriverError from a device that broke the ring propagates to the caller.
   */
  onInterrupt(): void {
    const ring = this.ring;
    const holdsOff = this.coalesce.kind === 'event-idx' || this.coalesce.kind === 'count';
    this.beginBatch();
    try {
      for (;;) {
        if (holdsOff) ring.disableInterrupts();
        for (let token = ring.getUsed(); token >= 0; token = ring.getUsed()) this.onUsed(token, ring.lastUsedLen);
        // Publish what the completions resubmitted before re-arming, so a count threshold sees it in flight.
        if (this.unpublished > 0) this.publishAndKick();
        if (!this.rearm(ring)) break;
      }
    } finally {
      this.endBatch();
    }
  }

  /** Re-enable interrupts per the knob; true when completions are already pending (keep draining, D15). */
  private rearm(ring: DriverRing): boolean {
    const c = this.coalesce;
    switch (c.kind) {
      case 'event-idx':
        return ring.enableInterrupts(); // used_event = lastUsed, full barrier, re-read used.idx
      case 'count': {
        // Interrupt after min(N, in flight) more completions (at least one).
        const k = Math.max(1, Math.min(c.n, ring.inFlight));
        return ring.setUsedEvent(ring.lastUsed + k - 1);
      }
      case 'none':
      case 'time':
        return false; // flags mode: interrupts were never disabled, every publish may signal
    }
  }
}
