/**
 * The 16550A device model, register by register as QEMU's hw/char/serial.c behaves
 * (specs/trap-emulate.md §2, §7 items 1–7, §8 H1/H2/H14). Every guest access is one exit into
 * `read` / `write` here and runs synchronously inside it.
 *
 * - Transmit is synchronous, as in QEMU: a THR write hands the byte (the whole TX FIFO) to the
 *   backend within the `out`, so THRE is back and THRE-pending re-armed when the exit returns.
 * - Receive: the backend pushes bytes through `ByteReceiver`; `room()` is QEMU's
 *   serial_can_receive (FIFO on: trigger − count up to the trigger, then 1, 0 when full;
 *   FIFO off: 1 iff DR clear). A backend told 0 hears `rxReady()` once there is room again.
 * - The character timeout is a timer on the device actor, re-armed on each receive and on each
 *   RBR read that leaves data, cancelled when the FIFO empties or is reset.
 * - The IRQ line is driven with the level `IIR ≠ NO_INT` after every state change; OUT2 does
 *   not gate it (QEMU). PE/FE are never set; MSR comes from a backend without modem lines.
 *
 * Each access does O(1) work and allocates nothing; no access throws, and every FIFO index is
 * bounded by UartFifo.
 */
import type { ByteReceiver, ConsoleBackend } from '../../platform/backend-api.js';
import type { AccessSize, IoHandler } from '../../platform/bus.js';
import type { HostInterrupts } from '../../platform/interrupts.js';
import type { Scheduler, TimerId } from '../../platform/scheduler.js';
import { UartFifo } from './fifo.js';
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
  RX_TIMEOUT_CHARACTERS,
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

export interface UartDeviceStats {
  /** Bytes handed to the backend. */
  bytesTransmitted: number;
  /** Bytes fed back to the receiver in loopback mode. */
  bytesLoopedBack: number;
  /** Bytes accepted into RBR / the RX FIFO (from the backend or loopback). */
  bytesReceived: number;
  /** Received bytes lost to an overrun (FIFO full, or RBR overwritten with the FIFO off). */
  rxOverruns: number;
  /** TX FIFO bytes dropped (oldest first) to make room. */
  txOverflows: number;
  /** Character-timeout indications raised. */
  rxTimeouts: number;
  /** DLL/DLM/LCR writes whose divisor was 0 or above the baud base: speed kept (H2). */
  divisorIgnored: number;
  /** Backend writes that threw: the byte is lost, the device carries on. */
  backendErrors: number;
  breaks: number;
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
  readonly stats: UartDeviceStats = {
    bytesTransmitted: 0,
    bytesLoopedBack: 0,
    bytesReceived: 0,
    rxOverruns: 0,
    txOverflows: 0,
    rxTimeouts: 0,
    divisorIgnored: 0,
    backendErrors: 0,
    breaks: 0,
    irqRaises: 0,
  };
  readonly gsi: number;
  private readonly baudBase: number;

  private rbr: number = UartReset.RBR;
  private thr = 0;
  private ier: number = UartReset.IER;
  private iir: number = UartReset.IIR;
  private lcr: number = UartReset.LCR;
  private mcr: number = UartReset.MCR;
  private lsr: number = UartReset.LSR;
  private msr: number = UartReset.MSR;
  private scr: number = UartReset.SCR;
  private fcr = 0;
  private divisor: number = UartReset.DIVISOR;
  private charTimeNs = RESET_CHARACTER_TIME_NS;
  private rxTrigger: RxTriggerLevel = 1;
  private thrIPending = false;
  private timeoutIPending = false;
  private line = false;
  private readonly rxFifo = new UartFifo();
  private readonly txFifo = new UartFifo();
  private timeoutTimer: TimerId | undefined;
  /** The backend was last told room 0: tell it when there is room again. */
  private backendStarved = false;
  /** The byte being sent, in a buffer the backend may read (it copies what it keeps). */
  private readonly tsr = new Uint8Array(1);

  constructor(
    private readonly irq: HostInterrupts,
    /** The device actor: the character-timeout timer runs here. */
    private readonly clock: Scheduler,
    private readonly backend: ConsoleBackend,
    options: UartDeviceOptions = {},
  ) {
    this.gsi = options.gsi ?? COM1_IRQ;
    this.baudBase = options.baudBase ?? UART_BAUD_BASE;
  }

  /** Power-on state (serial.c serial_reset); lowers the line. */
  reset(): void {
    this.rbr = UartReset.RBR;
    this.ier = UartReset.IER;
    this.iir = UartReset.IIR;
    this.lcr = UartReset.LCR;
    this.mcr = UartReset.MCR;
    this.lsr = UartReset.LSR;
    this.msr = UartReset.MSR;
    this.scr = UartReset.SCR;
    this.fcr = 0;
    this.divisor = UartReset.DIVISOR;
    this.charTimeNs = RESET_CHARACTER_TIME_NS;
    this.rxTrigger = 1;
    this.thrIPending = false;
    this.timeoutIPending = false;
    this.cancelTimeout();
    this.rxFifo.clear();
    this.txFifo.clear();
    this.setLine(false);
    this.offerRoom();
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
        return dlab ? this.divisor & 0xff : this.readRbr();
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

  private readRbr(): number {
    let byte: number;
    if (this.fcr & Fcr.FE) {
      byte = this.rxFifo.pop();
      if (this.rxFifo.isEmpty) {
        this.lsr &= ~(Lsr.DR | Lsr.BI);
        this.cancelTimeout();
      } else {
        this.armTimeout();
      }
      this.timeoutIPending = false;
    } else {
      // FIFO off: RBR keeps the last byte; an empty read returns it again.
      byte = this.rbr;
      this.lsr &= ~(Lsr.DR | Lsr.BI);
    }
    this.updateIrq();
    this.offerRoom();
    return byte;
  }

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
    const value = this.lsr;
    if (value & (Lsr.BI | Lsr.OE)) {
      this.lsr &= ~(Lsr.BI | Lsr.OE);
      this.updateIrq();
    }
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
        this.stats.txOverflows++;
      }
      this.txFifo.push(value);
    }
    this.thrIPending = false;
    this.lsr &= ~(Lsr.THRE | Lsr.TEMT);
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
        if (this.txFifo.isEmpty) this.lsr |= Lsr.THRE;
      } else {
        this.tsr[0] = this.thr;
        this.lsr |= Lsr.THRE;
      }
      // THRE is pending (a new interrupt edge) as soon as the holding register is empty.
      if (this.lsr & Lsr.THRE && !this.thrIPending) {
        this.thrIPending = true;
        this.updateIrq();
      }
      if (this.mcr & Mcr.LOOP) {
        this.stats.bytesLoopedBack++;
        this.receiveOne(this.tsr[0] as number);
      } else {
        this.stats.bytesTransmitted++;
        try {
          this.backend.write(this.tsr, 0, 1);
        } catch {
          this.stats.backendErrors++;
        }
      }
      if (this.lsr & Lsr.THRE) break;
    }
    this.lsr |= Lsr.TEMT;
  }

  private writeIer(value: number): void {
    const changed = (this.ier ^ value) & Ier.WRITABLE;
    this.ier = value & Ier.WRITABLE;
    // Only a change of THRI resamples THRE: re-writing the same value does not re-arm (§2, QEMU 2017+).
    if (changed & Ier.THRI) this.thrIPending = (this.ier & Ier.THRI) !== 0 && (this.lsr & Lsr.THRE) !== 0;
    if (changed) this.updateIrq();
  }

  private writeFcr(value: number): void {
    let fcr = value;
    // Toggling FIFO enable resets both FIFOs.
    if ((fcr ^ this.fcr) & Fcr.FE) fcr |= Fcr.RFR | Fcr.XFR;
    if (fcr & Fcr.RFR) {
      this.lsr &= ~(Lsr.DR | Lsr.BI);
      this.cancelTimeout();
      this.timeoutIPending = false;
      this.rxFifo.clear();
    }
    if (fcr & Fcr.XFR) {
      this.lsr |= Lsr.THRE;
      this.thrIPending = true;
      this.txFifo.clear();
    }
    this.fcr = fcr & Fcr.RETAINED;
    if (this.fcr & Fcr.FE) {
      this.iir |= Iir.FIFO_ENABLED;
      this.rxTrigger = RX_TRIGGER_LEVELS[(this.fcr & Fcr.TRIGGER_MASK) >>> 6] as RxTriggerLevel;
    } else {
      this.iir &= ~Iir.FIFO_ENABLED;
    }
    this.updateIrq();
    this.offerRoom();
  }

  private setDivisor(divisor: number): void {
    this.divisor = divisor;
    this.updateParameters();
  }

  /** New speed/frame from the divisor and LCR; a divisor of 0 or above the baud base is ignored (H2). */
  private updateParameters(): void {
    const ns = characterTimeNs(this.divisor, this.lcr, this.baudBase);
    if (ns === undefined) {
      this.stats.divisorIgnored++;
      return;
    }
    this.charTimeNs = ns;
  }

  // ---- receive (ByteReceiver) ------------------------------------------------------------------

  room(): number {
    const n = this.roomNow();
    if (n === 0) this.backendStarved = true;
    return n;
  }

  private roomNow(): number {
    if (this.fcr & Fcr.FE) {
      const count = this.rxFifo.count;
      if (count >= UART_FIFO_BYTES) return 0;
      // Up to the trigger level only, so the guest sees its trigger (serial.c serial_can_receive).
      return count <= this.rxTrigger ? this.rxTrigger - count : 1;
    }
    return this.lsr & Lsr.DR ? 0 : 1;
  }

  /** Bytes from the backend; more than `room()` overruns as on the wire (H1). */
  receive(bytes: Uint8Array, offset: number, length: number): void {
    if (length <= 0) return;
    if (this.fcr & Fcr.FE) {
      for (let i = 0; i < length; i++) this.pushRx(bytes[offset + i] ?? 0);
      this.lsr |= Lsr.DR;
      this.armTimeout();
    } else {
      for (let i = 0; i < length; i++) this.latchRbr(bytes[offset + i] ?? 0);
    }
    this.updateIrq();
  }

  /** One byte from the transmitter in loopback (serial.c serial_receive1 with one byte). */
  private receiveOne(byte: number): void {
    if (this.fcr & Fcr.FE) {
      this.pushRx(byte);
      this.lsr |= Lsr.DR;
      this.armTimeout();
    } else {
      this.latchRbr(byte);
    }
    this.updateIrq();
  }

  private pushRx(byte: number): void {
    // FIFO full: the new byte is dropped and OE set; FIFO contents are never overwritten.
    if (this.rxFifo.push(byte)) this.stats.bytesReceived++;
    else {
      this.lsr |= Lsr.OE;
      this.stats.rxOverruns++;
    }
  }

  private latchRbr(byte: number): void {
    if (this.lsr & Lsr.DR) {
      this.lsr |= Lsr.OE;
      this.stats.rxOverruns++;
    }
    this.rbr = byte;
    this.lsr |= Lsr.DR;
    this.stats.bytesReceived++;
  }

  /** A break on the line: a 0x00 character with BI|DR (serial.c serial_receive_break). */
  receiveBreak(): void {
    this.stats.breaks++;
    this.rbr = 0;
    if (this.fcr & Fcr.FE) this.pushRx(0);
    this.lsr |= Lsr.BI | Lsr.DR;
    this.updateIrq();
  }

  /** Tell a backend that was refused that bytes may flow again. */
  private offerRoom(): void {
    if (!this.backendStarved || this.roomNow() === 0) return;
    this.backendStarved = false;
    this.backend.rxReady();
  }

  // ---- character timeout ---------------------------------------------------------------------

  private armTimeout(): void {
    if (this.timeoutTimer !== undefined) this.clock.cancel(this.timeoutTimer);
    this.timeoutTimer = this.clock.after(this.charTimeNs * RX_TIMEOUT_CHARACTERS, this.onTimeout);
  }

  private cancelTimeout(): void {
    if (this.timeoutTimer === undefined) return;
    this.clock.cancel(this.timeoutTimer);
    this.timeoutTimer = undefined;
  }

  private readonly onTimeout = (): void => {
    this.timeoutTimer = undefined;
    if (this.rxFifo.isEmpty) return;
    this.timeoutIPending = true;
    this.stats.rxTimeouts++;
    this.updateIrq();
  };

  // ---- interrupt -----------------------------------------------------------------------------

  /** IIR priority (§2; serial.c serial_update_irq), then the line level follows IIR. */
  private updateIrq(): void {
    const ier = this.ier;
    const lsr = this.lsr;
    let id: number = Iir.NO_INT;
    if (ier & Ier.RLSI && lsr & Lsr.INT_ANY) id = Iir.RLS;
    else if (ier & Ier.RDI && this.timeoutIPending) id = Iir.CTI;
    else if (ier & Ier.RDI && lsr & Lsr.DR && (!(this.fcr & Fcr.FE) || this.rxFifo.count >= this.rxTrigger))
      id = Iir.RDA;
    else if (ier & Ier.THRI && this.thrIPending) id = Iir.THRE;
    else if (ier & Ier.MSI && this.msr & Msr.ANY_DELTA) id = Iir.MODEM;
    this.iir = id | (this.iir & 0xf0);
    this.setLine(id !== Iir.NO_INT);
  }

  private setLine(level: boolean): void {
    if (level === this.line) return;
    this.line = level;
    if (level) this.stats.irqRaises++;
    this.irq.setLine(this.gsi, level);
  }

  // ---- inspection ----------------------------------------------------------------------------

  state(): UartState {
    return {
      rbr: this.rbr,
      ier: this.ier,
      iir: this.iir,
      lcr: this.lcr,
      mcr: this.mcr,
      lsr: this.lsr,
      msr: this.msr,
      scr: this.scr,
      fcr: this.fcr,
      divisor: this.divisor,
      rxCount: this.rxFifo.count,
      txCount: this.txFifo.count,
      rxTrigger: this.rxTrigger,
      thrIPending: this.thrIPending,
      timeoutIPending: this.timeoutIPending,
      timeoutArmed: this.timeoutTimer !== undefined,
      line: this.line,
      characterTimeNs: this.charTimeNs,
    };
  }
}
