/**
 * The ordering points of a split ring (specs/virtio.md §3.6): "X must be visible before Y".
 * Each ring calls `publishBarrier` at its points. The full barriers (B, E, F: a store made visible
 * before a later load) call `mem.fence()`, which is a no-op while both halves share one thread and a
 * real seq-cst barrier when they run on different threads (threads engine). The acquire/release
 * points (A, C, D, G) need no instruction on x86's TSO ordering. A hook lets an interleaving test or a
 * fault-injection mode run the peer there (or serve it a stale view).
 */
import type { GuestMemory } from '../../platform/memory.js';

/** Ordering points, named as in specs/virtio.md §3.6. */
export const OrderingPoint = {
  /** driver: descriptors + avail slot visible before the `avail.idx` store (wmb; virtio 1.2 §2.7.13.3.1). */
  A: 'A',
  /** driver: `avail.idx` store visible before reading `used.flags`/`avail_event` (full; §2.7.13.4.1). */
  B: 'B',
  /** device: `avail.idx` read before reading slots and descriptors (rmb). */
  C: 'C',
  /** device: used element visible before the `used.idx` store (wmb; §2.7.8.2). */
  D: 'D',
  /** device: `used.idx` store visible before reading `avail.flags`/`used_event` (full). */
  E: 'E',
  /** both: re-enable write visible before re-reading the peer's index (full; §2.7.14). */
  F: 'F',
  /** driver: `used.idx` read before reading used elements (rmb). */
  G: 'G',
} as const;
export type OrderingPoint = (typeof OrderingPoint)[keyof typeof OrderingPoint];

/** Runs at an ordering point; used by interleaving tests and fault modes, absent in normal runs. */
export type BarrierHook = (point: OrderingPoint) => void;

/** What an ordering point needs of guest memory. */
export type Fenced = Pick<GuestMemory, 'fence'>;

/** An ordering point: a fence at the full barriers (B, E, F), then the hook if one is installed. */
export function publishBarrier(point: OrderingPoint, hook: BarrierHook | undefined, mem: Fenced): void {
  if (point === 'B' || point === 'E' || point === 'F') mem.fence();
  if (hook !== undefined) hook(point);
}
