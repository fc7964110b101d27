/**
 * The 16550A device model, register by register as QEMU's hw/char/serial.c behaves
 * (specs/trap-emulate.md §2, §7 items 1–7, §8 H1/H2/H14). Every guest access is one exit into
 * `read` / `write` here and runs synchronously inside it. The receive half (RBR/RX FIFO, DR/OE/BI,
 * the character timeout, backpressure) is receiver.ts; this file holds the register file, the
 * transmitter and the interrupt logic.
 *
 * - Transmit is synchronous, as in QEMU: a THR write hands the byte (the whole TX FIFO) to the
 *   backend within the `out`, so THRE is back and THRE-pending re-armed when the exit returns.
 * - The IRQ line is driven with the level `IIR ≠ NO_INT` after every state change; OUT2 does
 *   not gate it (QEMU). PE/FE are never set; MSR comes from a backend without modem lines.
 *
 * Each access does O(1) work and allocates nothing; no access throws.
 */
import type { ByteReceiver, ConsoleBackend } from '../../platform/backend-api.js';
import type { AccessSize, IoHandler } from '../../platform/bus.js';
import type { HostInterrupts } from '../../platform/interrupts.js';
import type { Scheduler } from '../../platform/scheduler.js';
import { UartFifo } from './fifo.js';
import { UartReceiver, type UartReceiverStats } from './receiver.js';
import {
  COM1_IRQ,
  characterTimeNs,
  Fcr,
  Ier,
  Iir,
  Lcr,
  Lsr,
  Mcr,
  Msr,
  RX_TRIGGER_LEVELS,
  type RxTriggerLevel,
  UART_BAUD_BASE,
  UART_FIFO_BYTES,
  UartReg,
  UartReset,
} from './registers.js';

export interface UartDeviceOptions {
  /** ISA line (GSI) the device drives; COM1 uses 4. */
  readonly gsi?: number;
  readonly baudBase?: number;
}

export interface UartDeviceStats extends UartReceiverStats {
  /** Bytes handed to the backend. */
  bytesTransmitted: number;
  /** Bytes fed back to the receiver in loopback mode. */
  bytesLoopedBack: number;
  /** TX FIFO bytes dropped (oldest first) to make room. */
  txOverflows: number;
  /** DLL/DLM/LCR writes whose divisor was 0 or above the baud base: speed kept (H2). */
  divisorIgnored: number;
  /** Backend writes that threw: the byte is lost, the device carries on. */
  backendErrors: number;
  /** IRQ line rising edges. */
  irqRaises: number;
}

/** Register-level snapshot for traces and tests. */
export interface UartState {
  readonly rbr: number;
  readonly ier: number;
  readonly iir: number;
  readonly lcr: number;
  readonly mcr: number;
  readonly lsr: number;
  readonly msr: number;
  readonly scr: number;
  readonly fcr: number;
  readonly divisor: number;
  readonly rxCount: number;
  readonly txCount: number;
  readonly rxTrigger: RxTriggerLevel;
  readonly thrIPending: boolean;
  readonly timeoutIPending: boolean;
  readonly timeoutArmed: boolean;
  readonly line: boolean;
  readonly characterTimeNs: number;
}

/** QEMU's reset character time: 9600 baud, 10-bit frames (serial.c serial_reset). */
const RESET_CHARACTER_TIME_NS = characterTimeNs(UartReset.DIVISOR, Lcr.MODE_8N1) as number;

export class Uart16550Device implements IoHandler, ByteReceiver {
  readonly gsi: number;
  private readonly baudBase: number;
  private readonly rx: UartReceiver;
  private readonly txStats = { bytesTransmitted: 0, bytesLoopedBack: 0, txOverflows: 0, backendErrors: 0 };
  private divisorIgnored = 0;
  private irqRaises = 0;

  private thr = 0;
  private ier: number = UartReset.IER;
  private iir: number = UartReset.IIR;
  private lcr: number = UartReset.LCR;
  private mcr: number = UartReset.MCR;
  /** LSR bits owned by the transmitter (THRE, TEMT); the receiver owns DR, OE, BI. */
  private txStatus: number = UartReset.LSR;
  private msr: number = UartReset.MSR;
  private scr: number = UartReset.SCR;
  private fcr = 0;
  private divisor: number = UartReset.DIVISOR;
  private charTimeNs = RESET_CHARACTER_TIME_NS;
  private thrIPending = false;
  private line = false;
  private readonly txFifo = new UartFifo();
  /** The byte being sent, in a buffer the backend may read (it copies what it keeps). */
  private readonly tsr = new Uint8Array(1);

  constructor(
    private readonly irq: HostInterrupts,
    /** The device actor: the character-timeout timer runs here. */
    clock: Scheduler,
    private readonly backend: ConsoleBackend,
    options: UartDeviceOptions = {},
  ) {
    this.gsi = options.gsi ?? COM1_IRQ;
    this.baudBase = options.baudBase ?? UART_BAUD_BASE;
    this.rx = new UartReceiver(clock, backend, RESET_CHARACTER_TIME_NS, () => this.updateIrq());
  }

  get stats(): UartDeviceStats {
    return { ...this.rx.stats, ...this.txStats, divisorIgnored: this.divisorIgnored, irqRaises: this.irqRaises };
  }

  /** Power-on state (serial.c serial_reset); lowers the line. */
  reset(): void {
    this.thr = 0;
    this.ier = UartReset.IER;
    this.iir = UartReset.IIR;
    this.lcr = UartReset.LCR;
    this.mcr = UartReset.MCR;
    this.txStatus = UartReset.LSR;
    this.msr = UartReset.MSR;
    this.scr = UartReset.SCR;
    this.fcr = 0;
    this.divisor = UartReset.DIVISOR;
    this.charTimeNs = RESET_CHARACTER_TIME_NS;
    this.thrIPending = false;
    this.txFifo.clear();
    this.rx.reset(RESET_CHARACTER_TIME_NS);
    this.setLine(false);
    this.rx.offerRoom();
  }

  // ---- IoHandler: one exit per call ----------------------------------------------------------

  /** Wider accesses are split into bytes with every side effect (QEMU's memory core, §2). */
  read(offset: number, size: AccessSize): number {
    if (size === 1) return this.readRegister(offset);
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readRegister(offset + i) << (8 * i);
    return value >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (size === 1) {
      this.writeRegister(offset, value & 0xff);
      return;
    }
    for (let i = 0; i < size; i++) this.writeRegister(offset + i, (value >>> (8 * i)) & 0xff);
  }

  private readRegister(offset: number): number {
    const dlab = (this.lcr & Lcr.DLAB) !== 0;
    switch (offset & 7) {
      case UartReg.RBR:
        return dlab ? this.divisor & 0xff : this.rx.readRbr();
      case UartReg.IER:
        return dlab ? this.divisor >>> 8 : this.ier;
      case UartReg.IIR:
        return this.readIir();
      case UartReg.LCR:
        return this.lcr;
      case UartReg.MCR:
        return this.mcr;
      case UartReg.LSR:
        return this.readLsr();
      case UartReg.MSR:
        return this.readMsr();
      default:
        return this.scr;
    }
  }

  private writeRegister(offset: number, value: number): void {
    const dlab = (this.lcr & Lcr.DLAB) !== 0;
    switch (offset & 7) {
      case UartReg.THR:
        if (dlab) this.setDivisor((this.divisor & 0xff00) | value);
        else this.writeThr(value);
        return;
      case UartReg.IER:
        if (dlab) this.setDivisor((this.divisor & 0x00ff) | (value << 8));
        else this.writeIer(value);
        return;
      case UartReg.FCR:
        this.writeFcr(value);
        return;
      case UartReg.LCR:
        this.lcr = value;
        this.updateParameters();
        return;
      case UartReg.MCR:
        this.mcr = value & Mcr.WRITABLE;
        return;
      case UartReg.LSR:
      case UartReg.MSR:
        return; // read-only: writes ignored (§2 table)
      default:
        this.scr = value;
    }
  }

  // ---- reads with side effects (§2 "Read side effects") -------------------------------------

  private readIir(): number {
    const value = this.iir;
    // Reporting THRE is its acknowledgement (serial.c: IIR read clears thr_ipending).
    if ((value & Iir.ID_MASK) === Iir.THRE) {
      this.thrIPending = false;
      this.updateIrq();
    }
    return value;
  }

  private readLsr(): number {
    const value = this.rx.status | this.txStatus;
    if (this.rx.clearErrors()) this.updateIrq();
    return value;
  }

  private readMsr(): number {
    const mcr = this.mcr;
    if (mcr & Mcr.LOOP) {
      // Loopback wires the modem outputs to the inputs: OUT2→DCD, OUT1→RI, RTS→CTS, DTR→DSR.
      return (
        (mcr & Mcr.OUT2 ? Msr.DCD : 0) |
        (mcr & Mcr.OUT1 ? Msr.RI : 0) |
        (mcr & Mcr.RTS ? Msr.CTS : 0) |
        (mcr & Mcr.DTR ? Msr.DSR : 0)
      );
    }
    const value = this.msr;
    if (value & Msr.ANY_DELTA) {
      this.msr &= ~Msr.ANY_DELTA;
      this.updateIrq();
    }
    return value;
  }

  // ---- writes ------------------------------------------------------------------------------

  private writeThr(value: number): void {
    this.thr = value;
    if (this.fcr & Fcr.FE) {
      // TX overflow drops the oldest byte (serial.c: "xmit overruns overwrite data").
      if (this.txFifo.isFull) {
        this.txFifo.pop();
        this.txStats.txOverflows++;
      }
      this.txFifo.push(value);
    }
    this.thrIPending = false;
    this.txStatus &= ~(Lsr.THRE | Lsr.TEMT);
    this.updateIrq();
    this.transmit();
  }

  /** Send everything queued, within this exit (serial.c serial_xmit with a backend that never refuses). */
  private transmit(): void {
    const fifo = (this.fcr & Fcr.FE) !== 0;
    // Bounded by the FIFO depth: each pass takes one byte and the last one sets THRE.
    for (let pass = 0; pass <= UART_FIFO_BYTES; pass++) {
      if (fifo) {
        this.tsr[0] = this.txFifo.pop();
        if (this.txFifo.isEmpty) this.txStatus |= Lsr.THRE;
      } else {
        this.tsr[0] = this.thr;
        this.txStatus |= Lsr.THRE;
      }
      // THRE is pending (a new interrupt edge) as soon as the holding register is empty.
      if (this.txStatus & Lsr.THRE && !this.thrIPending) {
        this.thrIPending = true;
        this.updateIrq();
      }
      if (this.mcr & Mcr.LOOP) {
        this.txStats.bytesLoopedBack++;
        this.rx.receiveOne(this.tsr[0] as number);
      } else {
        this.txStats.bytesTransmitted++;
        try {
          this.backend.write(this.tsr, 0, 1);
        } catch {
          this.txStats.backendErrors++;
        }
      }
      if (this.txStatus & Lsr.THRE) break;
    }
    this.txStatus |= Lsr.TEMT;
  }

  private writeIer(value: number): void {
    const changed = (this.ier ^ value) & Ier.WRITABLE;
    this.ier = value & Ier.WRITABLE;
    // Only a change of THRI resamples THRE: re-writing the same value does not re-arm (§2, QEMU 2017+).
    if (changed & Ier.THRI) this.thrIPending = (this.ier & Ier.THRI) !== 0 && (this.txStatus & Lsr.THRE) !== 0;
    if (changed) this.updateIrq();
  }

  private writeFcr(value: number): void {
    let fcr = value;
    // Toggling FIFO enable resets both FIFOs.
    if ((fcr ^ this.fcr) & Fcr.FE) fcr |= Fcr.RFR | Fcr.XFR;
    if (fcr & Fcr.RFR) this.rx.resetFifo();
    if (fcr & Fcr.XFR) {
      this.txStatus |= Lsr.THRE;
      this.thrIPending = true;
      this.txFifo.clear();
    }
    this.fcr = fcr & Fcr.RETAINED;
    const fifoOn = (this.fcr & Fcr.FE) !== 0;
    this.rx.configure(fifoOn, RX_TRIGGER_LEVELS[(this.fcr & Fcr.TRIGGER_MASK) >>> 6] as RxTriggerLevel);
    if (fifoOn) this.iir |= Iir.FIFO_ENABLED;
    else this.iir &= ~Iir.FIFO_ENABLED;
    this.updateIrq();
    this.rx.offerRoom();
  }

  private setDivisor(divisor: number): void {
    this.divisor = divisor;
    this.updateParameters();
  }

  /** New speed/frame from the divisor and LCR; a divisor of 0 or above the baud base is ignored (H2). */
  private updateParameters(): void {
    const ns = characterTimeNs(this.divisor, this.lcr, this.baudBase);
    if (ns === undefined) {
      this.divisorIgnored++;
      return;
    }
    this.charTimeNs = ns;
    this.rx.setCharacterTime(ns);
  }

  // ---- receive: the backend's ByteReceiver is the receiver half ------------------------------

  room(): number {
    return this.rx.room();
  }

  receive(bytes: Uint8Array, offset: number, length: number): void {
    this.rx.receive(bytes, offset, length);
  }

  /** A break on the line: a 0x00 character with BI|DR. */
  receiveBreak(): void {
    this.rx.receiveBreak();
  }

  // ---- interrupt -----------------------------------------------------------------------------

  /** IIR priority (§2; serial.c serial_update_irq), then the line level follows IIR. */
  private updateIrq(): void {
    const ier = this.ier;
    const rx = this.rx;
    let id: number = Iir.NO_INT;
    if (ier & Ier.RLSI && rx.status & Lsr.INT_ANY) id = Iir.RLS;
    else if (ier & Ier.RDI && rx.timeoutPending) id = Iir.CTI;
    else if (ier & Ier.RDI && rx.dataAvailable) id = Iir.RDA;
    else if (ier & Ier.THRI && this.thrIPending) id = Iir.THRE;
    else if (ier & Ier.MSI && this.msr & Msr.ANY_DELTA) id = Iir.MODEM;
    this.iir = id | (this.iir & 0xf0);
    this.setLine(id !== Iir.NO_INT);
  }

  private setLine(level: boolean): void {
    if (level === this.line) return;
    this.line = level;
    if (level) this.irqRaises++;
    this.irq.setLine(this.gsi, level);
  }

  // ---- inspection ----------------------------------------------------------------------------

  state(): UartState {
    const rx = this.rx;
    return {
      rbr: rx.rbrValue,
      ier: this.ier,
      iir: this.iir,
      lcr: this.lcr,
      mcr: this.mcr,
      lsr: rx.status | this.txStatus,
      msr: this.msr,
      scr: this.scr,
      fcr: this.fcr,
      divisor: this.divisor,
      rxCount: rx.count,
      txCount: this.txFifo.count,
      rxTrigger: rx.triggerLevel,
      thrIPending: this.thrIPending,
      timeoutIPending: rx.timeoutPending,
      timeoutArmed: rx.timeoutArmed,
      line: this.line,
      characterTimeNs: this.charTimeNs,
    };
  }
}
