/**
 * Test library: the emulated console on the sim engine — reference console backend on the host
 * `device` actor, the 16550A mapped at COM1, and our driver brought up through the binding.
 * The backend's receiver can be held back (`gateInput`) so scripted input starts only once the
 * driver is up (the driver's init drops a stale byte, as a real driver does).
 */
import { createSimMachine, type SimMachine } from '../../../harness/engine/sim/machine.js';
import { loadProfile } from '../../../harness/profiles/load.js';
import {
  type ConsoleBackendOptions,
  createConsoleBackend,
  type ReferenceConsoleBackend,
} from '../../../models/backend/index.js';
import type { Uart16550Device } from '../../../models/emulated/uart/device.js';
import type { UartDriver } from '../../../models/emulated/uart/driver.js';
import { createUartHost, uartBinding } from '../../../models/emulated/uart/index.js';
import type { ByteReceiver, ConsoleBackend } from '../../../models/platform/backend-api.js';
import { DEFAULT_KNOBS, parseCoalesce } from '../../../models/platform/knobs.js';
import type { Counters } from '../../../models/platform/meter.js';
import type { ModelConfig } from '../../../models/platform/model.js';

export interface UartStackOptions {
  /** Coalescing knob text: `none` (FIFO off) or `count:1|4|8|14`. */
  readonly coalesce?: string;
  readonly mode?: 'irq' | 'polled';
  readonly exits?: 'user' | 'kernel';
  readonly backend?: ConsoleBackendOptions;
  /** Hold the backend's input until `openInput()` (default: open at once). */
  readonly gateInput?: boolean;
  /** Install an input handler (default true; in polled mode this starts RX polling). */
  readonly listen?: boolean;
}

/** Forwards to the reference backend but attaches the device as its receiver only when opened. */
class GatedBackend implements ConsoleBackend {
  private receiver: ByteReceiver | undefined;
  constructor(readonly inner: ReferenceConsoleBackend) {}
  write(bytes: Uint8Array, offset: number, length: number): void {
    this.inner.write(bytes, offset, length);
  }
  setReceiver(rx: ByteReceiver): void {
    this.receiver = rx;
  }
  rxReady(): void {
    this.inner.rxReady();
  }
  open(): void {
    if (this.receiver !== undefined) this.inner.setReceiver(this.receiver);
  }
}

export interface UartStack {
  readonly m: SimMachine;
  readonly config: ModelConfig;
  readonly backend: ReferenceConsoleBackend;
  readonly device: Uart16550Device;
  readonly driver: UartDriver;
  /** Every byte the driver handed to onInput, in order. */
  readonly input: number[];
  /** Let scripted input flow (with `gateInput`). */
  openInput(): void;
  run(until?: () => boolean, maxEvents?: number): void;
  /** Copy `bytes` into a fresh guest buffer. */
  put(bytes: Uint8Array): number;
  /** Guest + host counters summed. */
  counters(): Counters;
}

export function uartConfig(opts: Pick<UartStackOptions, 'coalesce' | 'mode' | 'exits'> = {}): ModelConfig {
  return {
    knobs: { ...DEFAULT_KNOBS, coalesce: parseCoalesce(opts.coalesce ?? 'none'), copy: 'copy' },
    options: { exits: opts.exits ?? 'user', 'uart-mode': opts.mode ?? 'irq' },
  };
}

export function makeUartStack(opts: UartStackOptions = {}): UartStack {
  const m = createSimMachine({ memBytes: 16 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 7 });
  const config = uartConfig(opts);
  const backend = createConsoleBackend(opts.backend ?? {}, m.host.actor('device'), m.host.meter);
  const gated = new GatedBackend(backend);
  const device = createUartHost(m.host, gated, config);
  if (opts.gateInput !== true) gated.open();
  let driver: UartDriver | undefined;
  let failure: Error | undefined;
  uartBinding.createGuest(
    m.guest,
    config,
    (port) => {
      driver = port as UartDriver;
    },
    (error) => {
      failure = error;
    },
  );
  m.run({ until: () => driver !== undefined || failure !== undefined, maxEvents: 10_000 });
  if (failure !== undefined) throw failure;
  if (driver === undefined) throw new Error('UART driver did not come up');
  const input: number[] = [];
  const got = driver;
  if (opts.listen !== false) {
    got.onInput((addr, len) => {
      const bytes = new Uint8Array(len);
      m.guest.mem.load(addr, len, bytes);
      input.push(...bytes);
    });
  }
  return {
    m,
    config,
    backend,
    device,
    driver: got,
    input,
    openInput: () => gated.open(),
    run: (until, maxEvents = 5_000_000) => {
      const summary = m.run(until === undefined ? { maxEvents } : { until, maxEvents });
      if (until !== undefined && !until()) throw new Error(`run stopped (${summary.reason}) before the condition held`);
    },
    put: (bytes) => {
      const addr = m.guest.alloc.alloc(Math.max(bytes.length, 1), 64);
      m.guest.mem.store(addr, bytes);
      return addr;
    },
    counters: () => {
      const c = { ...m.guestMeter.counters };
      for (const [k, v] of Object.entries(m.hostMeter.counters)) c[k as keyof Counters] += v;
      return c;
    },
  };
}
