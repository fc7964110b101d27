/**
 * The in-thread machine for the sim engine: both faces of models/platform/machine.ts over
 * one SharedArrayBuffer (DESIGN §3). The guest pays exits and interrupts on the vCPU actor
 * `vcpu0`; doorbells and the default device work land on the host actor `device`. Each side
 * has its own Meter; both are priced by the engine onto whichever actor is running.
 */
import { GuestAllocator } from '../../../models/platform/alloc.js';
import { Bus, DirectGuestIo } from '../../../models/platform/bus.js';
import { InterruptController } from '../../../models/platform/interrupts.js';
import { type GuestPlatform, type HostPlatform, MEMORY_MAP } from '../../../models/platform/machine.js';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { PciRoot } from '../../../models/platform/pci.js';
import { mapPicPorts, picEoiVia } from '../../../models/platform/pic.js';
import { Rng } from '../../../models/platform/rng.js';
import { priceTable } from '../../profiles/prices.js';
import type { CostProfile } from '../../profiles/schema.js';
import type { SimActor } from './actor.js';
import { type ActorStats, type RunOptions, type RunSummary, SimEngine } from './engine.js';

export const GUEST_VCPU = 'vcpu0';
/** The host half's main actor: devices and backends use `host.actor(HOST_DEVICE)`. */
export const HOST_DEVICE = 'device';

export interface SimMachineOptions {
  /** Guest RAM in bytes: a multiple of 4 KiB above MEMORY_MAP.allocBase, below the PCI MMIO window. */
  memBytes: number;
  profile: CostProfile;
  seed: number;
}

export interface SimMachine {
  readonly guest: GuestPlatform;
  readonly host: HostPlatform;
  readonly engine: SimEngine;
  readonly guestMeter: Meter;
  readonly hostMeter: Meter;
  /** The interrupt controller, for its `sent` / `coalesced` statistics. */
  readonly interrupts: InterruptController;
  readonly pci: PciRoot;
  readonly bus: Bus;
  readonly profile: CostProfile;
  /** ps per unit by MeterEvent id, as charged. */
  readonly prices: Float64Array;
  readonly vcpu: SimActor;
  run(options?: RunOptions): RunSummary;
  actors(): ActorStats[];
  nowNs(): number;
}

const PAGE = 4096;

export function createSimMachine(options: SimMachineOptions): SimMachine {
  const { memBytes, profile, seed } = options;
  if (!Number.isInteger(memBytes) || memBytes % PAGE !== 0 || memBytes <= MEMORY_MAP.allocBase) {
    throw new RangeError(
      `memBytes ${memBytes}: expected a multiple of 4096 above 0x${MEMORY_MAP.allocBase.toString(16)}`,
    );
  }
  if (memBytes > MEMORY_MAP.pciMmioBase) {
    throw new RangeError(`memBytes ${memBytes}: guest RAM would overlap the PCI MMIO window`);
  }
  const prices = priceTable(profile);
  const engine = new SimEngine(prices);
  const guestMeter = new Meter(engine);
  const hostMeter = new Meter(engine);
  const vcpu = engine.actor(GUEST_VCPU, guestMeter);
  const device = engine.actor(HOST_DEVICE, hostMeter);

  const ram = SabGuestMemory.allocate(memBytes);
  const guestMem = new SabGuestMemory(ram, guestMeter, 'guest');
  const hostMem = new SabGuestMemory(ram, hostMeter, 'host');
  // The guest pays the exit; an ioeventfd-style ring then runs on the device thread.
  const bus = new Bus(guestMeter, (ring) => device.after(0, ring));
  const interrupts = new InterruptController(vcpu, guestMeter);
  const pci = new PciRoot(bus, interrupts);
  mapPicPorts(bus);
  const rng = new Rng(seed);
  const guestRng = rng.fork();
  const hostRng = rng.fork();

  const guestIo = new DirectGuestIo(bus, guestMem);
  interrupts.picEoi = picEoiVia(guestIo);
  const guest: GuestPlatform = {
    mem: guestMem,
    io: guestIo,
    irq: interrupts,
    sched: vcpu,
    alloc: new GuestAllocator(MEMORY_MAP.allocBase, memBytes),
    meter: guestMeter,
    rng: guestRng,
  };
  const host: HostPlatform = {
    mem: hostMem,
    bus,
    pci,
    irq: interrupts,
    registerHypercall: (op, handler) => bus.registerHypercall(op, handler),
    actor: (name) => engine.actor(name, hostMeter),
    meter: hostMeter,
    rng: hostRng,
  };
  return {
    guest,
    host,
    engine,
    guestMeter,
    hostMeter,
    interrupts,
    pci,
    bus,
    profile,
    prices,
    vcpu,
    run: (runOptions) => engine.run(runOptions),
    actors: () => engine.actors(),
    nowNs: () => engine.nowNs(),
  };
}
