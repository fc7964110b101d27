/**
 * virtio-rng device logic (virtio 1.2 §5.4; specs/virtio.md §6.4, §9 V18, D24): one queue of
 * device-writable buffers, each filled with at least one byte from the EntropyBackend; used len
 * is the count written.
 *
 * Popped chains wait in a FIFO (their segments saved per head) and are served in order. When the
 * backend is rate-limited and returns nothing, the head of the FIFO stays parked and a timer retries
 * with exponential back-off — the device never spins. A chain with a readable descriptor is a driver
 * violation (D24): NEEDS_RESET.
 */
import type { EntropyBackend } from '../../platform/backend-api.js';
import type { Scheduler, TimerId } from '../../platform/scheduler.js';
import { DeviceQueue, faultReason } from '../device/device-queue.js';
import type { DescribedLogic, DeviceOptions } from '../device/host-device.js';
import type { ActiveDevice } from '../device-logic.js';
import { VirtioDeviceId } from '../layout.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';

/**
 * Our queue-size ceiling. QEMU's virtio-rng has 8 entries, but a sweep of entropy reads in flight
 * (iodepth) beyond 8 would then be unsupported; 64 keeps such sweeps possible while the per-head
 * segment tables stay small (64 × 64).
 */
export const RNG_MAX_QUEUE_SIZE = 64;

/** Retry back-off while the backend is rate-limited: 10 µs doubling up to 10 ms. */
export const RngRetry = { firstNs: 10_000, maxNs: 10_000_000 } as const;

/** Bounce chunk of copy mode: the backend fills it, a metered copy moves it into the guest buffer. */
const COPY_CHUNK = 4096;
const REQUEST_QUEUE = 0;

export class VirtioRngDevice implements DescribedLogic {
  readonly deviceType = VirtioDeviceId.RNG;
  readonly name = 'rng';
  readonly queueMaxSizes: readonly number[];
  /** No device-specific features and no config (virtio 1.2 §5.4.3, §5.4.4). */
  readonly features = 0n;
  readonly configSize = 0;

  private readonly qs: number;
  private readonly copy: boolean;
  private readonly queue: DeviceQueue;
  /** Writable segments of each waiting head: head h uses entries [h·qs, h·qs + segCount[h]). */
  private readonly segAddr: Float64Array;
  private readonly segLen: Uint32Array;
  private readonly segCount: Uint16Array;
  /** FIFO of heads waiting for entropy. */
  private readonly fifo: Uint16Array;
  private fifoHead = 0;
  private fifoCount = 0;
  private readonly bounce = new Uint8Array(COPY_CHUNK);
  private retryTimer: TimerId | undefined;
  /** The actor the retry timer runs on (set at the first activation). */
  private retrySched: Scheduler | undefined;
  private retryNs: number = RngRetry.firstNs;
  /** Times the backend had nothing and a retry was armed (diagnostics, tests). */
  parks = 0;

  constructor(
    private readonly backend: EntropyBackend,
    opts: DeviceOptions,
  ) {
    this.qs = Math.min(opts.queueSize, RNG_MAX_QUEUE_SIZE);
    this.queueMaxSizes = [this.qs];
    this.copy = opts.copy === 'copy';
    this.queue = new DeviceQueue(REQUEST_QUEUE, this.qs, this.enqueue);
    this.segAddr = new Float64Array(this.qs * this.qs);
    this.segLen = new Uint32Array(this.qs * this.qs);
    this.segCount = new Uint16Array(this.qs);
    this.fifo = new Uint16Array(this.qs);
  }

  readConfig(): number {
    return 0;
  }

  writeConfig(): void {}

  activate(ctx: ActiveDevice): void {
    this.dropState();
    this.retrySched = ctx.sched;
    this.queue.start(ctx);
  }

  reset(): void {
    this.dropState();
    this.queue.stop();
  }

  /** Requests popped and not yet answered (diagnostics). */
  get waiting(): number {
    return this.fifoCount;
  }

  describe(): Record<string, unknown> {
    return { waiting: this.fifoCount, parks: this.parks };
  }

  private dropState(): void {
    if (this.retryTimer !== undefined) this.retrySched?.cancel(this.retryTimer);
    this.retryTimer = undefined;
    this.retryNs = RngRetry.firstNs;
    this.fifoHead = 0;
    this.fifoCount = 0;
  }

  /** Pop every request into the FIFO, then answer what the backend can fill. */
  kick(queue: number): void {
    if (queue !== REQUEST_QUEUE) return;
    if (this.queue.serve() === 'drained') this.serve();
  }

  /** Save a popped chain's segments; a readable descriptor is a driver violation (D24). */
  private readonly enqueue = (chain: DescriptorChain, ctx: ActiveDevice): void => {
    if (chain.readableCount !== 0) {
      ctx.fail(`virtio-rng: chain at head ${chain.head} has a device-readable descriptor`);
      return;
    }
    const head = chain.head;
    const base = head * this.qs;
    for (let i = 0; i < chain.count; i++) {
      this.segAddr[base + i] = chain.addr[i] as number;
      this.segLen[base + i] = chain.len[i] as number;
    }
    this.segCount[head] = chain.count;
    this.fifo[(this.fifoHead + this.fifoCount) % this.qs] = head;
    this.fifoCount++;
  };

  /** Answer waiting requests in order until the backend runs dry; publish once. */
  private serve(): void {
    const ctx = this.queue.active;
    if (ctx === undefined) return;
    let answered = 0;
    try {
      while (this.fifoCount > 0) {
        const head = this.fifo[this.fifoHead] as number;
        const n = this.fill(ctx, head);
        if (n === 0) break;
        this.queue.pushUsed(head, n); // V18: ≥ 1 byte; used len = bytes written (D24: the driver reads it)
        answered++;
        this.fifoHead = (this.fifoHead + 1) % this.qs;
        this.fifoCount--;
      }
    } catch (e) {
      ctx.fail(faultReason(e));
      return;
    }
    if (answered > 0) {
      this.retryNs = RngRetry.firstNs;
      this.queue.publish();
    }
    if (this.fifoCount > 0 && this.retryTimer === undefined) {
      this.parks++;
      this.retryTimer = ctx.sched.after(this.retryNs, this.onRetry);
      this.retryNs = Math.min(this.retryNs * 2, RngRetry.maxNs);
    }
  }

  private readonly onRetry = (): void => {
    this.retryTimer = undefined;
    this.serve();
  };

  /** Fill head's buffers from the backend, stopping at the first short read; returns bytes written. */
  private fill(ctx: ActiveDevice, head: number): number {
    const mem = ctx.mem;
    const base = head * this.qs;
    const count = this.segCount[head] as number;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const addr = this.segAddr[base + i] as number;
      const len = this.segLen[base + i] as number;
      let got = 0;
      if (this.copy) {
        while (got < len) {
          const want = Math.min(COPY_CHUNK, len - got);
          const n = this.backend.read(this.bounce, 0, want);
          if (n > 0) mem.write(addr + got, this.bounce, 0, n);
          got += n;
          if (n < want) break;
        }
      } else {
        // Map the buffer in place (validated, 0 bytes metered), then meter what the backend filled.
        const at = mem.zeroCopy(addr, 0);
        got = this.backend.read(mem.bytes, at, len);
        if (got > 0) ctx.meter.zeroCopy(got);
      }
      total += got;
      if (got < len) break;
    }
    return total;
  }
}
