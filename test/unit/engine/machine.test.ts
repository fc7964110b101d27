import { describe, expect, it } from 'vitest';
import { createSimMachine } from '../../../harness/engine/sim/machine.js';
import { BUILTIN_PROFILES, loadProfile } from '../../../harness/profiles/load.js';
import type { GuestPlatform, HostPlatform } from '../../../models/platform/machine.js';
import { MeterEvent } from '../../../models/platform/meter.js';
import { PciFunction } from '../../../models/platform/pci.js';

const MIB = 1024 * 1024;

/**
 * A fake device on the host face only: a PIO register window (user exits), an ioeventfd-style
 * doorbell (kernel exit) and an MSI. On each ring it copies the guest's 64-byte buffer out of
 * guest memory, counts a completion and signals the programmed MSI.
 */
const REG_BASE = 0x510;
const Reg = { msiAddress: 0x0, msiData: 0x4, bufferAddr: 0x8, completions: 0x8 } as const;
const DOORBELL = 0x520;
const PAYLOAD = 64;

function attachFakeDevice(host: HostPlatform) {
  let msiAddress = 0;
  let msiData = 0;
  let buffer = 0;
  let completions = 0;
  const seen: number[] = [];
  const bounce = new Uint8Array(PAYLOAD);
  host.bus.map(
    'pio',
    REG_BASE,
    12,
    {
      read: (offset) => (offset === Reg.completions ? completions : 0xffffffff),
      write: (offset, _size, raw) => {
        const value = raw >>> 0; // Bus.access masks with `&`, which yields a signed int32 above 2^31
        if (offset === Reg.msiAddress) msiAddress = value;
        else if (offset === Reg.msiData) msiData = value;
        else if (offset === Reg.bufferAddr) buffer = value;
      },
    },
    'user',
    'fake-regs',
  );
  host.bus.mapDoorbell(
    'pio',
    DOORBELL,
    4,
    () => {
      host.mem.read(buffer, PAYLOAD, bounce); // metered host copy, on the device actor
      seen.push(bounce[0] as number);
      completions++;
      host.irq.msi(msiAddress, msiData);
    },
    'fake-doorbell',
  );
  return { seen };
}

/** Guest loop: program the device, then N times fill the buffer, read status, ring; continue on each MSI. */
function startGuestLoop(guest: GuestPlatform, rounds: number) {
  const state = { handled: 0, finishedAtNs: -1, statusReads: [] as number[] };
  const buf = guest.alloc.alloc(PAYLOAD, 64);
  const fill = new Uint8Array(PAYLOAD);
  let round = 0;
  const iterate = (): void => {
    round++;
    fill.fill(round);
    guest.mem.store(buf, fill); // the workload's own data: not metered
    state.statusReads.push(guest.io.in(REG_BASE + Reg.completions, 4));
    guest.io.out(DOORBELL, 4, 1);
  };
  const onMsi = (): void => {
    state.handled++;
    if (state.handled < rounds) iterate();
    else state.finishedAtNs = guest.sched.now();
  };
  guest.sched.after(0, () => {
    const msg = guest.irq.allocMsi(onMsi);
    guest.io.out(REG_BASE + Reg.msiAddress, 4, msg.address);
    guest.io.out(REG_BASE + Reg.msiData, 4, msg.data);
    guest.io.out(REG_BASE + Reg.bufferAddr, 4, buf);
    iterate();
  });
  return state;
}

describe('sim machine end to end: PIO register + doorbell + MSI', () => {
  it.each(BUILTIN_PROFILES)('%s: counters and virtual times follow from the profile', (id) => {
    const rounds = 20;
    const m = createSimMachine({ memBytes: 4 * MIB, profile: loadProfile(id), seed: 1 });
    const device = attachFakeDevice(m.host);
    const guest = startGuestLoop(m.guest, rounds);
    const summary = m.run({ until: () => guest.finishedAtNs >= 0, maxEvents: 10_000 });
    expect(summary.reason).toBe('until');

    // Behaviour: the device saw every round's data; the guest saw completions advance.
    expect(device.seen).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
    expect(guest.statusReads).toEqual(Array.from({ length: rounds }, (_, i) => i));

    // Counters: 3 setup writes + 1 status read per round (user), 1 doorbell per round (kernel).
    const g = m.guestMeter.counters;
    const h = m.hostMeter.counters;
    expect(g.exitsUser).toBe(3 + rounds);
    expect(g.exitsKernel).toBe(rounds);
    expect(g.exits).toBe(3 + 2 * rounds);
    expect(g.interrupts).toBe(rounds);
    expect(g.eois).toBe(rounds);
    expect(g.wakeups).toBe(rounds + 1); // woken for setup, then by every MSI
    expect(h.wakeups).toBe(rounds); // the device thread is idle at every ring
    expect(h.bytesCopied).toBe(rounds * PAYLOAD);
    expect(m.hostMeter.copiedBy.host).toBe(rounds * PAYLOAD);
    expect(g.bytesCopied).toBe(0);
    expect(m.interrupts.sent).toBe(rounds);
    expect(m.interrupts.coalesced).toBe(0);

    // Virtual time, from the profile's prices (integer ps).
    const p = m.prices;
    const U = p[MeterEvent.exitUser] as number;
    const K = p[MeterEvent.exitKernel] as number;
    const W = p[MeterEvent.wakeup] as number;
    const I = p[MeterEvent.interrupt] as number;
    const E = p[MeterEvent.eoi] as number;
    const C = Math.round(PAYLOAD * (p[MeterEvent.copy] as number));
    const firstRing = W + 3 * U + U + K;
    const roundTrip = W + I + U + K + (W + C); // vCPU: wake, interrupt, status read, ring; device: wake, copy
    const lastInterruptStart = firstRing + (rounds - 1) * roundTrip + W + C;
    expect(guest.finishedAtNs * 1000).toBe(lastInterruptStart + W + I);
    expect(m.nowNs() * 1000).toBe(lastInterruptStart + W + I + E);

    const busy = Object.fromEntries(m.actors().map((a) => [a.name, a.busyNs * 1000]));
    expect(busy.device).toBe(rounds * (W + C));
    expect(busy.vcpu0).toBe(W + 3 * U + rounds * (U + K) + rounds * (W + I + E));
  });

  it('is deterministic: same seed, same program ⇒ same times and counters', () => {
    const once = () => {
      const m = createSimMachine({ memBytes: 4 * MIB, profile: loadProfile('core2-2008'), seed: 9 });
      attachFakeDevice(m.host);
      const g = startGuestLoop(m.guest, 7);
      m.run({ until: () => g.finishedAtNs >= 0 });
      return { t: m.nowNs(), g: { ...m.guestMeter.counters }, h: { ...m.hostMeter.counters }, a: m.actors() };
    };
    expect(once()).toEqual(once());
  });
});

describe('sim machine wiring', () => {
  const profile = loadProfile('modern-2020s');

  it('guest and host see the same RAM; copies are billed to the side that makes them', () => {
    const m = createSimMachine({ memBytes: 2 * MIB, profile, seed: 1 });
    const addr = m.guest.alloc.alloc(16);
    expect(addr).toBeGreaterThanOrEqual(0x100000); // MEMORY_MAP.allocBase
    m.guest.mem.write(addr, Uint8Array.of(1, 2, 3, 4));
    expect(m.host.mem.u32(addr)).toBe(0x04030201);
    expect(m.guestMeter.copiedBy.guest).toBe(4);
    expect(m.hostMeter.counters.bytesCopied).toBe(0);
    expect(m.host.mem.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('PCI config mechanism #1 reaches a function attached on the host face (2 user exits)', () => {
    const m = createSimMachine({ memBytes: 2 * MIB, profile, seed: 1 });
    const fn = new PciFunction('probe', {
      vendorId: 0x1af4,
      deviceId: 0x1044,
      revisionId: 1,
      classCode: 0xff0000,
      subsystemVendorId: 0x1af4,
      subsystemId: 0x0040,
      interruptPin: 1,
    });
    const slot = m.host.pci.attach(fn, 3);
    let id = 0;
    m.guest.sched.after(0, () => {
      m.guest.io.out(0xcf8, 4, 0x80000000 | (slot << 11));
      id = m.guest.io.in(0xcfc, 4);
    });
    m.run();
    expect(id).toBe((0x1044 << 16) | 0x1af4);
    expect(m.guestMeter.counters.exitsUser).toBe(2);
    expect(m.nowNs() * 1000).toBe(
      (m.prices[MeterEvent.wakeup] as number) + 2 * (m.prices[MeterEvent.exitUser] as number),
    );
  });

  it('host actors are created on first use with the host meter; the vCPU is not a host actor', () => {
    const m = createSimMachine({ memBytes: 2 * MIB, profile, seed: 1 });
    const worker = m.host.actor('blk-worker');
    expect(m.host.actor('blk-worker')).toBe(worker);
    expect(m.host.actor('device').actor).toBe('device');
    expect(() => m.host.actor('vcpu0')).toThrow(/meter/);
    worker.after(0, () => {});
    m.run();
    expect(m.hostMeter.counters.wakeups).toBe(1);
    expect(m.guestMeter.counters.wakeups).toBe(0);
    expect(m.actors().map((a) => a.name)).toEqual(['vcpu0', 'device', 'blk-worker']);
  });

  it('hypercalls registered on the host face are answered on the guest face', () => {
    const m = createSimMachine({ memBytes: 2 * MIB, profile, seed: 1 });
    m.host.registerHypercall(5, (a0, a1) => a0 + a1);
    let r = 0;
    let unknown = 0;
    m.guest.sched.after(0, () => {
      r = m.guest.io.hypercall(5, 40, 2);
      unknown = m.guest.io.hypercall(6);
    });
    m.run();
    expect(r).toBe(42);
    expect(unknown).toBe(-38);
    expect(m.guestMeter.counters.hypercalls).toBe(2);
  });

  it('seeds independent guest and host random streams, reproducibly', () => {
    const draw = (seed: number) => {
      const m = createSimMachine({ memBytes: 2 * MIB, profile, seed });
      return { g: [m.guest.rng.u32(), m.guest.rng.u32()], h: [m.host.rng.u32(), m.host.rng.u32()] };
    };
    const a = draw(1);
    expect(draw(1)).toEqual(a);
    expect(a.g).not.toEqual(a.h);
    expect(draw(2).g).not.toEqual(a.g);
  });

  it('rejects guest RAM sizes it cannot lay out', () => {
    expect(() => createSimMachine({ memBytes: 0x100000, profile, seed: 1 })).toThrow(RangeError);
    expect(() => createSimMachine({ memBytes: 2 * MIB + 1, profile, seed: 1 })).toThrow(RangeError);
  });
});
