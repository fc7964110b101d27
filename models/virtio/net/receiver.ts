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
import type { DirectGuestMemory } from '../../platform/memory.js';
import type { ActiveDevice } from '../device-logic.js';
import { NetHdr } from '../layout.js';
import type { DeviceRing } from '../ring/device-ring.js';
import { ETHERNET_HEADER_BYTES, NET_HDR_BYTES, NetQueue } from './constants.js';
import { faultReason } from './device-queue.js';
import { payloadToGuest } from './guest-bytes.js';
import { ParkedChains } from './parked-chains.js';

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

export class NetReceiver implements FrameReceiver {
  readonly stats: NetRxStats = {
    rxFrames: 0,
    rxBytes: 0,
    rxDroppedTooBig: 0,
    rxDroppedNoBuffers: 0,
    rxDroppedInactive: 0,
  };
  private ctx: ActiveDevice | undefined;
  private ring: DeviceRing | undefined;
  private mergeable = false;
  /** Whether kicks on the receive queue are currently wanted (used.flags NO_NOTIFY clear). */
  private kicksWanted = true;
  private readonly parked: ParkedChains;
  /** The header written in front of every packet: private, zero but for num_buffers. */
  private readonly hdr = new Uint8Array(NET_HDR_BYTES);
  private readonly hdrView = new DataView(this.hdr.buffer);
  /** Bytes the largest packet needs: header + mtu + Ethernet header. */
  private readonly packetMax: number;

  constructor(
    queueSize: number,
    private readonly mode: CopyMode,
    mtu: number,
  ) {
    this.parked = new ParkedChains(queueSize, RX_CHAIN_SEGMENTS);
    this.packetMax = NET_HDR_BYTES + ETHERNET_HEADER_BYTES + mtu;
  }

  /** Parked chains (for diagnostics). */
  get parkedChains(): number {
    return this.parked.size;
  }

  start(ctx: ActiveDevice, mergeable: boolean): void {
    this.ctx = ctx;
    this.ring = ctx.rings[NetQueue.RX];
    this.mergeable = mergeable;
    this.kicksWanted = true;
    this.parked.clear();
  }

  stop(): void {
    this.ctx = undefined;
    this.ring = undefined;
    this.parked.clear();
  }

  canReceive(): boolean {
    const ctx = this.ctx;
    if (ctx === undefined || this.ring === undefined || !ctx.alive()) return false;
    return this.topUp(this.mergeable ? this.packetMax : 1);
  }

  /**
   * Pop until the parked chains hold `bytes` writable bytes. True when they do, or when every slot is
   * parked already (nothing more can come: deliver, dropping what does not fit).
   */
  private topUp(bytes: number): boolean {
    const ctx = this.ctx as ActiveDevice;
    const ring = this.ring as DeviceRing;
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
          // Each buffer must hold at least the header (virtio 1.2 §5.1.6.3.2).
          if (chain.writableBytes < NET_HDR_BYTES) {
            ctx.fail(`virtio-net rx buffer of ${chain.writableBytes} writable bytes cannot hold the 12-byte header`);
            return false;
          }
          parked.push();
          continue;
        }
        // Ring empty: ask for a kick on refill, then re-check a refill that raced the re-enable (§2.7.10).
        this.kicksWanted = true;
        if (!ring.enableNotifications()) return false;
      }
    } catch (error) {
      ctx.fail(faultReason(error));
      return false;
    }
  }

  receive(bytes: Uint8Array, offset: number, length: number): void {
    const ctx = this.ctx;
    const ring = this.ring;
    if (ctx === undefined || ring === undefined || !ctx.alive()) {
      this.stats.rxDroppedInactive++;
      return;
    }
    const need = NET_HDR_BYTES + length;
    const parked = this.parked;
    if (!this.topUp(this.mergeable ? need : 1)) {
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
      this.writePacket(ctx.mem, ring, buffers, need, bytes, offset);
    } catch (error) {
      ctx.fail(faultReason(error));
      return;
    }
    parked.shift(buffers);
    this.stats.rxFrames++;
    this.stats.rxBytes += length;
    ctx.publishUsed(NetQueue.RX);
  }

  /** Write header + frame across the writable segments of the first `buffers` parked chains, in order. */
  private writePacket(
    mem: DirectGuestMemory,
    ring: DeviceRing,
    buffers: number,
    need: number,
    frame: Uint8Array,
    frameOffset: number,
  ): void {
    let cursor = 0; // position in the stream header ‖ frame
    for (let b = 0; b < buffers; b++) {
      const chain = this.parked.at(b);
      let written = 0;
      for (let s = chain.readableCount; s < chain.count && cursor < need; s++) {
        let addr = chain.addr[s] as number;
        let take = Math.min(chain.len[s] as number, need - cursor);
        written += take;
        if (cursor < NET_HDR_BYTES) {
          const h = Math.min(take, NET_HDR_BYTES - cursor);
          mem.write(addr, this.hdr, cursor, h);
          addr += h;
          cursor += h;
          take -= h;
        }
        if (take > 0) {
          payloadToGuest(mem, this.mode, addr, frame, frameOffset + cursor - NET_HDR_BYTES, take);
          cursor += take;
        }
      }
      // Exactly the bytes written into this buffer (§2.7.8.2, V7).
      ring.pushUsed(chain.head, written);
    }
  }
}
