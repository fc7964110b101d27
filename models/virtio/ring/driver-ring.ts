/**
 * Driver side of a split virtqueue (virtio 1.2 §2.7; specs/virtio.md §3.1, §3.3–§3.5).
 *
 * The ring owns no memory: it lays out the driver's areas through a GuestMemory and answers "kick?" and
 * "more completions?" with booleans; the caller (transport/driver) meters and signals. Per request it
 * allocates nothing: segments are staged in preallocated arrays between `begin()` and `commit()`.
 *
 * The free list and per-chain bookkeeping live in private arrays (as Linux `desc_extra` does), so a
 * device that scribbles on the descriptor table or returns bogus ids cannot corrupt them: bogus used
 * entries raise VirtqueueDriverError instead.
 */
import type { GuestMemory } from '../../platform/memory.js';
import { type BarrierHook, publishBarrier } from './barriers.js';
import { ChainStaging } from './chain-staging.js';
import { VirtqueueDriverError } from './errors.js';
import { type IndirectPool, IndirectTables } from './indirect-tables.js';
import { type RingAccess, ringAccess } from './ring-access.js';
import { type RingAddresses, ringConfigFault } from './ring-config.js';
import {
  availEventOffset,
  availRingSize,
  descTableSize,
  needEvent,
  usedEventOffset,
  usedRingSize,
  VirtqAvail,
  VirtqAvailFlag,
  VirtqDesc,
  VirtqDescFlag,
  VirtqUsed,
  VirtqUsedElem,
  VirtqUsedFlag,
} from './split-layout.js';

export type { IndirectPool } from './indirect-tables.js';

export interface DriverRingOptions {
  /** VIRTIO_F_EVENT_IDX (bit 29) negotiated. */
  readonly eventIdx: boolean;
  /** VIRTIO_F_INDIRECT_DESC (bit 28) negotiated. */
  readonly indirect: boolean;
  /** Required for indirect chains; without it every chain is direct. */
  readonly indirectPool?: IndirectPool;
}

/** Whether the driver currently wants used-buffer notifications (virtio 1.2 §2.7.7). */
export type InterruptSuppression = 'enabled' | 'disabled';

const NO_TABLE = -1;

export class DriverRing {
  readonly size: number;
  /** For the fences at the full ordering points (barriers.ts). */
  private readonly mem: GuestMemory;
  /** Ring-metadata accessor (typed-array views when the memory allows, see ring-access.ts). */
  private readonly ra: RingAccess;
  private readonly mask: number;
  private readonly descAddr: number;
  private readonly availFlagsAddr: number;
  private readonly availIdxAddr: number;
  private readonly availRingAddr: number;
  private readonly usedEventAddr: number;
  private readonly usedFlagsAddr: number;
  private readonly usedIdxAddr: number;
  private readonly usedRingAddr: number;
  private readonly availEventAddr: number;
  private eventIdx = false;

  // Free descriptors: a singly linked list through `freeNext` (the private copy of desc.next).
  private readonly freeNext: Uint16Array;
  private freeHead = 0;
  private freeCount = 0;

  // Per head of an in-flight chain.
  private readonly headInFlight: Uint8Array;
  private readonly headToken: Float64Array;
  private readonly headDescriptors: Uint16Array;
  private readonly headTail: Uint16Array;
  private readonly headTable: Int32Array;
  private inFlightChains = 0;

  private readonly tables: IndirectTables;

  /** The chain being built between begin() and commit(). */
  private readonly chain: ChainStaging;

  /** Next avail slot to fill (committed, maybe unpublished). */
  private availIdxShadow = 0;
  /** avail.idx as last stored to memory. */
  private publishedAvailIdx = 0;
  /** avail.idx at the previous kick decision ("old" of §3.4). */
  private kickDecisionIdx = 0;
  /** Next used slot to reclaim. */
  private lastUsedIdx = 0;
  /** used.idx as last read from memory. */
  private usedIdxShadow = 0;
  private interrupts: InterruptSuppression = 'enabled';
  private usedHead = -1;
  private usedLen = 0;
  private barrierHook: BarrierHook | undefined;

  constructor(mem: GuestMemory, size: number, addrs: RingAddresses, opts: DriverRingOptions) {
    const fault = ringConfigFault(mem, size, addrs);
    if (fault !== undefined) throw new VirtqueueDriverError('CONFIG', `${fault.code}: ${fault.message}`);
    this.mem = mem;
    this.ra = ringAccess(mem);
    this.size = size;
    this.mask = size - 1;
    this.descAddr = addrs.desc;
    this.availFlagsAddr = addrs.avail + VirtqAvail.flags;
    this.availIdxAddr = addrs.avail + VirtqAvail.idx;
    this.availRingAddr = addrs.avail + VirtqAvail.ring;
    this.usedEventAddr = addrs.avail + usedEventOffset(size);
    this.usedFlagsAddr = addrs.used + VirtqUsed.flags;
    this.usedIdxAddr = addrs.used + VirtqUsed.idx;
    this.usedRingAddr = addrs.used + VirtqUsed.ring;
    this.availEventAddr = addrs.used + availEventOffset(size);

    // Validates the pool and sizes the table free list for it, even while INDIRECT_DESC is off:
    // `reset` may switch indirect chains on in the same storage.
    this.tables = new IndirectTables(mem, opts.indirectPool);
    this.chain = new ChainStaging(Math.max(size, this.tables.entriesPerTable));

    this.headInFlight = new Uint8Array(size);
    this.headToken = new Float64Array(size);
    this.headDescriptors = new Uint16Array(size);
    this.headTail = new Uint16Array(size);
    this.headTable = new Int32Array(size);
    this.freeNext = new Uint16Array(size);
    this.reset(opts);
  }

  /**
   * Lay the ring out afresh where it is (§2.7: all zeroes, free list threaded through `next`) with
   * `opts` as the newly negotiated features, reusing every array: what a driver does after a device
   * reset (§3.1.1). Chains in flight are forgotten without being returned; the barrier hook stays.
   * The indirect pool must fit the storage the ring was built with (no more tables, no longer tables).
   */
  reset(opts: DriverRingOptions): void {
    const pool = opts.indirect ? opts.indirectPool : undefined;
    if (pool !== undefined && pool.entriesPerTable > this.chain.capacity) {
      throw new VirtqueueDriverError(
        'CONFIG',
        `indirect tables of ${pool.entriesPerTable} entries; room for ${this.chain.capacity}`,
      );
    }
    this.tables.reset(pool);
    this.eventIdx = opts.eventIdx;

    const size = this.size;
    const mem = this.mem;
    mem.fill(this.descAddr, descTableSize(size), 0);
    mem.fill(this.availFlagsAddr - VirtqAvail.flags, availRingSize(size), 0);
    mem.fill(this.usedFlagsAddr - VirtqUsed.flags, usedRingSize(size), 0);
    for (let i = 0; i < size - 1; i++) {
      this.freeNext[i] = i + 1;
      this.ra.setU16(this.descAddr + VirtqDesc.size * i + VirtqDesc.next, i + 1);
    }
    this.freeNext[size - 1] = 0;
    this.freeHead = 0;
    this.freeCount = size;

    this.headInFlight.fill(0);
    this.headTable.fill(NO_TABLE);
    this.inFlightChains = 0;
    this.chain.close();
    this.availIdxShadow = 0;
    this.publishedAvailIdx = 0;
    this.kickDecisionIdx = 0;
    this.lastUsedIdx = 0;
    this.usedIdxShadow = 0;
    this.interrupts = 'enabled';
    this.usedHead = -1;
    this.usedLen = 0;
  }

  /** Free descriptors in the ring's table. */
  get numFree(): number {
    return this.freeCount;
  }

  /** Chains committed and not yet reclaimed. */
  get inFlight(): number {
    return this.inFlightChains;
  }

  /** Next avail index to fill (free-running u16; includes unpublished commits). */
  get availIdx(): number {
    return this.availIdxShadow;
  }

  /** Next used index to reclaim (free-running u16). */
  get lastUsed(): number {
    return this.lastUsedIdx;
  }

  /** `used.len` of the entry returned by the last successful `getUsed`. */
  get lastUsedLen(): number {
    return this.usedLen;
  }

  /** Head id of the entry returned by the last successful `getUsed` (−1 before the first). */
  get lastUsedHead(): number {
    return this.usedHead;
  }

  get interruptSuppression(): InterruptSuppression {
    return this.interrupts;
  }

  /** Install (or remove) a hook run at each ordering point (interleaving tests, fault modes). */
  setBarrierHook(hook: BarrierHook | undefined): void {
    this.barrierHook = hook;
  }

  /** Start a new chain, discarding any uncommitted one. */
  begin(): void {
    this.chain.begin();
  }

  /** Add a device-readable segment; all readable segments precede the writable ones (§2.7.4.2). */
  addReadable(addr: number, len: number): void {
    this.chain.addReadable(addr, len);
  }

  /** Add a device-writable segment. */
  addWritable(addr: number, len: number): void {
    this.chain.addWritable(addr, len);
  }

  /**
   * Lay out the staged chain and put its head in the next avail slot (not yet published). `token` (≥ 0)
   * comes back from `getUsed`. Goes indirect when negotiated, > 1 segment and a table is free (Linux
   * `virtqueue_use_indirect`). Returns the head, or −1 when there is no room (nothing changed; the
   * staged chain stays and may be committed again after reclaiming).
   */
  commit(token: number): number {
    const chain = this.chain;
    if (!chain.building) throw new VirtqueueDriverError('NO_CHAIN', 'commit outside begin()');
    const n = chain.count;
    if (n === 0) throw new VirtqueueDriverError('EMPTY_CHAIN', 'commit of an empty chain');
    if (!(token >= 0)) throw new VirtqueueDriverError('TOKEN', `token ${token}`);
    const head = this.freeHead;
    if (this.tables.fits(n)) {
      if (this.freeCount === 0) return -1;
      this.writeIndirect(head, n);
    } else {
      if (n > this.freeCount) return -1;
      this.writeDirect(head, n);
    }
    this.headInFlight[head] = 1;
    this.headToken[head] = token;
    this.inFlightChains++;
    this.ra.setU16(this.availRingAddr + VirtqAvail.ringEntrySize * (this.availIdxShadow & this.mask), head);
    this.availIdxShadow = (this.availIdxShadow + 1) & 0xffff;
    chain.close();
    return head;
  }

  private writeDescriptor(d: number, addr: number, len: number, flags: number, next: number): void {
    const ra = this.ra;
    ra.setU64(d + VirtqDesc.addr, addr);
    ra.setU32(d + VirtqDesc.len, len);
    ra.setU16(d + VirtqDesc.flags, flags);
    ra.setU16(d + VirtqDesc.next, next);
  }

  private writeDirect(head: number, n: number): void {
    const chain = this.chain;
    const last = n - 1;
    let index = head;
    let tail = head;
    for (let i = 0; i < n; i++) {
      const next = this.freeNext[index] as number;
      const flags = (chain.writable[i] === 1 ? VirtqDescFlag.WRITE : 0) | (i < last ? VirtqDescFlag.NEXT : 0);
      this.writeDescriptor(
        this.descAddr + VirtqDesc.size * index,
        chain.addr[i] as number,
        chain.len[i] as number,
        flags,
        next,
      );
      tail = index;
      index = next;
    }
    this.freeHead = index;
    this.freeCount -= n;
    this.headDescriptors[head] = n;
    this.headTail[head] = tail;
  }

  private writeIndirect(head: number, n: number): void {
    const chain = this.chain;
    const table = this.tables.take();
    const base = this.tables.address(table);
    const last = n - 1;
    for (let i = 0; i < n; i++) {
      const flags = (chain.writable[i] === 1 ? VirtqDescFlag.WRITE : 0) | (i < last ? VirtqDescFlag.NEXT : 0);
      const next = i < last ? i + 1 : 0;
      this.writeDescriptor(base + VirtqDesc.size * i, chain.addr[i] as number, chain.len[i] as number, flags, next);
    }
    const next = this.freeNext[head] as number;
    this.writeDescriptor(this.descAddr + VirtqDesc.size * head, base, VirtqDesc.size * n, VirtqDescFlag.INDIRECT, next);
    this.freeHead = next;
    this.freeCount--;
    this.headDescriptors[head] = 1;
    this.headTail[head] = head;
    this.headTable[head] = table;
  }

  /** Store avail.idx once for every chain committed since the last publish (§2.7.13). */
  publish(): void {
    const idx = this.availIdxShadow;
    if (idx === this.publishedAvailIdx) return;
    publishBarrier('A', this.barrierHook, this.mem); // descriptors and avail slots visible before avail.idx
    this.ra.setU16(this.availIdxAddr, idx);
    this.publishedAvailIdx = idx;
  }

  /**
   * Whether the chains published since the previous decision need a kick (§2.7.10, specs/virtio.md §3.4):
   * flags mode: unless used.flags has NO_NOTIFY; EVENT_IDX: needEvent(avail_event, new, old). False when
   * nothing was published since the previous decision.
   */
  kickNeeded(): boolean {
    publishBarrier('B', this.barrierHook, this.mem); // avail.idx visible before reading used.flags / avail_event
    const newIdx = this.publishedAvailIdx;
    const oldIdx = this.kickDecisionIdx;
    if (newIdx === oldIdx) return false;
    this.kickDecisionIdx = newIdx;
    if (this.eventIdx) return needEvent(this.ra.u16(this.availEventAddr), newIdx, oldIdx);
    return (this.ra.u16(this.usedFlagsAddr) & VirtqUsedFlag.NO_NOTIFY) === 0;
  }

  /** Read used.idx; a device that moved it past what is in flight breaks the ring. */
  private refreshUsedIdx(): void {
    const idx = this.ra.u16(this.usedIdxAddr);
    publishBarrier('G', this.barrierHook, this.mem); // used.idx read before the used elements it covers
    if (((idx - this.lastUsedIdx) & 0xffff) > this.inFlightChains) {
      throw new VirtqueueDriverError('USED_IDX', `used.idx ${idx} is past ${this.inFlightChains} in flight`);
    }
    this.usedIdxShadow = idx;
  }

  /** Whether the device has returned anything not yet reclaimed (trusts only used.idx, §2.7.7). */
  pollUsed(): boolean {
    if (this.usedIdxShadow !== this.lastUsedIdx) return true;
    this.refreshUsedIdx();
    return this.usedIdxShadow !== this.lastUsedIdx;
  }

  /**
   * Reclaim the next used entry: frees its chain and returns its token, or −1 when there is none.
   * `lastUsedLen` / `lastUsedHead` describe the entry. A bogus id throws VirtqueueDriverError and changes
   * nothing. used_event moves only through the suppression calls below, so drain in the §2.7.14 loop.
   */
  getUsed(): number {
    if (this.usedIdxShadow === this.lastUsedIdx) {
      this.refreshUsedIdx();
      if (this.usedIdxShadow === this.lastUsedIdx) return -1;
    }
    const e = this.usedRingAddr + VirtqUsedElem.size * (this.lastUsedIdx & this.mask);
    const id = this.ra.u32(e + VirtqUsedElem.id);
    if (id >= this.size || this.headInFlight[id] !== 1) {
      throw new VirtqueueDriverError('BAD_USED_ID', `used id ${id} is not the head of an in-flight chain`);
    }
    const len = this.ra.u32(e + VirtqUsedElem.len);
    this.headInFlight[id] = 0;
    this.inFlightChains--;
    const table = this.headTable[id] as number;
    if (table !== NO_TABLE) {
      this.tables.release(table);
      this.headTable[id] = NO_TABLE;
    }
    this.freeNext[this.headTail[id] as number] = this.freeHead;
    this.freeHead = id;
    this.freeCount += this.headDescriptors[id] as number;
    this.lastUsedIdx = (this.lastUsedIdx + 1) & 0xffff;
    this.usedHead = id;
    this.usedLen = len;
    return this.headToken[id] as number;
  }

  /**
   * Ask for no used-buffer notifications (§2.7.7). Flags mode: avail.flags = NO_INTERRUPT. EVENT_IDX:
   * used_event = lastUsed − 1, the farthest point (the device would need 2^16 − 1 more completions to
   * cross it); Linux writes 0 instead.
   */
  disableInterrupts(): void {
    if (this.interrupts === 'disabled') return;
    this.interrupts = 'disabled';
    if (this.eventIdx) this.ra.setU16(this.usedEventAddr, (this.lastUsedIdx - 1) & 0xffff);
    else this.ra.setU16(this.availFlagsAddr, VirtqAvailFlag.NO_INTERRUPT);
  }

  private enable(usedEvent: number): void {
    if (this.eventIdx) this.ra.setU16(this.usedEventAddr, usedEvent & 0xffff);
    else if (this.interrupts === 'disabled') this.ra.setU16(this.availFlagsAddr, 0);
    this.interrupts = 'enabled';
    publishBarrier('F', this.barrierHook, this.mem); // re-enable visible before re-reading used.idx
    this.refreshUsedIdx();
  }

  /**
   * Ask for an interrupt at the next completion (flags: clear NO_INTERRUPT; EVENT_IDX: used_event =
   * lastUsed), then re-check (§2.7.14). True when completions are already pending that may never be
   * signalled: the caller must keep draining (and may disable again first).
   */
  enableInterrupts(): boolean {
    this.enable(this.lastUsedIdx);
    return this.usedIdxShadow !== this.lastUsedIdx;
  }

  /**
   * Linux `virtqueue_enable_cb_delayed`: interrupt only after ¾ of the outstanding chains complete
   * (EVENT_IDX: used_event = lastUsed + ⌊outstanding·3/4⌋). True when more than that is already pending.
   */
  enableInterruptsDelayed(): boolean {
    const bufs = Math.floor((((this.availIdxShadow - this.lastUsedIdx) & 0xffff) * 3) / 4);
    this.enable(this.lastUsedIdx + bufs);
    return ((this.usedIdxShadow - this.lastUsedIdx) & 0xffff) > bufs;
  }

  /**
   * Count coalescing under EVENT_IDX: interrupt once used.idx passes `usedEvent` (for "every n
   * completions" pass lastUsed + n − 1). True when it already has: the caller must drain.
   */
  setUsedEvent(usedEvent: number): boolean {
    if (!this.eventIdx) throw new VirtqueueDriverError('EVENT_IDX_REQUIRED', 'setUsedEvent without EVENT_IDX');
    this.enable(usedEvent);
    return needEvent(usedEvent & 0xffff, this.usedIdxShadow, this.lastUsedIdx);
  }
}
