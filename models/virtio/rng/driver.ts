/**
 * virtio-rng guest driver: the EntropyPort of models/platform/ports.ts (virtio 1.2 §5.4.6;
 * specs/virtio.md §6.4). Each read is one device-writable descriptor; the byte count comes from
 * the used `len` (D24). On DEVICE_NEEDS_RESET the driver resets and re-initialises at once and
 * answers what was in flight with 0 bytes (D19).
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { ModelConfig } from '../../platform/model.js';
import type { EntropyPort } from '../../platform/ports.js';
import { queueSizeOption } from '../binding.js';
import { DriverQueue } from '../blk/driver-queue.js';
import { bringUp } from '../guest-bringup.js';
import { VirtioDeviceId } from '../layout.js';
import type { VirtioPciTransport } from '../pci/driver.js';
import { VirtqueueDriverError } from '../ring/errors.js';

/** Largest single read (bytes); any size up to 2^32 − 1 fits one descriptor, this keeps reads sane. */
export const RNG_MAX_READ = 65536;

const REQUEST_QUEUE = 0;

type Done = (n: number) => void;

export class VirtioRngDriver implements EntropyPort {
  readonly maxRead = RNG_MAX_READ;
  /** Reads the driver can have outstanding (the ring size). */
  readonly maxInflight: number;
  private readonly queue: DriverQueue;
  private readonly freeSlots: Int32Array;
  private freeCount: number;
  private readonly lens: Uint32Array;
  private readonly dones: (Done | undefined)[];
  private readonly failing: Int32Array;
  private transport: VirtioPciTransport | undefined;
  private broken: Error | undefined;
  /** Device resets performed to recover (D19). */
  recoveries = 0;

  static create(guest: GuestPlatform, config: ModelConfig): VirtioRngDriver {
    return new VirtioRngDriver(guest, config);
  }

  private constructor(
    private readonly guest: GuestPlatform,
    private readonly config: ModelConfig,
  ) {
    const mechanism = config.options.notify === 'userspace' ? 'exit' : 'doorbell';
    this.queue = new DriverQueue(guest.meter, REQUEST_QUEUE, config.knobs.coalesce, mechanism, this.onUsed);
    this.initialise();
    this.maxInflight = this.queue.ring.size;
    this.freeSlots = new Int32Array(this.maxInflight);
    for (let i = 0; i < this.maxInflight; i++) this.freeSlots[i] = this.maxInflight - 1 - i;
    this.freeCount = this.maxInflight;
    this.lens = new Uint32Array(this.maxInflight);
    this.dones = new Array<Done | undefined>(this.maxInflight).fill(undefined);
    this.failing = new Int32Array(this.maxInflight);
  }

  private initialise(): void {
    const up = bringUp(this.guest, this.config, {
      deviceType: VirtioDeviceId.RNG,
      driverFeatures: 0n,
      queues: [{ index: REQUEST_QUEUE, size: queueSizeOption(this.config) }],
      onQueueInterrupt: () => this.onQueueInterrupt(),
      onConfigInterrupt: () => this.onConfigInterrupt(),
    });
    const ring = up.rings[0];
    if (ring === undefined) throw new Error('virtio-rng: no request queue');
    this.transport = up.transport;
    this.queue.attach(up.transport, ring);
  }

  read(addr: number, len: number, done: Done): void {
    if (this.broken !== undefined || !Number.isInteger(len) || len < 1 || len > this.maxRead) {
      this.guest.sched.after(0, () => done(0));
      return;
    }
    if (!this.guest.mem.inRange(addr, len)) {
      this.guest.sched.after(0, () => done(0));
      return;
    }
    if (this.freeCount === 0) throw new Error(`virtio-rng: more than ${this.maxInflight} reads outstanding`);
    const slot = this.freeSlots[--this.freeCount] as number;
    const ring = this.queue.ring;
    ring.begin();
    ring.addWritable(addr, len); // D24: device-writable buffers only
    if (ring.commit(slot) < 0) {
      this.freeSlots[this.freeCount++] = slot;
      throw new Error('virtio-rng: ring full below maxInflight');
    }
    this.lens[slot] = len;
    this.dones[slot] = done;
    this.queue.committed();
  }

  /** D24: the count is the used len (never trusted beyond the buffer). */
  private readonly onUsed = (slot: number, usedLen: number): void => {
    const done = this.dones[slot];
    if (done === undefined) return;
    const n = Math.min(usedLen, this.lens[slot] as number);
    this.release(slot);
    done(n);
  };

  private release(slot: number): void {
    this.dones[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
  }

  private onQueueInterrupt(): void {
    try {
      this.queue.onInterrupt();
    } catch (e) {
      if (!(e instanceof VirtqueueDriverError)) throw e;
      this.recover();
    }
  }

  private onConfigInterrupt(): void {
    if (this.transport?.needsReset() === true) this.recover();
  }

  /** D19: reset and re-initialise now; reads in flight complete with 0 bytes. */
  private recover(): void {
    this.recoveries++;
    let n = 0;
    for (let slot = 0; slot < this.maxInflight; slot++) if (this.dones[slot] !== undefined) this.failing[n++] = slot;
    try {
      this.initialise();
    } catch (e) {
      this.broken = e instanceof Error ? e : new Error(String(e));
    }
    this.queue.beginBatch();
    try {
      for (let i = 0; i < n; i++) {
        const slot = this.failing[i] as number;
        const done = this.dones[slot] as Done;
        this.release(slot);
        done(0);
      }
    } finally {
      this.queue.endBatch();
    }
  }
}
