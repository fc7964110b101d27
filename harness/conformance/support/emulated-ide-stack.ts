/**
 * Test library for the IDE disk (specs/trap-emulate.md §3): the PIIX3 controller on the sim engine
 * over the reference block backend, with an IRQ-14 transition log, raw register access for
 * conformance and hostile-guest cases, and the guest driver brought up through the model binding.
 * Reused by the unit, conformance, hostile and QEMU differential tests.
 */

import { createBlockBackend, type ReferenceBlockBackend } from '../../../models/backend/index.js';
import type { IdeMode } from '../../../models/emulated/binding.js';
import {
  BmReg,
  createIdeHost,
  ideBinding,
  PIIX3_IDE_FUNCTION,
  PIIX3_IDE_SLOT,
  type Piix3IdeController,
  PrimaryChannel,
} from '../../../models/emulated/ide/index.js';
import type { BlockBackend } from '../../../models/platform/backend-api.js';
import type { AccessSize } from '../../../models/platform/bus.js';
import { DEFAULT_KNOBS, type Knobs, parseCoalesce } from '../../../models/platform/knobs.js';
import type { HostPlatform } from '../../../models/platform/machine.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import type { BlockPort, BlockRequest } from '../../../models/platform/ports.js';
import { Rng } from '../../../models/platform/rng.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';

export const IDE_IRQ = PrimaryChannel.irq;
export const CMD = PrimaryChannel.commandBlock;
export const CTL = PrimaryChannel.control;
/** Where tests place BAR4 (the first address of the guest PCI I/O window, as the driver would). */
export const BM_BASE = 0xc000;
export const BM = {
  cmd: BM_BASE + BmReg.command,
  status: BM_BASE + BmReg.status,
  prd: BM_BASE + BmReg.prdTable,
} as const;
/** QEMU's serial for the first IDE drive; our backend gets the same so IDENTIFY compares. */
export const QEMU_SERIAL = 'QM00001';

/** The config a mode needs: PIO modes are `copy`, DMA is `zerocopy` (ide/knobs.ts). */
export function ideConfig(
  mode: IdeMode,
  knobs: Partial<Knobs> = {},
  options: Record<string, string> = {},
): ModelConfig {
  const copy = mode === 'dma' ? 'zerocopy' : 'copy';
  return {
    knobs: { ...DEFAULT_KNOBS, copy, ...knobs },
    options: { 'ide-mode': mode, exits: 'user', ...options },
  };
}

export function coalesce(text: string): Knobs['coalesce'] {
  return parseCoalesce(text);
}

/** One IRQ-14 transition, stamped with the number of port accesses made before it. */
export interface IrqEdge {
  readonly level: boolean;
  readonly afterAccesses: number;
}

export interface IdeStack {
  readonly m: SimMachine;
  readonly controller: Piix3IdeController;
  readonly backend: BlockBackend;
  readonly reference: ReferenceBlockBackend;
  /** Every IRQ-14 level change the device drove, in order. */
  readonly irq: IrqEdge[];
  /** Port access helpers (each is one exit, metered on the guest). */
  inb(port: number, size?: AccessSize): number;
  outb(port: number, value: number, size?: AccessSize): void;
  /** Run the engine until nothing is left (backend completions, interrupts). */
  settle(): void;
  /** Put BAR4 at BM_BASE and enable I/O + bus master through config space (as firmware would). */
  enableBusMaster(): void;
}

export interface IdeStackOptions {
  capacitySectors?: number;
  memBytes?: number;
  config?: ModelConfig;
  /** Wrap the reference backend (fault injection). */
  wrap?: (b: ReferenceBlockBackend) => BlockBackend;
  /** Bytes to preload into the disk. */
  fill?: (bytes: Uint8Array) => void;
  service?: 'ram' | 'nvme' | 'sata-ssd' | 'hdd';
}

export function makeIdeStack(opts: IdeStackOptions = {}): IdeStack {
  const capacitySectors = opts.capacitySectors ?? 2048;
  const m = createSimMachine({
    memBytes: opts.memBytes ?? 16 * 1024 * 1024,
    profile: loadProfile('modern-2020s'),
    seed: 7,
  });
  const reference = createBlockBackend(
    { store: 'memory', capacitySectors, serial: QEMU_SERIAL, service: opts.service ?? 'ram' },
    m.host.actor('device'),
    m.hostMeter,
    new Rng(3),
  );
  if (opts.fill !== undefined) {
    const bytes = new Uint8Array(capacitySectors * 512);
    opts.fill(bytes);
    reference.store.writeBytes(0, bytes, 0, bytes.length);
  }
  const backend = opts.wrap ? opts.wrap(reference) : reference;
  const irq: IrqEdge[] = [];
  let accesses = 0;
  const realIrq = m.host.irq;
  const host: HostPlatform = {
    ...m.host,
    irq: {
      setLine: (gsi, level) => {
        if (gsi === IDE_IRQ) irq.push({ level, afterAccesses: accesses });
        realIrq.setLine(gsi, level);
      },
      msi: (a, d) => realIrq.msi(a, d),
    },
  };
  const controller = createIdeHost(host, backend, opts.config ?? ideConfig('pio-string'));
  const io = m.guest.io;
  const stack: IdeStack = {
    m,
    controller,
    backend,
    reference,
    irq,
    inb: (port, size = 1) => {
      accesses++;
      return io.in(port, size);
    },
    outb: (port, value, size = 1) => {
      accesses++;
      io.out(port, size, value);
    },
    settle: () => {
      m.run();
    },
    enableBusMaster: () => {
      const addr = (reg: number) => (0x80000000 | (PIIX3_IDE_SLOT << 11) | (PIIX3_IDE_FUNCTION << 8) | reg) >>> 0;
      io.out(0xcf8, 4, addr(0x20));
      io.out(0xcfc, 4, BM_BASE);
      io.out(0xcf8, 4, addr(0x04));
      io.out(0xcfc, 4, 0x5);
    },
  };
  return stack;
}

/** Bring the driver up through the binding (on the vCPU) and return its port. */
export function bringUp(stack: IdeStack, config: ModelConfig): BlockPort {
  let port: BlockPort | undefined;
  let error: Error | undefined;
  ideBinding.createGuest(
    stack.m.guest,
    config,
    (p) => {
      port = p;
    },
    (e) => {
      error = e;
    },
  );
  stack.m.run({ until: () => port !== undefined || error !== undefined });
  if (error !== undefined) throw error;
  if (port === undefined) throw new Error('bring-up did not finish');
  return port;
}

/** Submit one request on the vCPU and run until it completes. */
export function runRequest(stack: IdeStack, port: BlockPort, req: BlockRequest): BlockRequest {
  let done = false;
  stack.m.guest.sched.after(0, () =>
    port.submit(req, () => {
      done = true;
    }),
  );
  stack.m.run({ until: () => done });
  if (!done) throw new Error(`request ${req.op} ${req.sector}+${req.sectors} did not complete`);
  return req;
}

export function pattern(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (seed * 131 + i * 7 + (i >> 9)) & 0xff;
  return b;
}
