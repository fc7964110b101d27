/**
 * Modern virtio-pci register layout as QEMU 7.2 presents it (virtio 1.2 §4.1.4;
 * specs/virtio.md §5 [Q7.2]): BAR4 (64-bit, prefetchable, 16 KiB) holds COMMON, ISR,
 * DEVICE and NOTIFY at 4 KiB strides; BAR1 holds the MSI-X table and PBA.
 */
export const VIRTIO_PCI_VENDOR_ID = 0x1af4;
/** Modern device ID = 0x1040 + virtio device type (§4.1.2.1). */
export const VIRTIO_PCI_MODERN_DEVICE_BASE = 0x1040;
/** Modern-only devices use revision ≥ 1 (§4.1.2.2); QEMU uses 1 and subsystem 0x1100. */
export const VIRTIO_PCI_REVISION = 1;
export const VIRTIO_PCI_SUBSYSTEM_ID = 0x1100;

export const BarLayout = {
  regsBar: 4,
  regsBarSize: 0x4000,
  commonOffset: 0x0000,
  isrOffset: 0x1000,
  deviceOffset: 0x2000,
  notifyOffset: 0x3000,
  regionSize: 0x1000,
  /** queue_notify_off = queue index, so each queue's doorbell is notifyOffset + 4·q (§4.1.4.4). */
  notifyOffMultiplier: 4,
  msixBar: 1,
  msixBarSize: 0x1000,
  msixTableOffset: 0x000,
  msixPbaOffset: 0x800,
} as const;

/** PCI class codes QEMU gives each device type (base << 16 | sub << 8 | prog-if). */
export const VIRTIO_PCI_CLASS: Readonly<Record<number, number>> = {
  1: 0x020000, // net: network controller, Ethernet
  2: 0x010000, // blk: mass storage, SCSI
  3: 0x078000, // console: communication controller, other
  4: 0x00ff00, // rng: unclassified
};

/** virtio_pci_cap cfg_type (§4.1.4). */
export const PciCapType = { common: 1, notify: 2, isr: 3, device: 4, pciCfg: 5 } as const;

/** struct virtio_pci_cap field offsets (16 B; notify cap 20 B, pci_cfg cap 20 B) (§4.1.4). */
export const PciCapField = {
  cfgType: 3,
  bar: 4,
  id: 5,
  offset: 8,
  length: 12,
  notifyOffMultiplier: 16,
  pciCfgData: 16,
} as const;

/** struct virtio_pci_common_cfg (§4.1.4.3; Linux VIRTIO_PCI_COMMON_*). */
export const CommonCfg = {
  deviceFeatureSelect: 0,
  deviceFeature: 4,
  driverFeatureSelect: 8,
  driverFeature: 12,
  configMsixVector: 16,
  numQueues: 18,
  deviceStatus: 20,
  configGeneration: 21,
  queueSelect: 22,
  queueSize: 24,
  queueMsixVector: 26,
  queueEnable: 28,
  queueNotifyOff: 30,
  queueDescLo: 32,
  queueDescHi: 36,
  queueDriverLo: 40,
  queueDriverHi: 44,
  queueDeviceLo: 48,
  queueDeviceHi: 52,
  queueNotifConfigData: 56,
  queueReset: 58,
  /** Linux 6.1 struct size. */
  size: 60,
} as const;

/** Device status bits (§2.1). */
export const Status = {
  acknowledge: 0x01,
  driver: 0x02,
  driverOk: 0x04,
  featuresOk: 0x08,
  deviceNeedsReset: 0x40,
  failed: 0x80,
} as const;

/** ISR status bits (§4.1.4.5). */
export const Isr = { queue: 0x1, config: 0x2 } as const;

/** MSI-X "no vector" (§4.1.5.1.2). */
export const NO_VECTOR = 0xffff;

/** Transport feature bits the device always offers (§6; specs/virtio.md §2.3). */
export const TransportFeature = { indirectDesc: 28, eventIdx: 29, version1: 32 } as const;
