/**
 * Test library: matrix cells of the trap-and-emulate model (and the same cells under virtio, for
 * comparison) run through the harness runner on the sim engine.
 */

import type { RunRecord } from '../../../harness/results/schema.js';
import type { CellSpec } from '../../../harness/runner/cell.js';
import { type RunOptions, runCell } from '../../../harness/runner/run-cell.js';
import { emulatedModel } from '../../../models/emulated/index.js';
import type { Coalesce, CopyMode } from '../../../models/platform/knobs.js';
import type { DeviceClass } from '../../../models/platform/ports.js';
import { virtioModel } from '../../../models/virtio/index.js';

// Tests never shell out to git: the commit is recorded as null.
process.env.RINGSIDE_NO_GIT = '1';

export const MODELS = [emulatedModel, virtioModel];

export interface CellOptions {
  readonly model?: string;
  readonly params?: Record<string, number>;
  readonly coalesce?: Coalesce;
  readonly iodepth?: number;
  /** Default `copy`: the knob every emulated class honours in its default mode. */
  readonly copy?: CopyMode;
  readonly modelOptions?: Record<string, string>;
  readonly profile?: string;
  readonly seed?: number;
}

export function cellSpec(device: DeviceClass, workload: string, o: CellOptions = {}): CellSpec {
  return {
    model: o.model ?? 'emulated',
    device,
    workload,
    params: o.params ?? {},
    knobs: { coalesce: o.coalesce ?? { kind: 'none' }, iodepth: o.iodepth ?? 1, copy: o.copy ?? 'copy' },
    modelOptions: o.modelOptions ?? {},
    seed: o.seed ?? 11,
    profile: o.profile ?? 'modern-2020s',
    engine: 'sim',
  };
}

export function runEmulated(
  device: DeviceClass,
  workload: string,
  o: CellOptions = {},
  extra: Omit<RunOptions, 'models'> = {},
): RunRecord {
  return runCell(cellSpec(device, workload, o), { ...extra, models: MODELS });
}

/** The default cells of every class, small enough for unit tests (the workloads virtio runs). */
export const CLASS_CELLS: readonly { device: DeviceClass; workload: string; params: Record<string, number> }[] = [
  { device: 'block', workload: 'randread', params: { ops: 100, size: 1 << 20 } },
  { device: 'block', workload: 'randwrite', params: { ops: 60, size: 1 << 20 } },
  { device: 'net', workload: 'rr', params: { ops: 100 } },
  { device: 'net', workload: 'stream', params: { ops: 60 } },
  { device: 'console', workload: 'bulk', params: { ops: 20 } },
  { device: 'entropy', workload: 'drain', params: { ops: 100, bs: 64 } },
];

/** Per-op counter of an ok run (throws with the reason otherwise, so a failure says why). */
export function perOp(run: RunRecord): NonNullable<RunRecord['metrics']>['perOp'] {
  if (run.status !== 'ok' || run.metrics === undefined) {
    throw new Error(`${run.model} ${run.device} ${run.workload}: ${run.status} — ${run.reason ?? 'no metrics'}`);
  }
  return run.metrics.perOp;
}
