/**
 * The sim engine's pending events: a binary min-heap ordered by (time, sequence) over pooled
 * slots stored as parallel typed arrays, so posting and running an event allocates nothing
 * beyond the callback the caller passes. Ties break by insertion sequence, which makes the
 * order of simultaneous events deterministic.
 *
 * Cancellation is lazy: a cancelled slot stays in the heap (or an actor's backlog), marked,
 * and is recycled when it surfaces. A timer id encodes the slot and a per-slot generation, so cancelling an id
 * whose event already ran (and whose slot was reused) does nothing.
 */
import type { TimerId } from '../../../models/platform/scheduler.js';

export type EventFn = (arg: unknown) => void;

const SLOT_BITS = 24;
/** Most events that can be pending at once. */
export const MAX_PENDING_EVENTS = 1 << SLOT_BITS;
/** Generations wrap below this so that `gen × 2^24 + slot` stays an exact integer (< 2^53). */
const GEN_LIMIT = 2 ** 28;

const SlotState = { free: 0, pending: 1, cancelled: 2 } as const;

export class EventQueue {
  /** Due time of each slot, integer picoseconds. */
  time: Float64Array;
  /** Insertion sequence of each slot: the tie-break. */
  seq: Float64Array;
  /** Target actor index of each slot. */
  actor: Int32Array;
  fns: (EventFn | undefined)[];
  args: unknown[];
  private state: Uint8Array;
  private gen: Float64Array;
  /** Heap of slot indices. */
  private heap: Int32Array;
  private heapSize = 0;
  /** Stack of free slot indices. */
  private freeSlots: Int32Array;
  private freeTop = 0;
  private capacity = 0;
  private nextSeq = 0;

  constructor(initialCapacity = 1024) {
    this.time = new Float64Array(0);
    this.seq = new Float64Array(0);
    this.actor = new Int32Array(0);
    this.state = new Uint8Array(0);
    this.gen = new Float64Array(0);
    this.heap = new Int32Array(0);
    this.freeSlots = new Int32Array(0);
    this.fns = [];
    this.args = [];
    this.grow(Math.max(16, initialCapacity));
  }

  /** Entries in the heap, cancelled ones included until they surface. */
  get size(): number {
    return this.heapSize;
  }

  private grow(capacity: number): void {
    if (capacity > MAX_PENDING_EVENTS) throw new RangeError(`more than ${MAX_PENDING_EVENTS} pending sim events`);
    const old = this.capacity;
    const copy = <T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.time = copy(this.time, new Float64Array(capacity));
    this.seq = copy(this.seq, new Float64Array(capacity));
    this.actor = copy(this.actor, new Int32Array(capacity));
    this.state = copy(this.state, new Uint8Array(capacity));
    this.gen = copy(this.gen, new Float64Array(capacity));
    this.heap = copy(this.heap, new Int32Array(capacity));
    const free = new Int32Array(capacity);
    free.set(this.freeSlots.subarray(0, this.freeTop));
    // Push new slots so that the lowest index is handed out first.
    for (let s = capacity - 1; s >= old; s--) free[this.freeTop++] = s;
    this.freeSlots = free;
    for (let s = old; s < capacity; s++) {
      this.fns.push(undefined);
      this.args.push(undefined);
    }
    this.capacity = capacity;
  }

  /** Queue `fn(arg)` for `actorIndex` at `timePs`; returns its cancellable id. */
  push(timePs: number, actorIndex: number, fn: EventFn, arg: unknown): TimerId {
    if (this.freeTop === 0) this.grow(this.capacity * 2);
    const slot = this.freeSlots[--this.freeTop] as number;
    const gen = ((this.gen[slot] as number) % GEN_LIMIT) + 1;
    this.gen[slot] = gen;
    this.state[slot] = SlotState.pending;
    this.time[slot] = timePs;
    this.seq[slot] = this.nextSeq++;
    this.actor[slot] = actorIndex;
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.heap[this.heapSize] = slot;
    this.siftUp(this.heapSize++);
    return gen * MAX_PENDING_EVENTS + slot;
  }

  /** Mark a pending event cancelled; returns its actor index, or -1 if it was not pending. */
  cancel(id: TimerId): number {
    if (!Number.isInteger(id) || id < MAX_PENDING_EVENTS) return -1;
    const slot = id % MAX_PENDING_EVENTS;
    if (slot >= this.capacity || this.gen[slot] !== (id - slot) / MAX_PENDING_EVENTS) return -1;
    if (this.state[slot] !== SlotState.pending) return -1;
    this.state[slot] = SlotState.cancelled;
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    return this.actor[slot] as number;
  }

  /** The earliest live slot (recycling cancelled ones on the way), or -1 when none is left. */
  peek(): number {
    while (this.heapSize > 0) {
      const top = this.heap[0] as number;
      if (this.state[top] === SlotState.pending) return top;
      this.removeTop();
      this.release(top);
    }
    return -1;
  }

  /** Remove the top slot from the heap; the caller must `release` it once read. */
  removeTop(): void {
    const last = this.heap[--this.heapSize] as number;
    if (this.heapSize > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  isPending(slot: number): boolean {
    return this.state[slot] === SlotState.pending;
  }

  release(slot: number): void {
    this.state[slot] = SlotState.free;
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.freeSlots[this.freeTop++] = slot;
  }

  private before(a: number, b: number): boolean {
    const ta = this.time[a] as number;
    const tb = this.time[b] as number;
    return ta < tb || (ta === tb && (this.seq[a] as number) < (this.seq[b] as number));
  }

  private siftUp(pos: number): void {
    const heap = this.heap;
    const slot = heap[pos] as number;
    let i = pos;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as number;
      if (!this.before(slot, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  private siftDown(pos: number): void {
    const heap = this.heap;
    const n = this.heapSize;
    const slot = heap[pos] as number;
    let i = pos;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.before(heap[right] as number, heap[left] as number)) child = right;
      const c = heap[child] as number;
      if (!this.before(c, slot)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = slot;
  }
}

/** A growable FIFO of slot indices: an actor's backlog of events that came due while it was busy. */
export class SlotFifo {
  private ring = new Int32Array(16);
  private head = 0;
  length = 0;

  push(slot: number): void {
    if (this.length === this.ring.length) {
      const bigger = new Int32Array(this.ring.length * 2);
      for (let i = 0; i < this.length; i++) bigger[i] = this.ring[(this.head + i) & (this.ring.length - 1)] as number;
      this.ring = bigger;
      this.head = 0;
    }
    this.ring[(this.head + this.length) & (this.ring.length - 1)] = slot;
    this.length++;
  }

  /** Oldest slot, or -1 when empty. */
  shift(): number {
    if (this.length === 0) return -1;
    const slot = this.ring[this.head] as number;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.length--;
    return slot;
  }
}
