/**
 * Every virtio constant and byte offset the project uses (virtio 1.2/1.3; specs/virtio.md §2, §5, §6).
 * Names follow the spec; where the Linux uapi header spells a field differently its name is noted,
 * because test/peers/c-oracle checks each value here against those headers.
 * Section numbers are v1.2; v1.4 shifts some device subsections, so titles are given where that matters.
 */

export * from './ring/split-layout.js';

// ---- device status and feature bits (§2.1, §6) ---------------------------------------------------------

/** Device status bits. virtio 1.2 §2.1 "Device Status Field". */
export const DeviceStatus = {
  ACKNOWLEDGE: 0x01,
  DRIVER: 0x02,
  DRIVER_OK: 0x04,
  FEATURES_OK: 0x08,
  DEVICE_NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

/** Reserved (transport / ring) feature bits. virtio 1.2 §6 "Reserved Feature Bits" (+ 1.3 ADMIN_VQ). */
export const VirtioFeature = {
  NOTIFY_ON_EMPTY: 24,
  ANY_LAYOUT: 27,
  INDIRECT_DESC: 28,
  EVENT_IDX: 29,
  /** QEMU's "bad feature" probe (specs/virtio.md §2.3): never accept it. */
  BAD_FEATURE: 30,
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
  RING_PACKED: 34,
  IN_ORDER: 35,
  ORDER_PLATFORM: 36,
  SR_IOV: 37,
  NOTIFICATION_DATA: 38,
  NOTIF_CONFIG_DATA: 39,
  RING_RESET: 40,
  ADMIN_VQ: 41,
} as const;

/** Device IDs. virtio 1.2 §5 "Device Types". */
export const VirtioDeviceId = { NET: 1, BLOCK: 2, CONSOLE: 3, RNG: 4 } as const;

// ---- virtio over PCI (§4.1) -----------------------------------------------------------------------------

/** PCI identity: vendor 0x1AF4; modern device = 0x1040 + type; transitional IDs. virtio 1.2 §4.1.2. */
export const VirtioPciId = {
  VENDOR: 0x1af4,
  MODERN_DEVICE_BASE: 0x1040,
  TRANSITIONAL_NET: 0x1000,
  TRANSITIONAL_BLOCK: 0x1001,
  TRANSITIONAL_CONSOLE: 0x1003,
  TRANSITIONAL_RNG: 0x1005,
  /** Modern-only devices use revision ≥ 1 (§4.1.2). */
  MODERN_REVISION: 1,
  /** Vendor-specific PCI capability ID carrying every virtio structure (§4.1.4). */
  CAP_ID_VNDR: 0x09,
} as const;

export function modernPciDeviceId(virtioDeviceId: number): number {
  return VirtioPciId.MODERN_DEVICE_BASE + virtioDeviceId;
}

/** `cfg_type` values. virtio 1.2 §4.1.4 "Virtio Structure PCI Capabilities" (9 is 1.3+). */
export const VirtioPciCapType = {
  COMMON_CFG: 1,
  NOTIFY_CFG: 2,
  ISR_CFG: 3,
  DEVICE_CFG: 4,
  PCI_CFG: 5,
  SHARED_MEMORY_CFG: 8,
  VENDOR_CFG: 9,
} as const;

/** `struct virtio_pci_cap` (16 B). virtio 1.2 §4.1.4. */
export const VirtioPciCap = {
  cap_vndr: 0,
  cap_next: 1,
  cap_len: 2,
  cfg_type: 3,
  bar: 4,
  id: 5,
  padding: 6,
  offset: 8,
  length: 12,
  size: 16,
} as const;

/** `struct virtio_pci_cap64` (24 B). virtio 1.2 §4.1.4. */
export const VirtioPciCap64 = { offset_hi: 16, length_hi: 20, size: 24 } as const;

/** `struct virtio_pci_notify_cap` (20 B). virtio 1.2 §4.1.4.4. */
export const VirtioPciNotifyCap = { notify_off_multiplier: 16, size: 20 } as const;

/** `struct virtio_pci_cfg_cap` (20 B). virtio 1.2 §4.1.4.9. */
export const VirtioPciCfgCap = { pci_cfg_data: 16, size: 20 } as const;

/**
 * `struct virtio_pci_common_cfg` offsets. virtio 1.2 §4.1.4.3 (56/58 from 1.2, 60/62 from 1.3).
 * Linux names: guest_feature_select/guest_feature, msix_config, queue_{desc,avail,used}_{lo,hi}.
 */
export const CommonCfg = {
  device_feature_select: 0,
  device_feature: 4,
  driver_feature_select: 8,
  driver_feature: 12,
  config_msix_vector: 16,
  num_queues: 18,
  device_status: 20,
  config_generation: 21,
  queue_select: 22,
  queue_size: 24,
  queue_msix_vector: 26,
  queue_enable: 28,
  queue_notify_off: 30,
  queue_desc: 32,
  queue_driver: 40,
  queue_device: 48,
  queue_notif_config_data: 56,
  queue_reset: 58,
  admin_queue_index: 60,
  admin_queue_num: 62,
  /** Structure length through admin_queue_num. */
  size: 64,
} as const;

/** ISR status bits (a read returns and clears them). virtio 1.2 §4.1.4.5. */
export const IsrBit = { QUEUE: 0x1, CONFIG: 0x2 } as const;

/** MSI-X vector value meaning "no vector". virtio 1.2 §4.1.5.1.2. */
export const VIRTIO_MSI_NO_VECTOR = 0xffff;

/** Legacy I/O BAR0 register offsets. virtio 1.2 §4.1.4.10 "Legacy Interfaces: A Note on PCI Device Layout". */
export const LegacyPci = {
  HOST_FEATURES: 0,
  GUEST_FEATURES: 4,
  QUEUE_PFN: 8,
  QUEUE_NUM: 12,
  QUEUE_SEL: 14,
  QUEUE_NOTIFY: 16,
  STATUS: 18,
  ISR: 19,
  MSI_CONFIG_VECTOR: 20,
  MSI_QUEUE_VECTOR: 22,
  CONFIG_OFF_NO_MSIX: 20,
  CONFIG_OFF_MSIX: 24,
  /** QUEUE_PFN = ring address >> 12. */
  QUEUE_ADDR_SHIFT: 12,
  VRING_ALIGN: 4096,
} as const;

// ---- virtio-blk (§5.2) -----------------------------------------------------------------------------------

/** virtio-blk feature bits. virtio 1.2 §5.2.3 "Feature bits" (BARRIER 0, SCSI 7 legacy only). */
export const BlkFeature = {
  BARRIER: 0,
  SIZE_MAX: 1,
  SEG_MAX: 2,
  GEOMETRY: 4,
  RO: 5,
  BLK_SIZE: 6,
  SCSI: 7,
  FLUSH: 9,
  TOPOLOGY: 10,
  CONFIG_WCE: 11,
  MQ: 12,
  DISCARD: 13,
  WRITE_ZEROES: 14,
  LIFETIME: 15,
  SECURE_ERASE: 16,
  ZONED: 17,
} as const;

/** `struct virtio_blk_config` offsets (Linux 6.1: 72 B, packed). virtio 1.2 §5.2.4. */
export const BlkConfig = {
  capacity: 0,
  size_max: 8,
  seg_max: 12,
  geometry_cylinders: 16,
  geometry_heads: 18,
  geometry_sectors: 19,
  blk_size: 20,
  physical_block_exp: 24,
  alignment_offset: 25,
  min_io_size: 26,
  opt_io_size: 28,
  /** Linux `wce`. */
  writeback: 32,
  num_queues: 34,
  max_discard_sectors: 36,
  max_discard_seg: 40,
  discard_sector_alignment: 44,
  max_write_zeroes_sectors: 48,
  max_write_zeroes_seg: 52,
  write_zeroes_may_unmap: 56,
  max_secure_erase_sectors: 60,
  max_secure_erase_seg: 64,
  secure_erase_sector_alignment: 68,
  size: 72,
} as const;

/** Request types. virtio 1.2 §5.2.6 "Device Operation". */
export const BlkReqType = {
  IN: 0,
  OUT: 1,
  FLUSH: 4,
  GET_ID: 8,
  GET_LIFETIME: 10,
  DISCARD: 11,
  WRITE_ZEROES: 13,
  SECURE_ERASE: 14,
} as const;

/** Status byte values. virtio 1.2 §5.2.6. */
export const BlkStatus = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;

/** Request header `{le32 type, le32 reserved (Linux ioprio), le64 sector}` (Linux `virtio_blk_outhdr`). virtio 1.2 §5.2.6. */
export const BlkOutHdr = { type: 0, reserved: 4, sector: 8, size: 16 } as const;

/** Discard / write-zeroes / secure-erase segment. virtio 1.2 §5.2.6. */
export const BlkDiscardSegment = { sector: 0, num_sectors: 8, flags: 12, size: 16, FLAG_UNMAP: 0x1 } as const;

/** Sizes fixed by the spec: 512-B sectors; GET_ID returns 20 bytes. virtio 1.2 §5.2.6. */
export const BlkSizes = { SECTOR: 512, ID_BYTES: 20, STATUS: 1 } as const;

// ---- virtio-net (§5.1) -----------------------------------------------------------------------------------

/** virtio-net feature bits. virtio 1.2 §5.1.3 "Feature bits". */
export const NetFeature = {
  CSUM: 0,
  GUEST_CSUM: 1,
  CTRL_GUEST_OFFLOADS: 2,
  MTU: 3,
  MAC: 5,
  GUEST_TSO4: 7,
  GUEST_TSO6: 8,
  GUEST_ECN: 9,
  GUEST_UFO: 10,
  HOST_TSO4: 11,
  HOST_TSO6: 12,
  HOST_ECN: 13,
  HOST_UFO: 14,
  MRG_RXBUF: 15,
  STATUS: 16,
  CTRL_VQ: 17,
  CTRL_RX: 18,
  CTRL_VLAN: 19,
  CTRL_RX_EXTRA: 20,
  GUEST_ANNOUNCE: 21,
  MQ: 22,
  CTRL_MAC_ADDR: 23,
  NOTF_COAL: 53,
  HASH_REPORT: 57,
  RSS: 60,
  RSC_EXT: 61,
  STANDBY: 62,
  SPEED_DUPLEX: 63,
} as const;

/** `struct virtio_net_config` offsets (Linux 6.1: 24 B). virtio 1.2 §5.1.4. */
export const NetConfig = {
  mac: 0,
  status: 6,
  max_virtqueue_pairs: 8,
  mtu: 10,
  speed: 12,
  duplex: 16,
  rss_max_key_size: 17,
  rss_max_indirection_table_length: 18,
  supported_hash_types: 20,
  size: 24,
} as const;

/** `status` bits. virtio 1.2 §5.1.4. */
export const NetStatus = { LINK_UP: 1, ANNOUNCE: 2 } as const;

/** `struct virtio_net_hdr_v1` (12 B on every VERSION_1 device; legacy w/o MRG_RXBUF 10, HASH_REPORT 20). virtio 1.2 §5.1.6. */
export const NetHdr = {
  flags: 0,
  gso_type: 1,
  hdr_len: 2,
  gso_size: 4,
  csum_start: 6,
  csum_offset: 8,
  num_buffers: 10,
  size: 12,
  legacySize: 10,
  hashSize: 20,
} as const;

/** Header `flags`. virtio 1.2 §5.1.6. */
export const NetHdrFlag = { NEEDS_CSUM: 1, DATA_VALID: 2, RSC_INFO: 4 } as const;

/** Header `gso_type`. virtio 1.2 §5.1.6. */
export const NetHdrGso = { NONE: 0, TCPV4: 1, UDP: 3, TCPV6: 4, UDP_L4: 5, ECN: 0x80 } as const;

/** Receive buffer minimums without MRG_RXBUF: 1526 B, or 65601 B with guest TSO/UFO. virtio 1.2 §5.1.6.3. */
export const NetRxBuffer = { MIN: 1526, MIN_GUEST_GSO: 65601 } as const;

/** Control queue: `{u8 class, u8 cmd, data…, u8 ack}`. virtio 1.2 §5.1.6.5. */
export const NetCtrlHdr = { class: 0, cmd: 1, size: 2 } as const;
export const NetCtrlAck = { OK: 0, ERR: 1 } as const;
export const NetCtrlClass = { RX: 0, MAC: 1, VLAN: 2, ANNOUNCE: 3, MQ: 4, GUEST_OFFLOADS: 5, NOTF_COAL: 6 } as const;
export const NetCtrlMq = { VQ_PAIRS_SET: 0, VQ_PAIRS_MIN: 1, VQ_PAIRS_MAX: 0x8000 } as const;

/** NOTF_COAL commands and payloads `{le32 max_packets, le32 usecs}`. virtio 1.2 §5.1.6.5. */
export const NetCtrlNotfCoal = { TX_SET: 0, RX_SET: 1, max_packets: 0, usecs: 4, size: 8 } as const;

/** Queue numbering: rx k = 2k, tx k = 2k+1, control = 2N. virtio 1.2 §5.1.2. */
export function netRxQueue(pair: number): number {
  return 2 * pair;
}
export function netTxQueue(pair: number): number {
  return 2 * pair + 1;
}

// ---- virtio-console (§5.3) ---------------------------------------------------------------------------------

/** virtio-console feature bits. virtio 1.2 §5.3.3. */
export const ConsoleFeature = { SIZE: 0, MULTIPORT: 1, EMERG_WRITE: 2 } as const;

/** `struct virtio_console_config` offsets (12 B). virtio 1.2 §5.3.4. */
export const ConsoleConfig = { cols: 0, rows: 2, max_nr_ports: 4, emerg_wr: 8, size: 12 } as const;

/** `struct virtio_console_control` (8 B). virtio 1.2 §5.3.6.2. */
export const ConsoleControl = { id: 0, event: 4, value: 6, size: 8 } as const;

/** Control events (Linux PORT_ADD/PORT_REMOVE for DEVICE_ADD/DEVICE_REMOVE). virtio 1.2 §5.3.6.2. */
export const ConsoleEvent = {
  DEVICE_READY: 0,
  DEVICE_ADD: 1,
  DEVICE_REMOVE: 2,
  PORT_READY: 3,
  CONSOLE_PORT: 4,
  RESIZE: 5,
  PORT_OPEN: 6,
  PORT_NAME: 7,
} as const;

/** Port id meaning "no port" (Linux `VIRTIO_CONSOLE_BAD_ID`). */
export const CONSOLE_BAD_ID = 0xffffffff;

/** Queues: port-0 rx 0, tx 1, control rx 2, control tx 3; port n ≥ 1 rx 2+2n, tx 3+2n. virtio 1.2 §5.3.2. */
export const ConsoleQueue = { PORT0_RX: 0, PORT0_TX: 1, CONTROL_RX: 2, CONTROL_TX: 3 } as const;

// ---- virtio-rng (§5.4) -------------------------------------------------------------------------------------

/** virtio-rng: one request queue, no features, no config. virtio 1.2 §5.4. */
export const RngQueue = { REQUEST: 0 } as const;
