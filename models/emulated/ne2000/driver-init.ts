/**
 * NE2000 bring-up, guest side, in the manner of Linux drivers/net/ethernet/8390/ne.c
 * (`ne_probe1`) and 8390.c (`NS8390_init`) — trap-emulate.md §4 "Reset/init": reset through
 * the reset port, read the 32-byte PROM with a byte-wide remote read, switch to word mode,
 * program the ring, the station address and the filter, then start the NIC.
 */
import type { GuestIo } from '../../platform/bus.js';
import type { GuestPlatform } from '../../platform/machine.js';
import { Cr, Dcr, Isr, Page0Read, Page0Write, Page1, Prom, Rcr, Tcr, WindowOffset } from './registers.js';

/**
 * Card-memory layout the driver programs (Linux ne.c NESM_START_PG / NESM_STOP_PG and 8390.h
 * TX_PAGES for a 16-bit card): transmit buffers first, the receive ring in the rest.
 */
export const DriverLayout = {
  txStartPage: 0x40,
  /** Two 6-page transmit buffers as Linux reserves; the driver uses one (one frame in flight). */
  txPages: 12,
  rxStartPage: 0x4c,
  rxStopPage: 0x80,
} as const;

/** Register values the driver writes (Linux 8390.h E8390_RXCONFIG / RXOFF / TXCONFIG / TXOFF, ne.c DCR_VAL, ENISR_ALL). */
export const DriverValues = {
  /** Word transfers, normal operation, FIFO threshold 8 bytes. */
  dcrWord: Dcr.WTS | Dcr.LS | Dcr.FT_8_BYTES,
  /** Byte transfers for the PROM read. */
  dcrByte: Dcr.LS | Dcr.FT_8_BYTES,
  rcrRunning: Rcr.AB,
  rcrOff: Rcr.MON,
  tcrRunning: 0,
  tcrOff: Tcr.LOOPBACK_INTERNAL,
  /** Every source QEMU or a DP8390 can raise except RDC (polled by the remote-DMA code). */
  imr: Isr.PRX | Isr.PTX | Isr.RXE | Isr.TXE | Isr.OVW | Isr.CNT,
} as const;

/** CR values: page select | remote-DMA command | start/stop. */
export const Command = {
  page0Stop: Cr.PAGE0 | Cr.RD_ABORT | Cr.STP,
  page1Stop: Cr.PAGE1 | Cr.RD_ABORT | Cr.STP,
  page0Start: Cr.PAGE0 | Cr.RD_ABORT | Cr.STA,
  page1Start: Cr.PAGE1 | Cr.RD_ABORT | Cr.STA,
  remoteRead: Cr.PAGE0 | Cr.RD_READ | Cr.STA,
  remoteWrite: Cr.PAGE0 | Cr.RD_WRITE | Cr.STA,
  transmit: Cr.PAGE0 | Cr.RD_ABORT | Cr.TXP | Cr.STA,
} as const;

/** Polls of ISR for a reset or remote-DMA completion before giving up (QEMU completes at once). */
export const COMPLETION_POLLS = 100;

export class Ne2000ProbeError extends Error {
  constructor(base: number, detail: string) {
    super(`no usable NE2000 at port 0x${base.toString(16)}: ${detail}`);
    this.name = 'Ne2000ProbeError';
  }
}

/** Reset the card, read its PROM and return the station address; throws Ne2000ProbeError. */
export function probeNe2000(guest: GuestPlatform, base: number): Uint8Array {
  const io = guest.io;
  if (io.in(base, 1) === 0xff) throw new Ne2000ProbeError(base, 'CR reads 0xFF (nothing decodes the port)');
  io.out(base, 1, Command.page0Stop);
  // ne.c ne_reset_8390: write back what the reset port read, then wait for ISR.RST.
  io.out(base + WindowOffset.reset, 1, io.in(base + WindowOffset.reset, 1));
  if (!pollIsr(io, base, Isr.RST)) throw new Ne2000ProbeError(base, 'ISR.RST never set after a reset-port read');
  io.out(base + Page0Write.ISR, 1, 0xff);

  // The PROM with a byte-wide remote read of 32 bytes from card address 0.
  io.out(base + Page0Write.DCR, 1, DriverValues.dcrByte);
  io.out(base + Page0Write.IMR, 1, 0);
  io.out(base + Page0Write.RCR, 1, DriverValues.rcrOff);
  io.out(base + Page0Write.TCR, 1, DriverValues.tcrOff);
  remoteSetup(io, base, 0, 32);
  io.out(base, 1, Command.remoteRead);
  const promAt = guest.alloc.alloc(32, 32);
  io.repIns(base + WindowOffset.data, 1, 32, promAt);
  const prom = new Uint8Array(32);
  guest.mem.read(promAt, 32, prom);
  guest.alloc.release(promAt, 32);
  io.out(base + Page0Write.ISR, 1, Isr.RDC);

  // A 16-bit card doubles every PROM byte; 0x57 0x57 marks the NE2000 (word-mode) signature.
  for (let i = 0; i < 2 * Prom.macBytes; i += 2) {
    if (prom[i] !== prom[i + 1]) throw new Ne2000ProbeError(base, 'PROM bytes are not doubled (8-bit NE1000 card)');
  }
  const sig = 2 * Prom.signatureSource;
  if (prom[sig] !== Prom.signature || prom[sig + 2] !== Prom.signature) {
    throw new Ne2000ProbeError(base, `PROM signature 0x${(prom[sig] as number).toString(16)} (expected 0x57)`);
  }
  const mac = new Uint8Array(Prom.macBytes);
  for (let i = 0; i < Prom.macBytes; i++) mac[i] = prom[2 * i] as number;
  return mac;
}

/** NS8390_init with start: program everything with the NIC stopped, then start it (interrupts from `imr`). */
export function initNe2000(io: GuestIo, base: number, mac: Uint8Array): void {
  const out = (reg: number, v: number): void => io.out(base + reg, 1, v);
  out(0, Command.page0Stop);
  out(Page0Write.DCR, DriverValues.dcrWord);
  out(Page0Write.RBCR0, 0);
  out(Page0Write.RBCR1, 0);
  out(Page0Write.RCR, DriverValues.rcrOff);
  out(Page0Write.TCR, DriverValues.tcrOff);
  out(Page0Write.TPSR, DriverLayout.txStartPage);
  out(Page0Write.PSTART, DriverLayout.rxStartPage);
  // Linux convention: BNRY is the page before the next unread frame; CURR starts one past it.
  out(Page0Write.BNRY, DriverLayout.rxStartPage);
  out(Page0Write.PSTOP, DriverLayout.rxStopPage);
  out(Page0Write.ISR, 0xff);
  out(Page0Write.IMR, 0);
  out(0, Command.page1Stop);
  for (let i = 0; i < 6; i++) out(Page1.PAR0 + i, mac[i] as number);
  for (let i = 0; i < 8; i++) out(Page1.MAR0 + i, 0);
  out(Page1.CURR, DriverLayout.rxStartPage + 1);
  out(0, Command.page0Stop);
  out(Page0Write.ISR, 0xff);
  out(Page0Write.IMR, DriverValues.imr);
  out(0, Command.page0Start);
  out(Page0Write.TCR, DriverValues.tcrRunning);
  out(Page0Write.RCR, DriverValues.rcrRunning);
}

/** RBCR then RSAR (4 exits): count and card address of the next remote DMA. */
export function remoteSetup(io: GuestIo, base: number, address: number, count: number): void {
  io.out(base + Page0Write.RBCR0, 1, count & 0xff);
  io.out(base + Page0Write.RBCR1, 1, (count >>> 8) & 0xff);
  io.out(base + Page0Write.RSAR0, 1, address & 0xff);
  io.out(base + Page0Write.RSAR1, 1, (address >>> 8) & 0xff);
}

/** Read ISR until `bit` is set; false after COMPLETION_POLLS reads. */
export function pollIsr(io: GuestIo, base: number, bit: number): boolean {
  for (let i = 0; i < COMPLETION_POLLS; i++) {
    if ((io.in(base + Page0Read.ISR, 1) & bit) !== 0) return true;
  }
  return false;
}
