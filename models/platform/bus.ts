/**
 * Port I/O and MMIO dispatch (DESIGN §4). The host half maps handlers onto address
 * ranges; the guest half calls `in/out/read/write`, and every call is one exit,
 * metered with its handler kind. Unmapped addresses read all-ones and drop writes,
 * as on a PC (still an exit to the device model).
 *
 * String I/O follows the KVM rule (specs/trap-emulate.md §1, Linux arch/x86/kvm/emulate.c):
 * `rep ins` takes one exit per ≤ 1 KiB (bounded by the destination page), `rep outs`
 * one exit per element; the device handler runs once per element inside the exit.
 */
import type { GuestMemory } from './memory.js';
import type { HandlerKind, Meter } from './meter.js';

export type AccessSize = 1 | 2 | 4;
export type AddressSpace = 'pio' | 'mmio';

/** A device's register window; `offset` is relative to the mapped base. */
export interface IoHandler {
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
}

export interface Mapping {
  readonly space: AddressSpace;
  readonly base: number;
  readonly length: number;
  readonly handler: IoHandler;
  readonly kind: HandlerKind;
  readonly name: string;
}

/** Host face: what a device sees. */
export interface HostBus {
  map(space: AddressSpace, base: number, length: number, handler: IoHandler, kind: HandlerKind, name: string): Mapping;
  unmap(mapping: Mapping): void;
  /**
   * An ioeventfd-style doorbell: a guest write of `size` bytes inside [base, base+length)
   * is completed in the host kernel (a kernel exit) and signals `onRing` asynchronously
   * on the host actor, with no data and no reply. Rings coalesce while one is pending,
   * as an eventfd counter does.
   */
  mapDoorbell(
    space: AddressSpace,
    base: number,
    length: number,
    onRing: (offset: number) => void,
    name: string,
  ): Mapping;
}

/** Guest face: the instructions a guest driver executes. */
export interface GuestIo {
  in(port: number, size: AccessSize): number;
  out(port: number, size: AccessSize, value: number): void;
  mmioRead(addr: number, size: AccessSize): number;
  mmioWrite(addr: number, size: AccessSize, value: number): void;
  /** `rep ins{b,w,l}`: `count` elements from `port` into guest memory at `addr`. Returns exits taken. */
  repIns(port: number, size: AccessSize, count: number, addr: number): number;
  /** `rep outs{b,w,l}`: `count` elements from guest memory at `addr` to `port`. Returns exits taken. */
  repOuts(port: number, size: AccessSize, count: number, addr: number): number;
  /** A synchronous call into the hypervisor; arguments are numbers (usually guest-physical addresses). */
  hypercall(op: number, a0?: number, a1?: number, a2?: number, a3?: number): number;
}

export type HypercallHandler = (a0: number, a1: number, a2: number, a3: number) => number;

export const ALL_ONES: Record<AccessSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

/** Bytes per `rep ins` exit: the KVM emulator's 1 KiB read cache (emulate.c `read_cache`). */
export const REP_INS_MAX_BYTES = 1024;
const PAGE = 4096;

/** Sorted, non-overlapping range table per address space. */
class RangeTable {
  private readonly entries: Mapping[] = [];
  private last: Mapping | undefined;

  add(m: Mapping): void {
    for (const e of this.entries) {
      if (m.base < e.base + e.length && e.base < m.base + m.length) {
        throw new Error(`${m.space} range ${m.name} [0x${m.base.toString(16)},+${m.length}) overlaps ${e.name}`);
      }
    }
    this.entries.push(m);
    this.entries.sort((a, b) => a.base - b.base);
    this.last = undefined;
  }

  remove(m: Mapping): void {
    const i = this.entries.indexOf(m);
    if (i >= 0) this.entries.splice(i, 1);
    this.last = undefined;
  }

  find(addr: number, size: number): Mapping | undefined {
    const l = this.last;
    if (l !== undefined && addr >= l.base && addr + size <= l.base + l.length) return l;
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid] as Mapping;
      if (addr < e.base) hi = mid - 1;
      else if (addr >= e.base + e.length) lo = mid + 1;
      else {
        if (addr + size > e.base + e.length) return undefined;
        this.last = e;
        return e;
      }
    }
    return undefined;
  }
}

interface DoorbellHandler extends IoHandler {
  readonly isDoorbell: true;
}

/**
 * The in-thread bus used by the sim engine (and by the host half of the threads engine).
 * `doorbellPost` delivers a doorbell to the host actor; the engine supplies it.
 */
export class Bus implements HostBus {
  private readonly tables: Record<AddressSpace, RangeTable> = { pio: new RangeTable(), mmio: new RangeTable() };
  private readonly hypercalls = new Map<number, HypercallHandler>();

  constructor(
    private readonly meter: Meter,
    private readonly doorbellPost: (ring: () => void) => void,
  ) {}

  map(space: AddressSpace, base: number, length: number, handler: IoHandler, kind: HandlerKind, name: string): Mapping {
    const m: Mapping = { space, base, length, handler, kind, name };
    this.tables[space].add(m);
    return m;
  }

  unmap(mapping: Mapping): void {
    this.tables[mapping.space].remove(mapping);
  }

  mapDoorbell(
    space: AddressSpace,
    base: number,
    length: number,
    onRing: (offset: number) => void,
    name: string,
  ): Mapping {
    // One pending flag per doorbell region (eventfd counter semantics: rings coalesce).
    let pending = false;
    let lastOffset = 0;
    const deliver = (): void => {
      pending = false;
      onRing(lastOffset);
    };
    const handler: DoorbellHandler = {
      isDoorbell: true,
      read: () => ALL_ONES[4],
      write: (offset) => {
        lastOffset = offset;
        if (pending) return;
        pending = true;
        this.doorbellPost(deliver);
      },
    };
    return this.map(space, base, length, handler, 'kernel', name);
  }

  registerHypercall(op: number, handler: HypercallHandler): void {
    if (this.hypercalls.has(op)) throw new Error(`hypercall ${op} already registered`);
    this.hypercalls.set(op, handler);
  }

  // ---- guest face -------------------------------------------------------------

  access(space: AddressSpace, addr: number, size: AccessSize, write: boolean, value: number): number {
    const m = this.tables[space].find(addr, size);
    this.meter.exit(space, m === undefined ? 'user' : m.kind, size);
    if (m === undefined) return write ? 0 : ALL_ONES[size];
    if (write) {
      m.handler.write(addr - m.base, size, (value & ALL_ONES[size]) >>> 0);
      return 0;
    }
    return (m.handler.read(addr - m.base, size) & ALL_ONES[size]) >>> 0;
  }

  /** Number of exits a `rep ins` of `count` elements at `addr` takes under the KVM rule. */
  static repInsExits(size: AccessSize, count: number, addr: number): number {
    let exits = 0;
    let a = addr;
    let left = count;
    while (left > 0) {
      const toPageEnd = PAGE - (a % PAGE);
      // emulate.c: elements per exit = min(1 KiB / size, count, bytes left in the page / size), at least 1.
      const n = Math.max(1, Math.min(Math.floor(REP_INS_MAX_BYTES / size), left, Math.floor(toPageEnd / size)));
      exits++;
      left -= n;
      a += n * size;
    }
    return exits;
  }

  repIns(port: number, size: AccessSize, count: number, addr: number, mem: GuestMemory): number {
    if (!mem.inRange(addr, count * size)) throw new RangeError('rep ins destination outside guest memory');
    const m = this.tables.pio.find(port, size);
    const kind = m === undefined ? 'user' : m.kind;
    let exits = 0;
    let a = addr;
    let left = count;
    while (left > 0) {
      const toPageEnd = PAGE - (a % PAGE);
      const n = Math.max(1, Math.min(Math.floor(REP_INS_MAX_BYTES / size), left, Math.floor(toPageEnd / size)));
      this.meter.exit('pio', kind, n * size);
      this.meter.stringElements(n);
      for (let i = 0; i < n; i++) {
        const v = m === undefined ? ALL_ONES[size] : (m.handler.read(port - m.base, size) & ALL_ONES[size]) >>> 0;
        if (size === 1) mem.setU8(a, v);
        else if (size === 2) mem.setU16(a, v);
        else mem.setU32(a, v);
        a += size;
      }
      // The emulator moves the data between the device model and guest RAM.
      this.meter.copy(n * size, 'hypervisor');
      exits++;
      left -= n;
    }
    return exits;
  }

  repOuts(port: number, size: AccessSize, count: number, addr: number, mem: GuestMemory): number {
    if (!mem.inRange(addr, count * size)) throw new RangeError('rep outs source outside guest memory');
    const m = this.tables.pio.find(port, size);
    const kind = m === undefined ? 'user' : m.kind;
    let a = addr;
    for (let i = 0; i < count; i++) {
      // emulate.c em_out: every element returns to the device model.
      this.meter.exit('pio', kind, size);
      this.meter.stringElements(1);
      const v = size === 1 ? mem.u8(a) : size === 2 ? mem.u16(a) : mem.u32(a);
      this.meter.copy(size, 'hypervisor');
      if (m !== undefined) m.handler.write(port - m.base, size, v);
      a += size;
    }
    return count;
  }

  hypercall(op: number, a0: number, a1: number, a2: number, a3: number): number {
    this.meter.hypercall(op);
    const h = this.hypercalls.get(op);
    if (h === undefined) return -38; // -ENOSYS, as Xen and KVM answer unknown hypercalls
    return h(a0, a1, a2, a3);
  }
}

/** The guest's view of an in-thread Bus. */
export class DirectGuestIo implements GuestIo {
  constructor(
    private readonly bus: Bus,
    private readonly mem: GuestMemory,
  ) {}
  in(port: number, size: AccessSize): number {
    return this.bus.access('pio', port, size, false, 0);
  }
  out(port: number, size: AccessSize, value: number): void {
    this.bus.access('pio', port, size, true, value);
  }
  mmioRead(addr: number, size: AccessSize): number {
    return this.bus.access('mmio', addr, size, false, 0);
  }
  mmioWrite(addr: number, size: AccessSize, value: number): void {
    this.bus.access('mmio', addr, size, true, value);
  }
  repIns(port: number, size: AccessSize, count: number, addr: number): number {
    return this.bus.repIns(port, size, count, addr, this.mem);
  }
  repOuts(port: number, size: AccessSize, count: number, addr: number): number {
    return this.bus.repOuts(port, size, count, addr, this.mem);
  }
  hypercall(op: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0): number {
    return this.bus.hypercall(op, a0, a1, a2, a3);
  }
}
