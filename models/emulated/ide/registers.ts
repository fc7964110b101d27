/**
 * Register maps of the PIIX3 IDE function and its ATA disk (specs/trap-emulate.md §3): the
 * taskfile (ATA/ATAPI-6 §7), the device control register, the bus-master DMA block of
 * SFF-8038i rev 1.0, the PRD format and the PCI identity QEMU's `pc` machine presents.
 * Shared by the device model and the guest driver: constants only, no state.
 */

/** Legacy primary channel (ATA/ATAPI-6 §7.1; QEMU hw/ide/piix.c port_info). */
export const PrimaryChannel = { commandBlock: 0x1f0, control: 0x3f6, irq: 14 } as const;

/** Offsets in the 8-port command block (ATA/ATAPI-6 §7.1 Table 11). Reads and writes name different registers. */
export const TaskfileReg = {
  data: 0,
  error: 1,
  features: 1,
  sectorCount: 2,
  lbaLow: 3,
  lbaMid: 4,
  lbaHigh: 5,
  device: 6,
  status: 7,
  command: 7,
} as const;

export const COMMAND_BLOCK_PORTS = 8;

/** Status register bits (ATA/ATAPI-6 §7.15). */
export const AtaStatus = {
  ERR: 0x01,
  IDX: 0x02,
  CORR: 0x04,
  DRQ: 0x08,
  DSC: 0x10,
  DF: 0x20,
  DRDY: 0x40,
  BSY: 0x80,
} as const;

/** Error register bits (ATA/ATAPI-6 §7.11). */
export const AtaError = {
  AMNF: 0x01,
  TK0NF: 0x02,
  ABRT: 0x04,
  MCR: 0x08,
  IDNF: 0x10,
  MC: 0x20,
  UNC: 0x40,
  ICRC: 0x80,
} as const;

/** Device control register, written at 0x3F6 (ATA/ATAPI-6 §7.9). */
export const DeviceControl = { nIEN: 0x02, SRST: 0x04, HOB: 0x80 } as const;

/** Device register (ATA/ATAPI-6 §7.10); QEMU forces bits 7 and 5 (`ATA_DEV_ALWAYS_ON`). */
export const DeviceReg = { headMask: 0x0f, DEV: 0x10, LBA: 0x40, alwaysOn: 0xa0 } as const;

/** Command opcodes the model knows (ATA/ATAPI-6 §8; QEMU hw/ide/core.c ide_cmd_table for a hard disk). */
export const AtaCommand = {
  RECALIBRATE: 0x10,
  READ_SECTORS: 0x20,
  READ_SECTORS_NO_RETRY: 0x21,
  READ_SECTORS_EXT: 0x24,
  READ_DMA_EXT: 0x25,
  READ_NATIVE_MAX_ADDRESS_EXT: 0x27,
  READ_MULTIPLE_EXT: 0x29,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_NO_RETRY: 0x31,
  WRITE_SECTORS_EXT: 0x34,
  WRITE_DMA_EXT: 0x35,
  WRITE_MULTIPLE_EXT: 0x39,
  WRITE_VERIFY: 0x3c,
  READ_VERIFY_SECTORS: 0x40,
  READ_VERIFY_SECTORS_NO_RETRY: 0x41,
  READ_VERIFY_SECTORS_EXT: 0x42,
  SEEK: 0x70,
  EXECUTE_DEVICE_DIAGNOSTIC: 0x90,
  INITIALIZE_DEVICE_PARAMETERS: 0x91,
  STANDBY_IMMEDIATE_ALT: 0x94,
  IDLE_IMMEDIATE_ALT: 0x95,
  STANDBY_ALT: 0x96,
  IDLE_ALT: 0x97,
  CHECK_POWER_MODE_ALT: 0x98,
  SLEEP_ALT: 0x99,
  READ_MULTIPLE: 0xc4,
  WRITE_MULTIPLE: 0xc5,
  SET_MULTIPLE_MODE: 0xc6,
  READ_DMA: 0xc8,
  READ_DMA_NO_RETRY: 0xc9,
  WRITE_DMA: 0xca,
  WRITE_DMA_NO_RETRY: 0xcb,
  STANDBY_IMMEDIATE: 0xe0,
  IDLE_IMMEDIATE: 0xe1,
  STANDBY: 0xe2,
  IDLE: 0xe3,
  CHECK_POWER_MODE: 0xe5,
  SLEEP: 0xe6,
  FLUSH_CACHE: 0xe7,
  FLUSH_CACHE_EXT: 0xea,
  IDENTIFY_DEVICE: 0xec,
  SET_FEATURES: 0xef,
  SECURITY_FREEZE_LOCK: 0xf5,
  READ_NATIVE_MAX_ADDRESS: 0xf8,
} as const;

/** SET FEATURES subcommands the model honours (ATA/ATAPI-6 §8.37 Table 41; QEMU cmd_set_features). */
export const SetFeature = {
  enableWriteCache: 0x02,
  setTransferMode: 0x03,
  disableWriteCache: 0x82,
  /** Revert to power-on defaults at reset: on (0xCC) / off (0x66); QEMU 7.2 reverts the CHS geometry. */
  revertingDefaultsOn: 0xcc,
  revertingDefaultsOff: 0x66,
  /** Accepted and ignored by QEMU: look-ahead, APM, AAM, vendor NOPs. */
  accepted: [0xaa, 0x55, 0x05, 0x85, 0x69, 0x67, 0x96, 0x9a, 0x42, 0xc2],
} as const;

/** READ/WRITE MULTIPLE block sizes SET MULTIPLE MODE accepts (power of two ≤ IDENTIFY w47), 0 = off. */
export const MAX_MULTIPLE_SECTORS = 16;

/** Commands executed with a count of 0 transfer this many sectors (ATA/ATAPI-6 §8; 48-bit feature set §6.16). */
export const SectorCountZero = { lba28: 256, lba48: 65536 } as const;

/** The highest LBA28 address + 1 (IDENTIFY w60–61 saturates at 2^28 − 1). */
export const LBA28_LIMIT = 0x10000000;

/** Bus-master IDE registers per channel in BAR4 (SFF-8038i §2; QEMU hw/ide/piix.c, pci.c). */
export const BmReg = { command: 0, status: 2, prdTable: 4, channelStride: 8, barSize: 16 } as const;

/** Bus-master command register (SFF-8038i §2.1): bit 3 set = device → memory (an ATA read). */
export const BmCommand = { START: 0x01, READ: 0x08, writable: 0x09 } as const;

/** Bus-master status register (SFF-8038i §2.2). */
export const BmStatus = { ACTIVE: 0x01, ERR: 0x02, INT: 0x04, DRIVE0_DMA: 0x20, DRIVE1_DMA: 0x40 } as const;

/** Physical Region Descriptor (SFF-8038i §1.2): dword0 address, dword1 byte count (0 = 64 KiB) | EOT. */
export const Prd = {
  size: 8,
  countMask: 0xfffe,
  eot: 0x80000000,
  maxBytes: 0x10000,
  /** QEMU stops walking a table after one page of descriptors (hw/ide/pci.c BMDMA_PAGE_SIZE). */
  tableWalkBytes: 4096,
  maxEntries: 512,
} as const;

/** PCI identity of the PIIX3 IDE function on QEMU's `pc` machine (observed: 00:01.1, specs/trap-emulate.md §3). */
export const Piix3Ide = {
  vendorId: 0x8086,
  deviceId: 0x7010,
  revisionId: 0,
  /** Mass storage / IDE / prog-if 0x80: bus-master capable, both channels in compatibility mode. */
  classCode: 0x010180,
  subsystemVendorId: 0x1af4,
  subsystemId: 0x1100,
  /** Status register: fast back-to-back capable, DEVSEL medium (QEMU piix3_reset). */
  status: 0x0280,
  bmBar: 4,
} as const;

export const SECTOR_BYTES = 512;
export const WORDS_PER_SECTOR = 256;
