/**
 * The stable identity of a matrix cell: every input that changes what a run measures, in a
 * fixed order with sorted keys, so the same cell has the same id in every process, shard and
 * release. Sharding hashes it, merged and full result files sort their runs by it.
 */
import type { RunRecord } from '../results/schema.js';

export type CellIdentity = Pick<
  RunRecord,
  | 'model'
  | 'device'
  | 'workload'
  | 'params'
  | 'knobs'
  | 'modelOptions'
  | 'backend'
  | 'engine'
  | 'notify'
  | 'spinNs'
  | 'profile'
  | 'seed'
>;

function pairs(record: Readonly<Record<string, string | number>> | undefined): string {
  if (record === undefined) return '-';
  const keys = Object.keys(record).sort();
  return keys.length === 0 ? '-' : keys.map((k) => `${k}=${record[k]}`).join(',');
}

/** `sim`, or the threads engine with its wait settings: `threads,notify=hybrid,spinNs=50000`. */
function engineText(cell: CellIdentity): string {
  if (cell.notify === undefined) return cell.engine;
  return [cell.engine, `notify=${cell.notify}`, ...(cell.spinNs === undefined ? [] : [`spinNs=${cell.spinNs}`])].join(
    ',',
  );
}

/** `virtio/block/randread/bs=4096,…/qd=1,coalesce=none,copy=zerocopy/…/seed=1/modern-2020s/sim` */
export function cellId(cell: CellIdentity): string {
  const k = cell.knobs;
  return [
    cell.model,
    cell.device,
    cell.workload,
    pairs(cell.params),
    `qd=${k.iodepth},coalesce=${k.coalesce},copy=${k.copy}`,
    pairs(cell.modelOptions),
    pairs(cell.backend),
    `seed=${cell.seed}`,
    cell.profile.id,
    engineText(cell),
  ].join('/');
}
