/**
 * Guest-side queue handling shared by the net and console drivers: publish + kick decisions with
 * batching inside interrupt handlers, and draining used entries under the coalescing knob.
 *
 * - Kick batching (Linux blk-mq style): while a handler runs, submissions only commit; the publish
 *   and the §3.4 kick decision happen once when the outermost handler returns, so a drain of k
 *   completions that resubmits k requests costs one kick (specs/virtio.md §8 "Kick batching").
 * - Coalescing: `event-idx` re-enables with used_event = lastUsed and re-checks (§2.7.14, D15);
 *   `count:N` puts used_event N − 1 entries ahead (bounded by what can still complete);
 *   `none` and `time:US` run in flags mode with interrupts left enabled.
 */
import type { Coalesce } from '../../platform/knobs.js';
import type { Meter, NotifyMechanism } from '../../platform/meter.js';
import type { ModelConfig } from '../../platform/model.js';
import type { VirtioPciTransport } from '../pci/driver.js';
import type { DriverRing } from '../ring/driver-ring.js';

/** How this model's kicks cross: an ioeventfd-style doorbell, or a trapped write served in userspace. */
export function notifyMechanism(config: ModelConfig): NotifyMechanism {
  return config.options.notify === 'userspace' ? 'exit' : 'doorbell';
}

/** Nesting of interrupt handlers (and recoveries) during which kicks are deferred. */
export class KickBatch {
  private depth = 0;
  private readonly queues: VirtqueueDriver[] = [];

  add(queue: VirtqueueDriver): void {
    this.queues.push(queue);
  }

  get deferring(): boolean {
    return this.depth > 0;
  }

  enter(): void {
    this.depth++;
  }

  /** Leaving the outermost level publishes and kicks every queue with new chains. */
  leave(): void {
    if (--this.depth > 0) return;
    for (const q of this.queues) q.flush();
  }
}

export interface VirtqueueDriverOptions {
  readonly index: number;
  readonly transport: VirtioPciTransport;
  readonly meter: Meter;
  /** How a kick crosses: an ioeventfd doorbell or a userspace exit. */
  readonly mechanism: NotifyMechanism;
  readonly coalesce: Coalesce;
  readonly batch: KickBatch;
  /** Completions that can still arrive, bounding a `count:N` threshold so the last ones are signalled. */
  readonly countLimit: () => number;
}

export class VirtqueueDriver {
  ring: DriverRing;
  private pending = false;

  constructor(
    ring: DriverRing,
    private readonly opts: VirtqueueDriverOptions,
  ) {
    this.ring = ring;
    opts.batch.add(this);
  }

  get index(): number {
    return this.opts.index;
  }

  /** Chains were committed: publish and decide on a kick now, or when the running handler ends. */
  submitted(): void {
    this.pending = true;
    if (!this.opts.batch.deferring) this.flush();
  }

  /** Publish committed chains; kick iff the §3.4 rule asks for it (never before DRIVER_OK, D8). */
  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    const ring = this.ring;
    ring.publish();
    if (ring.kickNeeded()) {
      this.opts.meter.notify(this.opts.mechanism);
      this.opts.transport.kick(this.opts.index);
    } else {
      this.opts.meter.notifySuppressed();
    }
  }

  /** Forget unpublished work (the ring is being replaced after a device reset). */
  replaceRing(ring: DriverRing): void {
    this.ring = ring;
    this.pending = false;
  }

  /**
   * Reclaim every used entry, calling `onUsed(token, len)`, and leave interrupts armed per the
   * coalescing knob. Spurious interrupts simply find nothing (D16). Throws VirtqueueDriverError for
   * a device that breaks the ring.
   */
  drain(onUsed: (token: number, len: number) => void): void {
    const ring = this.ring;
    const c = this.opts.coalesce;
    const suppress = c.kind === 'event-idx' || c.kind === 'count';
    if (suppress) ring.disableInterrupts();
    for (;;) {
      for (let token = ring.getUsed(); token >= 0; token = ring.getUsed()) onUsed(token, ring.lastUsedLen);
      if (c.kind === 'event-idx') {
        // Re-enable, then re-check: an entry published before the re-enable was visible got no interrupt.
        if (!ring.enableInterrupts()) return;
        ring.disableInterrupts();
      } else if (c.kind === 'count') {
        const n = Math.max(1, Math.min(c.n, this.opts.countLimit()));
        if (!ring.setUsedEvent(ring.lastUsed + n - 1)) return;
      } else {
        return;
      }
    }
  }

  /** Reclaim what is already used without touching interrupt suppression (Linux `free_old_xmit`). */
  reclaim(onUsed: (token: number, len: number) => void): void {
    const ring = this.ring;
    for (let token = ring.getUsed(); token >= 0; token = ring.getUsed()) onUsed(token, ring.lastUsedLen);
  }
}

/**
 * Completion callbacks found while a submission is being placed (an opportunistic reclaim inside
 * `send`/`write`) run only after that submission is queued, so work a callback submits can never
 * overtake it; they run in completion order, and callbacks they trigger join the same queue.
 */
export class DeferredCompletions {
  private depth = 0;
  private running = false;
  private readonly queue: (() => void)[] = [];

  /** Open a submission: completions seen from here on are held. */
  hold(): void {
    this.depth++;
  }

  /** Close a submission; the outermost close runs what was held. */
  release(): void {
    if (--this.depth > 0 || this.running) return;
    this.running = true;
    try {
      for (let i = 0; i < this.queue.length; i++) (this.queue[i] as () => void)();
    } finally {
      this.queue.length = 0;
      this.running = false;
    }
  }

  /** Run `done` now, or after the submission being placed. */
  complete(done: () => void): void {
    if (this.depth > 0 || this.running) this.queue.push(done);
    else done();
  }
}
