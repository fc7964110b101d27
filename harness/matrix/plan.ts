/**
 * A matrix plan: every cell resolved (a bad flag, parameter, option or profile fails here,
 * before anything runs), identified by its cell id, de-duplicated, and split into cells to run
 * and cells already settled as unsupported — a device class the model lacks, or knobs the
 * model declines — so they are reported as such without a process being spent on them.
 */
import type { Model } from '../../models/platform/model.js';
import { DEVICE_CLASSES } from '../../models/platform/ports.js';
import type { RunRecord } from '../results/schema.js';
import { type CellSpec, type ResolvedCell, type ResolveOptions, recordHead, resolveCell } from '../runner/cell.js';
import { inShard, type ShardSpec } from './shard.js';

export type PlannedCell =
  | { readonly kind: 'run'; readonly id: string; readonly cell: ResolvedCell }
  | { readonly kind: 'settled'; readonly id: string; readonly cell: ResolvedCell; readonly record: RunRecord };

function classesText(model: Model): string {
  return DEVICE_CLASSES.filter((c) => model.classes[c] !== undefined).join(', ') || 'none';
}

/** Resolve `specs` in order; the first of several specs with the same cell id is kept. Throws ConfigError. */
export function planMatrix(specs: readonly CellSpec[], options: ResolveOptions = {}): PlannedCell[] {
  const seen = new Set<string>();
  const plan: PlannedCell[] = [];
  for (const spec of specs) {
    const cell = resolveCell(spec, { ...options, allowMissingClass: true });
    const head = recordHead(cell);
    const id = head.id as string;
    if (seen.has(id)) continue;
    seen.add(id);
    if (cell.model.classes[spec.device] === undefined) {
      const reason = `model ${cell.model.id} has no ${spec.device} device (classes: ${classesText(cell.model)})`;
      plan.push({ kind: 'settled', id, cell, record: { ...head, status: 'unsupported', reason } });
      continue;
    }
    const support = cell.model.support(spec.device, cell.config);
    if (!support.ok) {
      plan.push({ kind: 'settled', id, cell, record: { ...head, status: 'unsupported', reason: support.reason } });
      continue;
    }
    plan.push({ kind: 'run', id, cell });
  }
  return plan;
}

/** The cells of one shard, in plan order. */
export function selectShard(plan: readonly PlannedCell[], shard: ShardSpec | null): PlannedCell[] {
  return shard === null ? [...plan] : plan.filter((p) => inShard(p.id, shard));
}
