/**
 * The reference network backend (DESIGN §5): the guest's port on a switch, one full-duplex
 * link to a peer host, and the peer (echo, sink or source). Each link direction
 * serialises frames at `bandwidthGbps` (delay = bytes × 8 / bandwidth) and adds
 * `latencyNs` one way. Frames toward the guest wait in a bounded queue until the device
 * can take them; frames from the guest wait on the up-link, and while it is full the device
 * holds them (`canTransmit`) until `setTransmitReady`'s callback says there is room. Every
 * event runs on the device actor's scheduler through callbacks bound once; frames live in
 * recycled buffers.
 */
import type { FrameReceiver, NetBackend } from '../../platform/backend-api.js';
import { copyBytes } from '../../platform/bytes.js';
import type { Meter } from '../../platform/meter.js';
import type { Rng } from '../../platform/rng.js';
import type { Scheduler } from '../../platform/scheduler.js';
import {
  DEFAULT_GUEST_MAC,
  DEFAULT_PEER_MAC,
  ETHERNET,
  ETHERTYPE_LOCAL_EXPERIMENTAL,
  isBroadcast,
  macEquals,
  parseMac,
  writeMac,
} from './ethernet.js';
import { FrameRing } from './frame-ring.js';
import { type NetPeer, SOURCE_SEQ_BYTES, SourcePayload, writeEchoPayload } from './peer.js';

export interface NetBackendOptions {
  peer: NetPeer;
  guestMac?: string | Uint8Array;
  peerMac?: string | Uint8Array;
  /** Largest payload; frames above mtu + 14 bytes are dropped. Default 1500. */
  mtu?: number;
  /** Default 10 (10GbE). */
  bandwidthGbps?: number;
  /**
   * One-way latency, ns. Default 5 µs: NIC-to-NIC through one cut-through switch
   * (port-to-port ≈ 1 µs in 10GbE switch datasheets, plus NIC DMA/PHY; assumption).
   */
  latencyNs?: number;
  /** Frames held for the guest while the device has no buffers. Default 256. */
  rxQueueFrames?: number;
  /** Frames waiting to be serialised, per direction. Default 1000 (Linux txqueuelen). */
  linkQueueFrames?: number;
}

export interface NetBackendStats {
  framesFromGuest: number;
  bytesFromGuest: number;
  /** Frames that reached the peer host. */
  framesToPeer: number;
  bytesToPeer: number;
  /** Frames handed to the device's receiver. */
  framesToGuest: number;
  bytesToGuest: number;
  echoed: number;
  sourced: number;
  /** Every drop, whatever the reason (the fields below break it down). */
  dropped: number;
  /** Shorter than a header or longer than mtu + 14. */
  droppedMalformed: number;
  /** Switch filter: not for the peer's MAC nor broadcast. */
  droppedNotForPeer: number;
  /** A link direction's queue was full. */
  droppedLinkQueue: number;
  /** The guest-bound queue was full (the device did not take frames fast enough). */
  droppedRxQueue: number;
}

export class ReferenceNetBackend implements NetBackend {
  readonly guestMac: Uint8Array;
  readonly peerMac: Uint8Array;
  readonly mtu: number;
  readonly maxFrameBytes: number;
  readonly stats: NetBackendStats = {
    framesFromGuest: 0,
    bytesFromGuest: 0,
    framesToPeer: 0,
    bytesToPeer: 0,
    framesToGuest: 0,
    bytesToGuest: 0,
    echoed: 0,
    sourced: 0,
    dropped: 0,
    droppedMalformed: 0,
    droppedNotForPeer: 0,
    droppedLinkQueue: 0,
    droppedRxQueue: 0,
  };

  private readonly peer: NetPeer;
  private readonly bitsPerNs: number;
  private readonly latencyNs: number;
  /** Guest → peer frames on the wire or waiting for it. */
  private readonly upLink: FrameRing;
  /** Peer → guest frames on the wire or waiting for it. */
  private readonly downLink: FrameRing;
  /** Frames arrived at the guest's port, waiting for the device. */
  private readonly rxQueue: FrameRing;
  private upFree = 0;
  private downFree = 0;
  private receiver: FrameReceiver | undefined;
  /** The device was told the up-link is full and waits for `transmitReady`. */
  private transmitBlocked = false;
  private transmitReady: (() => void) | undefined;
  private flushing = false;
  private flushScheduled = false;
  private readonly sourcePayload: SourcePayload | undefined;
  private sourceSent = 0;
  private nextSourceAt = 0;

  constructor(
    opts: NetBackendOptions,
    private readonly sched: Scheduler,
    private readonly meter: Meter,
    private readonly rng: Rng,
  ) {
    this.guestMac = parseMac(opts.guestMac ?? DEFAULT_GUEST_MAC);
    this.peerMac = parseMac(opts.peerMac ?? DEFAULT_PEER_MAC);
    this.mtu = opts.mtu ?? ETHERNET.defaultMtu;
    if (!Number.isInteger(this.mtu) || this.mtu < 1) throw new RangeError(`mtu ${this.mtu}`);
    this.maxFrameBytes = this.mtu + ETHERNET.headerBytes;
    const gbps = opts.bandwidthGbps ?? 10;
    if (!(gbps > 0)) throw new RangeError(`bandwidthGbps ${gbps} must be positive`);
    this.bitsPerNs = gbps; // 1 Gb/s = 1 bit/ns
    this.latencyNs = opts.latencyNs ?? 5_000;
    if (!(this.latencyNs >= 0)) throw new RangeError(`latencyNs ${this.latencyNs} must be ≥ 0`);
    const linkQueue = opts.linkQueueFrames ?? 1000;
    this.upLink = new FrameRing(linkQueue, this.maxFrameBytes);
    this.downLink = new FrameRing(linkQueue, this.maxFrameBytes);
    this.rxQueue = new FrameRing(opts.rxQueueFrames ?? 256, this.maxFrameBytes);
    this.peer = opts.peer;
    this.sourcePayload = this.validatePeer(opts.peer);
    if (opts.peer.mode === 'source' && opts.peer.count > 0) {
      this.nextSourceAt = sched.now() + (opts.peer.startNs ?? 0);
      sched.after(opts.peer.startNs ?? 0, this.onSourceTick);
    }
  }

  setReceiver(rx: FrameReceiver): void {
    this.receiver = rx;
    this.rxReady();
  }

  canTransmit(): boolean {
    if (!this.upLink.isFull()) return true;
    this.transmitBlocked = true;
    return false;
  }

  setTransmitReady(ready: () => void): void {
    this.transmitReady = ready;
  }

  transmit(bytes: Uint8Array, offset: number, length: number): void {
    const s = this.stats;
    s.framesFromGuest++;
    s.bytesFromGuest += length;
    if (length < ETHERNET.headerBytes || length > this.maxFrameBytes) {
      s.droppedMalformed++;
      s.dropped++;
      return;
    }
    const dst = offset + ETHERNET.dstOffset;
    if (!macEquals(bytes, dst, this.peerMac) && !isBroadcast(bytes, dst)) {
      s.droppedNotForPeer++;
      s.dropped++;
      return;
    }
    if (this.upLink.isFull()) {
      s.droppedLinkQueue++;
      s.dropped++;
      return;
    }
    // The backend keeps its own copy: the device may reuse its buffer once this returns.
    copyBytes(bytes, offset, this.upLink.tail(), 0, length);
    this.upLink.commit(length);
    const now = this.sched.now();
    const wire = (length * 8) / this.bitsPerNs;
    this.upFree = Math.max(now, this.upFree) + wire;
    this.meter.backendService(wire);
    // Arrivals are in FIFO order (serialisation is monotonic, latency constant), so each
    // firing of the one bound callback consumes the oldest frame on the link.
    this.sched.after(this.upFree + this.latencyNs - now, this.onPeerArrival);
  }

  rxReady(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Deferred so the device is never re-entered from inside its own call.
    this.sched.after(0, this.onFlushTimer);
  }

  private validatePeer(peer: NetPeer): SourcePayload | undefined {
    const min = ETHERNET.headerBytes;
    switch (peer.mode) {
      case 'echo': {
        const r = peer.responseBytes;
        if (r !== undefined && (!Number.isInteger(r) || r < min || r > this.maxFrameBytes)) {
          throw new RangeError(`echo responseBytes ${r} must be ${min}…${this.maxFrameBytes}`);
        }
        return undefined;
      }
      case 'sink':
        return undefined;
      case 'source': {
        const f = peer.frameBytes;
        if (!Number.isInteger(f) || f < min + SOURCE_SEQ_BYTES || f > this.maxFrameBytes) {
          throw new RangeError(`source frameBytes ${f} must be ${min + SOURCE_SEQ_BYTES}…${this.maxFrameBytes}`);
        }
        if (!Number.isInteger(peer.count) || peer.count < 0) throw new RangeError(`source count ${peer.count}`);
        if (peer.ratePps !== undefined && !(peer.ratePps > 0)) throw new RangeError(`source ratePps ${peer.ratePps}`);
        return new SourcePayload(this.maxFrameBytes);
      }
      default:
        throw new RangeError(`unknown peer mode ${String((peer as { mode: unknown }).mode)}`);
    }
  }

  /** The oldest frame on the guest → peer link reaches the peer. */
  private readonly onPeerArrival = (): void => {
    const up = this.upLink;
    const frame = up.headBytes();
    const length = up.headLength();
    this.stats.framesToPeer++;
    this.stats.bytesToPeer += length;
    if (this.peer.mode === 'echo') this.echo(frame, length, this.peer.responseBytes ?? length);
    up.shift();
    if (this.transmitBlocked) {
      // Room again: tell the device from a fresh event, so it never re-enters the backend from here.
      this.transmitBlocked = false;
      this.sched.after(0, this.onTransmitRoom);
    }
  };

  private readonly onTransmitRoom = (): void => {
    this.transmitReady?.();
  };

  /** netperf TCP_RR style answer: addresses swapped, payload derived from the request. */
  private echo(request: Uint8Array, requestLength: number, responseLength: number): void {
    if (this.downLink.isFull()) {
      this.dropLinkQueue();
      return;
    }
    const out = this.downLink.tail();
    // Payload first: it may copy the whole request buffer, header included.
    writeEchoPayload(request, requestLength, out, responseLength);
    copyBytes(request, ETHERNET.srcOffset, out, ETHERNET.dstOffset, ETHERNET.macBytes);
    writeMac(out, ETHERNET.srcOffset, this.peerMac);
    out[ETHERNET.typeOffset] = request[ETHERNET.typeOffset]!;
    out[ETHERNET.typeOffset + 1] = request[ETHERNET.typeOffset + 1]!;
    this.stats.echoed++;
    this.launchDown(responseLength);
  }

  private readonly onSourceTick = (): void => {
    const peer = this.peer;
    if (peer.mode !== 'source') return;
    const seq = this.sourceSent++;
    if (this.downLink.isFull()) {
      this.dropLinkQueue();
    } else {
      const out = this.downLink.tail();
      writeMac(out, ETHERNET.dstOffset, this.guestMac);
      writeMac(out, ETHERNET.srcOffset, this.peerMac);
      out[ETHERNET.typeOffset] = ETHERTYPE_LOCAL_EXPERIMENTAL >>> 8;
      out[ETHERNET.typeOffset + 1] = ETHERTYPE_LOCAL_EXPERIMENTAL & 0xff;
      this.sourcePayload!.write(out, peer.frameBytes, seq);
      this.stats.sourced++;
      this.launchDown(peer.frameBytes);
    }
    if (this.sourceSent >= peer.count) return;
    const now = this.sched.now();
    if (peer.ratePps === undefined) {
      // Back to back: the next frame is generated as this one finishes serialising.
      this.nextSourceAt = Math.max(now, this.downFree);
    } else {
      const interval = 1e9 / peer.ratePps;
      this.nextSourceAt += peer.arrivals === 'poisson' ? this.rng.exponential(interval) : interval;
    }
    this.sched.after(Math.max(0, this.nextSourceAt - now), this.onSourceTick);
  };

  /** Serialise the frame just written at the down link's tail toward the guest. */
  private launchDown(length: number): void {
    this.downLink.commit(length);
    const now = this.sched.now();
    const wire = (length * 8) / this.bitsPerNs;
    this.downFree = Math.max(now, this.downFree) + wire;
    this.meter.backendService(wire);
    this.sched.after(this.downFree + this.latencyNs - now, this.onGuestArrival);
  }

  /** The oldest frame on the peer → guest link reaches the guest's switch port. */
  private readonly onGuestArrival = (): void => {
    if (this.rxQueue.isFull()) {
      this.downLink.shift();
      this.stats.droppedRxQueue++;
      this.stats.dropped++;
    } else {
      this.downLink.moveHeadTo(this.rxQueue);
    }
    this.flushRx();
  };

  private readonly onFlushTimer = (): void => {
    this.flushScheduled = false;
    this.flushRx();
  };

  /** Hand queued frames to the device while it has buffers. */
  private flushRx(): void {
    const rx = this.receiver;
    if (rx === undefined || this.flushing) return;
    this.flushing = true;
    try {
      const q = this.rxQueue;
      while (!q.isEmpty() && rx.canReceive()) {
        const length = q.headLength();
        this.stats.framesToGuest++;
        this.stats.bytesToGuest += length;
        rx.receive(q.headBytes(), 0, length);
        q.shift();
      }
    } finally {
      this.flushing = false;
    }
  }

  private dropLinkQueue(): void {
    this.stats.droppedLinkQueue++;
    this.stats.dropped++;
  }
}

export function createNetBackend(
  opts: NetBackendOptions,
  sched: Scheduler,
  meter: Meter,
  rng: Rng,
): ReferenceNetBackend {
  return new ReferenceNetBackend(opts, sched, meter, rng);
}
