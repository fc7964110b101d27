/**
 * Split (and packed) virtqueue layout: descriptor, avail and used structures, their sizes and alignments,
 * the legacy contiguous layout and the event-index test (virtio 1.2 §2.7, §2.8; specs/virtio.md §2.1, §3.4).
 * Re-exported by models/virtio/layout.ts with every other virtio constant.
 */

// ---- split virtqueue (§2.7 "Split Virtqueues") -------------------------------------------------------

/** Descriptor flags. virtio 1.2 §2.7.5 "The Virtqueue Descriptor Table". */
export const VirtqDescFlag = { NEXT: 0x1, WRITE: 0x2, INDIRECT: 0x4 } as const;

/** `struct virtq_desc` (16 B). virtio 1.2 §2.7.5. */
export const VirtqDesc = { addr: 0, len: 8, flags: 12, next: 14, size: 16 } as const;

/** `struct virtq_avail` (Driver Area): ring[i] at 4+2i, used_event at 4+2·QS. virtio 1.2 §2.7.6. */
export const VirtqAvail = { flags: 0, idx: 2, ring: 4, ringEntrySize: 2, header: 4, trailer: 2 } as const;

/** `avail.flags` bit 0: the driver asks for no used-buffer notifications. virtio 1.2 §2.7.7. */
export const VirtqAvailFlag = { NO_INTERRUPT: 0x1 } as const;

/** `struct virtq_used` (Device Area): ring[i] at 4+8i, avail_event at 4+8·QS. virtio 1.2 §2.7.8. */
export const VirtqUsed = { flags: 0, idx: 2, ring: 4, ringEntrySize: 8, header: 4, trailer: 2 } as const;

/** `struct virtq_used_elem` (8 B): id is the chain head (u32 for padding). virtio 1.2 §2.7.8. */
export const VirtqUsedElem = { id: 0, len: 4, size: 8 } as const;

/** `used.flags` bit 0: the device asks for no available-buffer notifications. virtio 1.2 §2.7.10. */
export const VirtqUsedFlag = { NO_NOTIFY: 0x1 } as const;

/** Area alignments (Linux `VRING_{DESC,AVAIL,USED}_ALIGN_SIZE`). virtio 1.2 §2.7 table "Virtqueue Part Alignment". */
export const VirtqAlign = { desc: 16, avail: 2, used: 4 } as const;

/** Queue size limits: a power of 2 up to 32768. virtio 1.2 §2.7 "Split Virtqueues". */
export const VirtqSize = { max: 32768 } as const;

/** Chain limits: ≤ QS descriptors and ≤ 2^32 bytes (§2.7.5.2); indirect tables ≤ 65536 entries (vhost, rust-vmm). */
export const VirtqLimit = { chainBytes: 4294967296, indirectEntries: 65536 } as const;

/** Bytes of the Descriptor Area for `qs` entries. virtio 1.2 §2.7 (16·QS). */
export function descTableSize(qs: number): number {
  return VirtqDesc.size * qs;
}

/** Bytes of the Driver Area for `qs` entries, used_event included. virtio 1.2 §2.7 (6 + 2·QS). */
export function availRingSize(qs: number): number {
  return VirtqAvail.header + VirtqAvail.ringEntrySize * qs + VirtqAvail.trailer;
}

/** Bytes of the Device Area for `qs` entries, avail_event included. virtio 1.2 §2.7 (6 + 8·QS). */
export function usedRingSize(qs: number): number {
  return VirtqUsed.header + VirtqUsed.ringEntrySize * qs + VirtqUsed.trailer;
}

/** Offset of `used_event` inside the Driver Area. virtio 1.2 §2.7.6. */
export function usedEventOffset(qs: number): number {
  return VirtqAvail.ring + VirtqAvail.ringEntrySize * qs;
}

/** Offset of `avail_event` inside the Device Area. virtio 1.2 §2.7.8. */
export function availEventOffset(qs: number): number {
  return VirtqUsed.ring + VirtqUsed.ringEntrySize * qs;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/**
 * Legacy contiguous layout (virtio 1.2 §2.7.2 "Legacy Interfaces: A Note on Virtqueue Layout") relative to
 * the start of the block, with Linux `vring_init` placement: used starts at alignUp(18N+6, align).
 */
export interface LegacyVringLayout {
  readonly desc: number;
  readonly avail: number;
  readonly usedEvent: number;
  readonly used: number;
  readonly availEvent: number;
  readonly size: number;
}

export function legacyVringLayout(num: number, align: number): LegacyVringLayout {
  const avail = descTableSize(num);
  const usedEvent = avail + usedEventOffset(num);
  const used = alignUp(avail + availRingSize(num), align);
  return {
    desc: 0,
    avail,
    usedEvent,
    used,
    availEvent: used + availEventOffset(num),
    size: used + usedRingSize(num),
  };
}

/** Linux `vring_size(num, align)`: the legacy block without tail padding (N=256, 4096 → 10246). */
export function vringSize(num: number, align: number): number {
  return legacyVringLayout(num, align).size;
}

/**
 * The event-index test of virtio 1.2 §2.7.7.3 / §2.7.10 (Linux `vring_need_event`), all mod 2^16:
 * notify iff `event` ∈ {old, …, new−1}, i.e. this batch moved the index past `event`.
 */
export function needEvent(eventIdx: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
}

// ---- packed virtqueue (§2.8), for completeness of the flag space -----------------------------------

/** `struct pvirtq_desc`: id and flags are swapped relative to split. virtio 1.2 §2.8. */
export const PvirtqDesc = { addr: 0, len: 8, id: 12, flags: 14, size: 16 } as const;

/** Packed descriptor flag bits (Linux `VRING_PACKED_DESC_F_*` are these shift counts). virtio 1.2 §2.8. */
export const PvirtqDescFlagShift = { AVAIL: 7, USED: 15 } as const;

/** Event suppression structure flags and wrap bit. virtio 1.2 §2.8. */
export const PvirtqEvent = { offWrap: 0, flags: 2, size: 4, wrapShift: 15 } as const;
export const PvirtqEventFlag = { ENABLE: 0x0, DISABLE: 0x1, DESC: 0x2 } as const;
