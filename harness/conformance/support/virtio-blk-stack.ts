/**
 * Test library: the whole virtio-blk stack on the sim engine — reference block backend, virtio-pci
 * device, guest driver brought up through the binding — plus helpers to run requests to completion
 * and to reach the rings and registers the way a (possibly hostile) guest would. Reused by the
 * conformance cases.
 */

import {
  createBlockBackend,
  type ReferenceBlockBackend,
  type ServiceModelName,
} from '../../../models/backend/index.js';
import { DEFAULT_KNOBS, type Knobs } from '../../../models/platform/knobs.js';
import { addCounters, COUNTER_NAMES, type Counters, zeroCounters } from '../../../models/platform/meter.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import { PciCfg } from '../../../models/platform/pci.js';
import { type BlockOp, type BlockPort, type BlockRequest, SECTOR_SIZE } from '../../../models/platform/ports.js';
import { blkBinding, type VirtioBlkDevice, type VirtioBlkDriver } from '../../../models/virtio/blk/index.js';
import { CommonCfg } from '../../../models/virtio/layout.js';
import type { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { BarLayout } from '../../../models/virtio/pci/regs.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';

export const DEFAULT_OPTIONS: Readonly<Record<string, string>> = {
  notify: 'ioeventfd',
  irq: 'msix',
  indirect: 'on',
  'queue-size': '256',
};

export interface BlkStackOptions {
  knobs?: Partial<Knobs>;
  options?: Record<string, string>;
  capacitySectors?: number;
  readOnly?: boolean;
  service?: ServiceModelName;
  /** Randomise backend service times (seeded). */
  jitter?: boolean;
  seed?: number;
}

export interface BlkStack {
  readonly m: SimMachine;
  readonly config: ModelConfig;
  readonly backend: ReferenceBlockBackend;
  readonly dev: VirtioPciDevice;
  readonly logic: VirtioBlkDevice;
  readonly driver: VirtioBlkDriver;
}

export function makeBlkStack(opts: BlkStackOptions = {}): BlkStack {
  const m = createSimMachine({
    memBytes: 64 * 1024 * 1024,
    profile: loadProfile('modern-2020s'),
    seed: opts.seed ?? 7,
  });
  const config: ModelConfig = {
    knobs: { ...DEFAULT_KNOBS, ...opts.knobs },
    options: { ...DEFAULT_OPTIONS, ...opts.options },
  };
  const backend = createBlockBackend(
    {
      store: 'memory',
      capacitySectors: opts.capacitySectors ?? 8192,
      readOnly: opts.readOnly === true,
      service: opts.service ?? 'ram',
      jitter: opts.jitter === true,
    },
    m.host.actor('device'),
    m.host.meter,
    m.host.rng,
  );
  const host = blkBinding.createHost(m.host, backend, config);
  const driver = bootBlkDriver(m, config);
  return { m, config, backend, dev: host.transport, logic: host.logic, driver };
}

/** A sim machine with nothing attached yet (for stacks built around another device logic). */
export function blkMachine(seed = 7): SimMachine {
  return createSimMachine({ memBytes: 64 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed });
}

export function blkConfig(knobs: Partial<Knobs> = {}, options: Record<string, string> = {}): ModelConfig {
  return { knobs: { ...DEFAULT_KNOBS, ...knobs }, options: { ...DEFAULT_OPTIONS, ...options } };
}

/** Bring our driver up through the binding (on the vCPU) against whatever device sits at slot 2. */
export function bootBlkDriver(m: SimMachine, config: ModelConfig): VirtioBlkDriver {
  let port: BlockPort | undefined;
  let error: Error | undefined;
  blkBinding.createGuest(
    m.guest,
    config,
    (p) => {
      port = p;
    },
    (e) => {
      error = e;
    },
  );
  m.run({ until: () => port !== undefined || error !== undefined, maxEvents: 100_000 });
  if (error !== undefined) throw error;
  if (port === undefined) throw new Error('blk stack: driver never became ready');
  return port as VirtioBlkDriver;
}

export function request(op: BlockOp, sector: number, sectors: number, addr: number): BlockRequest {
  return { op, sector, sectors, addr, status: 'ioerr', tag: 0 };
}

/** Submit one request and run the machine until it completes; returns its status. */
export function runOne(s: BlkStack, req: BlockRequest): BlockRequest['status'] {
  let done = false;
  s.driver.submit(req, () => {
    done = true;
  });
  s.m.run({ until: () => done, maxEvents: 1_000_000 });
  if (!done) throw new Error(`request ${req.op} never completed`);
  return req.status;
}

/** A guest buffer of `sectors` sectors filled with a pattern derived from `seed`. */
export function patternBuffer(s: BlkStack, sectors: number, seed: number): { addr: number; bytes: Uint8Array } {
  const bytes = new Uint8Array(sectors * SECTOR_SIZE);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff;
  const addr = s.m.guest.alloc.alloc(bytes.length, 4096);
  s.m.guest.mem.store(addr, bytes);
  return { addr, bytes };
}

export function guestBytes(s: BlkStack, addr: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  s.m.guest.mem.load(addr, len, out);
  return out;
}

/** Guest-physical addresses the transport registers hold: BAR4 regions and queue 0's rings. */
export interface RegsView {
  readonly regs: number;
  readonly notify: number;
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  readonly size: number;
  status(): number;
  generation(): number;
}

/** Read the device's register window and queue 0's ring addresses through PCI config and MMIO. */
export function regsView(m: SimMachine, slot = 2): RegsView {
  const io = m.guest.io;
  const cfgRead = (reg: number): number => {
    io.out(0xcf8, 4, (0x80000000 | (slot << 11) | (reg & 0xfc)) >>> 0);
    return io.in(0xcfc, 4);
  };
  const regs = (cfgRead(PciCfg.bar0 + 4 * BarLayout.regsBar) & 0xfffffff0) >>> 0;
  const r = (o: number, size: 1 | 2 | 4): number => io.mmioRead(regs + o, size);
  io.mmioWrite(regs + CommonCfg.queue_select, 2, 0);
  return {
    regs,
    notify: regs + BarLayout.notifyOffset + r(CommonCfg.queue_notify_off, 2) * BarLayout.notifyOffMultiplier,
    desc: r(CommonCfg.queue_desc, 4),
    avail: r(CommonCfg.queue_driver, 4),
    used: r(CommonCfg.queue_device, 4),
    size: r(CommonCfg.queue_size, 2),
    status: () => r(CommonCfg.device_status, 1),
    generation: () => r(CommonCfg.config_generation, 1),
  };
}

/** Snapshot of the summed guest + host counters, for per-op ratios over a phase. */
export function counters(m: SimMachine): Counters {
  return addCounters(addCounters(zeroCounters(), m.guestMeter.counters), m.hostMeter.counters);
}

export function delta(after: Counters, before: Counters): Counters {
  const out = zeroCounters();
  for (const k of COUNTER_NAMES) out[k] = after[k] - before[k];
  return out;
}

/**
 * A closed-loop load of `ops` requests keeping `iodepth` in flight: writes of `sectors` sectors at
 * distinct sectors, resubmitted from the completion callback (inside the interrupt handler).
 * Returns the counters of the phase and how many completed ok.
 */
export function closedLoop(
  s: BlkStack,
  iodepth: number,
  ops: number,
  op: 'read' | 'write' = 'write',
  sectors = 8,
): { delta: Counters; ok: number; completed: number; sent: number } {
  const reqs: BlockRequest[] = [];
  for (let i = 0; i < iodepth; i++) {
    const addr = s.m.guest.alloc.alloc(sectors * SECTOR_SIZE, 4096);
    reqs.push(request(op, 0, sectors, addr));
  }
  let issued = 0;
  let completed = 0;
  let ok = 0;
  const span = Math.floor(s.driver.info.capacitySectors / sectors);
  const issue = (req: BlockRequest): void => {
    req.sector = ((issued * 7) % span) * sectors;
    issued++;
    s.driver.submit(req, onDone);
  };
  const onDone = (req: BlockRequest): void => {
    completed++;
    if (req.status === 'ok') ok++;
    if (issued < ops) issue(req);
  };
  const before = counters(s.m);
  const sentBefore = s.m.interrupts.sent;
  for (const r of reqs) if (issued < ops) issue(r);
  s.m.run({ until: () => completed === ops, maxEvents: 10_000_000 });
  return { delta: delta(counters(s.m), before), ok, completed, sent: s.m.interrupts.sent - sentBefore };
}
