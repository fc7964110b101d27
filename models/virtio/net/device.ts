/**
 * virtio-net device logic (virtio 1.2 §5.1; specs/virtio.md §6.2, §7): one queue pair over the
 * reference NetBackend. Transmit: pop, copy the 12-byte header privately (H21), hand the frame to
 * the backend — in place when zero-copy and contiguous, else through a bounce buffer — and return
 * the chain with used len 0. Receive lives in receiver.ts.
 */
import type { NetBackend } from '../../platform/backend-api.js';
import type { CopyMode } from '../../platform/knobs.js';
import { ChainCursor, contiguousReadable, readChain } from '../device/chain-bytes.js';
import { ConfigSpace } from '../device/config-space.js';
import { DeviceQueue } from '../device/device-queue.js';
import type { DescribedLogic, DeviceOptions } from '../device/host-device.js';
import type { ActiveDevice } from '../device-logic.js';
import { hasFeature } from '../features.js';
import { NetConfig, NetFeature, NetHdr, NetHdrGso, NetStatus, VirtioDeviceId } from '../layout.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';
import { NET_CONFIG_BYTES, NET_DEVICE_FEATURES, NET_HDR_BYTES, NetQueue } from './constants.js';
import { NetReceiver } from './receiver.js';

/** Scatter-gather entries one transmit chain may have (QEMU's VIRTQUEUE_MAX_SIZE). */
export const TX_CHAIN_SEGMENTS = 1024;

/** Largest frame forwarded: every non-jumbogram IP packet fits in 64 KiB. Longer ones are dropped. */
export const TX_FRAME_MAX = 65536;

export interface NetTxStats {
  txFrames: number;
  txBytes: number;
  /** Header asks for an offload that was not negotiated (gso_type ≠ NONE, NEEDS_CSUM). */
  txDroppedHeader: number;
  txDroppedOversize: number;
  /** Times the transmit queue stopped because the backend had no room. */
  txStalls: number;
}

export class VirtioNetDevice implements DescribedLogic {
  readonly deviceType = VirtioDeviceId.NET;
  readonly name = 'net';
  readonly queueMaxSizes: readonly number[];
  readonly features = NET_DEVICE_FEATURES;
  readonly configSize = NET_CONFIG_BYTES;
  readonly rx: NetReceiver;
  readonly stats: NetTxStats = { txFrames: 0, txBytes: 0, txDroppedHeader: 0, txDroppedOversize: 0, txStalls: 0 };
  private readonly config = new ConfigSpace(NET_CONFIG_BYTES);
  private readonly copy: CopyMode;
  private readonly tx: DeviceQueue;
  private readonly cursor = new ChainCursor();
  private readonly txBounce = new Uint8Array(TX_FRAME_MAX);
  private readonly hdr = new Uint8Array(NET_HDR_BYTES);
  /** The transmit queue waits for the backend's transmit-ready call. */
  private txStalled = false;

  constructor(
    private readonly backend: NetBackend,
    opts: DeviceOptions,
  ) {
    this.queueMaxSizes = [opts.queueSize, opts.queueSize];
    this.copy = opts.copy;
    this.tx = new DeviceQueue(NetQueue.TX, TX_CHAIN_SEGMENTS, this.handleTx);
    const mtu = Math.min(backend.mtu, 0xffff);
    const v = this.config.view;
    for (let i = 0; i < 6; i++) v.setUint8(NetConfig.mac + i, backend.guestMac[i] ?? 0);
    v.setUint16(NetConfig.status, NetStatus.LINK_UP, true);
    v.setUint16(NetConfig.max_virtqueue_pairs, 1, true);
    v.setUint16(NetConfig.mtu, mtu, true);
    this.rx = new NetReceiver(opts.queueSize, opts.copy, mtu);
    backend.setReceiver(this.rx);
    backend.setTransmitReady(this.onTransmitReady);
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  /** Every field is read-only for a VERSION_1 driver (virtio 1.2 §5.1.4). */
  writeConfig(): void {}

  activate(ctx: ActiveDevice): void {
    this.tx.start(ctx);
    this.txStalled = false;
    this.rx.start(ctx, hasFeature(ctx.features, NetFeature.MRG_RXBUF));
    this.backend.rxReady(); // frames held while the device was down may flow once buffers arrive
  }

  kick(queue: number): void {
    if (queue === NetQueue.RX)
      this.backend.rxReady(); // new receive buffers
    else if (queue === NetQueue.TX) this.serveTx();
  }

  reset(): void {
    this.tx.stop();
    this.txStalled = false;
    this.rx.stop();
  }

  describe(): Record<string, unknown> {
    return { ...this.stats, ...this.rx.stats, rxParked: this.rx.parkedChains };
  }

  /**
   * Forward transmit chains while the backend has room. When it is full the chains stay in the ring
   * (kicks stay suppressed) until its transmit-ready call, as QEMU parks a packet the tap refused.
   */
  private serveTx(): void {
    if (this.tx.serve(this.canTransmit) === 'stalled' && !this.txStalled) {
      this.txStalled = true;
      this.stats.txStalls++;
    }
    this.tx.publish();
  }

  private readonly canTransmit = (): boolean => this.backend.canTransmit();

  private readonly onTransmitReady = (): void => {
    if (!this.txStalled) return;
    this.txStalled = false;
    this.serveTx();
  };

  private readonly handleTx = (chain: DescriptorChain, ctx: ActiveDevice): void => {
    const mem = ctx.mem;
    if (chain.readableBytes < NET_HDR_BYTES) {
      ctx.fail(`virtio-net tx chain has ${chain.readableBytes} readable bytes: no room for the 12-byte header`);
      return;
    }
    // Copy the header privately, wherever the driver split it (any layout is allowed in 1.x).
    readChain(mem, this.cursor, chain, 0, NET_HDR_BYTES, this.hdr);
    const frameLength = chain.readableBytes - NET_HDR_BYTES;
    const inPlace =
      this.copy === 'zerocopy' && frameLength > 0
        ? contiguousReadable(this.cursor, chain, NET_HDR_BYTES, frameLength)
        : -1;
    // No offloads were offered: a header asking for one cannot be honoured (virtio 1.2 §5.1.6.2.1).
    if (this.hdr[NetHdr.gso_type] !== NetHdrGso.NONE || this.hdr[NetHdr.flags] !== 0) {
      this.stats.txDroppedHeader++;
    } else if (inPlace >= 0) {
      // The whole frame is one guest range: the backend reads it in place.
      this.transmit(mem.bytes, mem.zeroCopy(inPlace, frameLength), frameLength);
    } else if (frameLength > TX_FRAME_MAX) {
      this.stats.txDroppedOversize++;
    } else {
      readChain(mem, this.cursor, chain, NET_HDR_BYTES, frameLength, this.txBounce);
      this.transmit(this.txBounce, 0, frameLength);
    }
    // Transmit buffers are only read: used len 0 (virtio 1.2 §5.1.6.2; specs/virtio.md §6.2).
    this.tx.pushUsed(chain.head, 0);
  };

  private transmit(bytes: Uint8Array, offset: number, length: number): void {
    this.stats.txFrames++;
    this.stats.txBytes += length;
    this.backend.transmit(bytes, offset, length);
  }
}
