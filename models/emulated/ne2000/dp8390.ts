/**
 * The NE2000 register model: a DP8390 core plus the NE2000 ASIC's data and reset ports,
 * behaving register by register as QEMU's hw/net/ne2000.c (specs/trap-emulate.md §4, §7 items
 * 17–21, §8 H1/H9–H12/H14). Handlers run synchronously inside the guest's exit, do O(1) work
 * (transmit and receive copy at most one frame) and allocate nothing.
 *
 * QEMU choices kept on purpose (§9 "QEMU implementation choices"): transmit completes inside
 * the CR write; TCR and loopback are ignored; OVW/CNT/RXE/TXE are never set; a full ring drops
 * silently; unicast is matched against the PROM, not PAR0–5; the RD direction is not checked;
 * a reset-port read does not re-evaluate the interrupt line.
 */
import { Ne2000Memory } from './card-memory.js';
import { type RxStats, receiveFrame } from './receive.js';
import {
  CardMemory,
  Cr,
  Dcr,
  Frame,
  ISR_IRQ_SOURCES,
  Isr,
  Page0Read,
  Page0Write,
  Page1,
  Page2Read,
  Page3Read,
  Rtl8029,
  Tsr,
} from './registers.js';

/** What the register model needs from its surroundings. */
export interface Dp8390Hooks {
  /** Drive the interrupt line; called only when the level changes. */
  setIrq(level: boolean): void;
  /** Whether the network can take a frame now (NetBackend.canTransmit). */
  canTransmit(): boolean;
  /** A frame left the card: `length` bytes of `bytes` from `offset` (card memory, valid during the call). */
  transmit(bytes: Uint8Array, offset: number, length: number): void;
  /** A ring register or CR changed: the ring may have room again. */
  ringChanged(): void;
}

export interface Dp8390Stats extends RxStats {
  txFrames: number;
  /** Transmits whose TPSR/TBCR range ran past card memory: nothing sent, PTX still reported (H10). */
  txOutOfRange: number;
  /** Transmits held in card memory because the network refused a frame (sent at transmit-ready). */
  txDeferred: number;
  /** TXP written while a held transmit was still waiting: ignored. */
  txWhileBusy: number;
  /** Reset-port reads. */
  resets: number;
}

export class Dp8390 {
  readonly memory = new Ne2000Memory();
  readonly stats: Dp8390Stats = {
    txFrames: 0,
    txOutOfRange: 0,
    txDeferred: 0,
    txWhileBusy: 0,
    rxFrames: 0,
    rxDroppedStopped: 0,
    rxDroppedFull: 0,
    rxFiltered: 0,
    rxDroppedMalformed: 0,
    resets: 0,
  };
  // Register state, named as in the DP8390 datasheet. Page numbers (PSTART, PSTOP, BNRY, CURR,
  // TPSR) are kept as pages; RSAR is QEMU's unsigned 32-bit counter (it can run past 0xFFFF).
  cr = 0;
  isr = 0;
  imr = 0;
  pstart = 0;
  pstop = 0;
  bnry = 0;
  curr = 0;
  tpsr = 0;
  tbcr = 0;
  rsar = 0;
  rbcr = 0;
  rcr = 0;
  dcr = 0;
  tsr = 0;
  rsr = 0;
  readonly par = new Uint8Array(6);
  readonly mar = new Uint8Array(8);
  /** Level last driven on the interrupt line. */
  irqLevel = false;
  /** A transmit waits for the network: card address and length latched at the CR write. */
  private txHeld = false;
  private txHeldStart = 0;
  private txHeldLength = 0;

  constructor(
    readonly mac: Uint8Array,
    private readonly hooks: Dp8390Hooks,
  ) {
    if (mac.length < 6) throw new RangeError('NE2000 MAC must have 6 bytes');
    // Power-up: every register 0 but ISR = RST, PROM loaded (trap-emulate.md §4 "Reset/init").
    this.reset();
  }

  /** Reset-port read (trap-emulate.md §4): ISR := RST and the PROM reloaded; other registers keep their values. */
  reset(): void {
    this.isr = Isr.RST;
    this.memory.loadProm(this.mac);
  }

  /** Page of the register file selected by CR bits 6–7. */
  get page(): number {
    return this.cr >>> Cr.PAGE_SHIFT;
  }

  /** Byte read of register `reg` (0x00–0x0F) in the current page. */
  readRegister(reg: number): number {
    if (reg === 0) return this.cr;
    switch (this.page) {
      case 0:
        return this.readPage0(reg);
      case 1:
        if (reg >= Page1.PAR0 && reg < Page1.PAR0 + 6) return this.par[reg - Page1.PAR0] as number;
        if (reg === Page1.CURR) return this.curr;
        return this.mar[reg - Page1.MAR0] as number;
      case 2:
        if (reg === Page2Read.PSTART) return this.pstart;
        if (reg === Page2Read.PSTOP) return this.pstop;
        return 0;
      default:
        if (reg === Page3Read.CONFIG0) return Rtl8029.CONFIG0;
        if (reg === Page3Read.CONFIG2) return Rtl8029.CONFIG2;
        if (reg === Page3Read.CONFIG3) return Rtl8029.CONFIG3;
        return 0;
    }
  }

  private readPage0(reg: number): number {
    switch (reg) {
      case Page0Read.BNRY:
        return this.bnry;
      case Page0Read.TSR:
        return this.tsr;
      case Page0Read.ISR:
        return this.isr;
      case Page0Read.CRDA0:
        return this.rsar & 0xff;
      case Page0Read.CRDA1:
        return (this.rsar >>> 8) & 0xff;
      case Page0Read.ID0:
        return Rtl8029.ID0;
      case Page0Read.ID1:
        return Rtl8029.ID1;
      case Page0Read.RSR:
        return this.rsr;
      default:
        // CLDA, NCR, FIFO and the tally counters read 0 in QEMU.
        return 0;
    }
  }

  /** Byte write of register `reg` (0x00–0x0F) in the current page. */
  writeRegister(reg: number, value: number): void {
    const v = value & 0xff;
    if (reg === 0) {
      this.writeCommand(v);
      return;
    }
    switch (this.page) {
      case 0:
        this.writePage0(reg, v);
        return;
      case 1:
        if (reg >= Page1.PAR0 && reg < Page1.PAR0 + 6) this.par[reg - Page1.PAR0] = v;
        else if (reg === Page1.CURR) {
          // H9: a current page at or past the end of card memory is ignored.
          if (v << CardMemory.pageShift < CardMemory.packetEnd) this.curr = v;
          this.hooks.ringChanged();
        } else this.mar[reg - Page1.MAR0] = v;
        return;
      default:
        // Pages 2 and 3 are read-only in QEMU.
        return;
    }
  }

  private writePage0(reg: number, v: number): void {
    const pageAddress = v << CardMemory.pageShift;
    switch (reg) {
      case Page0Write.PSTART:
        if (pageAddress <= CardMemory.packetEnd) this.pstart = v;
        this.hooks.ringChanged();
        return;
      case Page0Write.PSTOP:
        if (pageAddress <= CardMemory.packetEnd) this.pstop = v;
        this.hooks.ringChanged();
        return;
      case Page0Write.BNRY:
        if (pageAddress < CardMemory.packetEnd) this.bnry = v;
        this.hooks.ringChanged();
        return;
      case Page0Write.TPSR:
        this.tpsr = v;
        return;
      case Page0Write.TBCR0:
        this.tbcr = (this.tbcr & 0xff00) | v;
        return;
      case Page0Write.TBCR1:
        this.tbcr = (this.tbcr & 0x00ff) | (v << 8);
        return;
      case Page0Write.ISR:
        // Write 1 to clear; RST (bit 7) is not cleared this way.
        this.isr &= ~(v & ISR_IRQ_SOURCES);
        this.updateIrq();
        return;
      case Page0Write.RSAR0:
        this.rsar = (this.rsar & 0xff00) | v;
        return;
      case Page0Write.RSAR1:
        this.rsar = (this.rsar & 0x00ff) | (v << 8);
        return;
      case Page0Write.RBCR0:
        this.rbcr = (this.rbcr & 0xff00) | v;
        return;
      case Page0Write.RBCR1:
        this.rbcr = (this.rbcr & 0x00ff) | (v << 8);
        return;
      case Page0Write.RCR:
        this.rcr = v;
        return;
      case Page0Write.DCR:
        this.dcr = v;
        return;
      case Page0Write.IMR:
        this.imr = v;
        this.updateIrq();
        return;
      default:
        // TCR: QEMU keeps no transmit configuration (no loopback).
        return;
    }
  }

  /** CR write (trap-emulate.md §4 "CR", "TX"): stored as written; start clears RST, RDC for a zero count, TXP sends. */
  private writeCommand(v: number): void {
    this.cr = v;
    if ((v & Cr.STP) === 0) {
      this.isr &= ~Isr.RST;
      if ((v & Cr.RD_TRANSFER) !== 0 && this.rbcr === 0) {
        this.isr |= Isr.RDC;
        this.updateIrq();
      }
      if ((v & Cr.TXP) !== 0) this.transmit();
    }
    this.hooks.ringChanged();
  }

  /**
   * Transmit inside the CR write (trap-emulate.md §4 "TX"): TBCR bytes from TPSR, then TSR = PTX,
   * ISR.PTX, TXP cleared. A range past card memory sends nothing but still completes (H10).
   * When the network refuses the frame (NetBackend.canTransmit), the transmit stays in progress —
   * TXP set, no PTX — until `transmitReady` (a DP8390 holds TXP for as long as it transmits; QEMU
   * completes at once and parks the packet in its net queue instead).
   */
  private transmit(): void {
    if (this.txHeld) {
      this.stats.txWhileBusy++;
      return;
    }
    let start = this.tpsr << CardMemory.pageShift;
    // A NetWare 3.11 workaround kept by QEMU: pages ≥ 0xC0 alias 32 KiB lower.
    if (start >= CardMemory.packetEnd) start -= CardMemory.packetEnd - CardMemory.packetStart;
    if (start + this.tbcr > CardMemory.packetEnd) {
      this.stats.txOutOfRange++;
    } else if (this.hooks.canTransmit()) {
      this.stats.txFrames++;
      this.hooks.transmit(this.memory.bytes, start, this.tbcr);
    } else {
      this.stats.txDeferred++;
      this.txHeld = true;
      this.txHeldStart = start;
      this.txHeldLength = this.tbcr;
      return;
    }
    this.completeTransmit();
  }

  /** The network has room again: send a held frame (from card memory as it is now) and complete it. */
  transmitReady(): void {
    if (!this.txHeld || !this.hooks.canTransmit()) return;
    this.txHeld = false;
    this.stats.txFrames++;
    this.hooks.transmit(this.memory.bytes, this.txHeldStart, this.txHeldLength);
    this.completeTransmit();
  }

  get transmitHeld(): boolean {
    return this.txHeld;
  }

  private completeTransmit(): void {
    this.tsr = Tsr.PTX;
    this.isr |= Isr.PTX;
    this.cr &= ~Cr.TXP;
    this.updateIrq();
  }

  /** Data-port read of 1, 2 (width per DCR.WTS) or 4 bytes; reads always proceed, also past RBCR. */
  readData(size: 1 | 2 | 4): number {
    let value: number;
    if (size === 4) {
      value = this.memory.readDword(this.rsar);
      this.advanceDma(4);
    } else if ((this.dcr & Dcr.WTS) !== 0) {
      value = this.memory.readWord(this.rsar);
      this.advanceDma(2);
    } else {
      value = this.memory.readByte(this.rsar);
      this.advanceDma(1);
    }
    return value;
  }

  /** Data-port write; dropped while RBCR = 0. */
  writeData(size: 1 | 2 | 4, value: number): void {
    if (this.rbcr === 0) return;
    if (size === 4) {
      this.memory.writeDword(this.rsar, value);
      this.advanceDma(4);
    } else if ((this.dcr & Dcr.WTS) !== 0) {
      this.memory.writeWord(this.rsar, value);
      this.advanceDma(2);
    } else {
      this.memory.writeByte(this.rsar, value);
      this.advanceDma(1);
    }
  }

  /** RSAR advances and wraps to PSTART when it equals PSTOP; RBCR counts down, RDC at 0. */
  private advanceDma(bytes: number): void {
    this.rsar = (this.rsar + bytes) >>> 0;
    if (this.rsar === this.pstop << CardMemory.pageShift) this.rsar = this.pstart << CardMemory.pageShift;
    if (this.rbcr <= bytes) {
      this.rbcr = 0;
      this.isr |= Isr.RDC;
      this.updateIrq();
    } else {
      this.rbcr -= bytes;
    }
  }

  /** Line level = (ISR & IMR & 0x7F) ≠ 0 (ne2000.c `ne2000_update_irq`). */
  updateIrq(): void {
    const level = (this.isr & this.imr & ISR_IRQ_SOURCES) !== 0;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.hooks.setIrq(level);
  }

  /**
   * QEMU's ring-full test (ne2000.c `ne2000_buffer_full`): PSTOP ≤ PSTART, or fewer than
   * 1,518 bytes between CURR and BNRY (CURR = BNRY counts as empty).
   */
  ringFull(): boolean {
    return this.pstop <= this.pstart || this.ringFreeBytes() < Frame.fullThresholdBytes;
  }

  /** Free ring bytes by the same arithmetic (negative when CURR lies outside the ring). */
  ringFreeBytes(): number {
    const current = this.curr << CardMemory.pageShift;
    const boundary = this.bnry << CardMemory.pageShift;
    const ringBytes = (this.pstop - this.pstart) << CardMemory.pageShift;
    return current < boundary ? boundary - current : ringBytes - (current - boundary);
  }

  /**
   * A frame from the network. Dropped silently when stopped or full (QEMU), filtered by RCR,
   * else stored at CURR with its 4-byte header; ISR.PRX is raised. Returns true if stored.
   */
  receive(bytes: Uint8Array, offset: number, length: number): boolean {
    return receiveFrame(this, bytes, offset, length);
  }
}
