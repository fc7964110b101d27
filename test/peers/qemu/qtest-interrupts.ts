/**
 * GuestInterrupts over qtest (virtio.md §11.2 adapter table, "INTx" and "MSI-X").
 *
 * - Lines: `irq_intercept_in ioapic` reports IOAPIC pin transitions; the worker mirrors
 *   them into shared memory. An edge line fires once per `IRQ raise` seen (raises that
 *   pile up before dispatch coalesce, as an IRR bit does); a level line fires while it
 *   is high and again after its handler if still high.
 * - MSI: QEMU has no guest CPU to interrupt, but a device's MSI-X write is a DMA write.
 *   `allocMsi` hands out {address: a scratch word in low RAM, data: a tag}; the loop
 *   polls the scratch words and, on seeing a tag, clears the word and runs the handler.
 *   A second write landing between the poll and the clear coalesces with the first,
 *   which is harmless: a handler always drains everything the device completed.
 */
import type { GuestInterrupts, InterruptHandler, MsiMessage, Trigger } from '../../../models/platform/interrupts.js';
import type { Meter } from '../../../models/platform/meter.js';
import type { QtestLink } from './qtest-link.js';
import { IRQ_LINES } from './qtest-mailbox.js';
import type { InterruptSource, QtestScheduler } from './qtest-scheduler.js';

/** Scratch words for MSI tags: conventional RAM below 640 KiB, below the allocator's 1 MiB base. */
export const MSI_SCRATCH_BASE = 0x80000;
export const MSI_SCRATCH_WORDS = 256;
/** Tag = base + vector index; non-zero, so a cleared word means "nothing arrived". */
export const MSI_TAG_BASE = 0x51a90000;

interface LineState {
  trigger: Trigger;
  handler: InterruptHandler;
  masked: boolean;
  /** Dispatch queued or running. */
  inService: boolean;
  /** `raises` value already accounted for (edge lines). */
  seenRaises: number;
  readonly dispatch: () => void;
}

interface Vector {
  readonly address: number;
  readonly tag: number;
  pending: boolean;
  readonly dispatch: () => void;
}

export class QtestInterrupts implements GuestInterrupts, InterruptSource {
  private readonly lines: (LineState | undefined)[] = [];
  private readonly vectors: Vector[] = [];
  /** Scratch words holding something other than their tag (a misprogrammed device). */
  strayMessages = 0;

  constructor(
    private readonly link: QtestLink,
    private readonly vcpu: QtestScheduler,
    private readonly meter: Meter,
  ) {}

  onLine(gsi: number, trigger: Trigger, handler: InterruptHandler): void {
    if (!Number.isInteger(gsi) || gsi < 0 || gsi >= IRQ_LINES) throw new RangeError(`GSI ${gsi} out of range`);
    const existing = this.lines[gsi];
    if (existing !== undefined) {
      existing.trigger = trigger;
      existing.handler = handler;
      return;
    }
    const l: LineState = {
      trigger,
      handler,
      masked: false,
      inService: false,
      // Edges from before registration had no handler: they are not replayed.
      seenRaises: this.link.raiseCount(gsi),
      dispatch: () => this.dispatchLine(gsi, l),
    };
    this.lines[gsi] = l;
  }

  allocMsi(handler: InterruptHandler): MsiMessage {
    const index = this.vectors.length;
    if (index >= MSI_SCRATCH_WORDS) throw new Error('out of MSI scratch words');
    const address = MSI_SCRATCH_BASE + index * 4;
    this.link.writeMem(4, address, 0);
    const v: Vector = {
      address,
      tag: MSI_TAG_BASE + index,
      pending: false,
      dispatch: () => {
        v.pending = false;
        this.meter.interrupt();
        handler();
        this.meter.eoi();
      },
    };
    this.vectors.push(v);
    return { address, data: v.tag };
  }

  maskLine(gsi: number): void {
    const l = this.lines[gsi];
    if (l !== undefined) l.masked = true;
  }

  unmaskLine(gsi: number): void {
    const l = this.lines[gsi];
    if (l === undefined) return;
    l.masked = false;
    // Edges seen while masked are dropped, as in the in-thread controller.
    l.seenRaises = this.link.raiseCount(gsi);
  }

  // ---- InterruptSource (polled by the scheduler) ----

  pollLines(): boolean {
    let queued = false;
    for (let gsi = 0; gsi < this.lines.length; gsi++) {
      const l = this.lines[gsi];
      if (l === undefined) continue;
      let fire: boolean;
      if (l.trigger === 'edge') {
        const raises = this.link.raiseCount(gsi);
        fire = raises !== l.seenRaises;
        l.seenRaises = raises;
      } else {
        fire = this.link.lineLevel(gsi);
      }
      if (!fire || l.masked || l.inService) continue;
      l.inService = true;
      this.vcpu.after(0, l.dispatch);
      queued = true;
    }
    return queued;
  }

  pollMessages(): boolean {
    const n = this.vectors.length;
    if (n === 0) return false;
    this.link.readBulk(MSI_SCRATCH_BASE, n * 4);
    const words = this.link.box.dataView;
    let queued = false;
    for (let i = 0; i < n; i++) {
      const word = words.getUint32(i * 4, true);
      if (word === 0) continue;
      const v = this.vectors[i] as Vector;
      this.link.writeMem(4, v.address, 0);
      if (word !== v.tag) {
        this.strayMessages++;
        continue;
      }
      if (v.pending) continue;
      v.pending = true;
      this.vcpu.after(0, v.dispatch);
      queued = true;
    }
    return queued;
  }

  changes(): number {
    return this.link.irqChanges();
  }

  sleep(seenChanges: number, ms: number): void {
    this.link.waitForIrq(seenChanges, ms);
  }

  private dispatchLine(gsi: number, l: LineState): void {
    this.meter.interrupt();
    l.handler();
    this.meter.eoi();
    l.inService = false;
    // Level semantics: still asserted after EOI → fire again.
    if (l.trigger === 'level' && !l.masked && this.link.lineLevel(gsi)) {
      l.inService = true;
      this.vcpu.after(0, l.dispatch);
    }
  }
}
