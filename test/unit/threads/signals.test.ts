/**
 * The threads engine's signal paths, both ends driven from one thread over one control block:
 * doorbells (guest ring → host delivery, eventfd coalescing) and interrupts (host post → guest
 * dispatch, APIC-style coalescing, line semantics). Sent and delivered counts must balance.
 */
import { describe, expect, it } from 'vitest';
import { SharedGuestInterrupts } from '../../../harness/engine/threads/guest-interrupts.js';
import { MailboxGuestIo } from '../../../harness/engine/threads/guest-io.js';
import { SharedDoorbells } from '../../../harness/engine/threads/host-bus.js';
import { SharedHostInterrupts } from '../../../harness/engine/threads/host-interrupts.js';
import { ThreadLink, Word } from '../../../harness/engine/threads/link.js';
import { DEFAULT_WAIT_POLICY, zeroWaitStats } from '../../../harness/engine/threads/notify.js';
import { zeroThreadStats } from '../../../harness/engine/threads/snapshot.js';
import { Bus } from '../../../models/platform/bus.js';
import { MSI_ADDRESS_BASE } from '../../../models/platform/interrupts.js';
import { Meter } from '../../../models/platform/meter.js';
import type { Scheduler } from '../../../models/platform/scheduler.js';

/** A scheduler whose `after(0)` callbacks run when the test says so. */
function queueScheduler(): Scheduler & { drain(): number } {
  const queue: (() => void)[] = [];
  return {
    actor: 'vcpu0',
    now: () => 0,
    after: (_delay, fn) => queue.push(fn),
    cancel: () => {},
    drain() {
      let n = 0;
      for (let fn = queue.shift(); fn !== undefined; fn = queue.shift()) {
        fn();
        n++;
      }
      return n;
    },
  };
}

function doorbellRig() {
  const link = ThreadLink.allocate();
  const hostStats = zeroThreadStats();
  const guestStats = zeroThreadStats();
  const hostMeter = new Meter();
  const guestMeter = new Meter();
  const doorbells = new SharedDoorbells(new Bus(hostMeter, () => {}), link, hostStats);
  const rings: number[] = [];
  doorbells.mapDoorbell('mmio', 0xe000_1000, 16, (offset) => rings.push(offset), 'queue-notify');
  // The guest's view is built after the host published its table.
  const io = new MailboxGuestIo(link, guestMeter, DEFAULT_WAIT_POLICY, zeroWaitStats(), guestStats, 'vcpu0');
  return { link, doorbells, io, rings, hostStats, guestStats, guestMeter, hostMeter };
}

describe('doorbells (ioeventfd-style, DESIGN §3 "doorbell")', () => {
  it('a doorbell write completes on the guest thread: no mailbox request, one kernel exit, one delivery', () => {
    const r = doorbellRig();
    const requestBefore = r.link.ctl[Word.request];
    r.io.mmioWrite(0xe000_1004, 2, 0);
    expect(r.link.ctl[Word.request]).toBe(requestBefore); // no round trip
    expect(r.guestMeter.counters.exitsKernel).toBe(1);
    expect(r.rings).toEqual([]);
    r.doorbells.deliver();
    expect(r.rings).toEqual([4]);
    expect(r.hostStats.doorbellsDelivered).toBe(1);
  });

  it('rings coalesce while one is pending (eventfd counter semantics), and rung = posted + coalesced', () => {
    const r = doorbellRig();
    r.io.mmioWrite(0xe000_1000, 4, 0);
    r.io.mmioWrite(0xe000_1008, 4, 0);
    r.io.mmioWrite(0xe000_100c, 4, 0);
    r.doorbells.deliver();
    expect(r.rings).toEqual([12]); // one delivery, with the latest offset
    r.io.mmioWrite(0xe000_1000, 4, 0);
    r.doorbells.deliver();
    expect(r.rings).toEqual([12, 0]);
    expect(r.guestStats.doorbellsRung).toBe(4);
    expect(r.guestStats.doorbellsPosted).toBe(2);
    expect(r.hostStats.doorbellsDelivered).toBe(r.guestStats.doorbellsPosted);
    expect(r.guestMeter.counters.exitsKernel).toBe(4);
  });

  it('every posted ring bumps the host attention word (the host loop notices it)', () => {
    const r = doorbellRig();
    const before = Atomics.load(r.link.ctl, Word.hostAttention);
    r.io.mmioWrite(0xe000_1000, 4, 0);
    r.io.mmioWrite(0xe000_1000, 4, 0); // coalesced: no second bump
    expect(Atomics.load(r.link.ctl, Word.hostAttention)).toBe(before + 1);
  });

  it('a ring delivered after its doorbell was unmapped is dropped, and the guest table forgets it', () => {
    const r = doorbellRig();
    const link = r.link;
    const extra: number[] = [];
    const mapping = r.doorbells.mapDoorbell('pio', 0xc040, 4, (o) => extra.push(o), 'pio-bell');
    const io = new MailboxGuestIo(link, new Meter(), DEFAULT_WAIT_POLICY, zeroWaitStats(), zeroThreadStats(), 'v');
    io.out(0xc042, 1, 0);
    r.doorbells.unmap(mapping);
    r.doorbells.deliver();
    expect(extra).toEqual([]);
    expect(Atomics.load(link.ctl, Word.doorbellPending)).toBe(0);
  });
});

function interruptRig() {
  const link = ThreadLink.allocate();
  const hostStats = zeroThreadStats();
  const guestStats = zeroThreadStats();
  const meter = new Meter();
  const vcpu = queueScheduler();
  const host = new SharedHostInterrupts(link, hostStats);
  const guest = new SharedGuestInterrupts(link, vcpu, meter, guestStats);
  return { link, host, guest, vcpu, meter, hostStats, guestStats };
}

describe('MSI vectors (PCI 3.0 §6.8; the IRR bit absorbs repeats)', () => {
  it('a posted vector runs its handler once, with interrupt and EOI metered on the guest', () => {
    const r = interruptRig();
    let calls = 0;
    const msg = r.guest.allocMsi(() => calls++);
    r.host.msi(msg.address, msg.data);
    expect(calls).toBe(0); // nothing runs until the guest collects
    r.guest.collect();
    expect(calls).toBe(1);
    expect(r.meter.counters.interrupts).toBe(1);
    expect(r.meter.counters.eois).toBe(1);
  });

  it('repeats while pending coalesce; posted = taken, and sent = posted + coalesced', () => {
    const r = interruptRig();
    let a = 0;
    let b = 0;
    const ma = r.guest.allocMsi(() => a++);
    const mb = r.guest.allocMsi(() => b++);
    r.host.msi(ma.address, ma.data);
    r.host.msi(ma.address, ma.data);
    r.host.msi(mb.address, mb.data);
    r.guest.collect();
    r.host.msi(ma.address, ma.data);
    r.guest.collect();
    expect([a, b]).toEqual([2, 1]);
    expect(r.hostStats.irqSent).toBe(4);
    expect(r.hostStats.irqPosted).toBe(3);
    expect(r.hostStats.irqCoalesced).toBe(1);
    expect(r.guestStats.irqTaken).toBe(r.hostStats.irqPosted);
  });

  it('a message outside the MSI window is not an interrupt; an unprogrammed vector is dropped', () => {
    const r = interruptRig();
    r.host.msi(0x1000, 0x40);
    r.host.msi(MSI_ADDRESS_BASE, 0x99);
    r.guest.collect();
    expect(r.hostStats.irqDropped).toBe(1);
    expect(r.guestStats.irqUnhandled).toBe(1);
    expect(r.meter.counters.interrupts).toBe(0);
  });

  it('a post bumps the guest attention word (the guest loop notices it)', () => {
    const r = interruptRig();
    const msg = r.guest.allocMsi(() => {});
    const before = Atomics.load(r.link.ctl, Word.guestAttention);
    r.host.msi(msg.address, msg.data);
    expect(Atomics.load(r.link.ctl, Word.guestAttention)).toBe(before + 1);
  });
});

describe('interrupt lines (edge and level, as the in-thread InterruptController)', () => {
  it('edge: fires on a rising edge only, once per collect however many edges came', () => {
    const r = interruptRig();
    let calls = 0;
    r.guest.onLine(5, 'edge', () => calls++);
    r.host.setLine(5, true);
    r.host.setLine(5, false);
    r.host.setLine(5, true);
    r.guest.collect();
    expect(calls).toBe(1);
    r.guest.collect();
    expect(calls).toBe(1); // nothing new
    r.host.setLine(5, false);
    r.guest.collect();
    expect(calls).toBe(1); // falling edges never fire
  });

  it('level: fires again after EOI while still asserted, and stops once the device drops the line', () => {
    const r = interruptRig();
    let calls = 0;
    r.guest.onLine(17, 'level', () => {
      calls++;
      if (calls === 2) r.host.setLine(17, false); // the ISR's status read drops the line
    });
    r.host.setLine(17, true);
    r.guest.collect();
    expect(calls).toBe(1);
    expect(r.vcpu.drain()).toBe(1); // re-fired after EOI as a vCPU callback
    expect(calls).toBe(2);
    expect(r.vcpu.drain()).toBe(0);
    expect(r.meter.counters.interrupts).toBe(2);
  });

  it('a masked line is held until unmasked (level)', () => {
    const r = interruptRig();
    let calls = 0;
    r.guest.onLine(18, 'level', () => {
      calls++;
      r.host.setLine(18, false);
    });
    r.guest.maskLine(18);
    r.host.setLine(18, true);
    r.guest.collect();
    expect(calls).toBe(0);
    r.guest.unmaskLine(18);
    r.vcpu.drain();
    expect(calls).toBe(1);
  });

  it('ISA lines are acknowledged through the 8259 EOI hook, counted unpriced', () => {
    const r = interruptRig();
    const eois: number[] = [];
    r.guest.picEoi = (gsi) => eois.push(gsi);
    r.guest.onLine(4, 'edge', () => {});
    r.host.setLine(4, true);
    r.guest.collect();
    expect(eois).toEqual([4]);
    expect(r.meter.counters.eois).toBe(1);
  });

  it('lines beyond the carried range are refused on both faces', () => {
    const r = interruptRig();
    expect(() => r.host.setLine(40, true)).toThrow(RangeError);
    expect(() => r.guest.onLine(40, 'edge', () => {})).toThrow(RangeError);
  });
});
