/**
 * virtio-console receive path, device side (virtio 1.2 §5.3.6): input bytes from the backend fill
 * posted receive buffers in order; each buffer is returned with used len = bytes written into it,
 * without waiting for it to fill. `room()` is the writable space of the buffers popped so far;
 * buffers are popped on demand and kicks are asked for only once the ring has run dry.
 */
import type { ByteReceiver } from '../../platform/backend-api.js';
import type { CopyMode } from '../../platform/knobs.js';
import type { ActiveDevice } from '../device-logic.js';
import { faultReason } from '../net/device-queue.js';
import { payloadToGuest } from '../net/guest-bytes.js';
import { ParkedChains } from '../net/parked-chains.js';
import type { DeviceRing } from '../ring/device-ring.js';
import { ConsolePortQueue } from './constants.js';

/** Segments one receive chain may have. */
export const CONSOLE_RX_CHAIN_SEGMENTS = 16;

export interface ConsoleRxStats {
  rxBytes: number;
  rxBuffers: number;
  /** Bytes offered beyond `room()` or while the device was down. */
  rxDropped: number;
}

export class ConsoleReceiver implements ByteReceiver {
  readonly stats: ConsoleRxStats = { rxBytes: 0, rxBuffers: 0, rxDropped: 0 };
  private ctx: ActiveDevice | undefined;
  private ring: DeviceRing | undefined;
  private kicksWanted = true;
  private readonly parked: ParkedChains;

  constructor(
    queueSize: number,
    private readonly mode: CopyMode,
  ) {
    this.parked = new ParkedChains(queueSize, CONSOLE_RX_CHAIN_SEGMENTS);
  }

  start(ctx: ActiveDevice): void {
    this.ctx = ctx;
    this.ring = ctx.rings[ConsolePortQueue.RX];
    this.kicksWanted = true;
    this.parked.clear();
  }

  stop(): void {
    this.ctx = undefined;
    this.ring = undefined;
    this.parked.clear();
  }

  room(): number {
    const ctx = this.ctx;
    if (ctx === undefined || this.ring === undefined || !ctx.alive()) return 0;
    this.topUp();
    return ctx.alive() ? this.parked.writableBytes : 0;
  }

  /** Make sure one buffer is parked if the ring has any; on an empty ring, ask for a kick and re-check. */
  private topUp(): void {
    const ctx = this.ctx as ActiveDevice;
    const ring = this.ring as DeviceRing;
    const parked = this.parked;
    try {
      for (;;) {
        if (parked.size > 0) {
          if (this.kicksWanted) {
            ring.disableNotifications();
            this.kicksWanted = false;
          }
          return;
        }
        const chain = parked.spare();
        if (ring.pop(chain)) {
          // receiveq buffers are device-writable only (virtio 1.2 §5.3.6.1, D23).
          if (chain.readableCount > 0) {
            ctx.fail('virtio-console receiveq chain has a device-readable descriptor');
            return;
          }
          parked.push();
          continue;
        }
        this.kicksWanted = true;
        if (!ring.enableNotifications()) return;
      }
    } catch (error) {
      ctx.fail(faultReason(error));
    }
  }

  receive(bytes: Uint8Array, offset: number, length: number): void {
    const ctx = this.ctx;
    const ring = this.ring;
    if (ctx === undefined || ring === undefined || !ctx.alive()) {
      this.stats.rxDropped += length;
      return;
    }
    const parked = this.parked;
    let done = 0;
    let used = 0;
    try {
      while (done < length) {
        if (parked.size === 0) {
          this.topUp();
          if (parked.size === 0 || !ctx.alive()) break;
        }
        const chain = parked.at(0);
        let written = 0;
        for (let s = 0; s < chain.count && done < length; s++) {
          const take = Math.min(chain.len[s] as number, length - done);
          payloadToGuest(ctx.mem, this.mode, chain.addr[s] as number, bytes, offset + done, take);
          done += take;
          written += take;
        }
        // used len = bytes written into this buffer (§2.7.8.2, V7).
        ring.pushUsed(chain.head, written);
        parked.shift(1);
        used++;
      }
    } catch (error) {
      ctx.fail(faultReason(error));
      return;
    }
    this.stats.rxBytes += done;
    this.stats.rxBuffers += used;
    this.stats.rxDropped += length - done;
    if (used > 0 && ctx.alive()) ctx.publishUsed(ConsolePortQueue.RX);
  }
}
