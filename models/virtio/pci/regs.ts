/**
 * What is specific to our modern virtio-pci function, laid out as QEMU 7.2 presents it (virtio 1.2
 * §4.1.4; specs/virtio.md §5 [Q7.2]): BAR4 (64-bit, prefetchable, 16 KiB) holds COMMON, ISR, DEVICE
 * and NOTIFY at 4 KiB strides; BAR1 holds the MSI-X table and PBA. Every spec-defined offset, bit and
 * ID comes from ../layout.ts, the single source the C header oracle checks.
 */

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
