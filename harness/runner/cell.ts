/**
 * A cell of the matrix: one model × device class × workload × knobs × seed × profile × engine
 * (and, on the threads engine, how its threads wait: notify mode and spin budget).
 * `resolveCell` turns a spec into everything a run needs, or throws `ConfigError` with a
 * one-line message (a usage error: the CLI exits 2 and nothing runs).
 */
import { formatCoalesce, type Knobs } from '../../models/platform/knobs.js';
import { type Model, type ModelConfig, ModelOptionError, resolveOptions } from '../../models/platform/model.js';
import type { DeviceClass } from '../../models/platform/ports.js';
import { WORKLOADS } from '../../workloads/index.js';
import { resolveParams, type Workload, WorkloadParamError } from '../../workloads/workload.js';
import { DEFAULT_SPIN_NS, isNotifyMode, NOTIFY_MODES, type NotifyMode } from '../engine/threads/notify.js';
import { loadProfile, ProfileError, profileSha256 } from '../profiles/load.js';
import type { CostProfile } from '../profiles/schema.js';
import { findModel, MODELS } from '../registry.js';
import { ENGINES, type EngineId, type RunRecord } from '../results/schema.js';
import { cellId } from './cell-id.js';

export type ServiceModelName = 'ram' | 'nvme' | 'sata-ssd' | 'hdd';
export const SERVICE_MODELS: readonly ServiceModelName[] = ['ram', 'nvme', 'sata-ssd', 'hdd'];

/** Reference-backend settings a cell may choose (defaults in `DEFAULT_BACKEND`). */
export interface BackendSpec {
  /** Block device size in 512-byte sectors. */
  readonly capacitySectors?: number;
  readonly service?: ServiceModelName;
}

export const DEFAULT_BACKEND = {
  /** 128 MiB: room for the default 64 MiB working set. */
  capacitySectors: 262_144,
  service: 'ram',
} as const satisfies Required<BackendSpec>;

export interface CellSpec {
  readonly model: string;
  readonly device: DeviceClass;
  readonly workload: string;
  /** Workload parameters as given; defaults are filled in by `resolveCell`. */
  readonly params: Readonly<Record<string, number>>;
  readonly knobs: Knobs;
  /** `--model-opt key=value` pairs as given. */
  readonly modelOptions: Readonly<Record<string, string>>;
  readonly seed: number;
  /** Built-in profile id or a path to a profile file. */
  readonly profile: string;
  readonly engine: EngineId;
  /** Threads engine: how idle threads wait (default `hybrid`). */
  readonly notify?: NotifyMode;
  /** Threads engine, notify `hybrid`: spin budget in ns before sleeping (default 50 µs). */
  readonly spinNs?: number;
  readonly backend?: BackendSpec;
}

/** The threads engine's wait settings of a cell, defaults filled in; undefined on the sim engine. */
export interface ThreadsWait {
  readonly notify: NotifyMode;
  readonly spinNs: number;
}

export function threadsWait(spec: CellSpec): ThreadsWait | undefined {
  if (spec.engine !== 'threads') return undefined;
  return { notify: spec.notify ?? 'hybrid', spinNs: spec.spinNs ?? DEFAULT_SPIN_NS };
}

/** Longest spin budget accepted (1 s): beyond it a "hybrid" thread is a polling one. */
export const MAX_SPIN_NS = 1_000_000_000;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ResolvedCell {
  readonly spec: CellSpec;
  readonly model: Model;
  readonly workload: Workload;
  readonly params: Readonly<Record<string, number>>;
  readonly config: ModelConfig;
  readonly profile: CostProfile;
  readonly profileSha256: string;
  readonly backend: Required<BackendSpec>;
}

export interface ResolveOptions {
  /** Models to choose from (default: the registry). */
  readonly models?: readonly Model[];
  readonly workloads?: readonly Workload[];
  /** Resolve a cell for a class the model lacks (the matrix reports it as unsupported). */
  readonly allowMissingClass?: boolean;
}

export function resolveCell(spec: CellSpec, options: ResolveOptions = {}): ResolvedCell {
  const models = options.models ?? MODELS;
  const model = findModel(spec.model, models);
  if (model === undefined) {
    throw new ConfigError(`unknown model "${spec.model}" (models: ${models.map((m) => m.id).join(', ') || 'none'})`);
  }
  if (model.classes[spec.device] === undefined && options.allowMissingClass !== true) {
    const classes = Object.keys(model.classes).join(', ');
    throw new ConfigError(`model ${model.id} has no ${spec.device} device (classes: ${classes})`);
  }
  const workloads = options.workloads ?? WORKLOADS;
  const workload = workloads.find((w) => w.cls === spec.device && w.id === spec.workload);
  if (workload === undefined) {
    const ids = workloads.filter((w) => w.cls === spec.device).map((w) => w.id);
    throw new ConfigError(
      `unknown ${spec.device} workload "${spec.workload}" (${spec.device} workloads: ${ids.join(', ')})`,
    );
  }
  if (!Number.isSafeInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) {
    throw new ConfigError(`seed ${spec.seed}: expected an integer 0..4294967295`);
  }
  if (!Number.isSafeInteger(spec.knobs.iodepth) || spec.knobs.iodepth < 1) {
    throw new ConfigError(`iodepth ${spec.knobs.iodepth}: expected an integer ≥ 1`);
  }
  checkEngine(spec);
  const backend = { ...DEFAULT_BACKEND, ...spec.backend };
  if (!Number.isSafeInteger(backend.capacitySectors) || backend.capacitySectors < 1) {
    throw new ConfigError(`capacity ${backend.capacitySectors} sectors: expected a positive integer`);
  }
  if (!SERVICE_MODELS.includes(backend.service)) {
    throw new ConfigError(`service "${backend.service}": expected one of ${SERVICE_MODELS.join(', ')}`);
  }
  try {
    const params = resolveParams(workload, spec.params);
    const options = resolveOptions(model, spec.modelOptions);
    const profile = loadProfile(spec.profile);
    return {
      spec,
      model,
      workload,
      params,
      config: { knobs: spec.knobs, options },
      profile,
      profileSha256: profileSha256(profile),
      backend,
    };
  } catch (error) {
    if (error instanceof WorkloadParamError || error instanceof ModelOptionError || error instanceof ProfileError) {
      throw new ConfigError(error.message);
    }
    throw error;
  }
}

function checkEngine(spec: CellSpec): void {
  if (!(ENGINES as readonly string[]).includes(spec.engine)) {
    throw new ConfigError(`engine "${spec.engine}": expected one of ${ENGINES.join(', ')}`);
  }
  if (spec.engine !== 'threads') {
    if (spec.notify !== undefined || spec.spinNs !== undefined) {
      throw new ConfigError(`notify and spin settings apply to the threads engine, not ${spec.engine}`);
    }
    return;
  }
  if (spec.notify !== undefined && !isNotifyMode(spec.notify)) {
    throw new ConfigError(`notify "${spec.notify}": expected one of ${NOTIFY_MODES.join(', ')}`);
  }
  if (spec.spinNs === undefined) return;
  if ((spec.notify ?? 'hybrid') !== 'hybrid') {
    throw new ConfigError(`a spin budget applies to notify hybrid only, not ${spec.notify}`);
  }
  if (!Number.isSafeInteger(spec.spinNs) || spec.spinNs < 0 || spec.spinNs > MAX_SPIN_NS) {
    throw new ConfigError(`spin ${spec.spinNs} ns: expected an integer 0..${MAX_SPIN_NS}`);
  }
}

/** The identifying part of a run record (everything but status, reason and metrics). */
export function recordHead(cell: ResolvedCell): Omit<RunRecord, 'status'> {
  const { spec } = cell;
  const wait = threadsWait(spec);
  const head = {
    model: cell.model.id,
    device: spec.device,
    workload: cell.workload.id,
    params: { ...cell.params },
    knobs: { coalesce: formatCoalesce(spec.knobs.coalesce), iodepth: spec.knobs.iodepth, copy: spec.knobs.copy },
    modelOptions: { ...cell.config.options },
    backend: backendDescription(cell),
    engine: spec.engine,
    // The spin budget only changes what a hybrid waiter does.
    ...(wait === undefined ? {} : { notify: wait.notify }),
    ...(wait?.notify === 'hybrid' ? { spinNs: wait.spinNs } : {}),
    profile: { id: cell.profile.id, sha256: cell.profileSha256 },
    seed: spec.seed,
  };
  return { id: cellId(head), ...head };
}

function backendDescription(cell: ResolvedCell): Record<string, string | number> {
  switch (cell.spec.device) {
    case 'block':
      return { store: 'memory', capacitySectors: cell.backend.capacitySectors, service: cell.backend.service };
    case 'net': {
      const needs = cell.workload.backendNeeds?.(cell.params).net;
      const out: Record<string, string | number> = { peer: needs?.peer ?? 'echo' };
      if (needs?.responseBytes !== undefined) out.responseBytes = needs.responseBytes;
      return out;
    }
    case 'console':
      return { echo: cell.workload.backendNeeds?.(cell.params).consoleEcho === true ? 'on' : 'off' };
    case 'entropy':
      return { source: 'seeded' };
  }
}
