/** The workload registry: every workload by class and id (the harness's only way to find them). */
import type { DeviceClass } from '../models/platform/ports.js';
import { randread, randrw, randwrite, seqread, seqwrite } from './block/index.js';
import { bulk } from './console/bulk.js';
import { echo } from './console/echo.js';
import { drain, small } from './entropy/drain.js';
import { rr } from './net/rr.js';
import { pps, stream } from './net/stream.js';
import type { Workload } from './workload.js';

export const WORKLOADS: readonly Workload[] = [
  randread as Workload,
  randwrite as Workload,
  randrw as Workload,
  seqread as Workload,
  seqwrite as Workload,
  rr as Workload,
  stream as Workload,
  pps as Workload,
  bulk as Workload,
  echo as Workload,
  drain as Workload,
  small as Workload,
];

/** The default workload of each class (what `bench` runs when `--workload` is omitted). */
export const DEFAULT_WORKLOAD: Readonly<Record<DeviceClass, string>> = {
  block: 'randread',
  net: 'rr',
  console: 'bulk',
  entropy: 'drain',
};

export function findWorkload(cls: DeviceClass, id: string): Workload | undefined {
  return WORKLOADS.find((w) => w.cls === cls && w.id === id);
}

export { LatencyRecorder, type LatencySummary, nearestRank } from './latency.js';
export { LoadDriver, type LoadPlan, type LoadTarget } from './load.js';
export * from './workload.js';
