/**
 * virtio-console receive path, device side (virtio 1.2 §5.3.6): input bytes from the backend fill
 * posted receive buffers in order; each buffer is returned with used len = bytes written into it,
 * without waiting for it to fill. `room()` is the writable space of the buffers popped so far;
 * buffers are popped on demand and kicks are asked for only once the ring has run dry.
 */
import type { ByteReceiver } from '../../platform/backend-api.js';
import type { CopyMode } from '../../platform/knobs.js';
import { ChainCursor, writeChain } from '../device/chain-bytes.js';
import { faultReason } from '../device/device-queue.js';
import { ReceiveQueue } from '../device/receive-queue.js';
import type { ActiveDevice } from '../device-logic.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';
import { ConsolePortQueue } from './constants.js';

/** Segments one receive chain may have. */
export const CONSOLE_RX_CHAIN_SEGMENTS = 16;

export interface ConsoleRxStats {
  rxBytes: number;
  rxBuffers: number;
  /** Bytes offered beyond `room()` or while the device was down. */
  rxDropped: number;
}

/** receiveq buffers are device-writable only (virtio 1.2 §5.3.6.1, D23). */
function checkRxChain(chain: DescriptorChain): string | undefined {
  return chain.readableCount > 0 ? 'virtio-console receiveq chain has a device-readable descriptor' : undefined;
}

export class ConsoleReceiver implements ByteReceiver {
  readonly stats: ConsoleRxStats = { rxBytes: 0, rxBuffers: 0, rxDropped: 0 };
  private readonly queue: ReceiveQueue;
  private readonly cursor = new ChainCursor();

  constructor(
    queueSize: number,
    private readonly mode: CopyMode,
  ) {
    this.queue = new ReceiveQueue(ConsolePortQueue.RX, queueSize, CONSOLE_RX_CHAIN_SEGMENTS, checkRxChain);
  }

  start(ctx: ActiveDevice): void {
    this.queue.start(ctx);
  }

  stop(): void {
    this.queue.stop();
  }

  room(): number {
    if (this.queue.active === undefined) return 0;
    this.queue.topUp(1); // one buffer parked, if the ring has any
    return this.queue.active === undefined ? 0 : this.queue.parked.writableBytes;
  }

  receive(bytes: Uint8Array, offset: number, length: number): void {
    const ctx = this.queue.active;
    if (ctx === undefined) {
      this.stats.rxDropped += length;
      return;
    }
    const parked = this.queue.parked;
    let done = 0;
    let used = 0;
    try {
      while (done < length && (parked.size > 0 || this.queue.topUp(1))) {
        // Fill the oldest buffer as far as it goes and return it at once, without waiting for more input.
        const written = writeChain(
          ctx.mem,
          this.mode,
          this.cursor,
          parked.at(0),
          0,
          bytes,
          offset + done,
          length - done,
        );
        done += written;
        this.queue.returnOldest(written); // used len = bytes written into this buffer (§2.7.8.2, V7)
        used++;
      }
    } catch (error) {
      ctx.fail(faultReason(error));
      return;
    }
    this.stats.rxBytes += done;
    this.stats.rxBuffers += used;
    this.stats.rxDropped += length - done;
    if (used > 0 && ctx.alive()) this.queue.publish();
  }
}
