/**
 * The model contract (DESIGN §6). A model exports, per supported device class, two
 * factories that meet only in the machine: `createHost` builds the device on the host
 * face over the reference backend, `createGuest` builds the driver on the guest face and
 * brings the device up through the protocol itself (register writes, XenStore, messages),
 * then hands the workload its port.
 */
import type { BackendFor } from './backend-api.js';
import type { Knobs } from './knobs.js';
import type { GuestPlatform, HostPlatform } from './machine.js';
import type { DeviceClass, PortFor } from './ports.js';

/** `native`: the historical design has this device; `extension`: ours, labelled as such in reports. */
export type ClassKind = 'native' | 'extension';

export interface ModelOption {
  readonly key: string;
  readonly values: readonly string[] | 'number' | 'string';
  readonly default: string;
  readonly description: string;
}

export interface ModelConfig {
  readonly knobs: Knobs;
  /** `--model-opt key=value`, validated against the model's options, defaults filled in. */
  readonly options: Readonly<Record<string, string>>;
}

export type Support = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface HostDevice {
  /** Human-readable name (shown in traces). */
  readonly name: string;
  /** Device-side state worth reporting (e.g. virtio status), for tests and diagnostics. */
  describe?(): Record<string, unknown>;
}

export interface Model {
  readonly id: string;
  readonly title: string;
  readonly classes: Readonly<Partial<Record<DeviceClass, ClassKind>>>;
  readonly options: readonly ModelOption[];
  /** Whether this model honours `config` for `cls`; never approximate a knob silently. */
  support(cls: DeviceClass, config: ModelConfig): Support;
  createHost<C extends DeviceClass>(
    cls: C,
    host: HostPlatform,
    backend: BackendFor[C],
    config: ModelConfig,
  ): HostDevice;
  createGuest<C extends DeviceClass>(
    cls: C,
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: PortFor[C]) => void,
    fail: (error: Error) => void,
  ): void;
}

export class ModelOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelOptionError';
  }
}

/** Validate `--model-opt` pairs against a model's declared options and fill defaults. */
export function resolveOptions(model: Model, given: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of model.options) out[o.key] = o.default;
  for (const [k, v] of Object.entries(given)) {
    const o = model.options.find((x) => x.key === k);
    if (o === undefined) {
      const known = model.options.map((x) => x.key).join(', ') || 'none';
      throw new ModelOptionError(`model ${model.id} has no option "${k}" (options: ${known})`);
    }
    if (Array.isArray(o.values) && !o.values.includes(v)) {
      throw new ModelOptionError(`model ${model.id} option ${k}=${v}: expected one of ${o.values.join(', ')}`);
    }
    if (o.values === 'number' && !Number.isFinite(Number(v))) {
      throw new ModelOptionError(`model ${model.id} option ${k}=${v}: expected a number`);
    }
    out[k] = v;
  }
  return out;
}

/** One device class of a model: its host device and guest driver factories, meeting only in the machine. */
export interface ClassBinding<C extends DeviceClass, H extends HostDevice = HostDevice> {
  createHost(host: HostPlatform, backend: BackendFor[C], config: ModelConfig): H;
  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: PortFor[C]) => void,
    fail: (e: Error) => void,
  ): void;
  /** Knob mapping for this class; a knob it cannot honour is unsupported, never approximated. */
  support(config: ModelConfig): Support;
}

export interface BindingsModelSpec {
  readonly id: string;
  readonly title: string;
  readonly options: readonly ModelOption[];
  readonly bindings: { readonly [C in DeviceClass]?: ClassBinding<C> };
  /** Which classes have a historical counterpart (native) and which are ours (extension). */
  readonly classes: Readonly<Partial<Record<DeviceClass, ClassKind>>>;
  /** Model-wide knob checks, run before the class's own. */
  readonly support?: (cls: DeviceClass, config: ModelConfig) => Support;
}

/** A Model that dispatches each class to its binding. */
export function modelFromBindings(spec: BindingsModelSpec): Model {
  const binding = <C extends DeviceClass>(cls: C): ClassBinding<C> => {
    const b = spec.bindings[cls] as ClassBinding<C> | undefined;
    if (b === undefined) throw new Error(`model ${spec.id} has no ${cls} device`);
    return b;
  };
  return {
    id: spec.id,
    title: spec.title,
    classes: spec.classes,
    options: spec.options,
    support(cls, config) {
      if (spec.bindings[cls] === undefined) return { ok: false, reason: `model ${spec.id} has no ${cls} device` };
      const whole = spec.support?.(cls, config);
      return whole !== undefined && !whole.ok ? whole : binding(cls).support(config);
    },
    createHost: (cls, host, backend, config) => binding(cls).createHost(host, backend, config),
    createGuest: (cls, guest, config, ready, fail) => binding(cls).createGuest(guest, config, ready, fail),
  };
}

/**
 * Run a driver's bring-up on the guest vCPU (so its exits are priced there) and hand the
 * port to `ready`, or any error to `fail`: the shared tail of every `createGuest`.
 */
export function startDriverOnVcpu<P>(
  guest: GuestPlatform,
  start: () => P,
  ready: (port: P) => void,
  fail: (error: Error) => void,
): void {
  guest.sched.after(0, () => {
    let port: P;
    try {
      port = start();
    } catch (e) {
      fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    ready(port);
  });
}
