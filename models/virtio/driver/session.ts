/**
 * A driver's live connection to its device, shared by every virtio driver: bring-up (§3.1.1), one
 * QueueDriver per virtqueue under a common KickBatch, interrupt dispatch, and recovery from
 * DEVICE_NEEDS_RESET or a ring the device broke (virtio 1.2 §2.1.1; specs/virtio.md §9 D19): reset and
 * re-initialise at once through `VirtioPciTransport.reinitialize` — same BARs, MSI-X messages and ring
 * memory — then fail what was in flight instead of waiting for it.
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { ModelConfig } from '../../platform/model.js';
import { asError } from '../binding.js';
import { notifyMechanism } from '../options.js';
import type { QueueSetup, VirtioPciTransport } from '../pci/driver.js';
import type { DriverRing } from '../ring/driver-ring.js';
import { VirtqueueDriverError } from '../ring/errors.js';
import { bringUp } from './bring-up.js';
import { KickBatch } from './kick-batch.js';
import { QueueDriver, type UsedHandler } from './queue-driver.js';

export interface SessionQueue extends QueueSetup {
  /** Called per used entry of this queue, inside the interrupt's kick batch. */
  readonly onUsed: UsedHandler;
  /** See QueueDriverOptions.countBound. */
  readonly countBound?: number;
}

export interface SessionSpec {
  readonly deviceType: number;
  readonly driverFeatures: bigint;
  /** Every queue the driver uses, listed by index from 0 (MSI-X entry 1 + index serves each). */
  readonly queues: readonly SessionQueue[];
}

/** What a driver does around a device reset (D19). */
export interface RecoveryHandler {
  /** Before the reset: take every in-flight request off the books, to be completed in `resume`. */
  abandonInFlight(): void;
  /**
   * After it, inside a kick batch: when `reinitialised`, set up the fresh rings (re-post receive
   * buffers…); either way, complete the abandoned requests with an error.
   */
  resume(reinitialised: boolean): void;
}

export class DriverSession {
  readonly transport: VirtioPciTransport;
  /** Negotiated features (re-initialisation keeps them or fails). */
  readonly features: bigint;
  readonly batch = new KickBatch();
  /** One per queue, by queue index. */
  readonly queues: readonly QueueDriver[];
  /** Set while the device is unusable: re-initialisation failed. */
  broken: Error | undefined;
  /** Resets performed to recover from NEEDS_RESET or a broken ring (D19). */
  recoveries = 0;
  private recoveryScheduled = false;

  /** Bring the device up (§3.1.1); throws VirtioInitError when it is unusable. */
  constructor(
    private readonly guest: GuestPlatform,
    config: ModelConfig,
    private readonly spec: SessionSpec,
    private readonly recovery: RecoveryHandler,
  ) {
    spec.queues.forEach((q, i) => {
      if (q.index !== i) throw new Error(`session queues must be listed by index: entry ${i} is queue ${q.index}`);
    });
    const common = {
      meter: guest.meter,
      mechanism: notifyMechanism(config),
      coalesce: config.knobs.coalesce,
      batch: this.batch,
    };
    this.queues = spec.queues.map(
      (q) =>
        new QueueDriver({
          ...common,
          index: q.index,
          ...(q.countBound === undefined ? {} : { countBound: q.countBound }),
        }),
    );
    const up = bringUp(guest, config, {
      deviceType: spec.deviceType,
      driverFeatures: spec.driverFeatures,
      queues: spec.queues,
      onQueueInterrupt: (queue) => this.onQueueInterrupt(queue),
      onConfigInterrupt: () => this.onConfigInterrupt(),
    });
    this.transport = up.transport;
    this.features = up.features;
    this.attach(up.rings);
  }

  /** The driver ring of `queue`. */
  ring(queue: number): DriverRing {
    return (this.queues[queue] as QueueDriver).ring;
  }

  /** Chains were committed on `queue`: publish and kick now or at the batch's end. */
  submitted(queue: number): void {
    (this.queues[queue] as QueueDriver).submitted();
  }

  /**
   * Reclaim what `queue` has already used, outside an interrupt (Linux reclaims tx
   * before each send). A ring the device broke schedules a recovery once the caller has returned.
   */
  reclaim(queue: number): void {
    try {
      (this.queues[queue] as QueueDriver).reclaim((this.spec.queues[queue] as SessionQueue).onUsed);
    } catch (error) {
      if (!(error instanceof VirtqueueDriverError)) throw error;
      this.scheduleRecovery();
    }
  }

  /** D19: reset and re-initialise now; the driver fails what was in flight in `resume`. */
  recover(): void {
    this.recoveries++;
    this.batch.enter();
    try {
      this.recovery.abandonInFlight();
      let reinitialised = false;
      try {
        this.attach(this.transport.reinitialize());
        this.broken = undefined;
        reinitialised = true;
      } catch (error) {
        this.broken = asError(error);
      }
      this.recovery.resume(reinitialised);
    } finally {
      this.batch.leave();
    }
  }

  private attach(rings: readonly DriverRing[]): void {
    for (let queue = 0; queue < this.queues.length; queue++) {
      (this.queues[queue] as QueueDriver).attach(this.transport, rings[queue] as DriverRing);
    }
  }

  private scheduleRecovery(): void {
    if (this.recoveryScheduled) return;
    this.recoveryScheduled = true;
    this.guest.sched.after(0, this.runScheduledRecovery);
  }

  private readonly runScheduledRecovery = (): void => {
    this.recoveryScheduled = false;
    this.recover();
  };

  private onQueueInterrupt(index: number): void {
    const queue = this.queues[index];
    const spec = this.spec.queues[index];
    if (this.broken !== undefined || queue === undefined || spec === undefined) return;
    this.batch.enter();
    try {
      queue.drain(spec.onUsed);
    } catch (error) {
      // A device that breaks the ring contract (bogus used id or index): reset it like NEEDS_RESET.
      if (!(error instanceof VirtqueueDriverError)) throw error;
      this.recover();
    } finally {
      this.batch.leave();
    }
  }

  private onConfigInterrupt(): void {
    // Config changes such as link status need nothing; DEVICE_NEEDS_RESET needs a reset (§2.1.2).
    if (this.transport.needsReset()) this.recover();
  }
}
