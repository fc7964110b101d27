/**
 * A device-side receive queue (net receiveq, console receiveq): buffers are popped on demand and
 * parked until data arrives, as QEMU's `virtio_net_has_buffers` keeps them in the avail ring. Kicks are
 * asked for only once the ring has run dry, so steady-state refills cost no exit (specs/virtio.md §7,
 * "net rx: K ≈ 0"); an empty ring re-enables them and re-checks, catching a refill that raced the
 * re-enable (§2.7.10).
 */
import type { ActiveDevice } from '../device-logic.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';
import type { DeviceRing } from '../ring/device-ring.js';
import { faultReason } from './device-queue.js';
import { ParkedChains } from './parked-chains.js';

/** Why a popped receive chain is unusable (the device then fails), or undefined. */
export type ReceiveChainCheck = (chain: DescriptorChain) => string | undefined;

export class ReceiveQueue {
  readonly parked: ParkedChains;
  private ctx: ActiveDevice | undefined;
  private current: DeviceRing | undefined;
  /** Whether kicks are currently wanted (flags mode: used.flags NO_NOTIFY clear). */
  private kicksWanted = true;

  constructor(
    readonly index: number,
    queueSize: number,
    segmentsPerChain: number,
    private readonly check: ReceiveChainCheck,
  ) {
    this.parked = new ParkedChains(queueSize, segmentsPerChain);
  }

  start(ctx: ActiveDevice): void {
    this.ctx = ctx;
    this.current = ctx.rings[this.index];
    this.kicksWanted = true;
    this.parked.clear();
  }

  stop(): void {
    this.ctx = undefined;
    this.current = undefined;
    this.parked.clear();
  }

  /** The running device, or undefined once stopped, reset or failed. */
  get active(): ActiveDevice | undefined {
    const ctx = this.ctx;
    return ctx !== undefined && this.current !== undefined && ctx.alive() ? ctx : undefined;
  }

  /**
   * Pop until the parked chains hold `bytes` writable bytes. True when they do, or when every slot is
   * parked already (nothing more can come); false when the ring ran dry first or the device failed.
   */
  topUp(bytes: number): boolean {
    const ctx = this.active;
    const ring = this.current;
    if (ctx === undefined || ring === undefined) return false;
    const parked = this.parked;
    try {
      for (;;) {
        if (parked.writableBytes >= bytes || parked.size === ring.size) {
          if (this.kicksWanted) {
            ring.disableNotifications();
            this.kicksWanted = false;
          }
          return true;
        }
        const chain = parked.spare();
        if (ring.pop(chain)) {
          const problem = this.check(chain);
          if (problem !== undefined) {
            ctx.fail(problem);
            return false;
          }
          parked.push();
          continue;
        }
        this.kicksWanted = true;
        if (!ring.enableNotifications()) return false;
      }
    } catch (error) {
      ctx.fail(faultReason(error));
      return false;
    }
  }

  /** Return the oldest parked chain with `written` bytes written into it (§2.7.8.2, V7). */
  returnOldest(written: number): void {
    (this.current as DeviceRing).pushUsed(this.parked.at(0).head, written);
    this.parked.shift(1);
  }

  /** Publish the returned chains and maybe interrupt. */
  publish(): void {
    this.ctx?.publishUsed(this.index);
  }
}
