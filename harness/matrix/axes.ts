/**
 * A matrix request — models × devices × workloads × parameter and knob sweeps × seeds ×
 * profiles × engines (× notify modes on the threads engine) — expanded into cell specs
 * (DESIGN §1, §7, §10).
 *
 * Selection rules:
 * - no model, device or workload named: the **default suite** (`DEFAULT_SUITE`) over every
 *   registered model and every class it has;
 * - otherwise models default to every registered one, devices to the classes of the named
 *   workloads (or every class a model has), workloads to each class's default;
 * - a device named explicitly that a model lacks still yields its cells, which the plan
 *   reports as unsupported;
 * - a swept workload parameter or model option applies to the workloads / models that declare
 *   it, and is an error only when none in the matrix does; likewise notify modes apply to the
 *   threads engine's cells and a spin budget to its `hybrid` ones.
 */
import { type Coalesce, type CopyMode, DEFAULT_KNOBS, formatCoalesce } from '../../models/platform/knobs.js';
import { type Model, ModelOptionError, resolveOptions } from '../../models/platform/model.js';
import { DEVICE_CLASSES, type DeviceClass } from '../../models/platform/ports.js';
import { DEFAULT_WORKLOAD } from '../../workloads/index.js';
import type { Workload } from '../../workloads/workload.js';
import type { NotifyMode } from '../engine/threads/notify.js';
import type { EngineId } from '../results/schema.js';
import { type BackendSpec, type CellSpec, ConfigError, threadsWait } from '../runner/cell.js';

export interface MatrixRequest {
  /** Model ids; undefined = every registered model. */
  readonly models?: readonly string[];
  readonly devices?: readonly DeviceClass[];
  readonly workloads?: readonly string[];
  /** Workload parameter sweeps (key → values). */
  readonly params?: Readonly<Record<string, readonly number[]>>;
  readonly iodepth?: readonly number[];
  readonly coalesce?: readonly Coalesce[];
  readonly copy?: readonly CopyMode[];
  /** Model option sweeps (key → values). */
  readonly modelOptions?: Readonly<Record<string, readonly string[]>>;
  readonly seeds?: readonly number[];
  /** Built-in profile ids or profile files. */
  readonly profiles?: readonly string[];
  readonly backend?: BackendSpec;
  /** Engines (default sim). */
  readonly engines?: readonly EngineId[];
  /** Threads engine wait modes (default hybrid). */
  readonly notify?: readonly NotifyMode[];
  /** Threads engine, hybrid: spin budget in ns (default the engine's). */
  readonly spinNs?: number;
}

export interface Registry {
  readonly models: readonly Model[];
  readonly workloads: readonly Workload[];
}

/** One entry of the default suite, run for every model that has its device class. */
export interface SuiteEntry {
  readonly device: DeviceClass;
  readonly workload: string;
  readonly iodepth: number;
  readonly params: Readonly<Record<string, number>>;
}

const MIB = 1024 * 1024;

/**
 * What `ringside bench` runs with no selection: each class's characteristic workloads at a
 * shallow and (block, net stream) a deep queue, sized so that every model and class together
 * finish within a minute on a 2-core machine. Parameter flags (`--ops 100`) and knob flags
 * (`--iodepth`) override the entries.
 */
export const DEFAULT_SUITE: readonly SuiteEntry[] = [
  // ≥ 10 000 samples where p99.9 is reported from a deep queue or a latency-bound loop (measurement.md §3.2).
  { device: 'block', workload: 'randread', iodepth: 1, params: { ops: 10_000, size: 8 * MIB } },
  { device: 'block', workload: 'randread', iodepth: 32, params: { ops: 20_000, size: 8 * MIB } },
  { device: 'block', workload: 'randwrite', iodepth: 1, params: { ops: 2_000, size: 8 * MIB } },
  { device: 'net', workload: 'rr', iodepth: 1, params: { ops: 10_000 } },
  { device: 'net', workload: 'stream', iodepth: 16, params: { ops: 20_000 } },
  { device: 'console', workload: 'bulk', iodepth: 1, params: { ops: 1_000 } },
  { device: 'console', workload: 'echo', iodepth: 1, params: { ops: 2_000 } },
  { device: 'entropy', workload: 'drain', iodepth: 1, params: { ops: 1_000 } },
  { device: 'entropy', workload: 'small', iodepth: 1, params: { ops: 5_000 } },
];

export const MATRIX_DEFAULTS = { seed: 1, profile: 'modern-2020s', engine: 'sim', notify: 'hybrid' } as const;

function isSuite(req: MatrixRequest): boolean {
  return req.models === undefined && req.devices === undefined && req.workloads === undefined;
}

function findModels(req: MatrixRequest, registry: Registry): Model[] {
  if (req.models === undefined) return [...registry.models];
  return req.models.map((id) => {
    const m = registry.models.find((x) => x.id === id);
    if (m === undefined) {
      const known = registry.models.map((x) => x.id).join(', ') || 'none';
      throw new ConfigError(`unknown model "${id}" (models: ${known})`);
    }
    return m;
  });
}

/** Named workloads by class; an id no class has is an error. */
function workloadsByClass(req: MatrixRequest, registry: Registry): Map<DeviceClass, Workload[]> | undefined {
  if (req.workloads === undefined) return undefined;
  const byClass = new Map<DeviceClass, Workload[]>();
  for (const id of req.workloads) {
    const matches = registry.workloads.filter((w) => w.id === id && (req.devices ?? DEVICE_CLASSES).includes(w.cls));
    if (matches.length === 0) {
      const scope = req.devices === undefined ? '' : ` for ${req.devices.join(', ')}`;
      const ids = registry.workloads.filter((w) => (req.devices ?? DEVICE_CLASSES).includes(w.cls)).map((w) => w.id);
      throw new ConfigError(`unknown workload "${id}"${scope} (workloads: ${[...new Set(ids)].join(', ')})`);
    }
    for (const w of matches) byClass.set(w.cls, [...(byClass.get(w.cls) ?? []), w]);
  }
  return byClass;
}

interface Entry {
  readonly workload: Workload;
  readonly iodepth: readonly number[];
  readonly params: Readonly<Record<string, number>>;
}

function entriesFor(
  cls: DeviceClass,
  req: MatrixRequest,
  registry: Registry,
  named: Map<DeviceClass, Workload[]> | undefined,
): Entry[] {
  const iodepth = req.iodepth ?? [DEFAULT_KNOBS.iodepth];
  const lookup = (id: string): Workload => {
    const w = registry.workloads.find((x) => x.cls === cls && x.id === id);
    if (w === undefined) throw new ConfigError(`no ${cls} workload "${id}" is registered`);
    return w;
  };
  if (isSuite(req)) {
    return DEFAULT_SUITE.filter((e) => e.device === cls).map((e) => ({
      workload: lookup(e.workload),
      iodepth: req.iodepth ?? [e.iodepth],
      params: e.params,
    }));
  }
  if (named !== undefined) {
    const list = named.get(cls);
    if (list === undefined) throw new ConfigError(`no workload named for device ${cls} (--workload lists none of its)`);
    return list.map((workload) => ({ workload, iodepth, params: {} }));
  }
  return [{ workload: lookup(DEFAULT_WORKLOAD[cls]), iodepth, params: {} }];
}

function devicesFor(model: Model, req: MatrixRequest, named: Map<DeviceClass, Workload[]> | undefined): DeviceClass[] {
  if (req.devices !== undefined) return [...req.devices];
  if (named !== undefined) return DEVICE_CLASSES.filter((c) => named.has(c));
  return DEVICE_CLASSES.filter((c) => model.classes[c] !== undefined);
}

/** Every combination of the given axes, first axis outermost. */
export function product<T extends Record<string, readonly unknown[]>>(axes: T): { [K in keyof T]: T[K][number] }[] {
  let rows: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(axes)) {
    const next: Record<string, unknown>[] = [];
    for (const row of rows) for (const v of values) next.push({ ...row, [key]: v });
    rows = next;
  }
  return rows as { [K in keyof T]: T[K][number] }[];
}

/** Parameter sweeps that apply to `w`: suite values first, overridden by the request's. */
function paramRows(w: Workload, entry: Entry, req: MatrixRequest): Record<string, number>[] {
  const axes: Record<string, readonly number[]> = {};
  for (const [k, v] of Object.entries(entry.params)) if (w.params.some((p) => p.key === k)) axes[k] = [v];
  for (const [k, values] of Object.entries(req.params ?? {})) if (w.params.some((p) => p.key === k)) axes[k] = values;
  return product(axes) as Record<string, number>[];
}

function optionRows(model: Model, req: MatrixRequest): Record<string, string>[] {
  const axes: Record<string, readonly string[]> = {};
  for (const [k, values] of Object.entries(req.modelOptions ?? {})) {
    if (model.options.some((o) => o.key === k)) axes[k] = values;
  }
  return product(axes) as Record<string, string>[];
}

/**
 * The suite's copy mode for a model: zero-copy where the model honours it, else copy
 * (e.g. a PIO device), so the overview shows each model's own path instead of a hole.
 * Recorded in every run's knobs, never hidden.
 */
function suiteCopyModes(model: Model, cls: DeviceClass, iodepth: number, options: Record<string, string>): CopyMode[] {
  if (model.classes[cls] === undefined) return [DEFAULT_KNOBS.copy];
  let resolved: Record<string, string>;
  try {
    resolved = resolveOptions(model, options);
  } catch (error) {
    if (error instanceof ModelOptionError) throw new ConfigError(error.message);
    throw error;
  }
  // At the entry's depth first; if the depth itself is refused, the copy mode the model has at depth 1,
  // so the row says what the model does and its reason names the depth.
  for (const depth of iodepth === 1 ? [1] : [iodepth, 1]) {
    for (const copy of ['zerocopy', 'copy'] as const) {
      const knobs = { coalesce: DEFAULT_KNOBS.coalesce, iodepth: depth, copy };
      if (model.support(cls, { knobs, options: resolved }).ok) return [copy];
    }
  }
  return [DEFAULT_KNOBS.copy];
}

/** The engine part of each cell: sim as it is, threads once per notify mode (a spin budget on hybrid only). */
function engineRows(req: MatrixRequest): Pick<CellSpec, 'engine' | 'notify' | 'spinNs'>[] {
  const engines = req.engines ?? [MATRIX_DEFAULTS.engine];
  const threads = engines.includes('threads');
  const notify = req.notify ?? [MATRIX_DEFAULTS.notify];
  if (!threads && req.notify !== undefined) {
    throw new ConfigError(
      `notify ${req.notify.join(',')}: applies to the threads engine only (engine ${engines.join(',')})`,
    );
  }
  if (req.spinNs !== undefined && !(threads && notify.includes('hybrid'))) {
    throw new ConfigError(`spin ${req.spinNs} ns: applies to the threads engine with notify hybrid only`);
  }
  const rows: Pick<CellSpec, 'engine' | 'notify' | 'spinNs'>[] = [];
  for (const engine of engines) {
    if (engine !== 'threads') {
      rows.push({ engine });
      continue;
    }
    for (const mode of notify) {
      rows.push({
        engine,
        notify: mode,
        ...(mode === 'hybrid' && req.spinNs !== undefined ? { spinNs: req.spinNs } : {}),
      });
    }
  }
  return rows;
}

function checkKeysUsed(req: MatrixRequest, workloads: readonly Workload[], models: readonly Model[]): void {
  for (const key of Object.keys(req.params ?? {})) {
    if (!workloads.some((w) => w.params.some((p) => p.key === key))) {
      const ids = [...new Set(workloads.map((w) => w.id))].join(', ');
      throw new ConfigError(`no workload in this matrix (${ids}) has a parameter "${key}"`);
    }
  }
  for (const key of Object.keys(req.modelOptions ?? {})) {
    if (!models.some((m) => m.options.some((o) => o.key === key))) {
      const known = [...new Set(models.flatMap((m) => m.options.map((o) => o.key)))].join(', ') || 'none';
      throw new ConfigError(`no model in this matrix has an option "${key}" (options: ${known})`);
    }
  }
}

/** Expand a request into cell specs, in matrix order (model, device, workload, params, knobs, options, seed, profile, engine). */
export function expandMatrix(req: MatrixRequest, registry: Registry): CellSpec[] {
  const models = findModels(req, registry);
  const named = workloadsByClass(req, registry);
  const suite = isSuite(req);
  const engines = engineRows(req);
  const specs: CellSpec[] = [];
  const used: Workload[] = [];
  for (const model of models) {
    for (const device of devicesFor(model, req, named)) {
      for (const entry of entriesFor(device, req, registry, named)) {
        used.push(entry.workload);
        for (const params of paramRows(entry.workload, entry, req)) {
          for (const iodepth of entry.iodepth) {
            for (const coalesce of req.coalesce ?? [DEFAULT_KNOBS.coalesce]) {
              for (const modelOptions of optionRows(model, req)) {
                const copies =
                  req.copy ?? (suite ? suiteCopyModes(model, device, iodepth, modelOptions) : [DEFAULT_KNOBS.copy]);
                for (const copy of copies) {
                  for (const seed of req.seeds ?? [MATRIX_DEFAULTS.seed]) {
                    for (const profile of req.profiles ?? [MATRIX_DEFAULTS.profile]) {
                      for (const engine of engines) {
                        specs.push({
                          model: model.id,
                          device,
                          workload: entry.workload.id,
                          params,
                          knobs: { coalesce, iodepth, copy },
                          modelOptions,
                          seed,
                          profile,
                          ...engine,
                          ...(req.backend === undefined ? {} : { backend: req.backend }),
                        });
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  checkKeysUsed(req, used, models);
  return specs;
}

/** `model device workload knobs [engine]` of a spec, for progress lines (the engine when not sim). */
export function specLabel(spec: CellSpec): string {
  const k = spec.knobs;
  const base = `${spec.model} ${spec.device} ${spec.workload} qd=${k.iodepth} ${formatCoalesce(k.coalesce)} ${k.copy}`;
  const wait = threadsWait(spec);
  return wait === undefined ? base : `${base} ${spec.engine}:${wait.notify}`;
}
