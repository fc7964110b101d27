/**
 * Test library: the whole virtio-net stack on the sim engine — reference net backend (its transmit
 * spied on), virtio-pci device, our guest driver brought up through the binding — plus frame
 * builders and helpers to reach the device's rings the way a hostile guest would. Reused by the
 * conformance cases.
 */

import { createNetBackend, type NetBackendOptions, type ReferenceNetBackend } from '../../../models/backend/index.js';
import { DEFAULT_KNOBS, type Knobs } from '../../../models/platform/knobs.js';
import { addCounters, type Counters, zeroCounters } from '../../../models/platform/meter.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import { PciConfigAccess } from '../../../models/platform/pci-guest.js';
import type { VirtioHostDevice } from '../../../models/virtio/device/host-device.js';
import { CommonCfg } from '../../../models/virtio/layout.js';
import type { VirtioNetDevice } from '../../../models/virtio/net/device.js';
import type { VirtioNetDriver } from '../../../models/virtio/net/driver.js';
import { netBinding } from '../../../models/virtio/net/index.js';
import type { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { BarLayout } from '../../../models/virtio/pci/regs.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';
import type { RingAreas } from './virtq-builder.js';

export const DEFAULT_OPTIONS: Readonly<Record<string, string>> = {
  notify: 'ioeventfd',
  irq: 'msix',
  indirect: 'on',
  'queue-size': '256',
};

export const PEER_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x00, 0x00, 0x01);
export const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);

export interface NetStackOptions {
  knobs?: Partial<Knobs>;
  options?: Record<string, string>;
  backend?: Partial<NetBackendOptions>;
  seed?: number;
}

export interface NetStack {
  readonly m: SimMachine;
  readonly config: ModelConfig;
  readonly backend: ReferenceNetBackend;
  readonly host: VirtioHostDevice<VirtioNetDevice>;
  readonly dev: VirtioPciDevice;
  readonly logic: VirtioNetDevice;
  readonly driver: VirtioNetDriver;
  /** Copies of every frame the device handed to the backend. */
  readonly transmitted: Uint8Array[];
  /** Copies of every frame the driver delivered to onReceive. */
  readonly received: Uint8Array[];
  /** Run until `until` holds (or the machine idles); throws if it never does. */
  run(until?: () => boolean, maxEvents?: number): void;
}

export function makeNetStack(opts: NetStackOptions = {}): NetStack {
  const m = createSimMachine({
    memBytes: 64 * 1024 * 1024,
    profile: loadProfile('modern-2020s'),
    seed: opts.seed ?? 3,
  });
  const config: ModelConfig = {
    knobs: { ...DEFAULT_KNOBS, ...opts.knobs },
    options: { ...DEFAULT_OPTIONS, ...opts.options },
  };
  const backend = createNetBackend(
    { peer: { mode: 'echo' }, ...opts.backend },
    m.host.actor('device'),
    m.host.meter,
    m.host.rng,
  );
  const transmitted: Uint8Array[] = [];
  const forward = backend.transmit.bind(backend);
  backend.transmit = (bytes, offset, length) => {
    transmitted.push(bytes.slice(offset, offset + length));
    forward(bytes, offset, length);
  };
  const host = netBinding.createHost(m.host, backend, config) as VirtioHostDevice<VirtioNetDevice>;
  let driver: VirtioNetDriver | undefined;
  let failure: Error | undefined;
  netBinding.createGuest(
    m.guest,
    config,
    (port) => {
      driver = port as VirtioNetDriver;
    },
    (error) => {
      failure = error;
    },
  );
  m.run({ until: () => driver !== undefined || failure !== undefined, maxEvents: 1_000_000 });
  if (failure !== undefined) throw failure;
  if (driver === undefined) throw new Error('net stack: driver never came up');
  const received: Uint8Array[] = [];
  const d = driver;
  d.onReceive((addr, len) => {
    const copy = new Uint8Array(len);
    m.guest.mem.load(addr, len, copy, 0);
    received.push(copy);
  });
  return {
    m,
    config,
    backend,
    host,
    dev: host.transport,
    logic: host.logic,
    driver: d,
    transmitted,
    received,
    run: (until, maxEvents = 2_000_000) => {
      const summary = m.run({ ...(until === undefined ? {} : { until }), maxEvents });
      if (until !== undefined && !until()) throw new Error(`net stack: condition not reached (${summary.reason})`);
    },
  };
}

/** An Ethernet frame to the peer: header, EtherType 0x88B5, then a payload pattern from `seed`. */
export function frameTo(dst: Uint8Array, src: Uint8Array, length: number, seed: number): Uint8Array {
  const f = new Uint8Array(length);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  for (let i = 14; i < length; i++) f[i] = (seed * 31 + i * 7) & 0xff;
  return f;
}

/** Copy `frame` into a fresh guest buffer and return its address. */
export function guestFrame(s: NetStack, frame: Uint8Array): number {
  const addr = s.m.guest.alloc.alloc(frame.length, 64);
  s.m.guest.mem.store(addr, frame, 0, frame.length);
  return addr;
}

/** Send `frame` and return a flag object set when the driver reports the buffer free. */
export function send(s: NetStack, frame: Uint8Array): { done: boolean } {
  const state = { done: false };
  s.driver.send(guestFrame(s, frame), frame.length, () => {
    state.done = true;
  });
  return state;
}

export function counters(m: SimMachine): Counters {
  return addCounters(addCounters(zeroCounters(), m.guestMeter.counters), m.hostMeter.counters);
}

/** Ring areas the driver programmed for `queue`, read back from common_cfg (what a hostile guest knows). */
export function queueAreas(s: { readonly m: SimMachine }, queue: number): RingAreas & { size: number; notify: number } {
  const io = s.m.guest.io;
  const cfg = new PciConfigAccess(io);
  const regs = (cfg.read(2, 0x10 + 4 * BarLayout.regsBar, 4) & ~0xf) >>> 0;
  io.mmioWrite(regs + CommonCfg.queue_select, 2, queue);
  return {
    desc: io.mmioRead(regs + CommonCfg.queue_desc, 4),
    avail: io.mmioRead(regs + CommonCfg.queue_driver, 4),
    used: io.mmioRead(regs + CommonCfg.queue_device, 4),
    size: io.mmioRead(regs + CommonCfg.queue_size, 2),
    notify:
      regs + BarLayout.notifyOffset + io.mmioRead(regs + CommonCfg.queue_notify_off, 2) * BarLayout.notifyOffMultiplier,
  };
}

/** Index of the first frame of `actual` that differs from `expected` (−1 when all equal), quick on long lists. */
export function firstDifferentFrame(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): number {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === undefined || e === undefined || !Buffer.from(a).equals(Buffer.from(e))) return i;
  }
  return -1;
}
