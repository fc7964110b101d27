/**
 * 16550A UART register map as QEMU's hw/char/serial.c and serial-isa.c present it
 * (specs/trap-emulate.md §2; National Semiconductor PC16550D datasheet for the bit names).
 */

/** COM1: I/O base and ISA line — trap-emulate.md §2 (serial-isa.c isa_serial_io / isa_serial_irq). */
export const COM1_BASE = 0x3f8;
export const COM1_IRQ = 4;
/** Ports decoded from the base. */
export const UART_PORT_COUNT = 8;

/** Reference clock / 16: speed = baud base / divisor — trap-emulate.md §2. */
export const UART_BAUD_BASE = 115_200;

/** Bytes in each of the receive and transmit FIFOs — PC16550D §8.4; serial.c UART_FIFO_LENGTH. */
export const UART_FIFO_BYTES = 16;

/** Register offsets from the base — trap-emulate.md §2 table (DLAB = LCR bit 7 selects DLL/DLM at +0/+1). */
export const UartReg = {
  /** Read, DLAB=0: receiver buffer. */
  RBR: 0,
  /** Write, DLAB=0: transmitter holding register. */
  THR: 0,
  /** DLAB=1: divisor latch, low byte. */
  DLL: 0,
  IER: 1,
  /** DLAB=1: divisor latch, high byte. */
  DLM: 1,
  /** Read: interrupt identification. */
  IIR: 2,
  /** Write: FIFO control. */
  FCR: 2,
  LCR: 3,
  MCR: 4,
  LSR: 5,
  MSR: 6,
  SCR: 7,
} as const;

/** Interrupt enable — trap-emulate.md §2 "Bits". Only the low nibble is writable. */
export const Ier = {
  RDI: 0x01,
  THRI: 0x02,
  RLSI: 0x04,
  MSI: 0x08,
  WRITABLE: 0x0f,
} as const;

/** Interrupt identification, in priority order — trap-emulate.md §2 "IIR priority". */
export const Iir = {
  NO_INT: 0x01,
  /** Bits 1–2: the interrupt ID field QEMU tests for THRE (serial.c UART_IIR_ID). */
  ID_MASK: 0x06,
  /** Bits 0–3: the interrupt identity. */
  INT_MASK: 0x0f,
  RLS: 0x06,
  /** Character timeout indication. */
  CTI: 0x0c,
  RDA: 0x04,
  THRE: 0x02,
  MODEM: 0x00,
  /** Bits 6–7: both set iff FCR.FE. */
  FIFO_ENABLED: 0xc0,
} as const;

/** FIFO control — trap-emulate.md §2 "FCR". */
export const Fcr = {
  FE: 0x01,
  /** Receive FIFO reset (self-clearing). */
  RFR: 0x02,
  /** Transmit FIFO reset (self-clearing). */
  XFR: 0x04,
  DMA_MODE: 0x08,
  TRIGGER_MASK: 0xc0,
  /** Bits kept in the register (serial.c stores val & 0xC9). */
  RETAINED: 0xc9,
} as const;

/** Receive trigger level per FCR bits 6–7 — trap-emulate.md §2; PC16550D Table V. */
export const RX_TRIGGER_LEVELS = [1, 4, 8, 14] as const;
export type RxTriggerLevel = (typeof RX_TRIGGER_LEVELS)[number];

/** FCR bits 6–7 that select `level`. */
export function fcrTriggerBits(level: RxTriggerLevel): number {
  return RX_TRIGGER_LEVELS.indexOf(level) << 6;
}

/** Line control — trap-emulate.md §2 "LCR". */
export const Lcr = {
  /** Bits 0–1: word length − 5. */
  WORD_LENGTH_MASK: 0x03,
  /** 0: one stop bit; 1: two (1.5 for 5-bit words, counted as 2 as QEMU does). */
  STOP_BITS: 0x04,
  PARITY_ENABLE: 0x08,
  EVEN_PARITY: 0x10,
  BREAK: 0x40,
  DLAB: 0x80,
  /** 8 data bits, no parity, 1 stop bit. */
  MODE_8N1: 0x03,
} as const;

/** Modem control — trap-emulate.md §2 "MCR". Bits 5–7 read back 0. */
export const Mcr = {
  DTR: 0x01,
  RTS: 0x02,
  OUT1: 0x04,
  OUT2: 0x08,
  LOOP: 0x10,
  WRITABLE: 0x1f,
} as const;

/** Line status — trap-emulate.md §2 "LSR". */
export const Lsr = {
  DR: 0x01,
  OE: 0x02,
  PE: 0x04,
  FE: 0x08,
  BI: 0x10,
  THRE: 0x20,
  TEMT: 0x40,
  /** Sources of the receiver-line-status interrupt. */
  INT_ANY: 0x1e,
} as const;

/** Modem status — trap-emulate.md §2 "MSR". */
export const Msr = {
  DCTS: 0x01,
  DDSR: 0x02,
  TERI: 0x04,
  DDCD: 0x08,
  CTS: 0x10,
  DSR: 0x20,
  RI: 0x40,
  DCD: 0x80,
  ANY_DELTA: 0x0f,
} as const;

/** Power-on values — trap-emulate.md §7 item 1 (serial.c serial_reset). */
export const UartReset = {
  RBR: 0x00,
  IER: 0x00,
  IIR: Iir.NO_INT,
  LCR: 0x00,
  MCR: Mcr.OUT2,
  LSR: Lsr.THRE | Lsr.TEMT,
  /** DCD | DSR | CTS: a backend without modem lines (QEMU's null and socket chardevs). */
  MSR: Msr.DCD | Msr.DSR | Msr.CTS,
  SCR: 0x00,
  /** 9600 baud. */
  DIVISOR: 0x000c,
} as const;

/** ns per second: character time = (NS_PER_SECOND / speed) × frame bits, integer division as in QEMU. */
const NS_PER_SECOND = 1_000_000_000;

/** Bits in one frame for `lcr`: start + 5–8 data + optional parity + 1 or 2 stop — trap-emulate.md §2. */
export function frameBits(lcr: number): number {
  const data = (lcr & Lcr.WORD_LENGTH_MASK) + 5;
  const parity = lcr & Lcr.PARITY_ENABLE ? 1 : 0;
  const stop = lcr & Lcr.STOP_BITS ? 2 : 1;
  return 1 + data + parity + stop;
}

/**
 * Time of one character in ns at `divisor` and `lcr`, or undefined for a divisor the UART
 * ignores (0 or above the baud base: CVE-2016-8669, trap-emulate.md §8 H2) — no division then.
 */
export function characterTimeNs(divisor: number, lcr: number, baudBase = UART_BAUD_BASE): number | undefined {
  if (divisor === 0 || divisor > baudBase) return undefined;
  const speed = Math.floor(baudBase / divisor);
  return Math.floor(NS_PER_SECOND / speed) * frameBits(lcr);
}

/** Character times of RX silence before a timeout indication — PC16550D §8.6.3; serial.c fifo_timeout_int. */
export const RX_TIMEOUT_CHARACTERS = 4;
