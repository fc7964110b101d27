/**
 * Block workloads in fio vocabulary (`rw=randread|randwrite|read|write`, `bs`, `iodepth`,
 * `size`): a closed loop, like fio with a fixed iodepth (measurement.md §3.3).
 */
import { SECTOR_SIZE } from '../../models/platform/ports.js';
import { startGuarded } from '../job.js';
import { param, type Workload, type WorkloadParam } from '../workload.js';
import { BlockJob, type BlockJobMode } from './block-job.js';

const BLOCK_PARAMS: readonly WorkloadParam[] = [
  { key: 'bs', default: 4096, min: SECTOR_SIZE, multipleOf: SECTOR_SIZE, unit: 'bytes', description: 'block size' },
  { key: 'ops', default: 10_000, min: 1, unit: 'ops', description: 'measured requests' },
  {
    key: 'verify',
    default: 1,
    min: 0,
    max: 1,
    description: '1 = check every block read against the written pattern (default); 0 = skip data checks (simulator-speed runs)',
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

function blockWorkload(id: string, mode: BlockJobMode, description: string): Workload<'block'> {
  return {
    id,
    cls: 'block',
    description,
    params: BLOCK_PARAMS,
    expectedOps: (params) => param(params, 'ops'),
    start: (ctx) => startGuarded(ctx, () => new BlockJob(ctx, mode)),
  };
}

export const randread = blockWorkload(
  'randread',
  { write: false, random: true },
  'random reads of bs at seeded aligned offsets after a verified prefill; every read checked',
);
export const randwrite = blockWorkload(
  'randwrite',
  { write: true, random: true },
  'random writes of bs at seeded aligned offsets; every written block read back and checked',
);
export const seqread = blockWorkload(
  'read',
  { write: false, random: false },
  'sequential reads of bs over the working set (wrapping) after a prefill; every read checked',
);
export const seqwrite = blockWorkload(
  'write',
  { write: true, random: false },
  'sequential writes of bs over the working set (wrapping); every written block read back and checked',
);
