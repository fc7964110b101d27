/**
 * The host's bus face in the threads engine. Register windows go to the platform `Bus`, which serves
 * the exits that arrive through the mailbox. Doorbells (ioeventfd-style, bus.ts `mapDoorbell`) are
 * also published in the control block's doorbell table, so the guest thread completes a doorbell
 * write itself, as the host kernel completes an ioeventfd write, and only the signal crosses: a
 * pending bit and a notify of the host's futex (eventfd semantics: rings coalesce while pending).
 */
import {
  type AddressSpace,
  ALL_ONES,
  type Bus,
  type HostBus,
  type IoHandler,
  type Mapping,
} from '../../../models/platform/bus.js';
import type { HandlerKind } from '../../../models/platform/meter.js';
import { MAX_DOORBELLS, Slot, type ThreadLink, Word } from './link.js';
import type { ThreadStats } from './snapshot.js';

export const DoorbellSpace = { free: -1, pio: 0, mmio: 1 } as const;

export class SharedDoorbells implements HostBus {
  private readonly onRing: ((offset: number) => void)[] = [];
  private readonly mappings: (Mapping | undefined)[] = new Array(MAX_DOORBELLS).fill(undefined);
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;

  constructor(
    private readonly bus: Bus,
    link: ThreadLink,
    private readonly stats: ThreadStats,
  ) {
    this.ctl = link.ctl;
    this.f64 = link.f64;
    for (let k = 0; k < MAX_DOORBELLS; k++) this.f64[Slot.doorbellTable + 3 * k] = DoorbellSpace.free;
  }

  map(space: AddressSpace, base: number, length: number, handler: IoHandler, kind: HandlerKind, name: string): Mapping {
    return this.bus.map(space, base, length, handler, kind, name);
  }

  unmap(mapping: Mapping): void {
    const k = this.mappings.indexOf(mapping);
    if (k >= 0) {
      this.mappings[k] = undefined;
      this.f64[Slot.doorbellTable + 3 * k] = DoorbellSpace.free;
      Atomics.add(this.ctl, Word.doorbellGeneration, 1);
    }
    this.bus.unmap(mapping);
  }

  mapDoorbell(
    space: AddressSpace,
    base: number,
    length: number,
    onRing: (offset: number) => void,
    name: string,
  ): Mapping {
    const k = this.mappings.indexOf(undefined);
    if (k < 0) throw new Error(`more than ${MAX_DOORBELLS} doorbells mapped at once`);
    // A write that reaches the host as an exit anyway rings the same doorbell.
    const handler: IoHandler = {
      read: () => ALL_ONES[4],
      write: (offset) => this.ringFromHost(k, offset),
    };
    const mapping = this.bus.map(space, base, length, handler, 'kernel', name);
    this.mappings[k] = mapping;
    this.onRing[k] = onRing;
    const t = Slot.doorbellTable + 3 * k;
    this.f64[t] = space === 'pio' ? DoorbellSpace.pio : DoorbellSpace.mmio;
    this.f64[t + 1] = base;
    this.f64[t + 2] = length;
    // Published before the reply of the exit that caused it, so the guest sees it in time.
    Atomics.add(this.ctl, Word.doorbellGeneration, 1);
    return mapping;
  }

  private ringFromHost(k: number, offset: number): void {
    this.ctl[Word.doorbellOffset + k] = offset;
    Atomics.or(this.ctl, Word.doorbellPending, 1 << k);
    // Our own attention word: the loop delivers it at its next look, like a guest ring.
    Atomics.add(this.ctl, Word.hostAttention, 1);
  }

  /** Deliver every pending doorbell (one `onRing` per pending bit). */
  deliver(): void {
    let bits = Atomics.exchange(this.ctl, Word.doorbellPending, 0);
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const k = 31 - Math.clz32(low);
      const ring = this.onRing[k];
      if (ring === undefined || this.mappings[k] === undefined) continue; // unmapped meanwhile
      this.stats.doorbellsDelivered++;
      ring(this.ctl[Word.doorbellOffset + k] as number);
    }
  }
}
