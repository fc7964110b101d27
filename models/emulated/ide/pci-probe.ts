/**
 * Guest-side PCI work the IDE driver needs before it binds: find the PIIX3 IDE function by
 * vendor/device on bus 0 (including functions 1–7 of multi-function devices: QEMU puts it at
 * 00:01.1), and, for DMA, give BAR4 an I/O range and turn on I/O decode and bus mastering
 * (what firmware would do; no firmware runs under qtest). Configuration mechanism #1,
 * PCI Local Bus 3.0 §3.2.2.3.2; every access is an exit.
 */
import type { AccessSize, GuestIo } from '../../platform/bus.js';
import { PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA, PciCfg, PciCommand } from '../../platform/pci.js';
import { resourceWindows } from '../../platform/pci-guest.js';

export interface PciLocation {
  readonly slot: number;
  readonly fn: number;
}

const HEADER_MULTI_FUNCTION = 0x80;

function select(io: GuestIo, at: PciLocation, reg: number): void {
  io.out(PCI_CONFIG_ADDRESS, 4, (0x80000000 | (at.slot << 11) | (at.fn << 8) | (reg & 0xfc)) >>> 0);
}

export function pciRead(io: GuestIo, at: PciLocation, reg: number, size: AccessSize): number {
  select(io, at, reg);
  return io.in(PCI_CONFIG_DATA + (reg & 3), size);
}

export function pciWrite(io: GuestIo, at: PciLocation, reg: number, size: AccessSize, value: number): void {
  select(io, at, reg);
  io.out(PCI_CONFIG_DATA + (reg & 3), size, value);
}

/** First function on bus 0 with this vendor/device id. */
export function findPciFunction(io: GuestIo, vendorId: number, deviceId: number): PciLocation | undefined {
  const want = ((deviceId << 16) | vendorId) >>> 0;
  for (let slot = 0; slot < 32; slot++) {
    const fn0 = { slot, fn: 0 };
    const id0 = pciRead(io, fn0, PciCfg.vendorId, 4);
    if ((id0 & 0xffff) === 0xffff) continue;
    if (id0 === want) return fn0;
    if ((pciRead(io, fn0, PciCfg.headerType, 1) & HEADER_MULTI_FUNCTION) === 0) continue;
    for (let fn = 1; fn < 8; fn++) {
      if (pciRead(io, { slot, fn }, PciCfg.vendorId, 4) === want) return { slot, fn };
    }
  }
  return undefined;
}

/** The I/O base of `bar`, assigning one if it has none; enables I/O decode and bus mastering. */
export function enableIoBar(io: GuestIo, at: PciLocation, bar: number): number {
  const reg = PciCfg.bar0 + 4 * bar;
  const value = pciRead(io, at, reg, 4);
  if ((value & 1) === 0)
    throw new Error(`BAR${bar} of ${at.slot}.${at.fn} is not an I/O BAR (0x${value.toString(16)})`);
  let base = value & 0xfffc;
  if (base === 0) {
    pciWrite(io, at, reg, 4, 0xffffffff);
    const probe = pciRead(io, at, reg, 4) & 0xfffc;
    const size = 0x10000 - probe;
    if (probe === 0 || size <= 0)
      throw new Error(`BAR${bar} of ${at.slot}.${at.fn} does not size (0x${probe.toString(16)})`);
    base = resourceWindows(io).take('pio', size);
    pciWrite(io, at, reg, 4, base);
  }
  const command = pciRead(io, at, PciCfg.command, 2);
  pciWrite(io, at, PciCfg.command, 2, command | PciCommand.io | PciCommand.busMaster);
  return base;
}
