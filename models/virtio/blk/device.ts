/**
 * virtio-blk device logic (virtio 1.2 §5.2; specs/virtio.md §6.1, §7, §9 V7/V15, §10): one request
 * queue served QEMU-style, requests handed to the reference BlockBackend.
 *
 * Request = header {le32 type, le32 reserved, le64 sector} (16 B, readable) → data → u8 status (the last
 * writable byte). The header (and a discard/write-zeroes segment) is copied privately before it is
 * looked at (H21); payload stays in guest RAM (zerocopy) or goes through a per-slot bounce buffer (copy).
 * Malformed chains and missing headers put the device in NEEDS_RESET, as QEMU's virtio_error does;
 * request-level errors are a status byte (IOERR / UNSUPP), as QEMU answers them.
 */
import type { BackendBlockRequest, BlockBackend } from '../../platform/backend-api.js';
import type { IoStatus } from '../../platform/ports.js';
import { ChainCursor, type ChainPart, readChain } from '../device/chain-bytes.js';
import { DeviceQueue, faultReason } from '../device/device-queue.js';
import type { DescribedLogic, DeviceOptions } from '../device/host-device.js';
import type { ActiveDevice } from '../device-logic.js';
import { hasFeature } from '../features.js';
import {
  BlkDiscardSegment,
  BlkFeature,
  BlkOutHdr,
  BlkReqType,
  BlkSizes,
  BlkStatus,
  VirtioDeviceId,
} from '../layout.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';
import { BLK_CONFIG_SIZE, BlkConfigSpace, BlkDeviceLimit, blkOfferedFeatures } from './config-space.js';
import { BlkRequestSlot } from './request-slot.js';

/**
 * Copy mode keeps each request's data in a private bounce buffer while the backend works. A request
 * above `requestBytes` gets IOERR, and so does one that would take the bounce pool past `totalBytes`:
 * what a driver can make the device allocate stays bounded.
 */
export const BlkBounceLimit = { requestBytes: 1024 * 1024, totalBytes: 128 * 1024 * 1024 } as const;

const REQUEST_QUEUE = 0;
const TWO32 = 4294967296;

function statusByte(s: IoStatus): number {
  return s === 'ok' ? BlkStatus.OK : s === 'unsupported' ? BlkStatus.UNSUPP : BlkStatus.IOERR;
}

export class VirtioBlkDevice implements DescribedLogic {
  readonly deviceType = VirtioDeviceId.BLOCK;
  readonly name = 'blk';
  readonly queueMaxSizes: readonly number[];
  readonly features: bigint;
  readonly configSize = BLK_CONFIG_SIZE;

  private readonly config: BlkConfigSpace;
  private readonly copy: boolean;
  private readonly capacity: number;
  private readonly queue: DeviceQueue;
  private readonly cursor = new ChainCursor();
  /** Per chain head; a slot still held by the backend after a reset is swapped for a spare. */
  private readonly slots: BlkRequestSlot[];
  private readonly spare: BlkRequestSlot[] = [];
  private bounceBytes = 0;
  /** Private copies of the header and of a discard/write-zeroes segment (H21). */
  private readonly hdr = new Uint8Array(BlkOutHdr.size);
  private readonly hdrView = new DataView(this.hdr.buffer);
  private readonly seg = new Uint8Array(BlkDiscardSegment.size);
  private readonly segView = new DataView(this.seg.buffer);
  /** Bumped at every activation and reset; completions carry the epoch they were issued in. */
  private epoch = 0;

  constructor(
    private readonly backend: BlockBackend,
    opts: DeviceOptions,
  ) {
    this.queueMaxSizes = [opts.queueSize];
    this.features = blkOfferedFeatures(backend.readOnly);
    this.config = new BlkConfigSpace(backend.capacitySectors, opts.queueSize);
    this.copy = opts.copy === 'copy';
    this.capacity = backend.capacitySectors;
    this.queue = new DeviceQueue(REQUEST_QUEUE, opts.queueSize, this.handle);
    this.slots = Array.from({ length: opts.queueSize }, () => new BlkRequestSlot());
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  /** Nothing in our config is writable (writeback needs CONFIG_WCE, not offered): writes are dropped. */
  writeConfig(): void {}

  activate(ctx: ActiveDevice): void {
    this.epoch++;
    this.queue.start(ctx);
  }

  reset(): void {
    this.epoch++;
    this.queue.stop();
  }

  /** Requests in the backend right now (diagnostics). */
  get backendPending(): number {
    let n = 0;
    for (const s of this.slots) if (s.pending) n++;
    return n;
  }

  describe(): Record<string, unknown> {
    return { backendPending: this.backendPending };
  }

  /** QEMU's handler loop (specs/virtio.md §3.5); completions found without the backend go out together. */
  kick(queue: number): void {
    if (queue !== REQUEST_QUEUE) return;
    this.queue.serve();
    this.queue.publish(); // status bytes before used.idx (barrier D inside)
  }

  private slotFor(head: number): BlkRequestSlot {
    let slot = this.slots[head] as BlkRequestSlot;
    if (slot.pending) {
      // The backend still holds this head's request from before a reset: never hand it out twice.
      slot = this.spare.pop() ?? new BlkRequestSlot();
      this.slots[head] = slot;
    }
    return slot;
  }

  private readonly handle = (chain: DescriptorChain, ctx: ActiveDevice): void => {
    // QEMU virtio_blk_handle_request: a request needs a readable header and a writable status byte.
    if (chain.readableCount === 0 || chain.writableCount === 0) {
      ctx.fail('virtio-blk: request without header or status descriptor');
      return;
    }
    if (chain.readableBytes < BlkOutHdr.size) {
      ctx.fail(`virtio-blk: request header of ${chain.readableBytes} bytes, need ${BlkOutHdr.size}`);
      return;
    }
    const slot = this.slotFor(chain.head);
    slot.head = chain.head;
    const last = chain.count - 1;
    slot.statusAddr = (chain.addr[last] as number) + (chain.len[last] as number) - 1;
    readChain(ctx.mem, this.cursor, chain, 0, BlkOutHdr.size, this.hdr);
    const type = this.hdrView.getUint32(BlkOutHdr.type, true);
    const sector =
      this.hdrView.getUint32(BlkOutHdr.sector, true) + this.hdrView.getUint32(BlkOutHdr.sector + 4, true) * TWO32;
    const dataOut = chain.readableBytes - BlkOutHdr.size;
    const dataIn = chain.writableBytes - BlkSizes.STATUS;
    switch (type) {
      case BlkReqType.IN:
        this.readWrite(ctx, chain, slot, 'read', sector, dataIn);
        return;
      case BlkReqType.OUT:
        this.readWrite(ctx, chain, slot, 'write', sector, dataOut);
        return;
      case BlkReqType.FLUSH:
        // QEMU ignores the sector and any data of a flush (specs/virtio.md §6.1 [Q7.2]: sector 5 → OK).
        this.submit(ctx, slot, 'flush', 0, 0, 0);
        return;
      case BlkReqType.GET_ID: {
        const n = Math.min(BlkSizes.ID_BYTES, dataIn);
        this.collect(chain, 'writable', 0, n, slot);
        this.submit(ctx, slot, 'get-id', 0, 0, n);
        return;
      }
      case BlkReqType.DISCARD:
      case BlkReqType.WRITE_ZEROES:
        this.discardOrZero(ctx, chain, slot, type, dataOut);
        return;
      default:
        this.complete(ctx, slot, BlkStatus.UNSUPP, 0); // V15: unknown type → UNSUPP
    }
  };

  private readWrite(
    ctx: ActiveDevice,
    chain: DescriptorChain,
    slot: BlkRequestSlot,
    op: 'read' | 'write',
    sector: number,
    bytes: number,
  ): void {
    // QEMU virtio_blk_sect_range_ok: whole sectors, inside the disk; else IOERR.
    if (bytes % BlkSizes.SECTOR !== 0 || !this.inDisk(sector, bytes / BlkSizes.SECTOR)) {
      this.complete(ctx, slot, BlkStatus.IOERR, 0);
      return;
    }
    // V15: a read-only device fails writes and writes nothing.
    if (op === 'write' && this.backend.readOnly) {
      this.complete(ctx, slot, BlkStatus.IOERR, 0);
      return;
    }
    if (op === 'read') this.collect(chain, 'writable', 0, bytes, slot);
    else this.collect(chain, 'readable', BlkOutHdr.size, bytes, slot);
    this.submit(ctx, slot, op, sector, bytes / BlkSizes.SECTOR, op === 'read' ? bytes : 0);
  }

  /** Record in `slot` the guest pieces covering [skip, skip + bytes) of the chain's `part` (the data). */
  private collect(chain: DescriptorChain, part: ChainPart, skip: number, bytes: number, slot: BlkRequestSlot): void {
    slot.pieceCount = 0;
    this.cursor.start(chain, part, skip, bytes);
    while (this.cursor.next()) slot.addPiece(this.cursor.addr, this.cursor.len);
  }

  private discardOrZero(
    ctx: ActiveDevice,
    chain: DescriptorChain,
    slot: BlkRequestSlot,
    type: number,
    dataOut: number,
  ): void {
    const discard = type === BlkReqType.DISCARD;
    if (!hasFeature(ctx.features, discard ? BlkFeature.DISCARD : BlkFeature.WRITE_ZEROES)) {
      this.complete(ctx, slot, BlkStatus.UNSUPP, 0);
      return;
    }
    // We advertise one segment per request (max_*_seg = 1).
    if (dataOut !== BlkDiscardSegment.size) {
      this.complete(ctx, slot, BlkStatus.IOERR, 0);
      return;
    }
    readChain(ctx.mem, this.cursor, chain, BlkOutHdr.size, BlkDiscardSegment.size, this.seg);
    const v = this.segView;
    const sector =
      v.getUint32(BlkDiscardSegment.sector, true) + v.getUint32(BlkDiscardSegment.sector + 4, true) * TWO32;
    const sectors = v.getUint32(BlkDiscardSegment.num_sectors, true);
    const flags = v.getUint32(BlkDiscardSegment.flags, true);
    // §5.2.6.2: unknown flags → UNSUPP, and UNSUPP for a discard with the unmap flag.
    if ((flags & ~BlkDiscardSegment.FLAG_UNMAP) !== 0 || (discard && flags !== 0)) {
      this.complete(ctx, slot, BlkStatus.UNSUPP, 0);
      return;
    }
    const max = discard ? BlkDeviceLimit.maxDiscardSectors : BlkDeviceLimit.maxWriteZeroesSectors;
    if (sectors > max || !this.inDisk(sector, sectors) || this.backend.readOnly) {
      this.complete(ctx, slot, BlkStatus.IOERR, 0);
      return;
    }
    this.submit(ctx, slot, discard ? 'discard' : 'write-zeroes', sector, sectors, 0);
  }

  private inDisk(sector: number, sectors: number): boolean {
    return sector <= this.capacity && sectors <= this.capacity - sector;
  }

  /** Ensure the slot's bounce buffer holds `bytes`, within the pool limits; false → IOERR. */
  private reserveBounce(slot: BlkRequestSlot, bytes: number): boolean {
    if (slot.bounce.length >= bytes) return true;
    if (bytes > BlkBounceLimit.requestBytes) return false;
    let size = Math.max(4096, slot.bounce.length);
    while (size < bytes) size *= 2;
    if (this.bounceBytes - slot.bounce.length + size > BlkBounceLimit.totalBytes) return false;
    this.bounceBytes += size - slot.bounce.length;
    slot.bounce = new Uint8Array(size);
    return true;
  }

  /** Hand the request to the backend; data pieces were recorded in the slot (none for flush/discard). */
  private submit(
    ctx: ActiveDevice,
    slot: BlkRequestSlot,
    op: BlkRequestSlot['op'],
    sector: number,
    sectors: number,
    dataIn: number,
  ): void {
    const hasData = op === 'read' || op === 'write' || op === 'get-id';
    if (!hasData) slot.pieceCount = 0;
    let bytes = 0;
    for (let i = 0; i < slot.pieceCount; i++) bytes += slot.pieceLen[i] as number;
    slot.op = op;
    slot.sector = sector;
    slot.sectors = sectors;
    slot.dataIn = dataIn;
    slot.status = 'ok';
    if (this.copy && bytes > 0) {
      if (!this.reserveBounce(slot, bytes)) {
        this.complete(ctx, slot, BlkStatus.IOERR, 0);
        return;
      }
      if (op === 'write') {
        let at = 0;
        for (let i = 0; i < slot.pieceCount; i++) {
          const len = slot.pieceLen[i] as number;
          ctx.mem.read(slot.pieceAddr[i] as number, len, slot.bounce, at);
          at += len;
        }
      }
      slot.setIov(0, slot.bounce, 0, bytes);
      slot.iovCount = 1;
    } else {
      for (let i = 0; i < slot.pieceCount; i++) {
        const len = slot.pieceLen[i] as number;
        slot.setIov(i, ctx.mem.bytes, ctx.mem.zeroCopy(slot.pieceAddr[i] as number, len), len);
      }
      slot.iovCount = slot.pieceCount;
    }
    slot.epoch = this.epoch;
    slot.pending = true;
    this.backend.submit(slot, this.onBackendDone);
  }

  /** A request finished: status byte, then the used entry (published by the caller). */
  private complete(ctx: ActiveDevice, slot: BlkRequestSlot, status: number, dataIn: number): void {
    ctx.mem.setU8(slot.statusAddr, status);
    // V7: used len = bytes written to the writable part (data + status byte).
    this.queue.pushUsed(slot.head, dataIn + BlkSizes.STATUS);
  }

  /** Backend completion, on the device actor. Bound once: no per-request closure. */
  private readonly onBackendDone = (req: BackendBlockRequest): void => {
    const slot = req as BlkRequestSlot;
    slot.pending = false;
    const ctx = this.queue.active;
    if (slot.epoch !== this.epoch || ctx === undefined) {
      // Reset or failed since (V4, H24): write nothing. A slot swapped out meanwhile becomes a spare.
      if (this.slots[slot.head] !== slot) this.spare.push(slot);
      return;
    }
    try {
      const ok = slot.status === 'ok';
      const written = ok ? slot.dataIn : 0;
      if (ok && this.copy && written > 0) {
        let at = 0;
        for (let i = 0; i < slot.pieceCount && at < written; i++) {
          const len = Math.min(slot.pieceLen[i] as number, written - at);
          ctx.mem.write(slot.pieceAddr[i] as number, slot.bounce, at, len);
          at += len;
        }
      }
      this.complete(ctx, slot, statusByte(slot.status), written);
      this.queue.publish(); // payload and status visible before used.idx (barrier D inside)
    } catch (e) {
      ctx.fail(faultReason(e));
    }
  };
}
