/**
 * virtio-net driver, guest half (virtio 1.2 §5.1.5–§5.1.6; specs/virtio.md §9 D22): brings the device
 * up, pre-posts a receive buffer on every rx slot and offers the NetPort.
 *
 * - Transmit: each tx slot owns a 12-byte header (all zero: no offloads) placed before the frame
 *   descriptor, one indirect descriptor when INDIRECT_DESC is on. Completions are reclaimed in the tx
 *   interrupt and, as Linux does, opportunistically before each send.
 * - Receive: buffers of 1526 B without MRG_RXBUF (§5.1.6.3.1) or 2 KiB with it. A packet in one buffer
 *   is handed over in place; one spread over several buffers (num_buffers > 1) is gathered into a
 *   reassembly buffer first, a metered guest copy. A buffer is re-posted once the receive callback
 *   has returned; the publish and kick decision come at the end of the interrupt.
 * - DEVICE_NEEDS_RESET: reset, re-initialise, complete every in-flight send (D19).
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { ModelConfig } from '../../platform/model.js';
import type { NetPort, NetPortInfo } from '../../platform/ports.js';
import { DeferredCompletions } from '../driver/deferred-completions.js';
import { InFlight } from '../driver/in-flight.js';
import { ReceiveBuffers } from '../driver/receive-buffers.js';
import { DriverSession, type RecoveryHandler, type SessionSpec } from '../driver/session.js';
import { featureBit } from '../features.js';
import { NetConfig, NetFeature, NetHdr, VirtioDeviceId, VirtioFeature } from '../layout.js';
import { indirectOption, mergeableRxOption, queueSizeOption } from '../options.js';
import { DEFAULT_MTU, ETHERNET_HEADER_BYTES, NET_HDR_BYTES, NetQueue, NetRxBufferBytes } from './constants.js';

/** Spacing of the per-slot tx headers (12 bytes used). */
const TX_HDR_STRIDE = 16;

export interface NetDriverStats {
  rxFrames: number;
  /** Used entries that break the receive rules (bad len, bad num_buffers, oversize packet). */
  rxErrors: number;
  /** Frames that arrived before a receive handler was installed. */
  rxUnclaimed: number;
  /** Packets gathered from several buffers. */
  rxReassembled: number;
  txFrames: number;
}

export class VirtioNetDriver implements NetPort, RecoveryHandler {
  readonly info: NetPortInfo;
  readonly stats: NetDriverStats = {
    rxFrames: 0,
    rxErrors: 0,
    rxUnclaimed: 0,
    rxReassembled: 0,
    txFrames: 0,
  };
  readonly mergeable: boolean;
  /** The connection to the device: transport, queues, recovery (D19). */
  readonly session: DriverSession;

  // Transmit slots: `txDone` holds each in-flight frame's completion; the slot numbers its header.
  private readonly txHdrBase: number;
  private readonly txDone: InFlight<() => void>;
  private readonly completions = new DeferredCompletions();

  private readonly rxBuffers: ReceiveBuffers;
  private receiveHandler: ((addr: number, len: number) => void) | undefined;
  private readonly reasmBase: number;
  private readonly reasmBytes: number;
  private readonly scratch: Uint8Array;
  /** Buffers still expected for the packet being gathered (0 = none in progress). */
  private assembling = 0;
  private assembled = 0;
  private assemblyOk = true;

  /** Probe, negotiate and set up the device (§3.1.1), post receive buffers; throws VirtioInitError. */
  constructor(
    private readonly guest: GuestPlatform,
    config: ModelConfig,
  ) {
    this.session = new DriverSession(guest, config, this.bringUpSpec(config), this);
    const transport = this.session.transport;
    const txRing = this.session.ring(NetQueue.TX);
    const { mac, mtu } = this.readConfig();
    this.mergeable = transport.has(NetFeature.MRG_RXBUF);
    const indirect = transport.has(VirtioFeature.INDIRECT_DESC);
    const txSlots = indirect ? txRing.size : Math.floor(txRing.size / 2);
    this.info = { mac, mtu, maxTxInflight: txSlots };

    const mem = guest.mem;
    const alloc = guest.alloc;
    this.txHdrBase = alloc.alloc(txSlots * TX_HDR_STRIDE, 64);
    mem.fill(this.txHdrBase, txSlots * TX_HDR_STRIDE, 0); // flags 0, gso_type NONE, num_buffers 0
    this.txDone = new InFlight(txSlots);

    const rxBufBytes = this.mergeable
      ? NetRxBufferBytes.mergeable
      : Math.max(NetRxBufferBytes.plain, NET_HDR_BYTES + ETHERNET_HEADER_BYTES + mtu);
    this.rxBuffers = new ReceiveBuffers(alloc, this.session, NetQueue.RX, rxBufBytes);
    this.reasmBytes = ETHERNET_HEADER_BYTES + mtu;
    this.reasmBase = this.mergeable ? alloc.alloc(this.reasmBytes, 64) : 0;
    this.scratch = new Uint8Array(this.mergeable ? rxBufBytes : 0);
    this.rxBuffers.postAll();
  }

  /** The §3.1.1 parameters: one queue pair; the tx header and frame take one ring slot with indirect tables. */
  private bringUpSpec(config: ModelConfig): SessionSpec {
    const qs = queueSizeOption(config);
    let features = featureBit(NetFeature.MAC) | featureBit(NetFeature.STATUS) | featureBit(NetFeature.MTU);
    if (mergeableRxOption(config)) features |= featureBit(NetFeature.MRG_RXBUF);
    return {
      deviceType: VirtioDeviceId.NET,
      driverFeatures: features,
      queues: [
        // Received frames are not requests the driver issued: bound a count:N batch by the workload's depth.
        { index: NetQueue.RX, size: qs, onUsed: this.onRxUsed, countBound: config.knobs.iodepth },
        {
          index: NetQueue.TX,
          size: qs,
          indirectTables: indirectOption(config) ? qs : 0,
          indirectEntries: 2,
          onUsed: this.onTxUsed,
        },
      ],
    };
  }

  // ---- NetPort ------------------------------------------------------------------------------

  send(addr: number, len: number, done: () => void): void {
    if (this.session.broken !== undefined) throw this.session.broken;
    this.completions.hold();
    try {
      this.session.reclaim(NetQueue.TX);
      const slot = this.txDone.add(done);
      if (slot < 0) {
        throw new RangeError(`virtio-net send: ${this.info.maxTxInflight} frames already queued (info.maxTxInflight)`);
      }
      const ring = this.session.ring(NetQueue.TX);
      ring.begin();
      ring.addReadable(this.txHdrBase + slot * TX_HDR_STRIDE, NET_HDR_BYTES);
      ring.addReadable(addr, len);
      // Slots are sized so that a free slot always has its descriptors (2 direct, or 1 + a table).
      if (ring.commit(slot) < 0) throw new Error('virtio-net: tx ring full with a free slot');
      this.stats.txFrames++;
      this.session.submitted(NetQueue.TX);
    } finally {
      this.completions.release();
    }
  }

  onReceive(handler: (addr: number, len: number) => void): void {
    this.receiveHandler = handler;
  }

  // ---- used entries -------------------------------------------------------------------------

  private readonly onTxUsed = (slot: number): void => {
    const done = this.txDone.remove(slot);
    if (done !== undefined) this.completions.complete(done);
  };

  /** Bytes of each receive buffer: 2 KiB with MRG_RXBUF, a whole packet without (§5.1.6.3.1). */
  get rxBufBytes(): number {
    return this.rxBuffers.bufferBytes;
  }

  private readonly onRxUsed = (slot: number, len: number): void => {
    const buf = this.rxBuffers.address(slot);
    if (this.assembling > 0) {
      this.gather(buf, len);
    } else if (len < NET_HDR_BYTES || len > this.rxBufBytes) {
      this.stats.rxErrors++;
    } else {
      const buffers = this.mergeable ? this.guest.mem.u16(buf + NetHdr.num_buffers) : 1;
      if (buffers === 1) {
        this.deliver(buf + NET_HDR_BYTES, len - NET_HDR_BYTES);
      } else if (buffers === 0 || buffers > this.rxBuffers.slots) {
        this.stats.rxErrors++;
      } else {
        // Only the first buffer carries the header (§5.1.6.3.2): the rest are payload.
        this.assembling = buffers;
        this.assembled = 0;
        this.assemblyOk = true;
        this.gather(buf + NET_HDR_BYTES, len - NET_HDR_BYTES);
      }
    }
    this.rxBuffers.post(slot);
  };

  /** Append one buffer's payload to the packet being reassembled (a guest copy, metered). */
  private gather(addr: number, len: number): void {
    if (len > this.rxBufBytes || this.assembled + len > this.reasmBytes) {
      this.assemblyOk = false;
    } else if (this.assemblyOk) {
      this.guest.mem.read(addr, len, this.scratch, 0);
      this.guest.mem.store(this.reasmBase + this.assembled, this.scratch, 0, len);
      this.assembled += len;
    }
    if (--this.assembling > 0) return;
    if (!this.assemblyOk) {
      this.stats.rxErrors++;
      return;
    }
    this.stats.rxReassembled++;
    this.deliver(this.reasmBase, this.assembled);
  }

  private deliver(addr: number, len: number): void {
    this.stats.rxFrames++;
    if (this.receiveHandler === undefined) this.stats.rxUnclaimed++;
    else this.receiveHandler(addr, len);
  }

  private readConfig(): { mac: Uint8Array; mtu: number } {
    const t = this.session.transport;
    const hasMac = t.has(NetFeature.MAC);
    const hasMtu = t.has(NetFeature.MTU);
    const mac = new Uint8Array(6);
    // Multi-field read inside the generation loop (§2.5.1, D17).
    const mtu = t.readConfig((r8, r16) => {
      if (hasMac) for (let i = 0; i < 6; i++) mac[i] = r8(NetConfig.mac + i);
      return hasMtu ? r16(NetConfig.mtu) : DEFAULT_MTU;
    });
    if (!hasMac) {
      // No MAC offered: a random locally administered unicast address (§5.1.5).
      this.guest.rng.fill(mac);
      mac[0] = ((mac[0] as number) & 0xfe) | 0x02;
    }
    return { mac, mtu };
  }

  // ---- recovery (D19) -------------------------------------------------------------------------

  abandonInFlight(): void {
    this.txDone.abandonAll();
  }

  /** The frames are gone with the old rings: their buffers are the caller's again. */
  resume(reinitialised: boolean): void {
    if (reinitialised) {
      this.assembling = 0;
      this.rxBuffers.postAll();
    }
    for (let slot = this.txDone.nextAbandoned(); slot >= 0; slot = this.txDone.nextAbandoned()) {
      this.txDone.remove(slot)?.();
    }
  }
}
