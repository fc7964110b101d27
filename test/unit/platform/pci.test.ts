/**
 * PCI functions 0–7 on bus 0: configuration mechanism #1 decodes the Function Number (PCI 3.0
 * §3.2.2.3.2), Header Type bit 7 marks a multi-function device (§6.2.1), and the guest-side
 * enumerator scans functions 1–7 only behind a multi-function function 0.
 */
import { describe, expect, it } from 'vitest';
import { createSimMachine, type SimMachine } from '../../../harness/engine/sim/machine.js';
import { loadProfile } from '../../../harness/profiles/load.js';
import type { IoHandler } from '../../../models/platform/bus.js';
import {
  PCI_CONFIG_ADDRESS,
  PCI_CONFIG_DATA,
  PCI_HEADER_MULTI_FUNCTION,
  PciCapId,
  PciCfg,
  PciCommand,
  PciFunction,
} from '../../../models/platform/pci.js';
import { assignBars, PciConfigAccess, resourceWindows } from '../../../models/platform/pci-guest.js';

const profile = loadProfile('modern-2020s');

function machine(): SimMachine {
  return createSimMachine({ memBytes: 2 * 1024 * 1024, profile, seed: 1 });
}

function fn(name: string, deviceId: number): PciFunction {
  return new PciFunction(name, {
    vendorId: 0x8086,
    deviceId,
    revisionId: 0,
    classCode: 0xff0000,
    subsystemVendorId: 0x8086,
    subsystemId: 0,
    interruptPin: 0,
  });
}

/** CONFIG_ADDRESS value for bus/device/function/register. */
function address(bus: number, slot: number, func: number, reg: number): number {
  return (0x80000000 | (bus << 16) | (slot << 11) | (func << 8) | reg) >>> 0;
}

function rawRead(m: SimMachine, value: number): number {
  m.guest.io.out(PCI_CONFIG_ADDRESS, 4, value);
  return m.guest.io.in(PCI_CONFIG_DATA, 4);
}

describe('PCI 3.0 §3.2.2.3.2: CONFIG_ADDRESS decodes bus 0, device and function', () => {
  it('each function of a slot answers its own configuration space; absent functions read all-ones', () => {
    const m = machine();
    m.host.pci.attach(fn('f0', 0x1000), 3, 0);
    m.host.pci.attach(fn('f5', 0x1005), 3, 5);
    expect(rawRead(m, address(0, 3, 0, 0))).toBe(0x10008086);
    expect(rawRead(m, address(0, 3, 5, 0))).toBe(0x10058086);
    expect(rawRead(m, address(0, 3, 1, 0))).toBe(0xffffffff);
    // Bus 1 does not exist, and without the enable bit nothing is selected.
    expect(rawRead(m, address(1, 3, 5, 0))).toBe(0xffffffff);
    expect(rawRead(m, address(0, 3, 5, 0) & 0x7fffffff)).toBe(0xffffffff);
  });

  it('a write reaches only the addressed function', () => {
    const m = machine();
    const f0 = fn('f0', 0x1000);
    const f2 = fn('f2', 0x1002);
    m.host.pci.attach(f0, 4, 0);
    m.host.pci.attach(f2, 4, 2);
    const cfg = new PciConfigAccess(m.guest.io);
    cfg.write(4, PciCfg.interruptLine, 1, 0x2a, 2);
    expect(f2.config[PciCfg.interruptLine]).toBe(0x2a);
    expect(f0.config[PciCfg.interruptLine]).toBe(0);
    expect(cfg.read(4, PciCfg.interruptLine, 1, 2)).toBe(0x2a);
    // The call shape without a function is function 0.
    cfg.write(4, PciCfg.interruptLine, 1, 0x11);
    expect(cfg.read(4, PciCfg.interruptLine, 1)).toBe(0x11);
    expect(f0.config[PciCfg.interruptLine]).toBe(0x11);
    expect(f2.config[PciCfg.interruptLine]).toBe(0x2a);
  });

  it('attach records slot and function, and refuses a taken or invalid place', () => {
    const m = machine();
    const a = fn('a', 1);
    expect(m.host.pci.attach(a, 6, 3)).toBe(6);
    expect(a.slot).toBe(6);
    expect(a.func).toBe(3);
    expect(m.pci.function(6, 3)).toBe(a);
    expect(m.pci.function(6)).toBeUndefined();
    expect(() => m.host.pci.attach(fn('b', 2), 6, 3)).toThrow(/unavailable/);
    expect(() => m.host.pci.attach(fn('c', 3), 6, 8)).toThrow(/function 8/);
    expect(() => m.host.pci.attach(fn('d', 4), 32, 0)).toThrow(/unavailable/);
  });

  it('without a slot, attach takes function 0 of the first slot with no function at all', () => {
    const m = machine();
    m.host.pci.attach(fn('x', 1), 1, 4); // slot 1 holds only function 4: not empty
    const next = fn('y', 2);
    expect(m.host.pci.attach(next)).toBe(2);
    expect(next.func).toBe(0);
  });
});

describe('PCI 3.0 §6.2.1: Header Type bit 7 on function 0 of a multi-function device', () => {
  const headerType = (m: SimMachine, slot: number, func: number) =>
    new PciConfigAccess(m.guest.io).read(slot, PciCfg.headerType, 1, func);

  it('is clear for a single function and set once the slot holds a second one', () => {
    const m = machine();
    m.host.pci.attach(fn('f0', 0x1000), 2, 0);
    expect(headerType(m, 2, 0)).toBe(0);
    m.host.pci.attach(fn('f1', 0x1001), 2, 1);
    expect(headerType(m, 2, 0)).toBe(PCI_HEADER_MULTI_FUNCTION);
    // Only function 0's bit is meaningful; the other function's header is left as it was built.
    expect(headerType(m, 2, 1)).toBe(0);
  });

  it('is set on function 0 attached after its sibling', () => {
    const m = machine();
    m.host.pci.attach(fn('f3', 0x1003), 5, 3);
    m.host.pci.attach(fn('f0', 0x1000), 5, 0);
    expect(headerType(m, 5, 0)).toBe(PCI_HEADER_MULTI_FUNCTION);
  });

  it('is read-only to the guest', () => {
    const m = machine();
    m.host.pci.attach(fn('f0', 0x1000), 2, 0);
    m.host.pci.attach(fn('f1', 0x1001), 2, 1);
    new PciConfigAccess(m.guest.io).write(2, PciCfg.headerType, 1, 0);
    expect(headerType(m, 2, 0)).toBe(PCI_HEADER_MULTI_FUNCTION);
  });
});

describe('guest enumeration of functions (PciConfigAccess, assignBars)', () => {
  it('find() returns slot and function, scanning functions 1–7 behind a multi-function function 0', () => {
    const m = machine();
    m.host.pci.attach(fn('bridge', 0x7000), 1, 0);
    m.host.pci.attach(fn('ide', 0x7010), 1, 1);
    m.host.pci.attach(fn('other', 0x1234), 2, 0);
    const cfg = new PciConfigAccess(m.guest.io);
    expect(cfg.find(0x8086, 0x7000)).toEqual({ slot: 1, func: 0 });
    expect(cfg.find(0x8086, 0x7010)).toEqual({ slot: 1, func: 1 });
    expect(cfg.find(0x8086, 0x1234)).toEqual({ slot: 2, func: 0 });
    expect(cfg.find(0x8086, 0x9999)).toBeUndefined();
  });

  it('find() does not look past a function 0 without the multi-function bit, nor into a slot without function 0', () => {
    const m = machine();
    const f0 = fn('f0', 0x1000);
    m.host.pci.attach(f0, 1, 0);
    m.host.pci.attach(fn('hidden', 0x1001), 1, 1);
    m.host.pci.attach(fn('orphan', 0x1002), 2, 1);
    f0.config[PciCfg.headerType] = 0; // a device that does not declare its functions
    const cfg = new PciConfigAccess(m.guest.io);
    expect(cfg.find(0x8086, 0x1001)).toBeUndefined();
    expect(cfg.find(0x8086, 0x1002)).toBeUndefined();
    // Direct access still reaches them.
    expect(cfg.read(1, PciCfg.deviceId, 2, 1)).toBe(0x1001);
    expect(cfg.read(2, PciCfg.deviceId, 2, 1)).toBe(0x1002);
  });

  it('find() reads one dword per empty slot: 2 exits each (address, data)', () => {
    const m = machine();
    m.host.pci.attach(fn('target', 0x1000), 4, 0);
    const before = m.guestMeter.counters.exitsUser;
    expect(new PciConfigAccess(m.guest.io).find(0x8086, 0x1000)).toEqual({ slot: 4, func: 0 });
    expect(m.guestMeter.counters.exitsUser - before).toBe(5 * 2);
  });

  it('capabilities() and assignBars() work on a function other than 0', () => {
    const m = machine();
    const f0 = fn('f0', 0x1000);
    const f1 = fn('f1', 0x1001);
    const seen: number[] = [];
    const regs: IoHandler = {
      read: (offset) => 0xa0 + offset,
      write: (offset, _size, value) => {
        seen.push(offset, value);
      },
    };
    f1.addBar({ index: 4, kind: 'io', size: 16, handler: regs, handlerKind: 'user' });
    f1.addCapability(PciCapId.vendor, 4);
    f1.addCapability(PciCapId.msi, 8);
    m.host.pci.attach(f0, 3, 0);
    m.host.pci.attach(f1, 3, 1);
    const cfg = new PciConfigAccess(m.guest.io);
    expect(cfg.capabilities(3, 1).map((c) => c.id)).toEqual([PciCapId.msi, PciCapId.vendor]);
    expect(cfg.capabilities(3)).toEqual([]);

    const bars = assignBars(cfg, 3, resourceWindows(m.guest.io), 1);
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({ index: 4, space: 'pio', size: 16 });
    const base = bars[0]?.base as number;
    expect(f1.barAddress(4)).toBe(base);
    expect(f1.command & PciCommand.io).toBe(PciCommand.io);
    expect(f0.command).toBe(0);
    // The BAR decodes: the guest reaches function 1's handler at the assigned ports.
    expect(m.guest.io.in(base + 2, 1)).toBe(0xa2);
    m.guest.io.out(base + 5, 1, 0x33);
    expect(seen).toEqual([5, 0x33]);
  });
});
