/**
 * A GuestPlatform whose machine is QEMU (specs/virtio.md §11.2): a guest driver written
 * against our platform runs unchanged against QEMU's real device models.
 *
 * The platform contract is synchronous; the qtest pipes are not. QEMU is owned by a
 * worker thread and every platform call is a synchronous round trip through a
 * SharedArrayBuffer mailbox (qtest-link.ts). No firmware runs under `-S`:
 * `routePciInterrupts` does the one firmware job drivers rely on (Interrupt Line).
 */
import { GuestAllocator } from '../../../models/platform/alloc.js';
import type { GuestPlatform } from '../../../models/platform/machine.js';
import { MEMORY_MAP } from '../../../models/platform/machine.js';
import { Meter } from '../../../models/platform/meter.js';
import { Rng } from '../../../models/platform/rng.js';
import { type RoutedFunction, routePciInterrupts } from './piix-routing.js';
import { QtestInterrupts } from './qtest-interrupts.js';
import { QtestGuestIo } from './qtest-io.js';
import { QtestLink, type QtestLinkOptions } from './qtest-link.js';
import { PC_RAM_BYTES, QtestGuestMemory } from './qtest-memory.js';
import { QtestScheduler } from './qtest-scheduler.js';

export interface QtestPlatformOptions extends QtestLinkOptions {
  /** Seed of the platform Rng. */
  readonly seed?: number;
}

export class QtestPlatform implements GuestPlatform {
  readonly mem: QtestGuestMemory;
  readonly io: QtestGuestIo;
  readonly irq: QtestInterrupts;
  readonly sched: QtestScheduler;
  readonly alloc: GuestAllocator;
  readonly meter: Meter;
  readonly rng: Rng;

  private constructor(
    readonly link: QtestLink,
    seed: number,
  ) {
    this.meter = new Meter();
    this.rng = new Rng(seed);
    this.mem = new QtestGuestMemory(link, this.meter);
    this.io = new QtestGuestIo(link, this.mem, this.meter);
    this.sched = new QtestScheduler();
    this.irq = new QtestInterrupts(link, this.sched, this.meter);
    this.sched.attach(this.irq);
    this.alloc = new GuestAllocator(MEMORY_MAP.allocBase, PC_RAM_BYTES);
  }

  /** Start QEMU (`-M pc -S -qtest stdio …extraArgs`) behind a worker and intercept the IOAPIC inputs. */
  static async launch(options: QtestPlatformOptions = {}): Promise<QtestPlatform> {
    const { seed = 1, ...linkOptions } = options;
    return new QtestPlatform(await QtestLink.launch(linkOptions), seed);
  }

  /** QEMU's process id. */
  get pid(): number {
    return this.link.pid;
  }

  /** Run the guest vCPU until `predicate` holds (see QtestScheduler.runUntil). */
  runUntil(predicate: () => boolean, timeoutMs?: number): void {
    this.sched.runUntil(predicate, timeoutMs);
  }

  /** Route the PIIX3 PIRQs and fill in Interrupt Line, as firmware would. */
  routePciInterrupts(irqs: number | readonly [number, number, number, number]): RoutedFunction[] {
    return routePciInterrupts(this.io, irqs);
  }

  /** Current level of an IOAPIC input as QEMU last reported it. */
  lineLevel(gsi: number): boolean {
    return this.link.lineLevel(gsi);
  }

  /** `IRQ raise` lines seen so far on an IOAPIC input. */
  raiseCount(gsi: number): number {
    return this.link.raiseCount(gsi);
  }

  /** Kill QEMU and end the worker. */
  close(): Promise<void> {
    return this.link.close();
  }
}
