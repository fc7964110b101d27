/**
 * The workload contract. A workload is a guest-side program, independent of any model:
 * it gets a port (ports.ts), the guest platform and its parameters, and runs on the
 * guest vCPU scheduler with callbacks (no Promises). It marks its measured phase so the
 * runner counts only that window, and ends with exactly one of `finish()` or `fail()`.
 */
import type { Knobs } from '../models/platform/knobs.js';
import type { GuestPlatform } from '../models/platform/machine.js';
import type { DeviceClass, PortFor } from '../models/platform/ports.js';
import type { LatencyRecorder } from './latency.js';

/** How a parameter's value is read on the command line (binary sizes, decimal rates, times). */
export type ParamUnit = 'bytes' | 'ops' | 'ns' | 'ops/s' | 'percent';

/** A numeric parameter (fio / netperf vocabulary); all workload parameters are integers. */
export interface WorkloadParam {
  readonly key: string;
  readonly default: number;
  readonly min: number;
  readonly max?: number;
  /** Must be a multiple of this (e.g. 512 for block sizes). */
  readonly multipleOf?: number;
  readonly unit?: ParamUnit;
  readonly description: string;
}

/** What the runner lets a workload observe of the reference backend, per class (for verification). */
export interface ProbeFor {
  block: {
    /**
     * Write bytes straight into the backing store at `sector`, bypassing device and meters:
     * fio's preconditioned disk, so a read workload need not prefill through a slow port.
     */
    preload(sector: number, bytes: Uint8Array, offset: number, length: number): void;
  };
  net: { /** Frames that have reached the peer host so far. */ framesAtPeer(): number };
  console: { /** Every byte the backend has received from the guest so far. */ output(): Uint8Array };
  entropy: Record<string, never>;
}

export interface MeasuredPhase {
  /** Call just before the first measured operation is issued. */
  begin(): void;
  /** Call when the last measured operation completed, with the operations and payload bytes it moved. */
  end(ops: number, bytes: number): void;
}

export interface WorkloadContext<C extends DeviceClass> {
  readonly port: PortFor[C];
  readonly guest: GuestPlatform;
  /** Resolved parameters: every declared key present. */
  readonly params: Readonly<Record<string, number>>;
  readonly knobs: Knobs;
  /** Run seed: workloads derive their own Rng from it so the op stream is the same under every model. */
  readonly seed: number;
  readonly latency: LatencyRecorder;
  readonly probe: ProbeFor[C];
  readonly measured: MeasuredPhase;
  /** Record a deterministic workload figure for the result (verified blocks, entropy digest…). */
  note(key: string, value: number): void;
  finish(): void;
  fail(error: Error): void;
}

/** How the runner should set up the reference backend's far side for this workload. */
export interface BackendNeeds {
  /** Net peer behaviour and the response frame size for an echoing peer. */
  readonly net?: { readonly peer: 'echo' | 'sink'; readonly responseBytes?: number };
  /** Console output the backend must keep for verification. */
  readonly consoleOutputBytes?: number;
  /** The console backend feeds every output byte back as input (echo-latency workloads). */
  readonly consoleEcho?: boolean;
}

export interface Workload<C extends DeviceClass = DeviceClass> {
  readonly id: string;
  readonly cls: C;
  readonly description: string;
  readonly params: readonly WorkloadParam[];
  /** Expected operation count for these params (sizes the latency recorder). */
  expectedOps(params: Readonly<Record<string, number>>): number;
  backendNeeds?(params: Readonly<Record<string, number>>): BackendNeeds;
  start(ctx: WorkloadContext<C>): void;
}

/** A bad workload parameter: a usage error, reported before anything runs. */
export class WorkloadParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkloadParamError';
  }
}

/**
 * The device cannot honour what the workload asks (depth beyond its queue, a request larger
 * than it takes, an operation it lacks): the runner reports the cell as unsupported, never
 * as a silently smaller run.
 */
export class WorkloadUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkloadUnsupported';
  }
}

/** A verification failure: data read back differs from what was written. */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}

/** Validate `given` against the workload's declared params and fill defaults. */
export function resolveParams(workload: Workload, given: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of workload.params) out[p.key] = p.default;
  for (const [key, value] of Object.entries(given)) {
    const p = workload.params.find((x) => x.key === key);
    if (p === undefined) {
      const known = workload.params.map((x) => x.key).join(', ') || 'none';
      throw new WorkloadParamError(`workload ${workload.id} has no parameter "${key}" (parameters: ${known})`);
    }
    if (!Number.isSafeInteger(value)) {
      throw new WorkloadParamError(`workload ${workload.id} ${key}=${value}: expected an integer`);
    }
    if (value < p.min) throw new WorkloadParamError(`workload ${workload.id} ${key}=${value}: must be ≥ ${p.min}`);
    if (p.max !== undefined && value > p.max) {
      throw new WorkloadParamError(`workload ${workload.id} ${key}=${value}: must be ≤ ${p.max}`);
    }
    if (p.multipleOf !== undefined && value % p.multipleOf !== 0) {
      throw new WorkloadParamError(`workload ${workload.id} ${key}=${value}: must be a multiple of ${p.multipleOf}`);
    }
    out[key] = value;
  }
  return out;
}

/** Read a resolved parameter (present by construction of `resolveParams`). */
export function param(params: Readonly<Record<string, number>>, key: string): number {
  const v = params[key];
  if (v === undefined) throw new WorkloadParamError(`parameter "${key}" missing`);
  return v;
}
