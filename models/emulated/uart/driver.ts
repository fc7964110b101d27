/**
 * The guest's 16550A driver (trap-emulate.md §2 "Driver sequences" [C]): it offers the ConsolePort
 * and moves every byte through THR/RBR, one exit per access.
 *
 * - Init (11 exits): LCR=DLAB, DLL, DLM, LCR=8N1, FCR, MCR=DTR|RTS|OUT2, IER, then LSR, RBR, IIR,
 *   MSR. LSR/IIR of 0xFF, or IIR FIFO bits that disagree with FCR, mean no 16550A: UartProbeError.
 * - `irq` mode. TX: set IER.THRI (the device raises THRE at once); the ISR writes up to 16 bytes
 *   (1 with the FIFO off) per THRE and clears THRI when nothing is left. RX: on RDA read `trigger`
 *   bytes blind (1 with the FIFO off), on a timeout one; then LSR/RBR until DR clears. The ISR
 *   reads IIR until NO_INT, so every source is drained before the platform's EOI (edge line).
 * - `polled` mode. TX: LSR until THRE, then up to 16 bytes. RX: once an input handler is
 *   installed, LSR every character time and RBR/LSR while DR.
 * One write at a time; `done` runs once its last byte is in THR (the device sends synchronously).
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { ConsolePort } from '../../platform/ports.js';
import type { UartFifoMode, UartMode } from './config.js';
import { type InputHandler, InputStage } from './input-stage.js';
import {
  COM1_BASE,
  COM1_IRQ,
  characterTimeNs,
  Fcr,
  fcrTriggerBits,
  Ier,
  Iir,
  Lcr,
  Lsr,
  Mcr,
  UART_FIFO_BYTES,
  UartReg,
} from './registers.js';

export interface UartDriverOptions {
  readonly mode: UartMode;
  readonly fifo: UartFifoMode;
  /** Divisor latch: 1 = 115200 baud (the default, as Linux consoles run). */
  readonly divisor?: number;
  readonly base?: number;
  readonly gsi?: number;
}

export interface UartDriverStats {
  txWrites: number;
  txBytes: number;
  /** ISR invocations (interrupts taken plus deferred continuations). */
  isrRuns: number;
  /** ISR runs that found IIR = NO_INT at once. */
  spuriousInterrupts: number;
  /** ISR runs cut at the pass limit and continued later. */
  isrDeferrals: number;
  /** LSR reads showing OE (bytes lost before the driver got to them). */
  overrunsSeen: number;
  breaksSeen: number;
  /** Polled-RX LSR reads that found no data. */
  emptyPolls: number;
  /** Polled-TX LSR reads that found THR busy. */
  thrBusyPolls: number;
}

export class UartProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UartProbeError';
  }
}

/** Largest write; a line discipline's buffer, not a device limit. */
export const UART_MAX_WRITE = 4096;
/** IIR passes per ISR run before the rest is deferred (Linux 8250 PASS_LIMIT). */
export const ISR_PASS_LIMIT = 512;
/** LSR polls for THRE before the polled transmitter waits a character time. */
const THRE_SPIN_LIMIT = 64;

type TxPhase = 'idle' | 'sending' | 'completing';

export class UartDriver implements ConsolePort {
  readonly maxWrite = UART_MAX_WRITE;
  /** Writes in flight at once (workloads read it as the port's depth). */
  readonly maxInflight = 1;
  readonly stats: UartDriverStats = {
    txWrites: 0,
    txBytes: 0,
    isrRuns: 0,
    spuriousInterrupts: 0,
    isrDeferrals: 0,
    overrunsSeen: 0,
    breaksSeen: 0,
    emptyPolls: 0,
    thrBusyPolls: 0,
  };
  readonly base: number;
  readonly gsi: number;
  readonly mode: UartMode;
  readonly fifo: UartFifoMode;
  /** One character time at the programmed speed (8N1): polled-mode pacing. */
  readonly characterTimeNs: number;
  private readonly input: InputStage;
  /** TX burst per THRE: the FIFO depth, or the holding register alone. */
  private readonly txBurst: number;
  /** RX bytes known present on an RDA indication. */
  private readonly rdaBytes: number;
  private ierShadow = 0;
  private inIsr = false;
  private pollArmed = false;

  private txPhase: TxPhase = 'idle';
  private readonly txBytes = new Uint8Array(UART_MAX_WRITE);
  private txLen = 0;
  private txPos = 0;
  private txDone: (() => void) | undefined;

  /** Program the UART and return the driver (throws UartProbeError when there is no 16550A). */
  static start(guest: GuestPlatform, options: UartDriverOptions): UartDriver {
    const driver = new UartDriver(guest, options);
    driver.init(options.divisor ?? 1);
    return driver;
  }

  private constructor(
    private readonly guest: GuestPlatform,
    options: UartDriverOptions,
  ) {
    this.base = options.base ?? COM1_BASE;
    this.gsi = options.gsi ?? COM1_IRQ;
    this.mode = options.mode;
    this.fifo = options.fifo;
    const divisor = options.divisor ?? 1;
    const ns = characterTimeNs(divisor, Lcr.MODE_8N1);
    if (!Number.isInteger(divisor) || divisor > 0xffff || ns === undefined) {
      throw new RangeError(`UART divisor ${divisor}: expected 1…65535`);
    }
    this.characterTimeNs = ns;
    this.input = new InputStage(guest);
    this.txBurst = options.fifo.kind === 'on' ? UART_FIFO_BYTES : 1;
    this.rdaBytes = options.fifo.kind === 'on' ? options.fifo.trigger : 1;
  }

  private in(reg: number): number {
    return this.guest.io.in(this.base + reg, 1);
  }

  private out(reg: number, value: number): void {
    this.guest.io.out(this.base + reg, 1, value);
  }

  private init(divisor: number): void {
    const irqMode = this.mode === 'irq';
    // Handler first, so no edge raised by the IER write below is missed.
    if (irqMode) this.guest.irq.onLine(this.gsi, 'edge', this.onInterrupt);
    this.out(UartReg.LCR, Lcr.DLAB);
    this.out(UartReg.DLL, divisor & 0xff);
    this.out(UartReg.DLM, divisor >>> 8);
    this.out(UartReg.LCR, Lcr.MODE_8N1);
    const fifoOn = this.fifo.kind === 'on';
    this.out(UartReg.FCR, this.fifo.kind === 'on' ? Fcr.FE | Fcr.RFR | Fcr.XFR | fcrTriggerBits(this.fifo.trigger) : 0);
    this.out(UartReg.MCR, Mcr.DTR | Mcr.RTS | Mcr.OUT2);
    this.ierShadow = irqMode ? Ier.RDI | Ier.RLSI : 0;
    this.out(UartReg.IER, this.ierShadow);
    const lsr = this.in(UartReg.LSR);
    this.in(UartReg.RBR); // drop a stale byte
    const iir = this.in(UartReg.IIR);
    this.in(UartReg.MSR); // clear modem-status deltas
    const hex = (v: number): string => `0x${v.toString(16)}`;
    if (lsr === 0xff || iir === 0xff) {
      throw new UartProbeError(`no UART at ${hex(this.base)}: LSR ${hex(lsr)}, IIR ${hex(iir)}`);
    }
    const fifoBits = iir & Iir.FIFO_ENABLED;
    if (fifoBits !== (fifoOn ? Iir.FIFO_ENABLED : 0)) {
      throw new UartProbeError(`UART at ${hex(this.base)} is not a 16550A: IIR ${hex(iir)} after FCR FIFO ${fifoOn}`);
    }
    // A source already pending may have raised the line before the handler could see an edge.
    if (irqMode && (iir & Iir.NO_INT) === 0) this.guest.sched.after(0, this.onInterrupt);
  }

  // ---- ConsolePort -----------------------------------------------------------------------------

  write(addr: number, len: number, done: () => void): void {
    if (!Number.isInteger(len) || len < 1 || len > this.maxWrite) {
      throw new RangeError(`UART write of ${len} bytes: expected 1…${this.maxWrite}`);
    }
    if (this.txPhase !== 'idle') throw new Error('UART driver: one write at a time (in-flight depth 1)');
    // The driver reads the caller's buffer with the CPU, byte for byte into THR.
    this.guest.mem.load(addr, len, this.txBytes, 0);
    this.txLen = len;
    this.txPos = 0;
    this.txDone = done;
    this.txPhase = 'sending';
    this.stats.txWrites++;
    if (this.mode === 'polled') this.pumpPolled();
    else if ((this.ierShadow & Ier.THRI) === 0) {
      // THRI 0→1 with THR empty: the device raises THRE at once. Inside the ISR the next IIR read sees it.
      this.setIer(this.ierShadow | Ier.THRI);
    }
  }

  onInput(handler: InputHandler): void {
    this.input.setHandler(handler);
    if (this.mode === 'polled' && !this.pollArmed) {
      this.pollArmed = true;
      this.guest.sched.after(this.characterTimeNs, this.onPoll);
    }
  }

  /** Bytes handed to the input handler so far, and bytes read with no handler installed. */
  get inputCounts(): { readonly delivered: number; readonly unclaimed: number } {
    return { delivered: this.input.delivered, unclaimed: this.input.unclaimed };
  }

  private setIer(value: number): void {
    this.ierShadow = value;
    this.out(UartReg.IER, value);
  }

  private completeWrite(): void {
    const done = this.txDone;
    this.txDone = undefined;
    this.txPhase = 'idle';
    done?.();
  }

  // ---- interrupt-driven ----------------------------------------------------------------------

  private readonly onInterrupt = (): void => {
    if (this.inIsr) return;
    this.inIsr = true;
    this.stats.isrRuns++;
    try {
      this.serviceInterrupt();
    } finally {
      this.inIsr = false;
    }
  };

  private serviceInterrupt(): void {
    for (let pass = 0; ; pass++) {
      if (pass === ISR_PASS_LIMIT) {
        // Too much work for one interrupt: continue on the vCPU later, as Linux defers.
        this.stats.isrDeferrals++;
        this.guest.sched.after(0, this.onInterrupt);
        return;
      }
      const id = this.in(UartReg.IIR) & Iir.INT_MASK;
      switch (id) {
        case Iir.RLS:
          this.noteLsr(this.in(UartReg.LSR));
          break;
        case Iir.RDA:
          this.receiveBurst(this.rdaBytes);
          break;
        case Iir.CTI:
          this.receiveBurst(1);
          break;
        case Iir.THRE:
          this.transmitBurst();
          break;
        case Iir.MODEM:
          this.in(UartReg.MSR);
          break;
        default:
          // NO_INT (or a value no 16550A reports): the device has nothing more for us.
          if (pass === 0) this.stats.spuriousInterrupts++;
          return;
      }
    }
  }

  /** Read `known` bytes without looking (the trigger guarantees them), then by LSR while DR. */
  private receiveBurst(known: number): void {
    for (let i = 0; i < known; i++) this.input.push(this.in(UartReg.RBR));
    if (this.fifo.kind === 'on') {
      for (let i = 0; i <= UART_FIFO_BYTES; i++) {
        const lsr = this.in(UartReg.LSR);
        this.noteLsr(lsr);
        if ((lsr & Lsr.DR) === 0) break;
        this.input.push(this.in(UartReg.RBR));
      }
    }
    this.input.flush();
  }

  private transmitBurst(): void {
    if (this.txPhase === 'sending') {
      const end = Math.min(this.txLen, this.txPos + this.txBurst);
      for (let i = this.txPos; i < end; i++) this.out(UartReg.THR, this.txBytes[i] as number);
      this.stats.txBytes += end - this.txPos;
      this.txPos = end;
      // The next write, if `done` issues one, is picked up by the next IIR pass with THRI still on.
      if (end === this.txLen) this.completeWrite();
    }
    if (this.txPhase === 'idle') this.setIer(this.ierShadow & ~Ier.THRI);
  }

  private noteLsr(lsr: number): void {
    if (lsr & Lsr.OE) this.stats.overrunsSeen++;
    if (lsr & Lsr.BI) this.stats.breaksSeen++;
  }

  // ---- polled --------------------------------------------------------------------------------

  private pumpPolled(): void {
    while (this.txPos < this.txLen) {
      let spins = 0;
      while ((this.in(UartReg.LSR) & Lsr.THRE) === 0) {
        this.stats.thrBusyPolls++;
        if (++spins === THRE_SPIN_LIMIT) {
          this.guest.sched.after(this.characterTimeNs, this.onPumpPolled);
          return;
        }
      }
      const end = Math.min(this.txLen, this.txPos + this.txBurst);
      for (let i = this.txPos; i < end; i++) this.out(UartReg.THR, this.txBytes[i] as number);
      this.stats.txBytes += end - this.txPos;
      this.txPos = end;
    }
    // Complete on the vCPU's next turn: a `done` that writes again must not recurse into this loop.
    this.txPhase = 'completing';
    this.guest.sched.after(0, this.onPolledWriteDone);
  }

  private readonly onPumpPolled = (): void => this.pumpPolled();
  private readonly onPolledWriteDone = (): void => this.completeWrite();

  private readonly onPoll = (): void => {
    let lsr = this.in(UartReg.LSR);
    this.noteLsr(lsr);
    if ((lsr & Lsr.DR) === 0) this.stats.emptyPolls++;
    for (let i = 0; i < UART_FIFO_BYTES * 4 && lsr & Lsr.DR; i++) {
      this.input.push(this.in(UartReg.RBR));
      lsr = this.in(UartReg.LSR);
      this.noteLsr(lsr);
    }
    this.input.flush();
    this.guest.sched.after(this.characterTimeNs, this.onPoll);
  };
}
