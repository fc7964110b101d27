/**
 * A driver's requests in flight, by slot. A slot indexes the driver's per-request state (header,
 * status byte…) and is the token committed with the request's chain; free slots are a stack over a
 * preallocated array, so a request allocates nothing. On a device reset (D19) the slots in flight are
 * noted at once and completed one by one afterwards: each completion frees its slot before the
 * caller's callback runs, so resubmissions find room, and a slot not yet completed is never reused.
 */
export class InFlight<T> {
  readonly capacity: number;
  private readonly entries: (T | undefined)[];
  private readonly freeStack: Int32Array;
  private freeCount = 0;
  private readonly abandoned: Int32Array;
  private abandonedCount = 0;
  private abandonedNext = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.entries = new Array<T | undefined>(capacity).fill(undefined);
    this.freeStack = new Int32Array(capacity);
    this.abandoned = new Int32Array(capacity);
    for (let slot = capacity - 1; slot >= 0; slot--) this.freeStack[this.freeCount++] = slot;
  }

  /** Slots free right now. */
  get free(): number {
    return this.freeCount;
  }

  /** Put `entry` in a free slot (the lowest first while none was reused) and return it; −1 when all are busy. */
  add(entry: T): number {
    if (this.freeCount === 0) return -1;
    const slot = this.freeStack[--this.freeCount] as number;
    this.entries[slot] = entry;
    return slot;
  }

  get(slot: number): T | undefined {
    return this.entries[slot];
  }

  /** Take the entry out of `slot` and free the slot; undefined (nothing freed) when it was not in flight. */
  remove(slot: number): T | undefined {
    const entry = this.entries[slot];
    if (entry === undefined) return undefined;
    this.entries[slot] = undefined;
    this.freeStack[this.freeCount++] = slot;
    return entry;
  }

  /** Note every slot in flight now, for `nextAbandoned`. */
  abandonAll(): void {
    this.abandonedCount = 0;
    this.abandonedNext = 0;
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.entries[slot] !== undefined) this.abandoned[this.abandonedCount++] = slot;
    }
  }

  /** The next noted slot, in slot order, or −1 when all were handed out. */
  nextAbandoned(): number {
    return this.abandonedNext < this.abandonedCount ? (this.abandoned[this.abandonedNext++] as number) : -1;
  }
}
