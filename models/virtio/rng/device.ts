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
import type { CopyMode } from '../../platform/knobs.js';
import type { TimerId } from '../../platform/scheduler.js';
import type { ActiveDevice, VirtioDeviceLogic } from '../device-logic.js';
import { VirtioDeviceId } from '../layout.js';
import { DescriptorChain } from '../ring/descriptor-chain.js';
import type { DeviceRing } from '../ring/device-ring.js';

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

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface VirtioRngDeviceOptions {
  /** Queue size (power of two); capped at RNG_MAX_QUEUE_SIZE. */
  readonly queueSize: number;
  readonly copy: CopyMode;
}

export class VirtioRngDevice implements VirtioDeviceLogic {
  readonly deviceType = VirtioDeviceId.RNG;
  readonly name = 'rng';
  readonly queueMaxSizes: readonly number[];
  /** No device-specific features and no config (virtio 1.2 §5.4.3, §5.4.4). */
  readonly features = 0n;
  readonly configSize = 0;

  private readonly qs: number;
  private readonly copy: boolean;
  private readonly chain: DescriptorChain;
  /** Writable segments of each waiting head: head h uses entries [h·qs, h·qs + segCount[h]). */
  private readonly segAddr: Float64Array;
  private readonly segLen: Uint32Array;
  private readonly segCount: Uint16Array;
  /** FIFO of heads waiting for entropy. */
  private readonly fifo: Uint16Array;
  private fifoHead = 0;
  private fifoCount = 0;
  private readonly bounce = new Uint8Array(COPY_CHUNK);
  private ctx: ActiveDevice | undefined;
  private ring: DeviceRing | undefined;
  private retryTimer: TimerId | undefined;
  private retryNs: number = RngRetry.firstNs;
  /** Times the backend had nothing and a retry was armed (diagnostics, tests). */
  parks = 0;

  constructor(
    private readonly backend: EntropyBackend,
    opts: VirtioRngDeviceOptions,
  ) {
    this.qs = Math.min(opts.queueSize, RNG_MAX_QUEUE_SIZE);
    this.queueMaxSizes = [this.qs];
    this.copy = opts.copy === 'copy';
    this.chain = new DescriptorChain(this.qs);
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
    this.ctx = ctx;
    this.ring = ctx.rings[REQUEST_QUEUE];
  }

  reset(): void {
    this.dropState();
    this.ctx = undefined;
    this.ring = undefined;
  }

  /** Requests popped and not yet answered (diagnostics). */
  get waiting(): number {
    return this.fifoCount;
  }

  private dropState(): void {
    if (this.retryTimer !== undefined) this.ctx?.sched.cancel(this.retryTimer);
    this.retryTimer = undefined;
    this.retryNs = RngRetry.firstNs;
    this.fifoHead = 0;
    this.fifoCount = 0;
  }

  kick(queue: number): void {
    const ctx = this.ctx;
    const ring = this.ring;
    if (queue !== REQUEST_QUEUE || ctx === undefined || ring === undefined || !ctx.alive()) return;
    try {
      do {
        ring.disableNotifications();
        while (ring.pop(this.chain)) {
          if (!this.enqueue(ctx, this.chain)) return;
        }
      } while (ring.enableNotifications());
    } catch (e) {
      ctx.fail(`virtio-rng: ${describeError(e)}`);
      return;
    }
    this.serve();
  }

  /** Save a popped chain's segments; false after failing the device for a readable descriptor (D24). */
  private enqueue(ctx: ActiveDevice, chain: DescriptorChain): boolean {
    if (chain.readableCount !== 0) {
      ctx.fail(`virtio-rng: chain at head ${chain.head} has a device-readable descriptor`);
      return false;
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
    return true;
  }

  /** Answer waiting requests in order until the backend runs dry; publish once. */
  private serve(): void {
    const ctx = this.ctx;
    const ring = this.ring;
    if (ctx === undefined || ring === undefined || !ctx.alive()) return;
    let answered = 0;
    try {
      while (this.fifoCount > 0) {
        const head = this.fifo[this.fifoHead] as number;
        const n = this.fill(ctx, head);
        if (n === 0) break;
        ring.pushUsed(head, n); // V18: ≥ 1 byte; used len = bytes written (D24: the driver reads it)
        answered++;
        this.fifoHead = (this.fifoHead + 1) % this.qs;
        this.fifoCount--;
      }
    } catch (e) {
      ctx.fail(`virtio-rng: ${describeError(e)}`);
      return;
    }
    if (answered > 0) {
      this.retryNs = RngRetry.firstNs;
      ctx.publishUsed(REQUEST_QUEUE);
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
