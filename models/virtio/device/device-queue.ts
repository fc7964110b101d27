/**
 * A device-side virtqueue served QEMU's way (specs/virtio.md §3.5): on a kick, disable kicks, pop and
 * handle chains until the ring is empty, re-enable, re-check — with every ring fault turned into
 * NEEDS_RESET instead of an exception (virtio 1.2 §2.1.2; specs/virtio.md §10). Used entries pushed
 * while serving are published together, so the transport takes one interrupt decision per batch.
 */
import { GuestMemoryFault } from '../../platform/memory.js';
import type { ActiveDevice } from '../device-logic.js';
import { DescriptorChain } from '../ring/descriptor-chain.js';
import type { DeviceRing } from '../ring/device-ring.js';
import { VirtqueueError } from '../ring/errors.js';

/** The reason recorded when a device stops on `error`. */
export function faultReason(error: unknown): string {
  if (error instanceof VirtqueueError || error instanceof GuestMemoryFault) return error.message;
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

/** `stalled`: `ready` said no before the ring ran dry; `inactive`: the device is not running. */
export type ServeOutcome = 'drained' | 'stalled' | 'failed' | 'inactive';

/** Handles one popped chain; it may call `ctx.fail` for a protocol violation, which stops the loop. */
export type ChainHandler = (chain: DescriptorChain, ctx: ActiveDevice) => void;

export class DeviceQueue {
  private ctx: ActiveDevice | undefined;
  private current: DeviceRing | undefined;
  /** The popped chain being handled, reused for every pop. */
  private readonly chain: DescriptorChain;
  /** Used entries pushed since the last publish. */
  private pushed = 0;

  constructor(
    readonly index: number,
    /** Most segments a chain may have (the device's s/g limit, H15). */
    maxSegments: number,
    private readonly handle: ChainHandler,
  ) {
    this.chain = new DescriptorChain(maxSegments);
  }

  /** DRIVER_OK: serve this queue's ring of `ctx` (none if the driver did not enable it). */
  start(ctx: ActiveDevice): void {
    this.ctx = ctx;
    this.current = ctx.rings[this.index];
    this.pushed = 0;
  }

  stop(): void {
    this.ctx = undefined;
    this.current = undefined;
  }

  /** The running device, or undefined once stopped, reset or failed. */
  get active(): ActiveDevice | undefined {
    const ctx = this.ctx;
    return ctx !== undefined && this.current !== undefined && ctx.alive() ? ctx : undefined;
  }

  /**
   * Pop and handle every available chain. When `ready` turns false (the backend cannot take more) the
   * loop stops with kicks still suppressed: the caller serves again once the backend has room.
   */
  serve(ready?: () => boolean): ServeOutcome {
    const ctx = this.active;
    const ring = this.current;
    if (ctx === undefined || ring === undefined) return 'inactive';
    try {
      do {
        ring.disableNotifications();
        for (;;) {
          if (ready !== undefined && !ready()) return 'stalled';
          if (!ring.pop(this.chain)) break;
          this.handle(this.chain, ctx);
          if (!ctx.alive()) return 'failed';
        }
      } while (ring.enableNotifications());
      return 'drained';
    } catch (error) {
      // VirtqueueError, GuestMemoryFault or anything else: the device stops here (V10).
      ctx.fail(faultReason(error));
      return 'failed';
    }
  }

  /** Return the chain at `head` with `len` bytes written to it (V7); published by `publish`. */
  pushUsed(head: number, len: number): void {
    (this.current as DeviceRing).pushUsed(head, len);
    this.pushed++;
  }

  /** Publish what was pushed (payload and status before used.idx: barrier D inside) and maybe interrupt. */
  publish(): void {
    if (this.pushed === 0) return;
    this.pushed = 0;
    this.ctx?.publishUsed(this.index);
  }
}
