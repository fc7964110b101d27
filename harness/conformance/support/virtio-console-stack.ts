/**
 * Test library: the virtio-console stack on the sim engine — reference console backend, virtio-pci
 * device, our driver brought up through the binding — and the same device under the hand-written
 * guest of ../virtio-net/raw-virtio.ts. Reused by the virtio-console conformance cases.
 */

import {
  type ConsoleBackendOptions,
  createConsoleBackend,
  type ReferenceConsoleBackend,
} from '../../../models/backend/index.js';
import { DEFAULT_KNOBS, type Knobs } from '../../../models/platform/knobs.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import { VirtioConsoleDevice } from '../../../models/virtio/console/device.js';
import type { VirtioConsoleDriver } from '../../../models/virtio/console/driver.js';
import { consoleBinding } from '../../../models/virtio/console/index.js';
import type { VirtioHostDevice } from '../../../models/virtio/device/host-device.js';
import { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';
import { DEFAULT_OPTIONS } from './virtio-net-stack.js';
import { F_VERSION_1, makeRawVirtio, type RawQueue, type RawVirtio } from './virtio-raw-guest.js';

export interface ConsoleStackOptions {
  knobs?: Partial<Knobs>;
  options?: Record<string, string>;
  backend?: ConsoleBackendOptions;
}

export interface ConsoleStack {
  readonly m: SimMachine;
  readonly config: ModelConfig;
  readonly backend: ReferenceConsoleBackend;
  readonly host: VirtioHostDevice<VirtioConsoleDevice>;
  readonly dev: VirtioPciDevice;
  readonly driver: VirtioConsoleDriver;
  /** Every byte the driver handed to onInput, in order. */
  input(): Buffer;
  run(until?: () => boolean, maxEvents?: number): void;
  /** Copy `bytes` into a fresh guest buffer. */
  put(bytes: Uint8Array): number;
}

export function makeConsoleStack(opts: ConsoleStackOptions = {}): ConsoleStack {
  const m = createSimMachine({ memBytes: 64 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 11 });
  const config: ModelConfig = {
    knobs: { ...DEFAULT_KNOBS, ...opts.knobs },
    options: { ...DEFAULT_OPTIONS, ...opts.options },
  };
  const backend = createConsoleBackend(opts.backend ?? {}, m.host.actor('device'), m.host.meter);
  const host = consoleBinding.createHost(m.host, backend, config) as VirtioHostDevice<VirtioConsoleDevice>;
  let driver: VirtioConsoleDriver | undefined;
  let failure: Error | undefined;
  consoleBinding.createGuest(
    m.guest,
    config,
    (port) => {
      driver = port as VirtioConsoleDriver;
    },
    (error) => {
      failure = error;
    },
  );
  m.run({ until: () => driver !== undefined || failure !== undefined, maxEvents: 1_000_000 });
  if (failure !== undefined) throw failure;
  if (driver === undefined) throw new Error('console stack: driver never came up');
  const chunks: Uint8Array[] = [];
  driver.onInput((addr, len) => {
    const c = new Uint8Array(len);
    m.guest.mem.load(addr, len, c, 0);
    chunks.push(c);
  });
  return {
    m,
    config,
    backend,
    host,
    dev: host.transport,
    driver,
    input: () => Buffer.concat(chunks),
    run: (until, maxEvents = 2_000_000) => {
      const summary = m.run({ ...(until === undefined ? {} : { until }), maxEvents });
      if (until !== undefined && !until()) throw new Error(`console stack: condition not reached (${summary.reason})`);
    },
    put: (bytes) => {
      const a = m.guest.alloc.alloc(bytes.length, 64);
      m.guest.mem.store(a, bytes, 0, bytes.length);
      return a;
    },
  };
}

export interface RawConsole {
  readonly raw: RawVirtio;
  readonly backend: ReferenceConsoleBackend;
  readonly logic: VirtioConsoleDevice;
  readonly dev: VirtioPciDevice;
  readonly rx: RawQueue;
  readonly tx: RawQueue;
  offer(q: RawQueue, first: number, segments: { addr: number; len: number; write?: boolean }[]): void;
  put(bytes: Uint8Array): number;
}

export function makeRawConsole(
  opts: { knobs?: Partial<Knobs>; backend?: ConsoleBackendOptions; setup?: boolean } = {},
): RawConsole {
  const m = createSimMachine({ memBytes: 32 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 13 });
  const knobs = { ...DEFAULT_KNOBS, ...opts.knobs };
  const backend = createConsoleBackend(opts.backend ?? {}, m.host.actor('device'), m.host.meter);
  const logic = new VirtioConsoleDevice(backend, { queueSize: 16, copy: knobs.copy });
  const dev = new VirtioPciDevice(m.host, logic, { notify: 'ioeventfd', knobs, slot: 2 });
  const raw = makeRawVirtio(m, dev, 2);
  let rx: RawQueue | undefined;
  let tx: RawQueue | undefined;
  if (opts.setup !== false) {
    if (!raw.negotiate(F_VERSION_1)) throw new Error('raw console: features refused');
    rx = raw.setupQueue(0, 16);
    tx = raw.setupQueue(1, 16);
    raw.driverOk();
  }
  return {
    raw,
    backend,
    logic,
    dev,
    get rx(): RawQueue {
      if (rx === undefined) throw new Error('raw console: queues not set up');
      return rx;
    },
    get tx(): RawQueue {
      if (tx === undefined) throw new Error('raw console: queues not set up');
      return tx;
    },
    offer: (q, first, segments) => {
      const indices = segments.map((_, i) => (first + i) % q.size);
      q.q.offer(q.q.chain(indices, segments));
    },
    put: (bytes) => {
      const a = m.guest.alloc.alloc(bytes.length, 64);
      m.guest.mem.store(a, bytes, 0, bytes.length);
      return a;
    },
  };
}

export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
