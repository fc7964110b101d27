/**
 * Test library for the port-I/O RNG (specs/trap-emulate.md §5): the device + driver on the sim
 * engine over the seeded reference entropy backend, a twin backend giving the bytes the driver
 * must deliver, and a scripted backend whose supply the test controls. Reused by the conformance
 * and hostile-guest cases.
 */

import { createEntropyBackend, type EntropyBackendOptions } from '../../../models/backend/index.js';
import type { RngDevice, RngDriver } from '../../../models/emulated/rng/index.js';
import { createRngHost, rngBinding } from '../../../models/emulated/rng/index.js';
import type { EntropyBackend } from '../../../models/platform/backend-api.js';
import { DEFAULT_KNOBS, type Knobs } from '../../../models/platform/knobs.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import type { EntropyPort } from '../../../models/platform/ports.js';
import { Rng } from '../../../models/platform/rng.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';

export const ENTROPY_SEED = 0x5eed;

/** Knobs the RNG honours: no coalescing, depth 1, copy. */
export const RNG_KNOBS: Knobs = { ...DEFAULT_KNOBS, copy: 'copy' };

export function rngConfig(options: Record<string, string> = {}, knobs: Partial<Knobs> = {}): ModelConfig {
  return { knobs: { ...RNG_KNOBS, ...knobs }, options: { exits: 'user', ...options } };
}

/**
 * A backend that hands out only what the test `supply`s. Byte k of its stream is `k & 0xff`
 * (plus a seed offset), so any loss, duplication or reordering shows. It records what it was asked.
 */
export class ScriptedEntropy implements EntropyBackend {
  /** Bytes that may still be handed out. */
  allowance = 0;
  /** Bytes handed out so far (= the next stream index). */
  served = 0;
  reads = 0;
  largestRequest = 0;

  constructor(private readonly offset = 0) {}

  supply(n: number): void {
    this.allowance += n;
  }

  /** Byte `k` of the stream. */
  byteAt(k: number): number {
    return (k + this.offset) & 0xff;
  }

  read(into: Uint8Array, offset: number, length: number): number {
    this.reads++;
    this.largestRequest = Math.max(this.largestRequest, length);
    const n = Math.max(0, Math.min(length, this.allowance, into.length - offset));
    for (let i = 0; i < n; i++) into[offset + i] = this.byteAt(this.served + i);
    this.served += n;
    this.allowance -= n;
    return n;
  }
}

export interface RngStack {
  readonly m: SimMachine;
  readonly config: ModelConfig;
  readonly device: RngDevice;
  /** The next `n` bytes of the seeded reference stream (from an unlimited twin backend). */
  expected(n: number): Uint8Array;
}

export interface RngStackOptions {
  options?: Record<string, string>;
  /** Reference-backend options (rate limit); ignored when `backend` is given. */
  entropy?: EntropyBackendOptions;
  backend?: EntropyBackend;
}

export function rngMachine(): SimMachine {
  return createSimMachine({ memBytes: 16 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 5 });
}

export function makeRngStack(opts: RngStackOptions = {}): RngStack {
  const m = rngMachine();
  const config = rngConfig(opts.options);
  const device = m.host.actor('device');
  const backend = opts.backend ?? createEntropyBackend(opts.entropy ?? {}, device, m.host.meter, new Rng(ENTROPY_SEED));
  const twin = createEntropyBackend({}, device, m.host.meter, new Rng(ENTROPY_SEED));
  return {
    m,
    config,
    device: createRngHost(m.host, backend, config),
    expected(n) {
      const out = new Uint8Array(n);
      twin.read(out, 0, n);
      return out;
    },
  };
}

/** Bring the driver up through the binding (its RNGDONE probe runs on the vCPU). */
export function bootRngDriver(s: RngStack): RngDriver {
  let port: EntropyPort | undefined;
  let error: Error | undefined;
  rngBinding.createGuest(
    s.m.guest,
    s.config,
    (p) => {
      port = p;
    },
    (e) => {
      error = e;
    },
  );
  s.m.run({ until: () => port !== undefined || error !== undefined, maxEvents: 1000 });
  if (error !== undefined) throw error;
  if (port === undefined) throw new Error('rng stack: the driver never became ready');
  return port as RngDriver;
}

export interface ReadResult {
  readonly n: number;
  readonly bytes: Uint8Array;
  readonly exitsUser: number;
  readonly exitsKernel: number;
  readonly virtualNs: number;
}

/** One driver read of `len` bytes into a fresh buffer, run to completion, with its exits. */
export function readOnce(s: RngStack, driver: EntropyPort, len: number): ReadResult {
  const addr = s.m.guest.alloc.alloc(Math.max(len, 1), 16);
  const c = s.m.guestMeter.counters;
  const user0 = c.exitsUser;
  const kernel0 = c.exitsKernel;
  const t0 = s.m.nowNs();
  let n = -1;
  driver.read(addr, len, (got) => {
    n = got;
  });
  s.m.run({ until: () => n >= 0, maxEvents: 1_000_000 });
  if (n < 0) throw new Error('rng read never completed');
  const bytes = new Uint8Array(n);
  s.m.guest.mem.load(addr, n, bytes);
  return {
    n,
    bytes,
    exitsUser: c.exitsUser - user0,
    exitsKernel: c.exitsKernel - kernel0,
    virtualNs: s.m.nowNs() - t0,
  };
}
