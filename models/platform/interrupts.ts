/**
 * Host → guest interrupts (DESIGN §3: the asynchronous crossing the other way).
 *
 * - Lines (ISA IRQs, PCI INTx) carry a level the device drives. An edge line fires on
 *   0→1; a level line fires while asserted and unmasked, and fires again after EOI if
 *   still asserted — so an ISR must make the device drop the line (IIR/status read).
 * - MSI / MSI-X: the device writes a message {address, data}; data's low byte is the
 *   vector. The guest asks the platform for a message (`allocMsi`) and programs it into
 *   the device, so a peer (QEMU qtest) can substitute its own delivery mechanism.
 *
 * A vector or line already pending and not yet dispatched absorbs further signals, as
 * the APIC's IRR bit does. The guest-side dispatch counts `interrupt` (what the guest
 * actually took) and `eoi`; devices count `interruptSuppressed` themselves.
 */
import type { Meter } from './meter.js';
import type { Scheduler } from './scheduler.js';

export type InterruptHandler = () => void;

/**
 * How the guest acknowledges an ISA line (GSI < 16) routed through the 8259 pair: an OCW2
 * non-specific EOI to the slave (0xA0) for IRQs 8–15, then to the master (0x20). Each is
 * a port write, so each is an exit the bus meters (trap-emulate.md §1: 1 kernel exit, 2
 * for slave-PIC IRQs). Lines ≥ 16 and MSI vectors EOI at the LAPIC instead.
 */
export type PicEoi = (gsi: number) => void;

export const PIC_MASTER_COMMAND = 0x20;
export const PIC_SLAVE_COMMAND = 0xa0;
export const PIC_OCW2_EOI = 0x20;
export type Trigger = 'edge' | 'level';

export interface MsiMessage {
  readonly address: number;
  readonly data: number;
}

/** x86 MSI address window (Intel SDM vol. 3 §11.11.1: 0xFEExxxxx). */
export const MSI_ADDRESS_BASE = 0xfee00000;

export function isMsiAddress(address: number): boolean {
  return address >= MSI_ADDRESS_BASE && address < MSI_ADDRESS_BASE + 0x100000;
}

/** Host face. */
export interface HostInterrupts {
  /** Drive an interrupt line (GSI) to `level`. */
  setLine(gsi: number, level: boolean): void;
  /** Deliver a message-signalled interrupt (a DMA write of `data` to `address`). */
  msi(address: number, data: number): void;
}

/** Guest face. */
export interface GuestInterrupts {
  /** Handle line `gsi`; `trigger` is how the interrupt controller samples it. */
  onLine(gsi: number, trigger: Trigger, handler: InterruptHandler): void;
  /** Allocate a vector with `handler` and return the message a device must send to reach it. */
  allocMsi(handler: InterruptHandler): MsiMessage;
  maskLine(gsi: number): void;
  unmaskLine(gsi: number): void;
}

interface LineState {
  readonly gsi: number;
  level: boolean;
  trigger: Trigger;
  masked: boolean;
  /** Dispatch posted or running; cleared at EOI. */
  inService: boolean;
  /** The handler is running (ISR bit set); an edge now latches in IRR (8259 / IOAPIC edge semantics). */
  running: boolean;
  /** An edge arrived while the handler ran: deliver once more after EOI. */
  latched: boolean;
  handler: InterruptHandler | undefined;
  /** Made once per line so a dispatch allocates nothing. */
  dispatch: () => void;
}

/** In-thread interrupt controller: host calls land as work on the guest vCPU scheduler. */
export class InterruptController implements HostInterrupts, GuestInterrupts {
  private readonly lines = new Map<number, LineState>();
  private readonly vectors: (InterruptHandler | undefined)[] = [];
  private readonly vectorPending: boolean[] = [];
  private readonly vectorDispatch: (() => void)[] = [];
  private nextVector = 0x30;
  /** Signals sent by devices (lines' firing edges + MSI writes) — compare with `interrupts` taken. */
  sent = 0;
  /** Signals absorbed because the same vector/line was already pending. */
  coalesced = 0;

  /** Set by the machine when ISA lines are acknowledged at an emulated 8259 pair. */
  picEoi: PicEoi | undefined;

  constructor(
    private readonly vcpu: Scheduler,
    private readonly guestMeter: Meter,
  ) {}

  private line(gsi: number): LineState {
    let l = this.lines.get(gsi);
    if (l === undefined) {
      const line: LineState = {
        gsi,
        level: false,
        trigger: 'edge',
        masked: false,
        inService: false,
        running: false,
        latched: false,
        handler: undefined,
        dispatch: () => this.dispatchLine(line),
      };
      l = line;
      this.lines.set(gsi, l);
    }
    return l;
  }

  // ---- host face ----
  setLine(gsi: number, level: boolean): void {
    const l = this.line(gsi);
    const rising = level && !l.level;
    l.level = level;
    if (rising) this.sent++;
    if ((l.trigger === 'edge' && rising) || (l.trigger === 'level' && level)) this.maybeFire(l);
  }

  msi(address: number, data: number): void {
    this.sent++;
    if (!isMsiAddress(address)) return; // a DMA write elsewhere: not an interrupt
    const v = data & 0xff;
    if (this.vectors[v] === undefined) return; // spurious vector: dropped, as an unprogrammed APIC would
    if (this.vectorPending[v]) {
      this.coalesced++;
      return;
    }
    this.vectorPending[v] = true;
    this.vcpu.after(0, this.vectorDispatch[v] as () => void);
  }

  // ---- guest face ----
  onLine(gsi: number, trigger: Trigger, handler: InterruptHandler): void {
    const l = this.line(gsi);
    l.trigger = trigger;
    l.handler = handler;
    if (trigger === 'level' && l.level) this.maybeFire(l);
  }

  allocMsi(handler: InterruptHandler): MsiMessage {
    const v = this.nextVector++;
    if (v > 0xfe) throw new Error('out of interrupt vectors');
    this.vectors[v] = handler;
    this.vectorPending[v] = false;
    this.vectorDispatch[v] = () => {
      this.vectorPending[v] = false;
      this.guestMeter.interrupt();
      handler();
      this.guestMeter.eoi();
    };
    return { address: MSI_ADDRESS_BASE, data: v };
  }

  maskLine(gsi: number): void {
    this.line(gsi).masked = true;
  }

  unmaskLine(gsi: number): void {
    const l = this.line(gsi);
    l.masked = false;
    if (l.level && l.trigger === 'level') this.maybeFire(l);
  }

  private maybeFire(l: LineState): void {
    if (l.masked || l.handler === undefined) return;
    if (l.inService) {
      // Posted but not yet running: the one IRR bit absorbs it. Running: IRR latches it.
      if (l.running && l.trigger === 'edge') l.latched = true;
      else this.coalesced++;
      return;
    }
    l.inService = true;
    this.vcpu.after(0, l.dispatch);
  }

  private dispatchLine(l: LineState): void {
    this.guestMeter.interrupt();
    l.running = true;
    l.handler?.();
    l.running = false;
    if (l.gsi < 16 && this.picEoi !== undefined) {
      this.picEoi(l.gsi);
      this.guestMeter.eoi(false);
    } else {
      this.guestMeter.eoi();
    }
    l.inService = false;
    // Level semantics: still asserted after EOI → the controller fires again; an edge
    // latched during the handler is delivered now.
    const again = l.trigger === 'level' ? l.level : l.latched;
    l.latched = false;
    if (again && !l.masked) {
      l.inService = true;
      this.vcpu.after(0, l.dispatch);
    }
  }
}
