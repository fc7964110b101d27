/**
 * Block workloads in fio vocabulary: `rw=read|write|randread|randwrite|randrw` with `bs`,
 * `size`, `rwmixread`, `ops` or `duration`, `fsync`-style `flush` every N writes, and the
 * iodepth knob (closed loop) or a Poisson `rate` (open loop), measurement.md §3.3, §5.1.
 */
import { SECTOR_SIZE } from '../../models/platform/ports.js';
import { startGuarded } from '../job.js';
import { expectedLoadOps, loadParams } from '../load.js';
import type { Workload, WorkloadParam } from '../workload.js';
import { BlockJob, type BlockJobMode } from './block-job.js';

const COMMON: readonly WorkloadParam[] = [
  { key: 'bs', default: 4096, min: SECTOR_SIZE, multipleOf: SECTOR_SIZE, unit: 'bytes', description: 'block size' },
  ...loadParams(10_000),
  {
    key: 'verify',
    default: 1,
    min: 0,
    max: 1,
    description:
      '1 = check every block read against the written pattern (default); 0 = skip data checks (simulator-speed runs)',
  },
  {
    key: 'size',
    default: 0,
    min: 0,
    multipleOf: SECTOR_SIZE,
    unit: 'bytes',
    description: 'working set; 0 = min(device capacity, 64 MiB)',
  },
];

const PREFILL: WorkloadParam = {
  key: 'prefill',
  default: 0,
  min: 0,
  max: 1,
  description: 'working-set pattern before reading: 0 = written straight into the backing store, 1 = through the port',
};

const FLUSH: WorkloadParam = {
  key: 'flush',
  default: 0,
  min: 0,
  unit: 'ops',
  description: 'issue a flush after every N completed writes (fio fsync=N); 0 = never',
};

const RWMIXREAD: WorkloadParam = {
  key: 'rwmixread',
  default: 50,
  min: 0,
  max: 100,
  unit: 'percent',
  description: 'percentage of measured operations that are reads',
};

function blockWorkload(id: string, mode: BlockJobMode, description: string): Workload<'block'> {
  const params = [...COMMON];
  if (mode.ops !== 'write') params.push(PREFILL);
  if (mode.ops !== 'read') params.push(FLUSH);
  if (mode.ops === 'mixed') params.push(RWMIXREAD);
  return {
    id,
    cls: 'block',
    description,
    params,
    expectedOps: expectedLoadOps,
    start: (ctx) => startGuarded(ctx, () => new BlockJob(ctx, mode)),
  };
}

export const randread = blockWorkload(
  'randread',
  { ops: 'read', random: true },
  'random reads of bs at seeded aligned offsets over a prefilled working set; every read checked',
);
export const randwrite = blockWorkload(
  'randwrite',
  { ops: 'write', random: true },
  'random writes of bs at seeded aligned offsets; every written block read back and checked',
);
export const randrw = blockWorkload(
  'randrw',
  { ops: 'mixed', random: true },
  'random mix of reads (rwmixread %) and writes; reads checked against the last write, written blocks read back',
);
export const seqread = blockWorkload(
  'read',
  { ops: 'read', random: false },
  'sequential reads of bs over the working set (wrapping) after a prefill; every read checked',
);
export const seqwrite = blockWorkload(
  'write',
  { ops: 'write', random: false },
  'sequential writes of bs over the working set (wrapping); every written block read back and checked',
);
