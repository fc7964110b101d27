/**
 * The two faces of a machine (DESIGN §3, §4). A model's guest half is given a
 * GuestPlatform, its host half a HostPlatform; they share nothing but guest memory and
 * the signals these faces carry. Engines build both faces: the sim engine wires them
 * in one thread; the threads engine puts each on its own worker.
 */
import type { GuestAllocator } from './alloc.js';
import type { GuestIo, HostBus, HypercallHandler } from './bus.js';
import type { GuestInterrupts, HostInterrupts } from './interrupts.js';
import type { DirectGuestMemory, GuestMemory } from './memory.js';
import type { Meter } from './meter.js';
import type { PciHost } from './pci.js';
import type { Rng } from './rng.js';
import type { Scheduler } from './scheduler.js';

export interface GuestPlatform {
  readonly mem: GuestMemory;
  readonly io: GuestIo;
  readonly irq: GuestInterrupts;
  /** The guest vCPU. */
  readonly sched: Scheduler;
  readonly alloc: GuestAllocator;
  readonly meter: Meter;
  readonly rng: Rng;
}

export interface HostPlatform {
  readonly mem: DirectGuestMemory;
  readonly bus: HostBus;
  readonly pci: PciHost;
  readonly irq: HostInterrupts;
  /** Register a hypervisor service (Xen grant table, event channels, vbus bridge…). */
  registerHypercall(op: number, handler: HypercallHandler): void;
  /** A host actor (device thread, iothread, backend worker) by name; created on first use. */
  actor(name: string): Scheduler;
  readonly meter: Meter;
  readonly rng: Rng;
}

/** Guest-physical layout shared by every machine. */
export const MEMORY_MAP = {
  /** Guest allocations start above the real-mode area / legacy holes. */
  allocBase: 0x100000,
  /** 32-bit PCI MMIO window where guests place BARs (below the IOAPIC/LAPIC at 0xFEC00000). */
  pciMmioBase: 0xe0000000,
  pciMmioLimit: 0xfec00000,
  /** PCI I/O port window for I/O BARs. */
  pciIoBase: 0xc000,
  pciIoLimit: 0x10000,
} as const;
