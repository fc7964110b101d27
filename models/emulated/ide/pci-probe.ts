/**
 * Guest-side PCI work the IDE driver needs before it binds, for DMA: give BAR4 an I/O range and
 * turn on I/O decode and bus mastering (what firmware would do; no firmware runs under qtest).
 * Finding the function (00:01.1 on QEMU, behind the multi-function PIIX3) is PciConfigAccess.find.
 * Configuration mechanism #1, PCI Local Bus 3.0 §3.2.2.3.2; every access is an exit.
 */
import type { GuestIo } from '../../platform/bus.js';
import { PciCfg, PciCommand } from '../../platform/pci.js';
import { type PciAddress, PciConfigAccess, resourceWindows } from '../../platform/pci-guest.js';

/** The I/O base of `bar`, assigning one if it has none; enables I/O decode and bus mastering. */
export function enableIoBar(io: GuestIo, at: PciAddress, bar: number): number {
  const cfg = new PciConfigAccess(io);
  const { slot, func } = at;
  const reg = PciCfg.bar0 + 4 * bar;
  const value = cfg.read(slot, reg, 4, func);
  if ((value & 1) === 0) throw new Error(`BAR${bar} of ${slot}.${func} is not an I/O BAR (0x${value.toString(16)})`);
  let base = value & 0xfffc;
  if (base === 0) {
    cfg.write(slot, reg, 4, 0xffffffff, func);
    const probe = cfg.read(slot, reg, 4, func) & 0xfffc;
    const size = 0x10000 - probe;
    if (probe === 0 || size <= 0)
      throw new Error(`BAR${bar} of ${slot}.${func} does not size (0x${probe.toString(16)})`);
    base = resourceWindows(io).take('pio', size);
    cfg.write(slot, reg, 4, base, func);
  }
  const command = cfg.read(slot, PciCfg.command, 2, func);
  cfg.write(slot, PciCfg.command, 2, command | PciCommand.io | PciCommand.busMaster, func);
  return base;
}
