/**
 * PCI: configuration mechanism #1 (0xCF8 address latch, 0xCFC–0xCFF data) on bus 0, type-0
 * functions 0–7 per slot with BARs and capability lists, INTx routing (PCI Local Bus 3.0
 * §3.2.2.3.2, §6.1–§6.7). Host side here; the guest-side enumerator is in pci-guest.ts.
 */
import { type AccessSize, ALL_ONES, type HostBus, type IoHandler, type Mapping } from './bus.js';
import type { HostInterrupts } from './interrupts.js';
import type { HandlerKind } from './meter.js';

export const PCI_CONFIG_ADDRESS = 0xcf8;
export const PCI_CONFIG_DATA = 0xcfc;

/** Type-0 header offsets (PCI 3.0 §6.1). */
export const PciCfg = {
  vendorId: 0x00,
  deviceId: 0x02,
  command: 0x04,
  status: 0x06,
  revisionId: 0x08,
  classProg: 0x09,
  headerType: 0x0e,
  bar0: 0x10,
  subsystemVendorId: 0x2c,
  subsystemId: 0x2e,
  capabilitiesPointer: 0x34,
  interruptLine: 0x3c,
  interruptPin: 0x3d,
} as const;

/** Header Type bit 7: the device has functions besides 0 (PCI 3.0 §6.2.1). */
export const PCI_HEADER_MULTI_FUNCTION = 0x80;
/** Devices on bus 0 and functions per device (configuration mechanism #1, PCI 3.0 §3.2.2.3.2). */
export const PCI_SLOTS = 32;
export const PCI_FUNCTIONS = 8;

export const PciCommand = { io: 0x1, memory: 0x2, busMaster: 0x4, intxDisable: 0x400 } as const;
export const PciStatus = { interrupt: 0x8, capabilitiesList: 0x10 } as const;
export const PciCapId = { msi: 0x05, vendor: 0x09, msix: 0x11 } as const;

export type BarKind = 'io' | 'mem32' | 'mem64';

export interface BarSpec {
  readonly index: number;
  readonly kind: BarKind;
  /** Power of two ≥ 16 (mem) / ≥ 4 (io). */
  readonly size: number;
  readonly prefetchable?: boolean;
  readonly handler: IoHandler;
  readonly handlerKind: HandlerKind;
  /** Sub-ranges served as ioeventfd-style doorbells instead of by `handler`: [offset, length, onRing]. */
  readonly doorbells?: readonly { offset: number; length: number; onRing: (offset: number) => void }[];
}

/** Hook for capability registers with side effects (MSI-X enable, virtio PCI_CFG window). */
export interface ConfigHook {
  readonly start: number;
  readonly length: number;
  read?(offset: number, size: AccessSize, stored: number): number;
  /** Called after the masked write has been stored. */
  afterWrite?(offset: number, size: AccessSize, value: number): void;
}

export interface PciIdentity {
  vendorId: number;
  deviceId: number;
  revisionId: number;
  /** 24-bit class code: base << 16 | sub << 8 | prog-if. */
  classCode: number;
  subsystemVendorId: number;
  subsystemId: number;
  /** 1 = INTA#… 0 = no INTx. */
  interruptPin: number;
}

export class PciFunction {
  readonly config = new Uint8Array(256);
  /** Bits the guest may write. */
  readonly writeMask = new Uint8Array(256);
  /** Bits a write of 1 clears (status register RW1C bits). */
  readonly w1cMask = new Uint8Array(256);
  readonly bars: (BarSpec | undefined)[] = [];
  private readonly hooks: ConfigHook[] = [];
  private lastCap = 0;
  private nextCapOffset = 0x40;
  /** Set by the PCI host at attach. */
  host: PciRoot | undefined;
  slot = -1;
  /** Function Number within the slot (0–7). */
  func = -1;
  gsi = -1;
  private intxLevel = false;

  constructor(
    readonly name: string,
    id: PciIdentity,
  ) {
    const c = new DataView(this.config.buffer);
    c.setUint16(PciCfg.vendorId, id.vendorId, true);
    c.setUint16(PciCfg.deviceId, id.deviceId, true);
    c.setUint8(PciCfg.revisionId, id.revisionId);
    c.setUint8(PciCfg.classProg, id.classCode & 0xff);
    c.setUint16(PciCfg.classProg + 1, (id.classCode >>> 8) & 0xffff, true);
    c.setUint16(PciCfg.subsystemVendorId, id.subsystemVendorId, true);
    c.setUint16(PciCfg.subsystemId, id.subsystemId, true);
    c.setUint8(PciCfg.interruptPin, id.interruptPin);
    // Command: I/O, memory, bus master, INTx disable are writable.
    this.writeMask[PciCfg.command] = PciCommand.io | PciCommand.memory | PciCommand.busMaster;
    this.writeMask[PciCfg.command + 1] = PciCommand.intxDisable >> 8;
    this.writeMask[PciCfg.interruptLine] = 0xff;
  }

  private dv(): DataView {
    return new DataView(this.config.buffer);
  }

  addBar(spec: BarSpec): void {
    if (spec.size & (spec.size - 1) || spec.size < (spec.kind === 'io' ? 4 : 16))
      throw new Error('BAR size must be a power of two');
    this.bars[spec.index] = spec;
    const off = PciCfg.bar0 + 4 * spec.index;
    const low = spec.kind === 'io' ? 0x1 : (spec.kind === 'mem64' ? 0x4 : 0) | (spec.prefetchable ? 0x8 : 0);
    this.dv().setUint32(off, low, true);
    const mask = spec.kind === 'io' ? ~(spec.size - 1) & 0xfffffffc : ~(spec.size - 1) & 0xfffffff0;
    new DataView(this.writeMask.buffer).setUint32(off, mask >>> 0, true);
    if (spec.kind === 'mem64') new DataView(this.writeMask.buffer).setUint32(off + 4, 0xffffffff, true);
  }

  /** Add a capability of `length` bytes (including id and next) and return its offset. */
  addCapability(id: number, length: number, body?: Uint8Array, writable?: Uint8Array): number {
    const off = this.nextCapOffset;
    if (off + length > 256) throw new Error('capability space exhausted');
    this.config[off] = id;
    if (body !== undefined) this.config.set(body.subarray(2), off + 2);
    if (writable !== undefined) this.writeMask.set(writable.subarray(0, length), off);
    // Insert at the head of the list, as QEMU's pci_add_capability does: the chain runs
    // from the last-added capability down to the first.
    this.config[off + 1] = this.lastCap;
    this.config[PciCfg.capabilitiesPointer] = off;
    this.dv().setUint16(PciCfg.status, this.dv().getUint16(PciCfg.status, true) | PciStatus.capabilitiesList, true);
    this.lastCap = off;
    this.nextCapOffset = (off + length + 3) & ~3;
    return off;
  }

  addHook(hook: ConfigHook): void {
    this.hooks.push(hook);
  }

  get command(): number {
    return this.dv().getUint16(PciCfg.command, true);
  }

  /** Guest-assigned base of BAR `index`, or undefined when unassigned. */
  barAddress(index: number): number | undefined {
    const spec = this.bars[index];
    if (spec === undefined) return undefined;
    const off = PciCfg.bar0 + 4 * index;
    const lo = this.dv().getUint32(off, true);
    if (spec.kind === 'io') return (lo & 0xfffffffc) >>> 0;
    const base =
      ((lo & 0xfffffff0) >>> 0) + (spec.kind === 'mem64' ? this.dv().getUint32(off + 4, true) * 4294967296 : 0);
    return base;
  }

  configRead(offset: number, size: AccessSize): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.config[offset + i] as number);
    for (const h of this.hooks) {
      if (h.read !== undefined && offset >= h.start && offset < h.start + h.length)
        v = h.read(offset - h.start, size, v);
    }
    return v >>> 0;
  }

  configWrite(offset: number, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      const b = (value >>> (8 * i)) & 0xff;
      const wm = this.writeMask[o] as number;
      const w1c = this.w1cMask[o] as number;
      const old = this.config[o] as number;
      this.config[o] = ((old & ~wm) | (b & wm)) & ~(b & w1c) & 0xff;
    }
    for (const h of this.hooks) {
      if (h.afterWrite !== undefined && offset >= h.start && offset < h.start + h.length)
        h.afterWrite(offset - h.start, size, value);
    }
    if (offset < PciCfg.bar0 + 24 && offset + size > PciCfg.command) this.host?.remap(this);
    if (offset <= PciCfg.command + 1 && offset + size > PciCfg.command) this.updateIntx();
  }

  /** Drive INTx (level, active high at the IOAPIC after the PCI swizzle). */
  setIntx(level: boolean): void {
    this.intxLevel = level;
    const st = this.dv().getUint16(PciCfg.status, true);
    this.dv().setUint16(PciCfg.status, level ? st | PciStatus.interrupt : st & ~PciStatus.interrupt, true);
    this.updateIntx();
  }

  private updateIntx(): void {
    if (this.host === undefined || this.gsi < 0) return;
    const disabled = (this.command & PciCommand.intxDisable) !== 0;
    this.host.irq.setLine(this.gsi, this.intxLevel && !disabled);
  }
}

export interface PciHost {
  /**
   * Attach a function as function `func` of `slot` on bus 0 (default: function 0 of the first empty
   * slot); returns the slot. A slot holding more than one function sets the multi-function bit.
   */
  attach(fn: PciFunction, slot?: number, func?: number): number;
}

/** First IOAPIC input used for PCI INTx (pins 16–19, after the 16 ISA IRQs). */
export const PCI_INTX_GSI_BASE = 16;

export class PciRoot implements PciHost {
  /** Indexed by slot · 8 + function, as the device and function fields of CONFIG_ADDRESS. */
  private readonly functions: (PciFunction | undefined)[] = new Array(PCI_SLOTS * PCI_FUNCTIONS).fill(undefined);
  private readonly mapped = new Map<PciFunction, Mapping[]>();
  private address = 0;

  constructor(
    private readonly bus: HostBus,
    readonly irq: HostInterrupts,
  ) {
    const cf8: IoHandler = {
      read: (offset, size) => (offset === 0 && size === 4 ? this.address : ALL_ONES[size]),
      write: (offset, size, value) => {
        if (offset === 0 && size === 4) this.address = value >>> 0;
      },
    };
    const cfc: IoHandler = {
      read: (offset, size) => {
        const t = this.target(offset, size);
        return t === undefined ? ALL_ONES[size] : t.fn.configRead(t.reg, size);
      },
      write: (offset, size, value) => {
        const t = this.target(offset, size);
        t?.fn.configWrite(t.reg, size, value);
      },
    };
    bus.map('pio', PCI_CONFIG_ADDRESS, 4, cf8, 'user', 'pci-config-address');
    bus.map('pio', PCI_CONFIG_DATA, 4, cfc, 'user', 'pci-config-data');
  }

  /** Decode CONFIG_ADDRESS: enable bit 31, bus 23:16, device 15:11, function 10:8, register 7:2. */
  private target(offset: number, size: AccessSize): { fn: PciFunction; reg: number } | undefined {
    const a = this.address;
    if ((a & 0x80000000) === 0) return undefined;
    const busNo = (a >>> 16) & 0xff;
    const dev = (a >>> 11) & 0x1f;
    const func = (a >>> 8) & 0x7;
    if (busNo !== 0) return undefined;
    const fn = this.functions[dev * PCI_FUNCTIONS + func];
    if (fn === undefined) return undefined;
    const reg = (a & 0xfc) + offset;
    if (reg + size > 256 || reg % size !== 0) return undefined;
    return { fn, reg };
  }

  attach(fn: PciFunction, slot?: number, func = 0): number {
    const s = slot ?? this.firstEmptySlot();
    if (!Number.isInteger(func) || func < 0 || func >= PCI_FUNCTIONS) throw new Error(`PCI function ${func} invalid`);
    if (!Number.isInteger(s) || s < 0 || s >= PCI_SLOTS || this.functions[s * PCI_FUNCTIONS + func] !== undefined)
      throw new Error(`PCI slot ${slot}.${func} unavailable`);
    this.functions[s * PCI_FUNCTIONS + func] = fn;
    fn.host = this;
    fn.slot = s;
    fn.func = func;
    const pin = fn.config[PciCfg.interruptPin] as number;
    if (pin !== 0) {
      // Standard swizzle onto IOAPIC pins 16–19; firmware records the GSI in Interrupt Line.
      fn.gsi = PCI_INTX_GSI_BASE + ((s + pin - 1) % 4);
      fn.config[PciCfg.interruptLine] = fn.gsi;
    }
    this.markMultiFunction(s);
    return s;
  }

  /** Function `func` of `slot`, if attached. */
  function(slot: number, func = 0): PciFunction | undefined {
    if (slot < 0 || slot >= PCI_SLOTS || func < 0 || func >= PCI_FUNCTIONS) return undefined;
    return this.functions[slot * PCI_FUNCTIONS + func];
  }

  /** Slot 0 is left to a host bridge, as on a PC. */
  private firstEmptySlot(): number {
    for (let s = 1; s < PCI_SLOTS; s++) {
      let empty = true;
      for (let f = 0; f < PCI_FUNCTIONS; f++) if (this.functions[s * PCI_FUNCTIONS + f] !== undefined) empty = false;
      if (empty) return s;
    }
    return -1;
  }

  /**
   * Software scans functions 1–7 only when function 0's Header Type has bit 7 set (PCI 3.0 §6.2.1),
   * so set it once a slot holds a second function. The bit is read-only to the guest.
   */
  private markMultiFunction(slot: number): void {
    const fn0 = this.functions[slot * PCI_FUNCTIONS];
    if (fn0 === undefined) return;
    let count = 0;
    for (let f = 0; f < PCI_FUNCTIONS; f++) if (this.functions[slot * PCI_FUNCTIONS + f] !== undefined) count++;
    if (count > 1)
      fn0.config[PciCfg.headerType] = (fn0.config[PciCfg.headerType] as number) | PCI_HEADER_MULTI_FUNCTION;
  }

  /** Re-evaluate BAR decode after a BAR or Command write. */
  remap(fn: PciFunction): void {
    for (const m of this.mapped.get(fn) ?? []) this.bus.unmap(m);
    const maps: Mapping[] = [];
    const cmd = fn.command;
    for (const spec of fn.bars) {
      if (spec === undefined) continue;
      const enabled = spec.kind === 'io' ? (cmd & PciCommand.io) !== 0 : (cmd & PciCommand.memory) !== 0;
      const base = fn.barAddress(spec.index);
      if (!enabled || base === undefined || base === 0) continue;
      const space = spec.kind === 'io' ? 'pio' : 'mmio';
      const name = `${fn.name}.bar${spec.index}`;
      // Carve doorbell sub-ranges out of the BAR; the rest goes to the register handler.
      const bells = [...(spec.doorbells ?? [])].sort((x, y) => x.offset - y.offset);
      let cursor = 0;
      try {
        for (const d of bells) {
          if (d.offset > cursor)
            maps.push(
              this.bus.map(
                space,
                base + cursor,
                d.offset - cursor,
                offsetHandler(spec.handler, cursor),
                spec.handlerKind,
                name,
              ),
            );
          maps.push(
            this.bus.mapDoorbell(space, base + d.offset, d.length, (o) => d.onRing(d.offset + o), `${name}.doorbell`),
          );
          cursor = d.offset + d.length;
        }
        if (cursor < spec.size)
          maps.push(
            this.bus.map(
              space,
              base + cursor,
              spec.size - cursor,
              offsetHandler(spec.handler, cursor),
              spec.handlerKind,
              name,
            ),
          );
      } catch {
        // A BAR placed over another device's range does not decode (the guest's mistake).
        for (const m of maps.splice(0)) this.bus.unmap(m);
      }
    }
    this.mapped.set(fn, maps);
  }
}

function offsetHandler(h: IoHandler, delta: number): IoHandler {
  if (delta === 0) return h;
  return { read: (o, s) => h.read(o + delta, s), write: (o, s, v) => h.write(o + delta, s, v) };
}
