/**
 * Device side of a split virtqueue (virtio 1.2 §2.7; specs/virtio.md §3.2–§3.5, §10).
 *
 * The ring owns no memory: it reads and writes the driver's areas through a GuestMemory and answers
 * "interrupt?" / "more work?" with booleans; the transport meters and signals. It never writes a readable
 * buffer or the descriptor table (V6) and never touches buffers at all: `pop` only validates and reports
 * them. Every violation by the driver throws a VirtqueueError; the queue must then be considered broken
 * (NEEDS_RESET) and not used again until reset.
 *
 * Indices are kept as numbers in 0..65535 and wrap with `& 0xffff` (free-running u16, §2.7.6.1).
 */
import type { GuestMemory } from '../../platform/memory.js';
import { type BarrierHook, publishBarrier } from './barriers.js';
import type { DescriptorChain } from './descriptor-chain.js';
import { VirtqueueError } from './errors.js';
import { type RingAccess, ringAccess } from './ring-access.js';
import { type RingAddresses, ringConfigFault } from './ring-config.js';
import {
  availEventOffset,
  needEvent,
  usedEventOffset,
  VirtqAvail,
  VirtqAvailFlag,
  VirtqDesc,
  VirtqDescFlag,
  VirtqLimit,
  VirtqUsed,
  VirtqUsedElem,
  VirtqUsedFlag,
} from './split-layout.js';

export interface DeviceRingOptions {
  /** VIRTIO_F_EVENT_IDX (bit 29) negotiated. */
  readonly eventIdx: boolean;
  /** VIRTIO_F_INDIRECT_DESC (bit 28) negotiated. */
  readonly indirect: boolean;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export class DeviceRing {
  readonly size: number;
  private readonly mem: GuestMemory;
  /** Ring-metadata accessor (typed-array views when the memory allows, see ring-access.ts). */
  private readonly ra: RingAccess;
  private readonly mask: number;
  private readonly descAddr: number;
  private readonly availIdxAddr: number;
  private readonly availRingAddr: number;
  private readonly availFlagsAddr: number;
  private readonly usedEventAddr: number;
  private readonly usedFlagsAddr: number;
  private readonly usedIdxAddr: number;
  private readonly usedRingAddr: number;
  private readonly availEventAddr: number;
  private readonly eventIdx: boolean;
  private readonly indirectAllowed: boolean;
  /** 1 while a head is popped and not yet returned (H20). */
  private readonly inFlightHead: Uint8Array;
  private inFlightCount = 0;
  /** Next avail slot to consume. */
  private lastAvailIdx = 0;
  /** Last avail.idx read from memory (QEMU `shadow_avail_idx`): re-read only once caught up. */
  private availIdxShadow = 0;
  /** Next used slot to fill (not yet published). */
  private usedIdxShadow = 0;
  /** used.idx as last published. */
  private publishedUsedIdx = 0;
  /** used.idx at the previous interrupt decision (QEMU `signalled_used`), valid after the first. */
  private signalledUsed = 0;
  private signalledUsedValid = false;
  private barrierHook: BarrierHook | undefined;

  /** Why this configuration cannot become an active ring (H17/H18/H19/H25), or undefined. */
  static validateConfig(mem: GuestMemory, size: number, addrs: RingAddresses): string | undefined {
    const fault = ringConfigFault(mem, size, addrs);
    return fault === undefined ? undefined : `${fault.code}: ${fault.message}`;
  }

  constructor(mem: GuestMemory, size: number, addrs: RingAddresses, opts: DeviceRingOptions) {
    const fault = ringConfigFault(mem, size, addrs);
    if (fault !== undefined) throw new VirtqueueError(fault.code, fault.message);
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
    this.eventIdx = opts.eventIdx;
    this.indirectAllowed = opts.indirect;
    this.inFlightHead = new Uint8Array(size);
  }

  /** Next avail index the device will consume (free-running u16). */
  get lastAvail(): number {
    return this.lastAvailIdx;
  }

  /** Next used index the device will fill (free-running u16, possibly not yet published). */
  get usedIdx(): number {
    return this.usedIdxShadow;
  }

  /** Chains popped and not yet pushed back. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Install (or remove) a hook run at each ordering point (interleaving tests, fault modes). */
  setBarrierHook(hook: BarrierHook | undefined): void {
    this.barrierHook = hook;
  }

  /**
   * Take the next available chain into `chain`. Returns false when the ring is empty.
   * Throws VirtqueueError on any malformed input; on a throw, ring state is unchanged.
   */
  pop(chain: DescriptorChain): boolean {
    const ra = this.ra;
    const lastAvail = this.lastAvailIdx;
    if (lastAvail === this.availIdxShadow) {
      const availIdx = ra.u16(this.availIdxAddr);
      publishBarrier('C', this.barrierHook, this.mem); // avail.idx read before the slots and descriptors it covers
      if (((availIdx - lastAvail) & 0xffff) > this.size) {
        throw new VirtqueueError('H5', `avail.idx moved from ${lastAvail} to ${availIdx}: more than QS=${this.size}`);
      }
      this.availIdxShadow = availIdx;
      if (availIdx === lastAvail) return false;
    }
    const head = ra.u16(this.availRingAddr + VirtqAvail.ringEntrySize * (lastAvail & this.mask));
    if (head >= this.size) throw new VirtqueueError('H1', `avail head ${head} ≥ QS=${this.size}`);
    if (this.inFlightHead[head] !== 0) throw new VirtqueueError('H20', `head ${head} made available while in flight`);
    this.walk(head, chain);
    this.inFlightHead[head] = 1;
    this.inFlightCount++;
    const next = (lastAvail + 1) & 0xffff;
    this.lastAvailIdx = next;
    // QEMU writes avail_event on every pop, so the next kick comes only once the device has caught up.
    if (this.eventIdx) ra.setU16(this.availEventAddr, next);
    return true;
  }

  /** Gather the chain at `head` into `chain`, enforcing every chain rule (virtio 1.2 §2.7.4–§2.7.5.3). */
  private walk(head: number, chain: DescriptorChain): void {
    const mem = this.mem;
    const ra = this.ra;
    const capacity = chain.capacity;
    const addrs = chain.addr;
    const lens = chain.len;
    const writable = chain.writable;
    let tableAddr = this.descAddr;
    let tableEntries = this.size;
    let ttl = this.size;
    let index = head;
    let inTable = false;
    let count = 0;
    let readableCount = 0;
    let readableBytes = 0;
    let writableBytes = 0;
    let descriptorsRead = 0;
    for (;;) {
      if (ttl === 0) {
        throw new VirtqueueError(
          'H3',
          `chain from head ${head} longer than ${inTable ? tableEntries : this.size}: loop`,
        );
      }
      ttl--;
      const d = tableAddr + VirtqDesc.size * index;
      const addr = ra.u64(d + VirtqDesc.addr);
      const len = ra.u32(d + VirtqDesc.len);
      const flags = ra.u16(d + VirtqDesc.flags);
      descriptorsRead++;
      if ((flags & VirtqDescFlag.INDIRECT) !== 0) {
        if (!this.indirectAllowed)
          throw new VirtqueueError('INDIRECT_NOT_NEGOTIATED', `descriptor ${index} is INDIRECT`);
        if (inTable) throw new VirtqueueError('H12', `nested INDIRECT at table entry ${index}`);
        if ((flags & VirtqDescFlag.NEXT) !== 0)
          throw new VirtqueueError('H13', `descriptor ${index}: INDIRECT with NEXT`);
        if (len === 0 || len % VirtqDesc.size !== 0) throw new VirtqueueError('H10', `indirect table len ${len}`);
        const entries = len / VirtqDesc.size;
        if (entries > VirtqLimit.indirectEntries)
          throw new VirtqueueError('H14', `indirect table of ${entries} entries`);
        if (!mem.inRange(addr, len))
          throw new VirtqueueError('H11', `indirect table [${hex(addr)}, +${len}) outside RAM`);
        // WRITE on the table pointer is ignored (§2.7.5.3.2); the table gets a fresh TTL of len/16.
        tableAddr = addr;
        tableEntries = entries;
        ttl = entries;
        index = 0;
        inTable = true;
        continue;
      }
      if (len === 0) throw new VirtqueueError('H7', `zero-length descriptor ${index}`);
      if (!mem.inRange(addr, len)) throw new VirtqueueError('H8', `buffer [${hex(addr)}, +${len}) outside guest RAM`);
      if (count === capacity)
        throw new VirtqueueError('H15', `chain from head ${head} has more than ${capacity} segments`);
      if ((flags & VirtqDescFlag.WRITE) !== 0) {
        writable[count] = 1;
        writableBytes += len;
      } else {
        if (count !== readableCount)
          throw new VirtqueueError('H9', `readable descriptor ${index} after a writable one`);
        writable[count] = 0;
        readableCount++;
        readableBytes += len;
      }
      addrs[count] = addr;
      lens[count] = len;
      count++;
      if (readableBytes + writableBytes > VirtqLimit.chainBytes) {
        throw new VirtqueueError('H14', `chain from head ${head} exceeds 2^32 bytes`);
      }
      if ((flags & VirtqDescFlag.NEXT) === 0) break;
      const next = ra.u16(d + VirtqDesc.next);
      if (next >= tableEntries) throw new VirtqueueError('H2', `next ${next} ≥ ${tableEntries} at descriptor ${index}`);
      index = next;
    }
    chain.head = head;
    chain.count = count;
    chain.readableCount = readableCount;
    chain.writableCount = count - readableCount;
    chain.readableBytes = readableBytes;
    chain.writableBytes = writableBytes;
    chain.descriptorsRead = descriptorsRead;
    chain.indirect = inTable;
  }

  /**
   * Return the chain at `head` with `len` bytes written to its writable part (never more than were
   * written, §2.7.8.2). Not visible to the driver until `flushUsed`.
   */
  pushUsed(head: number, len: number): void {
    if (!(head >= 0 && head < this.size) || this.inFlightHead[head] !== 1) {
      throw new VirtqueueError('NOT_IN_FLIGHT', `pushUsed(${head}): not a popped head`);
    }
    const e = this.usedRingAddr + VirtqUsedElem.size * (this.usedIdxShadow & this.mask);
    this.ra.setU32(e + VirtqUsedElem.id, head);
    this.ra.setU32(e + VirtqUsedElem.len, len);
    this.inFlightHead[head] = 0;
    this.inFlightCount--;
    this.usedIdxShadow = (this.usedIdxShadow + 1) & 0xffff;
  }

  /**
   * Publish every pushed element (one `used.idx` store) and decide whether to interrupt (§2.7.7):
   * flags mode: unless avail.flags has NO_INTERRUPT; EVENT_IDX: iff needEvent(used_event, new, old) with
   * old = used.idx at the previous decision, and always the first time (QEMU `signalled_used_valid`).
   * Returns false when nothing was pushed since the last flush.
   */
  flushUsed(): boolean {
    const newIdx = this.usedIdxShadow;
    if (newIdx === this.publishedUsedIdx) return false;
    const ra = this.ra;
    publishBarrier('D', this.barrierHook, this.mem); // used elements (and payload) visible before used.idx
    ra.setU16(this.usedIdxAddr, newIdx);
    this.publishedUsedIdx = newIdx;
    publishBarrier('E', this.barrierHook, this.mem); // used.idx visible before reading avail.flags / used_event
    if (!this.eventIdx) return (ra.u16(this.availFlagsAddr) & VirtqAvailFlag.NO_INTERRUPT) === 0;
    const wasValid = this.signalledUsedValid;
    const oldIdx = this.signalledUsed;
    this.signalledUsedValid = true;
    this.signalledUsed = newIdx;
    return !wasValid || needEvent(ra.u16(this.usedEventAddr), newIdx, oldIdx);
  }

  /** Ask for no kicks while busy (flags mode: used.flags = NO_NOTIFY; EVENT_IDX: avail_event already does it). */
  disableNotifications(): void {
    if (!this.eventIdx) this.ra.setU16(this.usedFlagsAddr, VirtqUsedFlag.NO_NOTIFY);
  }

  /**
   * Ask for kicks again, then re-check (§2.7.14; QEMU's virtio-blk loop, specs/virtio.md §3.5).
   * Returns true when buffers are available that the driver may have published without kicking:
   * the caller must disable again and keep popping.
   */
  enableNotifications(): boolean {
    const ra = this.ra;
    if (this.eventIdx) ra.setU16(this.availEventAddr, ra.u16(this.availIdxAddr));
    else ra.setU16(this.usedFlagsAddr, 0);
    publishBarrier('F', this.barrierHook, this.mem); // re-enable visible before re-reading avail.idx
    return ra.u16(this.availIdxAddr) !== this.lastAvailIdx;
  }
}
