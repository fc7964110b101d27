/**
 * The receive half of the 16550A (specs/trap-emulate.md §2 "FIFO", "Read side effects";
 * QEMU hw/char/serial.c serial_receive1, serial_can_receive, fifo_timeout_int): RBR or the
 * 16-byte RX FIFO, the receive bits of LSR (DR, OE, BI), the character timeout, and the
 * backpressure the backend sees through `ByteReceiver`.
 *
 * - `room()` is serial_can_receive: FIFO on → trigger − count up to the trigger, then 1, 0 when
 *   full; FIFO off → 1 iff DR is clear. A backend told 0 hears `rxReady()` once there is room.
 * - The timeout timer runs on the device actor; it is re-armed on every receive and on every RBR
 *   read that leaves data, and cancelled when the FIFO empties or is reset (a timer firing on an
 *   empty FIFO does nothing in QEMU, so cancelling then is equivalent and spares a wake-up).
 * - More input than `room()` overruns as on the wire: FIFO on drops the new byte, FIFO off
 *   overwrites RBR; both set OE. No index leaves the FIFO (H1).
 * Every change ends with `onChange()`, the device's interrupt update.
 */
import type { ByteReceiver, ConsoleBackend } from '../../platform/backend-api.js';
import type { Scheduler, TimerId } from '../../platform/scheduler.js';
import { UartFifo } from './fifo.js';
import { Lsr, RX_TIMEOUT_CHARACTERS, type RxTriggerLevel, UART_FIFO_BYTES, UartReset } from './registers.js';

export interface UartReceiverStats {
  /** Bytes accepted into RBR / the RX FIFO (from the backend or loopback). */
  bytesReceived: number;
  /** Received bytes lost to an overrun. */
  rxOverruns: number;
  /** Character-timeout indications raised. */
  rxTimeouts: number;
  breaks: number;
}

export class UartReceiver implements ByteReceiver {
  readonly stats: UartReceiverStats = { bytesReceived: 0, rxOverruns: 0, rxTimeouts: 0, breaks: 0 };
  /** LSR bits owned by the receiver: DR, OE, BI. */
  status = 0;
  /** Character timeout indication pending (serial.c timeout_ipending). */
  timeoutPending = false;
  private rbr: number = UartReset.RBR;
  private fifoOn = false;
  private trigger: RxTriggerLevel = 1;
  private charTimeNs: number;
  private readonly fifo = new UartFifo();
  private timer: TimerId | undefined;
  /** The backend was last told room 0. */
  private backendStarved = false;

  constructor(
    /** The device actor: the timeout timer runs here. */
    private readonly clock: Scheduler,
    private readonly backend: ConsoleBackend,
    characterTimeNs: number,
    /** The device's interrupt update, called after every change. */
    private readonly onChange: () => void,
  ) {
    this.charTimeNs = characterTimeNs;
  }

  get count(): number {
    return this.fifo.count;
  }

  get triggerLevel(): RxTriggerLevel {
    return this.trigger;
  }

  get rbrValue(): number {
    return this.rbr;
  }

  get timeoutArmed(): boolean {
    return this.timer !== undefined;
  }

  /** The RDA condition: data, and with the FIFO on at least the trigger level. */
  get dataAvailable(): boolean {
    return (this.status & Lsr.DR) !== 0 && (!this.fifoOn || this.fifo.count >= this.trigger);
  }

  setCharacterTime(ns: number): void {
    this.charTimeNs = ns;
  }

  /** FCR.FE and the trigger (the trigger only changes while the FIFO is enabled, as in QEMU). */
  configure(fifoOn: boolean, trigger: RxTriggerLevel): void {
    this.fifoOn = fifoOn;
    if (fifoOn) this.trigger = trigger;
  }

  /** Power-on state (no interrupt update: the device does that). */
  reset(characterTimeNs: number): void {
    this.rbr = UartReset.RBR;
    this.status = 0;
    this.fifoOn = false;
    this.trigger = 1;
    this.charTimeNs = characterTimeNs;
    this.timeoutPending = false;
    this.cancelTimeout();
    this.fifo.clear();
  }

  /** FCR RX reset: empty FIFO, DR/BI and the timeout cleared (OE stays until LSR is read). */
  resetFifo(): void {
    this.status &= ~(Lsr.DR | Lsr.BI);
    this.cancelTimeout();
    this.timeoutPending = false;
    this.fifo.clear();
  }

  /** RBR read: pops (FIFO on) or returns the kept byte (FIFO off); clears DR/BI once empty. */
  readRbr(): number {
    let byte: number;
    if (this.fifoOn) {
      byte = this.fifo.pop();
      if (this.fifo.isEmpty) {
        this.status &= ~(Lsr.DR | Lsr.BI);
        this.cancelTimeout();
      } else {
        this.armTimeout();
      }
      this.timeoutPending = false;
    } else {
      byte = this.rbr;
      this.status &= ~(Lsr.DR | Lsr.BI);
    }
    this.onChange();
    this.offerRoom();
    return byte;
  }

  /** LSR read side effect: OE and BI clear. Returns whether anything changed. */
  clearErrors(): boolean {
    if ((this.status & (Lsr.OE | Lsr.BI)) === 0) return false;
    this.status &= ~(Lsr.OE | Lsr.BI);
    return true;
  }

  // ---- ByteReceiver ----------------------------------------------------------------------------

  room(): number {
    const n = this.roomNow();
    if (n === 0) this.backendStarved = true;
    return n;
  }

  receive(bytes: Uint8Array, offset: number, length: number): void {
    if (length <= 0) return;
    if (this.fifoOn) {
      for (let i = 0; i < length; i++) this.push(bytes[offset + i] ?? 0);
      this.status |= Lsr.DR;
      this.armTimeout();
    } else {
      for (let i = 0; i < length; i++) this.latch(bytes[offset + i] ?? 0);
    }
    this.onChange();
  }

  /** One byte from the transmitter in loopback (serial.c serial_receive1 with one byte). */
  receiveOne(byte: number): void {
    if (this.fifoOn) {
      this.push(byte);
      this.status |= Lsr.DR;
      this.armTimeout();
    } else {
      this.latch(byte);
    }
    this.onChange();
  }

  /** A break on the line: a 0x00 character with BI|DR (serial.c serial_receive_break). */
  receiveBreak(): void {
    this.stats.breaks++;
    this.rbr = 0;
    if (this.fifoOn) this.push(0);
    this.status |= Lsr.BI | Lsr.DR;
    this.onChange();
  }

  /** Tell a backend that was refused that bytes may flow again. */
  offerRoom(): void {
    if (!this.backendStarved || this.roomNow() === 0) return;
    this.backendStarved = false;
    this.backend.rxReady();
  }

  private roomNow(): number {
    if (this.fifoOn) {
      const count = this.fifo.count;
      if (count >= UART_FIFO_BYTES) return 0;
      // Up to the trigger level only, so the guest sees its trigger.
      return count <= this.trigger ? this.trigger - count : 1;
    }
    return this.status & Lsr.DR ? 0 : 1;
  }

  private push(byte: number): void {
    // FIFO full: the new byte is dropped and OE set; FIFO contents are never overwritten.
    if (this.fifo.push(byte)) this.stats.bytesReceived++;
    else {
      this.status |= Lsr.OE;
      this.stats.rxOverruns++;
    }
  }

  private latch(byte: number): void {
    if (this.status & Lsr.DR) {
      this.status |= Lsr.OE;
      this.stats.rxOverruns++;
    }
    this.rbr = byte;
    this.status |= Lsr.DR;
    this.stats.bytesReceived++;
  }

  // ---- character timeout ---------------------------------------------------------------------

  private armTimeout(): void {
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = this.clock.after(this.charTimeNs * RX_TIMEOUT_CHARACTERS, this.onTimeout);
  }

  private cancelTimeout(): void {
    if (this.timer === undefined) return;
    this.clock.cancel(this.timer);
    this.timer = undefined;
  }

  private readonly onTimeout = (): void => {
    this.timer = undefined;
    if (this.fifo.isEmpty) return;
    this.timeoutPending = true;
    this.stats.rxTimeouts++;
    this.onChange();
  };
}
