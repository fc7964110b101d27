/**
 * The NE2000 on the host face: the register model mapped as a 32-port window on the bus,
 * its interrupt line driven by ISR & IMR, and the reference NetBackend on both ends
 * (specs/trap-emulate.md §4). Port handlers run inside the guest's exit; frames from the
 * network arrive on the host actor that runs the backend.
 *
 * Backpressure (FrameReceiver): `canReceive` is "the ring has room" (QEMU's ring-full test),
 * so the reference backend holds frames while the guest has not freed ring space; when a ring
 * register or CR write makes room after a refusal, the device calls `rxReady()`. A frame that
 * arrives anyway while the ring is full or the NIC is stopped is dropped silently, as QEMU does.
 * Transmit backpressure (`canTransmit`): a refused frame stays in card memory with the transmit
 * in progress until the backend's transmit-ready callback (Dp8390.transmitReady).
 *
 * Copies (trap-emulate.md §6: "two copies always"): backend ↔ card memory here (metered as host
 * copies), card memory ↔ guest RAM through the data port (metered by the bus as exits).
 */
import type { FrameReceiver, NetBackend } from '../../platform/backend-api.js';
import type { Mapping } from '../../platform/bus.js';
import type { HostPlatform } from '../../platform/machine.js';
import type { HandlerKind } from '../../platform/meter.js';
import type { HostDevice } from '../../platform/model.js';
import { Dp8390 } from './dp8390.js';
import { NE2000_ISA } from './registers.js';
import { Ne2000Window } from './window.js';

export interface Ne2000DeviceOptions {
  readonly ioBase?: number;
  readonly irq?: number;
  /** Where port exits are handled (`exits=` model option). */
  readonly kind: HandlerKind;
}

export class Ne2000Device implements FrameReceiver, HostDevice {
  readonly name = 'ne2000';
  readonly card: Dp8390;
  readonly window: Ne2000Window;
  readonly mapping: Mapping;
  readonly ioBase: number;
  readonly irq: number;
  /** The backend was refused since the ring last had room. */
  private starved = false;

  constructor(
    private readonly host: HostPlatform,
    backend: NetBackend,
    options: Ne2000DeviceOptions,
  ) {
    this.ioBase = options.ioBase ?? NE2000_ISA.ioBase;
    this.irq = options.irq ?? NE2000_ISA.irq;
    const irq = this.irq;
    this.card = new Dp8390(Uint8Array.from(backend.guestMac.subarray(0, 6)), {
      setIrq: (level) => host.irq.setLine(irq, level),
      canTransmit: () => backend.canTransmit(),
      transmit: (bytes, offset, length) => {
        host.meter.copy(length, 'host');
        backend.transmit(bytes, offset, length);
      },
      ringChanged: () => {
        if (this.starved && !this.card.ringFull()) {
          this.starved = false;
          backend.rxReady();
        }
      },
    });
    this.window = new Ne2000Window(this.card);
    this.mapping = host.bus.map('pio', this.ioBase, NE2000_ISA.windowBytes, this.window, options.kind, 'ne2000');
    backend.setReceiver(this);
    // Runs on the backend's actor once its up-link has room after a refusal.
    backend.setTransmitReady(() => this.card.transmitReady());
  }

  // ---- FrameReceiver ----

  canReceive(): boolean {
    if (!this.card.ringFull()) return true;
    this.starved = true;
    return false;
  }

  receive(bytes: Uint8Array, offset: number, length: number): void {
    if (this.card.receive(bytes, offset, length)) this.host.meter.copy(length, 'host');
  }

  describe(): Record<string, unknown> {
    const c = this.card;
    return {
      cr: c.cr,
      isr: c.isr,
      imr: c.imr,
      pstart: c.pstart,
      pstop: c.pstop,
      bnry: c.bnry,
      curr: c.curr,
      irqLevel: c.irqLevel,
      ...c.stats,
    };
  }
}
