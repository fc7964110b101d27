/**
 * virtio-net receive path, device side (virtio 1.2 §5.1.6.4; specs/virtio.md §6.2): the backend
 * pushes frames through `FrameReceiver`; each one is written into posted receive buffers as the
 * 12-byte header followed by the frame, used len = bytes written into that buffer.
 *
 * Buffers are popped on demand and parked (as QEMU's `virtio_net_has_buffers` does): kicks are asked
 * for only once the ring has run dry, so steady-state refills cost no exit (specs/virtio.md §7,
 * "net rx: K ≈ 0"). Without MRG_RXBUF a packet takes exactly one buffer and num_buffers = 1 (V16); a
 * frame that does not fit is dropped and counted, its buffer kept for the next one. With MRG_RXBUF a
 * packet spans as many buffers as it needs and num_buffers says how many (§5.1.6.3.2).
 */
import type { FrameReceiver } from '../../platform/backend-api.js';
import type { CopyMode } from '../../platform/knobs.js';
import { ChainCursor, writeChain } from '../device/chain-bytes.js';
import { faultReason } from '../device/device-queue.js';
import { ReceiveQueue } from '../device/receive-queue.js';
import type { ActiveDevice } from '../device-logic.js';
import { NetHdr } from '../layout.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';
import { ETHERNET_HEADER_BYTES, NET_HDR_BYTES, NetQueue } from './constants.js';

/** Segments one receive chain may have (Linux "big packets" mode posts up to 19; QEMU caps chains at 1024). */
export const RX_CHAIN_SEGMENTS = 64;

export interface NetRxStats {
  rxFrames: number;
  rxBytes: number;
  /** Frames larger than the buffers can take (without MRG_RXBUF: one buffer). */
  rxDroppedTooBig: number;
  /** Frames that arrived with too few buffers posted (the backend normally holds them instead). */
  rxDroppedNoBuffers: number;
  /** Frames offered while the device was not running. */
  rxDroppedInactive: number;
}

/** Each buffer must hold at least the header (virtio 1.2 §5.1.6.3.2). */
function checkRxChain(chain: DescriptorChain): string | undefined {
  return chain.writableBytes < NET_HDR_BYTES
    ? `virtio-net rx buffer of ${chain.writableBytes} writable bytes cannot hold the 12-byte header`
    : undefined;
}

export class NetReceiver implements FrameReceiver {
  readonly stats: NetRxStats = {
    rxFrames: 0,
    rxBytes: 0,
    rxDroppedTooBig: 0,
    rxDroppedNoBuffers: 0,
    rxDroppedInactive: 0,
  };
  private readonly queue: ReceiveQueue;
  private mergeable = false;
  /** The header written in front of every packet: private, zero but for num_buffers. */
  private readonly hdr = new Uint8Array(NET_HDR_BYTES);
  private readonly hdrView = new DataView(this.hdr.buffer);
  private readonly cursor = new ChainCursor();
  /** Bytes the largest packet needs: header + mtu + Ethernet header. */
  private readonly packetMax: number;

  constructor(
    queueSize: number,
    private readonly mode: CopyMode,
    mtu: number,
  ) {
    this.queue = new ReceiveQueue(NetQueue.RX, queueSize, RX_CHAIN_SEGMENTS, checkRxChain);
    this.packetMax = NET_HDR_BYTES + ETHERNET_HEADER_BYTES + mtu;
  }

  /** Parked chains (for diagnostics). */
  get parkedChains(): number {
    return this.queue.parked.size;
  }

  start(ctx: ActiveDevice, mergeable: boolean): void {
    this.queue.start(ctx);
    this.mergeable = mergeable;
  }

  stop(): void {
    this.queue.stop();
  }

  canReceive(): boolean {
    return this.queue.topUp(this.mergeable ? this.packetMax : 1);
  }

  receive(bytes: Uint8Array, offset: number, length: number): void {
    const ctx = this.queue.active;
    if (ctx === undefined) {
      this.stats.rxDroppedInactive++;
      return;
    }
    const need = NET_HDR_BYTES + length;
    const parked = this.queue.parked;
    if (!this.queue.topUp(this.mergeable ? need : 1)) {
      if (ctx.alive()) this.stats.rxDroppedNoBuffers++;
      return;
    }
    // Buffers this packet takes: exactly one without MRG_RXBUF; as many as it needs with it.
    let buffers = 0;
    let room = 0;
    const limit = this.mergeable ? parked.size : 1;
    while (room < need && buffers < limit) room += parked.at(buffers++).writableBytes;
    if (room < need) {
      this.stats.rxDroppedTooBig++; // the buffers stay parked for the next frame
      return;
    }
    this.hdrView.setUint16(NetHdr.num_buffers, buffers, true);
    try {
      this.writePacket(ctx, buffers, bytes, offset, length);
    } catch (error) {
      ctx.fail(faultReason(error));
      return;
    }
    this.stats.rxFrames++;
    this.stats.rxBytes += length;
    this.queue.publish();
  }

  /** Header into the first buffer, the frame after it and on through the next ones; each returned with its length. */
  private writePacket(ctx: ActiveDevice, buffers: number, frame: Uint8Array, offset: number, length: number): void {
    const mem = ctx.mem;
    let done = 0; // frame bytes written so far
    for (let b = 0; b < buffers; b++) {
      const chain = this.queue.parked.at(0);
      // The header is the device's own bytes: a plain metered copy whatever the mode.
      const header = b === 0 ? writeChain(mem, 'copy', this.cursor, chain, 0, this.hdr, 0, NET_HDR_BYTES) : 0;
      const take = Math.min(chain.writableBytes - header, length - done);
      done += writeChain(mem, this.mode, this.cursor, chain, header, frame, offset + done, take);
      this.queue.returnOldest(header + take); // exactly the bytes written into this buffer (§2.7.8.2, V7)
    }
  }
}
