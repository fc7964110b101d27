/**
 * Guest-side PCI: configuration access through mechanism #1 (each access is an exit),
 * enumeration, capability walk and BAR assignment — what firmware or the guest kernel
 * does before a driver binds. Model-agnostic; any model on PCI uses it.
 */
import type { AccessSize, GuestIo } from './bus.js';
import { MEMORY_MAP } from './machine.js';
import {
  PCI_CONFIG_ADDRESS,
  PCI_CONFIG_DATA,
  PCI_FUNCTIONS,
  PCI_HEADER_MULTI_FUNCTION,
  PCI_SLOTS,
  PciCfg,
  PciCommand,
} from './pci.js';

/** Where a function sits on bus 0: device (slot) and Function Number. */
export interface PciAddress {
  readonly slot: number;
  readonly func: number;
}

export class PciConfigAccess {
  constructor(private readonly io: GuestIo) {}

  /** CONFIG_ADDRESS: enable bit 31, bus 0, device 15:11, function 10:8, register 7:2 (PCI 3.0 §3.2.2.3.2). */
  private select(slot: number, reg: number, func: number): void {
    this.io.out(PCI_CONFIG_ADDRESS, 4, (0x80000000 | (slot << 11) | ((func & 7) << 8) | (reg & 0xfc)) >>> 0);
  }

  read(slot: number, reg: number, size: AccessSize, func = 0): number {
    this.select(slot, reg, func);
    return this.io.in(PCI_CONFIG_DATA + (reg & 3), size);
  }

  write(slot: number, reg: number, size: AccessSize, value: number, func = 0): void {
    this.select(slot, reg, func);
    this.io.out(PCI_CONFIG_DATA + (reg & 3), size, value);
  }

  /**
   * First function on bus 0 whose vendor/device match. Functions 1–7 of a slot are probed only when
   * function 0 exists and sets the multi-function bit of its Header Type (PCI 3.0 §6.2.1).
   */
  find(vendorId: number, deviceId: number): PciAddress | undefined {
    const want = ((deviceId << 16) | vendorId) >>> 0;
    for (let slot = 0; slot < PCI_SLOTS; slot++) {
      const id0 = this.read(slot, PciCfg.vendorId, 4);
      if ((id0 & 0xffff) === 0xffff) continue; // no function 0: no device in this slot
      if (id0 === want) return { slot, func: 0 };
      if ((this.read(slot, PciCfg.headerType, 1) & PCI_HEADER_MULTI_FUNCTION) === 0) continue;
      for (let func = 1; func < PCI_FUNCTIONS; func++) {
        if (this.read(slot, PciCfg.vendorId, 4, func) === want) return { slot, func };
      }
    }
    return undefined;
  }

  /** Capability list walk (bounded: a hostile or broken list cannot loop us). */
  capabilities(slot: number, func = 0): { id: number; offset: number }[] {
    const out: { id: number; offset: number }[] = [];
    let ptr = this.read(slot, PciCfg.capabilitiesPointer, 1, func) & 0xfc;
    for (let guard = 0; ptr !== 0 && guard < 48; guard++) {
      out.push({ id: this.read(slot, ptr, 1, func), offset: ptr });
      ptr = this.read(slot, ptr + 1, 1, func) & 0xfc;
    }
    return out;
  }
}

export interface AssignedBar {
  readonly index: number;
  readonly space: 'pio' | 'mmio';
  readonly base: number;
  readonly size: number;
}

/** Address windows the guest places BARs in; one per guest so devices never collide. */
export class PciResourceWindows {
  private mmio: number = MEMORY_MAP.pciMmioBase;
  private pio: number = MEMORY_MAP.pciIoBase;

  take(space: 'pio' | 'mmio', size: number): number {
    if (space === 'mmio') {
      const base = Math.ceil(this.mmio / size) * size;
      if (base + size > MEMORY_MAP.pciMmioLimit) throw new RangeError('PCI MMIO window exhausted');
      this.mmio = base + size;
      return base;
    }
    const base = Math.ceil(this.pio / size) * size;
    if (base + size > MEMORY_MAP.pciIoLimit) throw new RangeError('PCI I/O window exhausted');
    this.pio = base + size;
    return base;
  }
}

const windowsByIo = new WeakMap<GuestIo, PciResourceWindows>();

export function resourceWindows(io: GuestIo): PciResourceWindows {
  let w = windowsByIo.get(io);
  if (w === undefined) {
    w = new PciResourceWindows();
    windowsByIo.set(io, w);
  }
  return w;
}

/**
 * Size every BAR of function `func` of `slot` by writing all-ones (PCI 3.0 §6.2.5.1), assign it from
 * the windows and enable decoding and bus mastering. Returns the BARs found.
 */
export function assignBars(cfg: PciConfigAccess, slot: number, windows: PciResourceWindows, func = 0): AssignedBar[] {
  const bars: AssignedBar[] = [];
  cfg.write(slot, PciCfg.command, 2, 0, func); // no decode while sizing
  for (let i = 0; i < 6; i++) {
    const reg = PciCfg.bar0 + 4 * i;
    const orig = cfg.read(slot, reg, 4, func);
    cfg.write(slot, reg, 4, 0xffffffff, func);
    const probe = cfg.read(slot, reg, 4, func);
    cfg.write(slot, reg, 4, orig, func);
    if (probe === 0) continue;
    const isIo = (probe & 1) === 1;
    const is64 = !isIo && (probe & 0x6) === 0x4;
    const mask = isIo ? probe & 0xfffffffc : probe & 0xfffffff0;
    const size = (~mask >>> 0) + 1;
    const base = windows.take(isIo ? 'pio' : 'mmio', size);
    cfg.write(slot, reg, 4, base, func);
    if (is64) cfg.write(slot, reg + 4, 4, 0, func);
    bars.push({ index: i, space: isIo ? 'pio' : 'mmio', base, size });
    if (is64) i++;
  }
  cfg.write(slot, PciCfg.command, 2, PciCommand.io | PciCommand.memory | PciCommand.busMaster, func);
  return bars;
}
