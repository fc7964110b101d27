/**
 * virtio-net device logic (virtio 1.2 §5.1; specs/virtio.md §6.2, §7): one queue pair over the
 * reference NetBackend. Transmit: pop, copy the 12-byte header privately (H21), hand the frame to
 * the backend — in place when zero-copy and contiguous, else through a bounce buffer — and return
 * the chain with used len 0. Receive lives in receiver.ts.
 */
import type { NetBackend } from '../../platform/backend-api.js';
import type { CopyMode } from '../../platform/knobs.js';
import type { ActiveDevice } from '../device-logic.js';
import { hasFeature } from '../device-logic.js';
import { NetConfig, NetFeature, NetHdr, NetHdrGso, NetStatus, VirtioDeviceId } from '../layout.js';
import { DescriptorChain } from '../ring/descriptor-chain.js';
import type { DeviceRing } from '../ring/device-ring.js';
import { NET_CONFIG_BYTES, NET_DEVICE_FEATURES, NET_HDR_BYTES, NetQueue } from './constants.js';
import { serveQueue } from './device-queue.js';
import type { DescribedLogic } from './host-device.js';
import { NetReceiver } from './receiver.js';

/** Scatter-gather entries one transmit chain may have (QEMU's VIRTQUEUE_MAX_SIZE). */
export const TX_CHAIN_SEGMENTS = 1024;

/** Largest frame forwarded: every non-jumbogram IP packet fits in 64 KiB. Longer ones are dropped. */
export const TX_FRAME_MAX = 65536;

/**
 * Transmit flow control a NetBackend may offer — proposed for `NetBackend` in platform/backend-api.ts,
 * detected here until it lands. While `canTransmit()` is false the device leaves transmit chains in the
 * ring (kicks stay suppressed) and resumes when the backend calls `ready`, as QEMU parks a packet the
 * tap refused until the send completes. Without it, a guest can outrun the link and its frames drop.
 */
export interface TransmitFlowControl {
  canTransmit(): boolean;
  setTransmitReady(ready: () => void): void;
}

export function transmitFlowControl(backend: NetBackend): TransmitFlowControl | undefined {
  const b = backend as NetBackend & Partial<TransmitFlowControl>;
  return typeof b.canTransmit === 'function' && typeof b.setTransmitReady === 'function'
    ? (b as NetBackend & TransmitFlowControl)
    : undefined;
}

export interface VirtioNetDeviceOptions {
  readonly queueSize: number;
  readonly copy: CopyMode;
}

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
  private readonly config: DataView;
  private readonly copy: CopyMode;
  private ctx: ActiveDevice | undefined;
  private txRing: DeviceRing | undefined;
  private readonly txChain = new DescriptorChain(TX_CHAIN_SEGMENTS);
  private readonly txBounce = new Uint8Array(TX_FRAME_MAX);
  private readonly hdr = new Uint8Array(NET_HDR_BYTES);
  private pushed = 0;
  private readonly flow: TransmitFlowControl | undefined;
  private readonly canTransmit: (() => boolean) | undefined;
  /** The transmit queue waits for the backend's `ready`. */
  private txStalled = false;

  constructor(
    private readonly backend: NetBackend,
    opts: VirtioNetDeviceOptions,
  ) {
    this.queueMaxSizes = [opts.queueSize, opts.queueSize];
    this.copy = opts.copy;
    const mtu = Math.min(backend.mtu, 0xffff);
    this.config = new DataView(new ArrayBuffer(NET_CONFIG_BYTES));
    for (let i = 0; i < 6; i++) this.config.setUint8(NetConfig.mac + i, backend.guestMac[i] ?? 0);
    this.config.setUint16(NetConfig.status, NetStatus.LINK_UP, true);
    this.config.setUint16(NetConfig.max_virtqueue_pairs, 1, true);
    this.config.setUint16(NetConfig.mtu, mtu, true);
    this.rx = new NetReceiver(opts.queueSize, opts.copy, mtu);
    backend.setReceiver(this.rx);
    this.flow = transmitFlowControl(backend);
    const flow = this.flow;
    this.canTransmit = flow === undefined ? undefined : () => flow.canTransmit();
    flow?.setTransmitReady(this.onTransmitReady);
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    if (size === 1) return this.config.getUint8(offset);
    if (size === 2) return this.config.getUint16(offset, true);
    return this.config.getUint32(offset, true);
  }

  /** Every field is read-only for a VERSION_1 driver (virtio 1.2 §5.1.4). */
  writeConfig(): void {}

  activate(ctx: ActiveDevice): void {
    this.ctx = ctx;
    this.txRing = ctx.rings[NetQueue.TX];
    this.rx.start(ctx, hasFeature(ctx.features, NetFeature.MRG_RXBUF));
    this.backend.rxReady(); // frames held while the device was down may flow once buffers arrive
  }

  kick(queue: number): void {
    if (queue === NetQueue.RX)
      this.backend.rxReady(); // new receive buffers
    else if (queue === NetQueue.TX) this.serveTx();
  }

  reset(): void {
    this.ctx = undefined;
    this.txRing = undefined;
    this.txStalled = false;
    this.rx.stop();
  }

  describe(): Record<string, unknown> {
    return { ...this.stats, ...this.rx.stats, rxParked: this.rx.parkedChains };
  }

  private serveTx(): void {
    const ctx = this.ctx;
    const ring = this.txRing;
    if (ctx === undefined || ring === undefined) return;
    this.pushed = 0;
    const outcome = serveQueue(ctx, ring, this.txChain, this.handleTx, this.canTransmit);
    if (outcome === 'stalled' && !this.txStalled) {
      this.txStalled = true;
      this.stats.txStalls++;
    }
    if (this.pushed > 0 && ctx.alive()) ctx.publishUsed(NetQueue.TX);
  }

  private readonly onTransmitReady = (): void => {
    if (!this.txStalled) return;
    this.txStalled = false;
    this.serveTx();
  };

  private readonly handleTx = (chain: DescriptorChain): void => {
    const ctx = this.ctx as ActiveDevice;
    const mem = ctx.mem;
    if (chain.readableBytes < NET_HDR_BYTES) {
      ctx.fail(`virtio-net tx chain has ${chain.readableBytes} readable bytes: no room for the 12-byte header`);
      return;
    }
    // Copy the header privately, wherever the driver split it (any layout is allowed in 1.x).
    let seg = 0;
    let segOffset = 0;
    for (let got = 0; got < NET_HDR_BYTES; ) {
      const take = Math.min(NET_HDR_BYTES - got, (chain.len[seg] as number) - segOffset);
      mem.read((chain.addr[seg] as number) + segOffset, take, this.hdr, got);
      got += take;
      segOffset += take;
      if (segOffset === chain.len[seg]) {
        seg++;
        segOffset = 0;
      }
    }
    const frameLength = chain.readableBytes - NET_HDR_BYTES;
    // No offloads were offered: a header asking for one cannot be honoured (virtio 1.2 §5.1.6.2.1).
    if (this.hdr[NetHdr.gso_type] !== NetHdrGso.NONE || this.hdr[NetHdr.flags] !== 0) {
      this.stats.txDroppedHeader++;
    } else if (this.copy === 'zerocopy' && frameLength > 0 && (chain.len[seg] as number) - segOffset === frameLength) {
      // The whole frame is one guest range: the backend reads it in place.
      const at = mem.zeroCopy((chain.addr[seg] as number) + segOffset, frameLength);
      this.transmit(mem.bytes, at, frameLength);
    } else if (frameLength > TX_FRAME_MAX) {
      this.stats.txDroppedOversize++;
    } else {
      let filled = 0;
      for (let s = seg; s < chain.readableCount; s++) {
        const take = (chain.len[s] as number) - (s === seg ? segOffset : 0);
        mem.read((chain.addr[s] as number) + (s === seg ? segOffset : 0), take, this.txBounce, filled);
        filled += take;
      }
      this.transmit(this.txBounce, 0, frameLength);
    }
    // Transmit buffers are only read: used len 0 (virtio 1.2 §5.1.6.2; specs/virtio.md §6.2).
    (this.txRing as DeviceRing).pushUsed(chain.head, 0);
    this.pushed++;
  };

  private transmit(bytes: Uint8Array, offset: number, length: number): void {
    this.stats.txFrames++;
    this.stats.txBytes += length;
    this.backend.transmit(bytes, offset, length);
  }
}
