/**
 * The runs a report draws, grouped by (class, workload), with a *reference slice* per group:
 * the value of every axis that charts hold fixed while they vary one (throughput vs depth holds
 * coalescing, copy mode and parameters at their reference). References prefer the plainest
 * setting (smallest depth, no coalescing, zero-copy) and otherwise the most common value.
 *
 * A document may mix cost profiles and seeds; the report charts the most common (profile,
 * seed) pair — the *view* — and says how many runs it left out (they stay in the embedded data).
 */
import type { ResultDocument } from '../../harness/results/schema.js';
import { orderModels } from './extensions.js';
import { axisValues, DEVICE_ORDER, type DeviceClass, type IndexedRun, isOk, optionsKey } from './runs.js';

export interface View {
  readonly profile: string;
  readonly seed: number;
}

/** Preferred reference value per axis, when present in the group. */
const PREFERRED: Readonly<Record<string, string>> = { coalesce: 'none', copy: 'zerocopy' };

/** Default workload of each class (workloads/ registry defaults), preferred as the summary's reference. */
const PREFERRED_WORKLOAD: Readonly<Record<string, readonly string[]>> = {
  block: ['randread', 'read', 'randwrite', 'write', 'randrw'],
  net: ['rr', 'stream', 'pps'],
  console: ['bulk', 'echo'],
  entropy: ['drain', 'small'],
};

function mode(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  for (const [v, n] of counts) {
    if (n > bestCount) {
      best = v;
      bestCount = n;
    }
  }
  return best;
}

function referenceValue(axis: string, values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  if (axis === 'iodepth') return String(Math.min(...values.map(Number)));
  const preferred = PREFERRED[axis];
  if (preferred !== undefined && values.includes(preferred)) return preferred;
  return mode(values);
}

export interface Slice {
  readonly device: string;
  readonly workload: string;
  /** Axis → reference value. */
  readonly axes: ReadonlyMap<string, string>;
  /** Model → reference model options (`optionsKey`). */
  readonly options: ReadonlyMap<string, string>;
}

export class RunIndex {
  readonly view: View | undefined;
  /** Runs in the view, in document order. */
  readonly entries: readonly IndexedRun[];
  /** Runs outside the view (other profiles or seeds). */
  readonly excluded: number;
  private readonly groups = new Map<string, IndexedRun[]>();
  private readonly slices = new Map<string, Slice>();

  constructor(readonly doc: ResultDocument) {
    const all = doc.runs.map((run, index) => ({ index, run }));
    const profile = mode(all.map((e) => e.run.profile.id));
    const seed = mode(all.filter((e) => e.run.profile.id === profile).map((e) => String(e.run.seed)));
    this.view = profile === undefined || seed === undefined ? undefined : { profile, seed: Number(seed) };
    this.entries = all.filter((e) => e.run.profile.id === profile && String(e.run.seed) === seed);
    this.excluded = all.length - this.entries.length;
    for (const e of this.entries) {
      const key = `${e.run.device}\u0000${e.run.workload}`;
      const list = this.groups.get(key);
      if (list === undefined) this.groups.set(key, [e]);
      else list.push(e);
    }
  }

  models(): string[] {
    return orderModels(this.entries.map((e) => e.run.model));
  }

  devices(): DeviceClass[] {
    const present = new Set(this.entries.map((e) => e.run.device));
    return DEVICE_ORDER.filter((d) => present.has(d));
  }

  workloads(device: string): string[] {
    const present = [...new Set(this.entries.filter((e) => e.run.device === device).map((e) => e.run.workload))];
    const order = PREFERRED_WORKLOAD[device] ?? [];
    return [...order.filter((w) => present.includes(w)), ...present.filter((w) => !order.includes(w))];
  }

  /** The workload of a class that most models ran ok, preferring the class default. */
  referenceWorkload(device: string): string | undefined {
    let best: string | undefined;
    let bestModels = -1;
    for (const w of this.workloads(device)) {
      const models = new Set(
        this.group(device, w)
          .filter(isOk)
          .map((e) => e.run.model),
      ).size;
      if (models > bestModels) {
        best = w;
        bestModels = models;
      }
    }
    return best;
  }

  group(device: string, workload: string): readonly IndexedRun[] {
    return this.groups.get(`${device}\u0000${workload}`) ?? [];
  }

  slice(device: string, workload: string): Slice {
    const key = `${device}\u0000${workload}`;
    const cached = this.slices.get(key);
    if (cached !== undefined) return cached;
    const group = this.group(device, workload);
    const ok = group.filter(isOk);
    const basis = ok.length > 0 ? ok : group;
    const values = new Map<string, string[]>();
    for (const e of basis) {
      for (const [axis, value] of axisValues(e.run)) {
        const list = values.get(axis);
        if (list === undefined) values.set(axis, [value]);
        else list.push(value);
      }
    }
    const axes = new Map<string, string>();
    for (const [axis, list] of values) {
      const ref = referenceValue(axis, list);
      if (ref !== undefined) axes.set(axis, ref);
    }
    const options = new Map<string, string>();
    for (const model of orderModels(group.map((e) => e.run.model))) {
      const mine = group.filter((e) => e.run.model === model);
      const mineOk = mine.filter(isOk);
      const ref = mode((mineOk.length > 0 ? mineOk : mine).map((e) => optionsKey(e.run)));
      if (ref !== undefined) options.set(model, ref);
    }
    const slice = { device, workload, axes, options };
    this.slices.set(key, slice);
    return slice;
  }

  /**
   * Runs of `model` in the group that sit on the reference slice except on the `vary` axes;
   * `at` pins axes to other values (`{ iodepth: '16' }`). Any status.
   */
  pick(
    device: string,
    workload: string,
    model: string,
    vary: readonly string[] = [],
    at: Readonly<Record<string, string>> = {},
  ): IndexedRun[] {
    const slice = this.slice(device, workload);
    const options = slice.options.get(model);
    return this.group(device, workload).filter((e) => {
      if (e.run.model !== model || optionsKey(e.run) !== options) return false;
      const axes = axisValues(e.run);
      for (const [axis, ref] of slice.axes) {
        if (vary.includes(axis)) continue;
        if (axes.get(axis) !== (at[axis] ?? ref)) return false;
      }
      return true;
    });
  }

  /**
   * `pick`, except that a model with no ok run on the reference slice is shown at the settings
   * of its nearest ok run (an IDE disk that only runs in copy mode, say); `moved` lists those
   * settings (`copy=copy`) so charts can say so in the legend.
   */
  pickOrNearest(
    device: string,
    workload: string,
    model: string,
    vary: readonly string[] = [],
    at: Readonly<Record<string, string>> = {},
  ): { runs: IndexedRun[]; moved: string[] } {
    const runs = this.pick(device, workload, model, vary, at);
    if (runs.some(isOk)) return { runs, moved: [] };
    const near = this.nearest(device, workload, model);
    if (near === undefined || !isOk(near.entry)) return { runs, moved: [] };
    const axes = axisValues(near.entry.run);
    const shifted = near.differs.filter((axis) => !vary.includes(axis) && at[axis] === undefined);
    const pinned: Record<string, string> = { ...at };
    for (const axis of shifted) pinned[axis] = axes.get(axis) ?? '';
    const slice = this.slice(device, workload);
    const options = optionsKey(near.entry.run);
    const moved = this.group(device, workload).filter((e) => {
      if (e.run.model !== model || optionsKey(e.run) !== options) return false;
      const mine = axisValues(e.run);
      for (const [axis, ref] of slice.axes) {
        if (!vary.includes(axis) && mine.get(axis) !== (pinned[axis] ?? ref)) return false;
      }
      return true;
    });
    return { runs: moved, moved: shifted.map((axis) => `${shortAxis(axis)}=${axes.get(axis)}`) };
  }

  /** The run of `model` on the reference slice, or its run sharing the most reference axes. */
  nearest(device: string, workload: string, model: string): { entry: IndexedRun; differs: string[] } | undefined {
    const slice = this.slice(device, workload);
    const mine = this.group(device, workload).filter((e) => e.run.model === model);
    let best: { entry: IndexedRun; differs: string[] } | undefined;
    for (const entry of mine) {
      const axes = axisValues(entry.run);
      const differs = [...slice.axes].filter(([axis, ref]) => axes.get(axis) !== ref).map(([axis]) => axis);
      const better =
        best === undefined ||
        (isOk(entry) && !isOk(best.entry)) ||
        (isOk(entry) === isOk(best.entry) && differs.length < best.differs.length);
      if (better) best = { entry, differs };
    }
    return best;
  }
}

/** `param:bs` → `bs`, `iodepth` → `qd`. */
export function shortAxis(axis: string): string {
  return axis === 'iodepth' ? 'qd' : axis.startsWith('param:') ? axis.slice(6) : axis;
}

/** Parameters that say how long a run was or whether it checked data, not what it measured. */
const QUIET_PARAMS: ReadonlySet<string> = new Set(['param:ops', 'param:verify', 'param:prefill']);

/** `qd=16, coalesce=none, copy=zerocopy, bs=4096` for captions: the fixed axes of a chart. */
export function describeSlice(
  slice: Slice,
  vary: readonly string[] = [],
  at: Readonly<Record<string, string>> = {},
): string {
  const parts: string[] = [];
  for (const [axis, ref] of slice.axes) {
    if (vary.includes(axis) || axis === 'backend' || QUIET_PARAMS.has(axis)) continue;
    const value = at[axis] ?? ref;
    // A zero parameter is "off" (closed loop, no flush, whole device): leave it out.
    if (axis.startsWith('param:') && value === '0') continue;
    parts.push(`${shortAxis(axis)}=${value}`);
  }
  return parts.join(', ');
}
