/**
 * What firmware would have done before a driver starts: no BIOS runs under `-S`, so
 * PCI INTx pins are unrouted (PIRQ route registers read 0x80) and every function's
 * Interrupt Line is 0. These helpers route the PIIX3 PIRQs and record the result in
 * each function's Interrupt Line (config 0x3C), which our drivers read.
 * BAR assignment stays with the guest drivers.
 */
import type { AccessSize, GuestIo } from '../../../models/platform/bus.js';
import { PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA, PciCfg } from '../../../models/platform/pci.js';

/**
 * PIIX3 function 00:01.0 PIRQ Route Control registers PIRQRC[A:D] (Intel 82371SB
 * datasheet, function 0 config 60h–63h): bits 3:0 = ISA IRQ, bit 7 = routing disabled.
 */
export const Piix3Pirq = {
  dev: 1,
  fn: 0,
  routeBase: 0x60,
  disabled: 0x80,
} as const;

/** ISA IRQs a PIRQ may be steered to (82371SB: not 0–2, 8 or 13). */
export const PIRQ_ROUTABLE_IRQS = [3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15] as const;

/** Configuration mechanism #1 address (PCI 3.0 §3.2.2.3.2): enable bit, bus, device, function, dword. */
export function pciConfigAddress(bus: number, dev: number, fn: number, offset: number): number {
  return (0x80000000 | (bus << 16) | (dev << 11) | (fn << 8) | (offset & 0xfc)) >>> 0;
}

export function pciConfigRead(io: GuestIo, dev: number, fn: number, offset: number, size: AccessSize, bus = 0): number {
  io.out(PCI_CONFIG_ADDRESS, 4, pciConfigAddress(bus, dev, fn, offset));
  return io.in(PCI_CONFIG_DATA + (offset & 3), size);
}

export function pciConfigWrite(
  io: GuestIo,
  dev: number,
  fn: number,
  offset: number,
  size: AccessSize,
  value: number,
  bus = 0,
): void {
  io.out(PCI_CONFIG_ADDRESS, 4, pciConfigAddress(bus, dev, fn, offset));
  io.out(PCI_CONFIG_DATA + (offset & 3), size, value);
}

/**
 * The PIRQ (0 = A … 3 = D) a device's INTx pin reaches on QEMU's `pc` machine: the
 * i440FX/PIIX3 board rotates by slot, PIRQ = (slot − 1 + pin − 1) mod 4 (QEMU
 * hw/isa/piix3.c `pci_slot_get_pirq`), so slot 1 INTA is PIRQA, slot 2 INTA is PIRQB.
 */
export function pirqOf(slot: number, pin: number): number {
  return (slot - 1 + pin - 1) & 3;
}

export interface RoutedFunction {
  readonly dev: number;
  readonly fn: number;
  /** 1 = INTA# … 4 = INTD#. */
  readonly pin: number;
  readonly pirq: number;
  readonly irq: number;
}

type PirqIrqs = readonly [number, number, number, number];

/**
 * Route PIRQA–D to ISA IRQs (one IRQ for all four, or one each) and write each bus-0
 * function's resulting IRQ into its Interrupt Line (the PIIX3's own functions excepted). Returns the functions that use INTx.
 */
export function routePciInterrupts(io: GuestIo, irqs: number | PirqIrqs): RoutedFunction[] {
  const table: PirqIrqs = typeof irqs === 'number' ? [irqs, irqs, irqs, irqs] : irqs;
  for (const irq of table) {
    if (!(PIRQ_ROUTABLE_IRQS as readonly number[]).includes(irq))
      throw new RangeError(`IRQ ${irq} is not PIRQ-routable`);
  }
  table.forEach((irq, pirq) => {
    pciConfigWrite(io, Piix3Pirq.dev, Piix3Pirq.fn, Piix3Pirq.routeBase + pirq, 1, irq);
  });
  const routed: RoutedFunction[] = [];
  for (let dev = 0; dev < 32; dev++) {
    // The south bridge's own functions (IDE, ACPI) wire to fixed ISA IRQs, not through PIRQs.
    if (dev === Piix3Pirq.dev) continue;
    if (pciConfigRead(io, dev, 0, PciCfg.vendorId, 2) === 0xffff) continue;
    const multiFunction = (pciConfigRead(io, dev, 0, PciCfg.headerType, 1) & 0x80) !== 0;
    for (let fn = 0; fn < (multiFunction ? 8 : 1); fn++) {
      if (fn > 0 && pciConfigRead(io, dev, fn, PciCfg.vendorId, 2) === 0xffff) continue;
      const pin = pciConfigRead(io, dev, fn, PciCfg.interruptPin, 1);
      if (pin < 1 || pin > 4) continue;
      const pirq = pirqOf(dev, pin);
      const irq = table[pirq] as number;
      pciConfigWrite(io, dev, fn, PciCfg.interruptLine, 1, irq);
      routed.push({ dev, fn, pin, pirq, irq });
    }
  }
  return routed;
}
