/**
 * NE2000 (DP8390 core + NE2000 ASIC) register map and card-memory layout, as QEMU's
 * hw/net/ne2000.c and ne2000-isa.c present them (specs/trap-emulate.md §4). Names follow the
 * DP8390 datasheet; where QEMU departs from the datasheet the comment says so.
 */

/** ISA resources: QEMU `-device ne2k_isa` defaults (hw/net/ne2000-isa.c properties `iobase`, `irq`). */
export const NE2000_ISA = { ioBase: 0x300, irq: 9, windowBytes: 0x20 } as const;

/** Offsets in the 32-port window — trap-emulate.md §4 "Window"; ne2000.c `ne2000_read`. */
export const WindowOffset = {
  /** 0x00–0x0F: DP8390 registers, byte accesses only. */
  registersEnd: 0x10,
  /** NE2000 ASIC data port: remote DMA, 8/16/32-bit. */
  data: 0x10,
  /** Reading resets the card; writes end the reset pulse (ignored). */
  reset: 0x1f,
} as const;

/** Command register bits (offset 0 on every page) — trap-emulate.md §4 "CR"; DP8390 CR. */
export const Cr = {
  STP: 0x01,
  STA: 0x02,
  TXP: 0x04,
  /** RD field (bits 3–5). */
  RD_READ: 0x08,
  RD_WRITE: 0x10,
  RD_SEND: 0x18,
  RD_ABORT: 0x20,
  /** Bits QEMU tests to start a remote DMA (read or write; SEND has both). */
  RD_TRANSFER: 0x18,
  PAGE_SHIFT: 6,
  PAGE0: 0x00,
  PAGE1: 0x40,
  PAGE2: 0x80,
  PAGE3: 0xc0,
} as const;

/** Page 0 register offsets, write side — trap-emulate.md §4 table; DP8390 page 0. */
export const Page0Write = {
  PSTART: 0x01,
  PSTOP: 0x02,
  BNRY: 0x03,
  TPSR: 0x04,
  TBCR0: 0x05,
  TBCR1: 0x06,
  ISR: 0x07,
  RSAR0: 0x08,
  RSAR1: 0x09,
  RBCR0: 0x0a,
  RBCR1: 0x0b,
  RCR: 0x0c,
  /** QEMU ignores TCR writes (no loopback). */
  TCR: 0x0d,
  DCR: 0x0e,
  IMR: 0x0f,
} as const;

/** Page 0 register offsets, read side (CLDA, NCR, FIFO, CNTR read 0 in QEMU). */
export const Page0Read = {
  CLDA0: 0x01,
  CLDA1: 0x02,
  BNRY: 0x03,
  TSR: 0x04,
  NCR: 0x05,
  FIFO: 0x06,
  ISR: 0x07,
  CRDA0: 0x08,
  CRDA1: 0x09,
  /** RTL8029 ID bytes where a DP8390 has the (write-only) RBCR. */
  ID0: 0x0a,
  ID1: 0x0b,
  RSR: 0x0c,
  CNTR0: 0x0d,
  CNTR1: 0x0e,
  CNTR2: 0x0f,
} as const;

/** Page 1 (read/write): physical address, current page, multicast filter — DP8390 page 1. */
export const Page1 = { PAR0: 0x01, CURR: 0x07, MAR0: 0x08 } as const;

/** Page 2 (read): QEMU answers only PSTART/PSTOP here; the rest reads 0. */
export const Page2Read = { PSTART: 0x01, PSTOP: 0x02 } as const;

/** Page 3 (read): RTL8029 configuration bytes — ne2000.c EN3_CONFIG0/2/3. */
export const Page3Read = { CONFIG0: 0x03, CONFIG2: 0x05, CONFIG3: 0x06 } as const;

/** Values QEMU reports as an RTL8029 (ne2000.c): ID "PC", 10BASE-T, full duplex. */
export const Rtl8029 = { ID0: 0x50, ID1: 0x43, CONFIG0: 0x00, CONFIG2: 0x40, CONFIG3: 0x40 } as const;

/** ISR / IMR bits — trap-emulate.md §4; DP8390 ISR. QEMU sets only PRX, PTX, RDC and RST. */
export const Isr = {
  PRX: 0x01,
  PTX: 0x02,
  RXE: 0x04,
  TXE: 0x08,
  OVW: 0x10,
  CNT: 0x20,
  RDC: 0x40,
  RST: 0x80,
} as const;

/** Bits that can drive the interrupt line (RST never interrupts) and that an ISR write can clear. */
export const ISR_IRQ_SOURCES = 0x7f;

/** RCR bits — DP8390 RCR; QEMU uses AB, AM and PRO only. */
export const Rcr = { SEP: 0x01, AR: 0x02, AB: 0x04, AM: 0x08, PRO: 0x10, MON: 0x20 } as const;

/** TCR bits — DP8390 TCR (ignored by QEMU). */
export const Tcr = { CRC: 0x01, LOOPBACK_INTERNAL: 0x02, ATD: 0x08, OFST: 0x10 } as const;

/** DCR bits — DP8390 DCR; QEMU uses WTS only. */
export const Dcr = { WTS: 0x01, BOS: 0x02, LAS: 0x04, LS: 0x08, AR: 0x10, FT_8_BYTES: 0x40 } as const;

/** TSR bits — DP8390 TSR; QEMU always reports PTX. */
export const Tsr = { PTX: 0x01, ND: 0x02, COL: 0x04, ABT: 0x08, CRS: 0x10, FU: 0x20, CDH: 0x40, OWC: 0x80 } as const;

/** RSR / receive-header status bits — DP8390 RSR; QEMU writes PRX or PRX|PHY. */
export const Rsr = { PRX: 0x01, CRC: 0x02, FAE: 0x04, FO: 0x08, MPA: 0x10, PHY: 0x20, DIS: 0x40, DFR: 0x80 } as const;

/**
 * Card memory — trap-emulate.md §4 "Card memory"; ne2000.h NE2000_PMEM_*. The array spans
 * 0x0000–0xBFFF as QEMU's does; remote DMA reaches the PROM (0x00–0x1F) and packet RAM
 * (0x4000–0xBFFF) only, the receive ring can only touch the array.
 */
export const CardMemory = {
  promBytes: 0x20,
  packetStart: 0x4000,
  packetEnd: 0xc000,
  /** Size of the backing array. */
  bytes: 0xc000,
  pageBytes: 256,
  pageShift: 8,
} as const;

/** PROM layout after a reset: MAC bytes doubled at 0–11, word-mode signature 0x57 at 28–31 (ne2000.c `ne2000_reset`). */
export const Prom = { macBytes: 6, signature: 0x57, signatureSource: 14 } as const;

/** Ethernet sizes the card works with (ne2000.c MAX_ETH_FRAME_SIZE, MIN_BUF_SIZE; IEEE 802.3 minimum). */
export const Frame = {
  /** Runts are zero-padded to this length before they are stored. */
  minBytes: 60,
  maxBytes: 1514,
  /** Receive-ring header: status, next page, count low, count high. */
  headerBytes: 4,
  /** Ring space below which the card counts as full: a maximum frame plus its header. */
  fullThresholdBytes: 1514 + 4,
} as const;
