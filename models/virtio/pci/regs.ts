/**
 * What is specific to our modern virtio-pci function, laid out as QEMU 7.2 presents it (virtio 1.2
 * §4.1.4; specs/virtio.md §5 [Q7.2]): BAR4 (64-bit, prefetchable, 16 KiB) holds COMMON, ISR, DEVICE
 * and NOTIFY at 4 KiB strides; BAR1 holds the MSI-X table and PBA. Every spec-defined offset, bit and
 * ID comes from ../layout.ts, the single source the C header oracle checks.
 */
import {
  CommonCfg as CommonCfgLayout,
  DeviceStatus,
  VIRTIO_MSI_NO_VECTOR,
  VirtioPciCap,
  VirtioPciCapType,
  VirtioPciCfgCap,
  VirtioPciId,
  VirtioPciNotifyCap,
} from '../layout.js';

/** QEMU's subsystem ID for modern-only devices (specs/virtio.md §5 [Q7.2]; §4.1.2 asks for ≥ 0x40). */
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

/** PCI class codes QEMU gives each device type (base << 16 | sub << 8 | prog-if) (specs/virtio.md §5 [Q7.2]). */
export const VIRTIO_PCI_CLASS: Readonly<Record<number, number>> = {
  1: 0x020000, // net: network controller, Ethernet
  2: 0x010000, // blk: mass storage, SCSI
  3: 0x078000, // console: communication controller, other
  4: 0x00ff00, // rng: unclassified
};

// ---- earlier spellings, derived from layout.ts ------------------------------------------------------------
// Kept for code outside models/virtio that still imports them from here (test/support/virtio-rig.ts,
// test/conformance/virtio-pci-*.test.ts, harness/conformance/support/virtio-rig.ts); new code imports
// layout.ts. Values are layout's, so nothing here can drift from the C-checked source.

/** @deprecated use `VirtioPciId.VENDOR` from layout.ts. */
export const VIRTIO_PCI_VENDOR_ID = VirtioPciId.VENDOR;
/** @deprecated use `VirtioPciId.MODERN_DEVICE_BASE` / `modernPciDeviceId` from layout.ts. */
export const VIRTIO_PCI_MODERN_DEVICE_BASE = VirtioPciId.MODERN_DEVICE_BASE;
/** @deprecated use `VIRTIO_MSI_NO_VECTOR` from layout.ts. */
export const NO_VECTOR = VIRTIO_MSI_NO_VECTOR;

/** @deprecated use `DeviceStatus` from layout.ts. virtio 1.2 §2.1. */
export const Status = {
  acknowledge: DeviceStatus.ACKNOWLEDGE,
  driver: DeviceStatus.DRIVER,
  driverOk: DeviceStatus.DRIVER_OK,
  featuresOk: DeviceStatus.FEATURES_OK,
  deviceNeedsReset: DeviceStatus.DEVICE_NEEDS_RESET,
  failed: DeviceStatus.FAILED,
} as const;

/** @deprecated use `VirtioPciCapType` from layout.ts. virtio 1.2 §4.1.4. */
export const PciCapType = {
  common: VirtioPciCapType.COMMON_CFG,
  notify: VirtioPciCapType.NOTIFY_CFG,
  isr: VirtioPciCapType.ISR_CFG,
  device: VirtioPciCapType.DEVICE_CFG,
  pciCfg: VirtioPciCapType.PCI_CFG,
} as const;

/** @deprecated use `VirtioPciCap`, `VirtioPciNotifyCap`, `VirtioPciCfgCap` from layout.ts. virtio 1.2 §4.1.4. */
export const PciCapField = {
  cfgType: VirtioPciCap.cfg_type,
  bar: VirtioPciCap.bar,
  id: VirtioPciCap.id,
  offset: VirtioPciCap.offset,
  length: VirtioPciCap.length,
  notifyOffMultiplier: VirtioPciNotifyCap.notify_off_multiplier,
  pciCfgData: VirtioPciCfgCap.pci_cfg_data,
} as const;

/** @deprecated use `CommonCfg` from layout.ts (64-bit fields as one offset; the high half is +4). virtio 1.2 §4.1.4.3. */
export const CommonCfg = {
  deviceFeatureSelect: CommonCfgLayout.device_feature_select,
  deviceFeature: CommonCfgLayout.device_feature,
  driverFeatureSelect: CommonCfgLayout.driver_feature_select,
  driverFeature: CommonCfgLayout.driver_feature,
  configMsixVector: CommonCfgLayout.config_msix_vector,
  numQueues: CommonCfgLayout.num_queues,
  deviceStatus: CommonCfgLayout.device_status,
  configGeneration: CommonCfgLayout.config_generation,
  queueSelect: CommonCfgLayout.queue_select,
  queueSize: CommonCfgLayout.queue_size,
  queueMsixVector: CommonCfgLayout.queue_msix_vector,
  queueEnable: CommonCfgLayout.queue_enable,
  queueNotifyOff: CommonCfgLayout.queue_notify_off,
  queueDescLo: CommonCfgLayout.queue_desc,
  queueDescHi: CommonCfgLayout.queue_desc + 4,
  queueDriverLo: CommonCfgLayout.queue_driver,
  queueDriverHi: CommonCfgLayout.queue_driver + 4,
  queueDeviceLo: CommonCfgLayout.queue_device,
  queueDeviceHi: CommonCfgLayout.queue_device + 4,
  queueNotifConfigData: CommonCfgLayout.queue_notif_config_data,
  queueReset: CommonCfgLayout.queue_reset,
} as const;
