/**
 * The other side of the UART, mocked for tests: a scripted ConsoleBackend, an IRQ line that logs
 * every transition, and a register-level "guest" that reads and writes COM1 offsets directly.
 * Reused by the conformance cases, the hostile-guest properties and the QEMU differential.
 */
import { Uart16550Device } from '../../../models/emulated/uart/device.js';
import { COM1_BASE, UART_PORT_COUNT, UartReg } from '../../../models/emulated/uart/registers.js';
import type { ByteReceiver, ConsoleBackend } from '../../../models/platform/backend-api.js';
import { type AccessSize, Bus } from '../../../models/platform/bus.js';
import type { HostInterrupts } from '../../../models/platform/interrupts.js';
import { Meter } from '../../../models/platform/meter.js';
import { ManualScheduler } from './manual-scheduler.js';

/**
 * Console backend whose input is injected by the test. Input flows as far as `room()` allows,
 * synchronously on injection and on each `rxReady()` (QEMU's chardev re-polls its frontend as soon
 * as the access that made room has returned); the rest is held.
 */
export class ScriptedConsoleBackend implements ConsoleBackend {
  readonly output: number[] = [];
  rxReadyCalls = 0;
  /** Input bytes handed to the device within its room. */
  delivered = 0;
  /** Calls to `receive` and the lengths offered. */
  readonly deliveries: number[] = [];
  private receiver: ByteReceiver | undefined;
  private readonly held: number[] = [];
  private readonly chunk = new Uint8Array(4096);
  /** Make `write` throw (a broken backend). */
  failWrites = false;

  write(bytes: Uint8Array, offset: number, length: number): void {
    if (this.failWrites) throw new Error('backend write failed');
    for (let i = 0; i < length; i++) this.output.push(bytes[offset + i] as number);
  }

  setReceiver(rx: ByteReceiver): void {
    this.receiver = rx;
    this.deliver();
  }

  rxReady(): void {
    this.rxReadyCalls++;
    this.deliver();
  }

  /** Bytes typed at the far end. */
  inject(bytes: Iterable<number>): void {
    for (const b of bytes) this.held.push(b & 0xff);
    this.deliver();
  }

  /** Bytes not yet taken by the device. */
  get pending(): number {
    return this.held.length;
  }

  /** Offer `bytes` regardless of room (a misbehaving backend). */
  force(bytes: readonly number[]): void {
    this.chunk.set(bytes, 0);
    this.deliveries.push(bytes.length);
    this.receiver?.receive(this.chunk, 0, bytes.length);
  }

  private deliver(): void {
    const rx = this.receiver;
    if (rx === undefined) return;
    while (this.held.length > 0) {
      const n = Math.min(rx.room(), this.held.length, this.chunk.length);
      if (n <= 0) return;
      for (let i = 0; i < n; i++) this.chunk[i] = this.held[i] as number;
      this.held.splice(0, n);
      this.deliveries.push(n);
      this.delivered += n;
      rx.receive(this.chunk, 0, n);
    }
  }
}

export interface LineEvent {
  readonly gsi: number;
  readonly level: boolean;
}

/** Host interrupts that only log line transitions (the device itself reports changes only). */
export class LineLog implements HostInterrupts {
  readonly events: LineEvent[] = [];
  private readonly levels = new Map<number, boolean>();

  setLine(gsi: number, level: boolean): void {
    if ((this.levels.get(gsi) ?? false) === level) return;
    this.levels.set(gsi, level);
    this.events.push({ gsi, level });
  }

  msi(): void {
    throw new Error('a UART sends no MSI');
  }

  level(gsi: number): boolean {
    return this.levels.get(gsi) ?? false;
  }

  /** Transitions logged since `from`, as 'raise' / 'lower'. */
  since(from: number): string[] {
    return this.events.slice(from).map((e) => (e.level ? 'raise' : 'lower'));
  }
}

export interface UartRig {
  readonly device: Uart16550Device;
  readonly backend: ScriptedConsoleBackend;
  readonly lines: LineLog;
  /** The device actor's clock: advance it to let the character timeout fire. */
  readonly clock: ManualScheduler;
  /** Read register `reg` (offset 0–7) with a 1-byte access. */
  r(reg: number): number;
  /** Write register `reg` with a 1-byte access. */
  w(reg: number, value: number): void;
  /** Current IRQ 4 level. */
  line(): boolean;
  /** A guest port access through the platform bus (COM1 mapped at 0x3F8; other ports unmapped). */
  inp(port: number, size: AccessSize): number;
  outp(port: number, size: AccessSize, value: number): void;
  /** The guest-side meter of those bus accesses. */
  readonly meter: Meter;
}

export function makeUartRig(): UartRig {
  const backend = new ScriptedConsoleBackend();
  const lines = new LineLog();
  const clock = new ManualScheduler('device');
  const device = new Uart16550Device(lines, clock, backend);
  backend.setReceiver(device);
  const meter = new Meter();
  const bus = new Bus(meter, () => {
    throw new Error('the UART has no doorbell');
  });
  bus.map('pio', COM1_BASE, UART_PORT_COUNT, device, 'user', 'uart-16550a');
  return {
    meter,
    inp: (port, size) => bus.access('pio', port, size, false, 0),
    outp: (port, size, value) => {
      bus.access('pio', port, size, true, value);
    },
    device,
    backend,
    lines,
    clock,
    r: (reg) => device.read(reg, 1),
    w: (reg, value) => device.write(reg, 1, value),
    line: () => lines.level(device.gsi),
  };
}

export const R = UartReg;

/** Bytes of an ASCII string. */
export function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}
