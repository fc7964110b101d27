/**
 * The host face of interrupts in the threads engine (interrupts.ts `HostInterrupts`): a device's
 * line levels and MSI writes become pending words in the control block and a notify of the guest's
 * futex. A vector already pending absorbs further signals, as the APIC's IRR bit does; the guest's
 * side (guest-interrupts.ts) takes and dispatches them.
 */
import { type HostInterrupts, isMsiAddress } from '../../../models/platform/interrupts.js';
import { MAX_LINES, type ThreadLink, Word } from './link.js';
import { signal } from './notify.js';
import type { ThreadStats } from './snapshot.js';

export class SharedHostInterrupts implements HostInterrupts {
  private readonly ctl: Int32Array;
  private readonly levels = new Uint8Array(MAX_LINES);

  constructor(
    link: ThreadLink,
    private readonly stats: ThreadStats,
  ) {
    this.ctl = link.ctl;
  }

  setLine(gsi: number, level: boolean): void {
    if (!(Number.isInteger(gsi) && gsi >= 0 && gsi < MAX_LINES)) {
      throw new RangeError(`interrupt line ${gsi}: the threads engine carries lines 0..${MAX_LINES - 1}`);
    }
    const ctl = this.ctl;
    const rising = level && this.levels[gsi] === 0;
    this.levels[gsi] = level ? 1 : 0;
    Atomics.store(ctl, Word.lineLevel + gsi, level ? 1 : 0);
    // A falling line wakes no one: the guest reads levels when it needs them (at EOI).
    if (!level) return;
    if (rising) {
      this.stats.irqSent++;
      Atomics.add(ctl, Word.lineRises + gsi, 1);
    }
    const bit = 1 << gsi;
    if ((Atomics.or(ctl, Word.lineDirty, bit) & bit) !== 0) {
      if (rising) this.stats.irqCoalesced++;
      return;
    }
    if (rising) this.stats.irqPosted++;
    this.post();
  }

  msi(address: number, data: number): void {
    this.stats.irqSent++;
    if (!isMsiAddress(address)) {
      this.stats.irqDropped++; // a DMA write elsewhere: not an interrupt
      return;
    }
    const v = data & 0xff;
    const bit = 1 << (v & 31);
    if ((Atomics.or(this.ctl, Word.msiPending + (v >>> 5), bit) & bit) !== 0) {
      this.stats.irqCoalesced++;
      return;
    }
    this.stats.irqPosted++;
    this.post();
  }

  private post(): void {
    if (signal(this.ctl, Word.guestAttention, Word.guestSleeping)) this.stats.wokePeer++;
  }
}
