/**
 * Meter: one per run half, typed events and never durations (DESIGN §4).
 * Counts are the ground truth; an engine may attach a Pricer that turns each
 * event into time on the actor that performs it (sim engine) or leave it off
 * (threads engine, which measures wall-clock time instead).
 */

/** The fixed event taxonomy. Numbers index price tables; names are the public vocabulary. */
export const MeterEvent = {
  exitUser: 0,
  exitKernel: 1,
  stringElement: 2,
  hypercall: 3,
  notify: 4,
  notifySuppressed: 5,
  interrupt: 6,
  interruptSuppressed: 7,
  eoi: 8,
  copy: 9,
  zeroCopy: 10,
  grantMap: 11,
  grantUnmap: 12,
  tlbFlush: 13,
  grantCopy: 14,
  wakeup: 15,
  backendService: 16,
} as const;
export type MeterEventId = (typeof MeterEvent)[keyof typeof MeterEvent];
export const METER_EVENT_COUNT = 17;

export type ExitKind = 'pio' | 'mmio';
export type HandlerKind = 'user' | 'kernel';
export type CopySide = 'guest' | 'host' | 'hypervisor';
/** How a notification crossed: a trapped register write, an ioeventfd-style doorbell, an event channel, a shm-signal… */
export type NotifyMechanism = 'exit' | 'doorbell' | 'evtchn' | 'shm-signal' | 'hypercall';

/** Receives every metered event; the sim engine prices it onto the running actor. */
export interface Pricer {
  /** `units` is 1 for plain events, a byte count for byte-weighted ones. */
  charge(event: MeterEventId, units: number): void;
}

/** The counters every result carries (result JSON `counters`). */
export interface Counters {
  exits: number;
  exitsUser: number;
  exitsKernel: number;
  hypercalls: number;
  notifications: number;
  notificationsSuppressed: number;
  /** Interrupts a device actually signalled (MSI-X messages sent, INTx rising edges). */
  interruptsSent: number;
  /** Interrupts the guest took; fewer than sent when signals merge while the vector is pending. */
  interrupts: number;
  interruptsSuppressed: number;
  eois: number;
  bytesCopied: number;
  bytesZeroCopy: number;
  grantMaps: number;
  grantUnmaps: number;
  tlbFlushes: number;
  grantCopies: number;
  wakeups: number;
  backendServiceNs: number;
}

export const COUNTER_NAMES: readonly (keyof Counters)[] = [
  'exits',
  'exitsUser',
  'exitsKernel',
  'hypercalls',
  'notifications',
  'notificationsSuppressed',
  'interruptsSent',
  'interrupts',
  'interruptsSuppressed',
  'eois',
  'bytesCopied',
  'bytesZeroCopy',
  'grantMaps',
  'grantUnmaps',
  'tlbFlushes',
  'grantCopies',
  'wakeups',
  'backendServiceNs',
];

export function zeroCounters(): Counters {
  const c = {} as Counters;
  for (const k of COUNTER_NAMES) c[k] = 0;
  return c;
}

export function addCounters(into: Counters, from: Counters): Counters {
  for (const k of COUNTER_NAMES) into[k] += from[k];
  return into;
}

export class Meter {
  readonly counters: Counters = zeroCounters();
  /** Bytes copied, split by who performed the copy. */
  readonly copiedBy: Record<CopySide, number> = { guest: 0, host: 0, hypervisor: 0 };
  readonly hypercallsByOp = new Map<number, number>();
  private pricer: Pricer | undefined;

  constructor(pricer?: Pricer) {
    this.pricer = pricer;
  }

  setPricer(pricer: Pricer | undefined): void {
    this.pricer = pricer;
  }

  exit(_kind: ExitKind, handler: HandlerKind, _bytes: number): void {
    const c = this.counters;
    c.exits++;
    if (handler === 'user') {
      c.exitsUser++;
      this.pricer?.charge(MeterEvent.exitUser, 1);
    } else {
      c.exitsKernel++;
      this.pricer?.charge(MeterEvent.exitKernel, 1);
    }
  }

  /** Per-element work of a string I/O instruction inside one exit (KVM emulator → device model). */
  stringElements(count: number): void {
    this.pricer?.charge(MeterEvent.stringElement, count);
  }

  hypercall(op: number): void {
    this.counters.hypercalls++;
    this.hypercallsByOp.set(op, (this.hypercallsByOp.get(op) ?? 0) + 1);
    this.pricer?.charge(MeterEvent.hypercall, 1);
  }

  /** A notification that crossed. Its crossing cost (exit, hypercall) is metered separately by the mechanism. */
  notify(_mechanism: NotifyMechanism): void {
    this.counters.notifications++;
    this.pricer?.charge(MeterEvent.notify, 1);
  }

  notifySuppressed(): void {
    this.counters.notificationsSuppressed++;
  }

  /**
   * A device signalled an interrupt that left it (an MSI-X message, an INTx assert). Unpriced: the
   * signal's cost is the guest's `interrupt`, and signals that merge at the controller cost nothing.
   */
  interruptSent(): void {
    this.counters.interruptsSent++;
  }

  interrupt(): void {
    this.counters.interrupts++;
    this.pricer?.charge(MeterEvent.interrupt, 1);
  }

  interruptSuppressed(): void {
    this.counters.interruptsSuppressed++;
  }

  /**
   * End of interrupt. A LAPIC EOI is priced by the profile (0 with APICv); an 8259 EOI is
   * a port write whose exit is metered by the bus, so it is counted here unpriced.
   */
  eoi(priced = true): void {
    this.counters.eois++;
    if (priced) this.pricer?.charge(MeterEvent.eoi, 1);
  }

  copy(bytes: number, by: CopySide): void {
    this.counters.bytesCopied += bytes;
    this.copiedBy[by] += bytes;
    this.pricer?.charge(MeterEvent.copy, bytes);
  }

  zeroCopy(bytes: number): void {
    this.counters.bytesZeroCopy += bytes;
    this.pricer?.charge(MeterEvent.zeroCopy, bytes);
  }

  grantMap(count = 1): void {
    this.counters.grantMaps += count;
    this.pricer?.charge(MeterEvent.grantMap, count);
  }

  grantUnmap(count: number, tlbFlush: boolean): void {
    this.counters.grantUnmaps += count;
    this.pricer?.charge(MeterEvent.grantUnmap, count);
    if (tlbFlush) {
      this.counters.tlbFlushes++;
      this.pricer?.charge(MeterEvent.tlbFlush, 1);
    }
  }

  grantCopy(bytes: number): void {
    this.counters.grantCopies++;
    this.counters.bytesCopied += bytes;
    this.copiedBy.hypervisor += bytes;
    this.pricer?.charge(MeterEvent.grantCopy, 1);
    this.pricer?.charge(MeterEvent.copy, bytes);
  }

  /** An actor that was idle had to be woken to handle a signal. */
  wakeup(_actor: string): void {
    this.counters.wakeups++;
    this.pricer?.charge(MeterEvent.wakeup, 1);
  }

  /** Time the reference backend spent servicing a request (device time, not CPU time). */
  backendService(ns: number): void {
    this.counters.backendServiceNs += ns;
  }
}
