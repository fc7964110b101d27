/**
 * The slice of virtio-net (virtio 1.2 §5.1) this device and driver implement: one queue pair, no
 * control queue, the 12-byte `virtio_net_hdr_v1`, MAC / STATUS / MTU / MRG_RXBUF.
 */
import { featureBit } from '../features.js';
import { NetConfig, NetFeature, NetHdr, NetRxBuffer } from '../layout.js';

/** receiveq1 = 0, transmitq1 = 1 (one pair, no controlq). virtio 1.2 §5.1.2. */
export const NetQueue = { RX: 0, TX: 1 } as const;

/** Device-specific features the device offers. virtio 1.2 §5.1.3. */
export const NET_DEVICE_FEATURES: bigint =
  featureBit(NetFeature.MTU) |
  featureBit(NetFeature.MAC) |
  featureBit(NetFeature.MRG_RXBUF) |
  featureBit(NetFeature.STATUS);

/** Config bytes exposed: mac, status, max_virtqueue_pairs, mtu (through mtu: 12). virtio 1.2 §5.1.4. */
export const NET_CONFIG_BYTES = NetConfig.mtu + 2;

/** `virtio_net_hdr_v1` on every packet of a VERSION_1 device. virtio 1.2 §5.1.6. */
export const NET_HDR_BYTES = NetHdr.size;

/**
 * Receive buffers the driver posts (virtio 1.2 §5.1.6.3.1): without MRG_RXBUF one buffer holds a whole
 * packet (≥ 1526 = 12 + 14 + 1500); with it, 2 KiB buffers (each ≥ the header, §5.1.6.3.2).
 */
export const NetRxBufferBytes = { plain: NetRxBuffer.MIN, mergeable: 2048 } as const;

/** Ethernet II header (IEEE 802.3 §3.1.1): a frame is at most mtu + 14 bytes (no FCS, no VLAN tag). */
export const ETHERNET_HEADER_BYTES = 14;

/** MTU reported when the device does not offer VIRTIO_NET_F_MTU (standard Ethernet). */
export const DEFAULT_MTU = 1500;
