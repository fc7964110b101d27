/**
 * The driver's pool of indirect descriptor tables (virtio 1.2 §2.7.5.3): `tables` fixed-size tables of
 * `entriesPerTable` descriptors set aside in guest memory, handed out and returned LIFO without allocating.
 */
import type { GuestMemory } from '../../platform/memory.js';
import { VirtqueueDriverError } from './errors.js';
import { VirtqDesc, VirtqLimit } from './split-layout.js';

/** Guest memory the driver set aside for indirect tables: `tables` tables of `entriesPerTable` descriptors. */
export interface IndirectPool {
  readonly addr: number;
  readonly entriesPerTable: number;
  readonly tables: number;
}

export class IndirectTables {
  private perTable = 0;
  private base = 0;
  /** Free-list storage, sized once for the largest pool this ring may be given. */
  private readonly free: Int32Array;
  private freeCount = 0;

  /** `capacity` tables of free-list room (default: the pool's); `reset` may later use up to that many. */
  constructor(
    private readonly mem: GuestMemory,
    pool: IndirectPool | undefined,
    capacity = pool?.tables ?? 0,
  ) {
    this.free = new Int32Array(capacity);
    this.reset(pool);
  }

  /** Start over with `pool` (or none): every table free, in the same storage. */
  reset(pool: IndirectPool | undefined): void {
    if (pool !== undefined) {
      const { addr, entriesPerTable, tables } = pool;
      if (!Number.isInteger(entriesPerTable) || entriesPerTable < 2 || entriesPerTable > VirtqLimit.indirectEntries) {
        throw new VirtqueueDriverError('CONFIG', `indirect tables of ${entriesPerTable} entries`);
      }
      if (
        !Number.isInteger(tables) ||
        tables < 1 ||
        !this.mem.inRange(addr, tables * entriesPerTable * VirtqDesc.size)
      ) {
        throw new VirtqueueDriverError('CONFIG', `indirect pool of ${tables} tables at 0x${addr.toString(16)}`);
      }
      if (tables > this.free.length) {
        throw new VirtqueueDriverError('CONFIG', `indirect pool of ${tables} tables; room for ${this.free.length}`);
      }
    }
    this.base = pool?.addr ?? 0;
    this.perTable = pool?.entriesPerTable ?? 0;
    const tables = pool?.tables ?? 0;
    for (let t = 0; t < tables; t++) this.free[t] = tables - 1 - t;
    this.freeCount = tables;
  }

  /** Entries per table; 0 when there is no pool (every chain is then direct). */
  get entriesPerTable(): number {
    return this.perTable;
  }

  /** Whether a chain of `n` segments should go indirect now (Linux `virtqueue_use_indirect`: n > 1). */
  fits(n: number): boolean {
    return n > 1 && n <= this.perTable && this.freeCount > 0;
  }

  /** Take a free table (call only after `fits`). */
  take(): number {
    return this.free[--this.freeCount] as number;
  }

  release(table: number): void {
    this.free[this.freeCount++] = table;
  }

  /** Guest-physical address of `table`. */
  address(table: number): number {
    return this.base + table * this.perTable * VirtqDesc.size;
  }
}
