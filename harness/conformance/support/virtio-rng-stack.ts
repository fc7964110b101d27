/**
 * Test library: the whole virtio-rng stack on the sim engine (seeded reference entropy backend,
 * virtio-pci device, our driver brought up through the binding), and a twin backend that yields
 * the bytes the device must have delivered, in order.
 */

import {
  createEntropyBackend,
  type EntropyBackendOptions,
  type ReferenceEntropyBackend,
} from '../../../models/backend/index.js';
import type { Knobs } from '../../../models/platform/knobs.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import type { EntropyPort } from '../../../models/platform/ports.js';
import { Rng } from '../../../models/platform/rng.js';
import type { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { rngBinding, type VirtioRngDevice, type VirtioRngDriver } from '../../../models/virtio/rng/index.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';
import { blkConfig } from './virtio-blk-stack.js';

export const ENTROPY_SEED = 0x5eed;

export interface RngStack {
  readonly m: SimMachine;
  readonly config: ModelConfig;
  readonly backend: ReferenceEntropyBackend;
  readonly dev: VirtioPciDevice;
  readonly logic: VirtioRngDevice;
  readonly driver: VirtioRngDriver;
  /** The next `n` bytes of the seeded stream (a twin backend, unlimited). */
  expected(n: number): Uint8Array;
}

export interface RngStackOptions {
  knobs?: Partial<Knobs>;
  options?: Record<string, string>;
  entropy?: EntropyBackendOptions;
}

export function rngMachine(): SimMachine {
  return createSimMachine({ memBytes: 16 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 5 });
}

export function makeRngStack(opts: RngStackOptions = {}): RngStack {
  const m = rngMachine();
  const config = blkConfig(opts.knobs, opts.options);
  const backend = createEntropyBackend(opts.entropy ?? {}, m.host.actor('device'), m.host.meter, new Rng(ENTROPY_SEED));
  const twin = createEntropyBackend({}, m.host.actor('device'), m.host.meter, new Rng(ENTROPY_SEED));
  const host = rngBinding.createHost(m.host, backend, config);
  const driver = bootRngDriver(m, config);
  return {
    m,
    config,
    backend,
    dev: host.transport,
    logic: host.logic,
    driver,
    expected(n) {
      const out = new Uint8Array(n);
      twin.read(out, 0, n);
      return out;
    },
  };
}

export function bootRngDriver(m: SimMachine, config: ModelConfig): VirtioRngDriver {
  let port: EntropyPort | undefined;
  let error: Error | undefined;
  rngBinding.createGuest(
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
  if (port === undefined) throw new Error('rng stack: driver never became ready');
  return port as VirtioRngDriver;
}

/** Read `len` bytes into a fresh guest buffer and run until done; returns the count and the bytes. */
export function readOnce(s: RngStack, len: number): { n: number; bytes: Uint8Array } {
  const addr = s.m.guest.alloc.alloc(Math.max(len, 1), 16);
  let n = -1;
  s.driver.read(addr, len, (got) => {
    n = got;
  });
  s.m.run({ until: () => n >= 0, maxEvents: 1_000_000 });
  if (n < 0) throw new Error('rng read never completed');
  const bytes = new Uint8Array(n);
  s.m.guest.mem.load(addr, n, bytes);
  return { n, bytes };
}

/**
 * `ops` reads of `len(i)` bytes with `iodepth` in flight, resubmitted from the completion callback.
 * Returns the bytes delivered, concatenated in completion order, and every count.
 */
export function readLoop(
  s: RngStack,
  iodepth: number,
  ops: number,
  len: (i: number) => number,
): { stream: Uint8Array; counts: number[] } {
  const max = s.driver.maxRead;
  const bufs = Array.from({ length: iodepth }, () => s.m.guest.alloc.alloc(max, 16));
  const counts: number[] = [];
  const chunks: Uint8Array[] = [];
  let issued = 0;
  const issue = (buf: number): void => {
    const want = len(issued++);
    s.driver.read(buf, want, (n) => {
      counts.push(n);
      const c = new Uint8Array(n);
      s.m.guest.mem.load(buf, n, c);
      chunks.push(c);
      if (issued < ops) issue(buf);
    });
  };
  for (const b of bufs) if (issued < ops) issue(b);
  s.m.run({ until: () => counts.length === ops, maxEvents: 10_000_000 });
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const stream = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    stream.set(c, at);
    at += c.length;
  }
  return { stream, counts };
}

/** Index of the first differing byte (or length mismatch position), −1 when equal: cheap on big arrays. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
