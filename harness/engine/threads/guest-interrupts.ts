/**
 * The guest face of interrupts in the threads engine (interrupts.ts `GuestInterrupts`), with the
 * same semantics as the in-thread InterruptController: an edge line fires on a rising edge, a level
 * line fires while asserted and unmasked and again after EOI if still asserted; an MSI vector runs
 * its handler once per pending bit taken. The host posts into the control block
 * (host-interrupts.ts); `collect` takes what is pending, between two callbacks of the guest loop.
 */
import {
  type GuestInterrupts,
  type InterruptHandler,
  MSI_ADDRESS_BASE,
  type MsiMessage,
  type PicEoi,
  type Trigger,
} from '../../../models/platform/interrupts.js';
import type { Meter } from '../../../models/platform/meter.js';
import type { Scheduler } from '../../../models/platform/scheduler.js';
import { MAX_LINES, MSI_VECTORS, type ThreadLink, Word } from './link.js';
import type { ThreadStats } from './snapshot.js';

interface LineState {
  readonly gsi: number;
  trigger: Trigger;
  masked: boolean;
  /** Dispatch running or posted; cleared at EOI. */
  inService: boolean;
  handler: InterruptHandler | undefined;
  /** The host's rising-edge count when this line last fired (edge lines). */
  seenRises: number;
  /** Made once per line so a dispatch allocates nothing. */
  readonly dispatch: () => void;
}

const MSI_WORDS = MSI_VECTORS / 32;
const FIRST_VECTOR = 0x30;

export class SharedGuestInterrupts implements GuestInterrupts {
  /** Set by the guest half when ISA lines are acknowledged at the emulated 8259 pair. */
  picEoi: PicEoi | undefined;
  private readonly ctl: Int32Array;
  private readonly lines: (LineState | undefined)[] = new Array(MAX_LINES).fill(undefined);
  private readonly vectors: (InterruptHandler | undefined)[] = new Array(MSI_VECTORS).fill(undefined);
  private nextVector = FIRST_VECTOR;

  constructor(
    link: ThreadLink,
    private readonly vcpu: Scheduler,
    private readonly meter: Meter,
    private readonly stats: ThreadStats,
  ) {
    this.ctl = link.ctl;
  }

  onLine(gsi: number, trigger: Trigger, handler: InterruptHandler): void {
    const l = this.line(gsi);
    l.trigger = trigger;
    l.handler = handler;
    l.seenRises = Atomics.load(this.ctl, Word.lineRises + gsi);
    if (trigger === 'level' && this.level(gsi)) this.fireLater(l);
  }

  allocMsi(handler: InterruptHandler): MsiMessage {
    const v = this.nextVector++;
    if (v > 0xfe) throw new Error('out of interrupt vectors');
    this.vectors[v] = handler;
    return { address: MSI_ADDRESS_BASE, data: v };
  }

  maskLine(gsi: number): void {
    this.line(gsi).masked = true;
  }

  unmaskLine(gsi: number): void {
    const l = this.line(gsi);
    l.masked = false;
    if (l.trigger === 'level' && this.level(gsi)) this.fireLater(l);
  }

  /** Take every pending vector and changed line; runs handlers now (the loop is between callbacks). */
  collect(): void {
    const ctl = this.ctl;
    for (let w = 0; w < MSI_WORDS; w++) {
      if (Atomics.load(ctl, Word.msiPending + w) === 0) continue;
      let bits = Atomics.exchange(ctl, Word.msiPending + w, 0);
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        this.takeVector(w * 32 + 31 - Math.clz32(low));
      }
    }
    if (Atomics.load(ctl, Word.lineDirty) === 0) return;
    let dirty = Atomics.exchange(ctl, Word.lineDirty, 0);
    while (dirty !== 0) {
      const low = dirty & -dirty;
      dirty ^= low;
      const l = this.lines[31 - Math.clz32(low)];
      if (l === undefined) continue; // no handler on that line
      if (l.trigger === 'edge') {
        const rises = Atomics.load(ctl, Word.lineRises + l.gsi);
        if (rises === l.seenRises) continue;
        l.seenRises = rises;
        this.fireNow(l);
      } else if (this.level(l.gsi)) {
        this.fireNow(l);
      }
    }
  }

  private takeVector(v: number): void {
    const handler = this.vectors[v];
    if (handler === undefined) {
      this.stats.irqUnhandled++; // an unprogrammed vector: dropped, as the APIC would
      return;
    }
    this.stats.irqTaken++;
    this.meter.interrupt();
    handler();
    this.meter.eoi();
  }

  private level(gsi: number): boolean {
    return Atomics.load(this.ctl, Word.lineLevel + gsi) !== 0;
  }

  private line(gsi: number): LineState {
    if (!(Number.isInteger(gsi) && gsi >= 0 && gsi < MAX_LINES)) {
      throw new RangeError(`interrupt line ${gsi}: the threads engine carries lines 0..${MAX_LINES - 1}`);
    }
    let l = this.lines[gsi];
    if (l === undefined) {
      const line: LineState = {
        gsi,
        trigger: 'edge',
        masked: false,
        inService: false,
        handler: undefined,
        seenRises: Atomics.load(this.ctl, Word.lineRises + gsi),
        dispatch: () => this.dispatchLine(line),
      };
      l = line;
      this.lines[gsi] = l;
    }
    return l;
  }

  /** Fire from `collect` (outside any model code). */
  private fireNow(l: LineState): void {
    if (!this.accept(l)) return;
    this.dispatchLine(l);
  }

  /** Fire from inside guest code (unmask, registration): as a vCPU callback, never re-entrantly. */
  private fireLater(l: LineState): void {
    if (!this.accept(l)) return;
    this.vcpu.after(0, l.dispatch);
  }

  private accept(l: LineState): boolean {
    if (l.masked || l.handler === undefined) return false;
    if (l.inService) {
      this.stats.irqCoalesced++;
      return false;
    }
    l.inService = true;
    return true;
  }

  private dispatchLine(l: LineState): void {
    this.stats.irqTaken++;
    this.meter.interrupt();
    l.handler?.();
    if (l.gsi < 16 && this.picEoi !== undefined) {
      this.picEoi(l.gsi);
      this.meter.eoi(false);
    } else {
      this.meter.eoi();
    }
    l.inService = false;
    // Level semantics: still asserted after EOI → the controller fires again.
    if (l.trigger === 'level' && !l.masked && this.level(l.gsi)) {
      l.inService = true;
      this.vcpu.after(0, l.dispatch);
    }
  }
}
