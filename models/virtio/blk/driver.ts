/**
 * virtio-blk guest driver: the BlockPort of models/platform/ports.ts over one request queue
 * (virtio 1.2 §5.2.6; specs/virtio.md §6.1, §9 D19, D21).
 *
 * Per request slot the driver owns a 16-B header, a 16-B discard/write-zeroes segment and a status
 * byte in guest memory, allocated once. A request is header (readable) → data as one descriptor →
 * status (writable); with INDIRECT_DESC every request takes one ring slot and one 3-entry table.
 * On DEVICE_NEEDS_RESET the driver resets and re-initialises at once, failing what was in flight
 * with `ioerr` instead of waiting for it (D19).
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { ModelConfig } from '../../platform/model.js';
import type { BlockOp, BlockPort, BlockPortInfo, BlockRequest, IoStatus } from '../../platform/ports.js';
import { queueSizeOption } from '../binding.js';
import { hasFeature } from '../device-logic.js';
import { bringUp } from '../guest-bringup.js';
import {
  BlkConfig,
  BlkDiscardSegment,
  BlkFeature,
  BlkOutHdr,
  BlkReqType,
  BlkSizes,
  BlkStatus,
  VirtioDeviceId,
  VirtioFeature,
} from '../layout.js';
import type { VirtioPciTransport } from '../pci/driver.js';
import { VirtqueueDriverError } from '../ring/errors.js';
import { DriverQueue } from './driver-queue.js';

/** Descriptors of a direct request: header, data, status. */
export const BLK_DESCRIPTORS_PER_REQUEST = 3;
/** Largest request the driver issues without SIZE_MAX: 1 MiB (data is a single descriptor). */
export const BLK_DEFAULT_MAX_SECTORS = 2048;
/** Written to the status byte before submission: anything but 0/1/2 afterwards means the device never wrote it. */
const STATUS_UNWRITTEN = 0xff;

const bit = (n: number): bigint => 1n << BigInt(n);
/** Features the driver understands (virtio 1.2 §5.2.3). */
const DRIVER_FEATURES =
  bit(BlkFeature.SIZE_MAX) |
  bit(BlkFeature.SEG_MAX) |
  bit(BlkFeature.RO) |
  bit(BlkFeature.BLK_SIZE) |
  bit(BlkFeature.FLUSH) |
  bit(BlkFeature.DISCARD) |
  bit(BlkFeature.WRITE_ZEROES);

const REQUEST_QUEUE = 0;

/** Requests a blk ring of `queueSize` can hold: QS with indirect tables, else ⌊QS/3⌋ (specs/virtio.md §8). */
export function blkMaxInflight(queueSize: number, indirect: boolean): number {
  return indirect ? queueSize : Math.floor(queueSize / BLK_DESCRIPTORS_PER_REQUEST);
}

const REQUEST_TYPE: Record<BlockOp, number> = {
  read: BlkReqType.IN,
  write: BlkReqType.OUT,
  flush: BlkReqType.FLUSH,
  'get-id': BlkReqType.GET_ID,
  discard: BlkReqType.DISCARD,
  'write-zeroes': BlkReqType.WRITE_ZEROES,
};

interface BlkDeviceFacts {
  readonly features: bigint;
  readonly capacitySectors: number;
  readonly sizeMax: number;
  readonly maxDiscardSectors: number;
  readonly maxWriteZeroesSectors: number;
}

type Done = (req: BlockRequest) => void;

export class VirtioBlkDriver implements BlockPort {
  readonly info: BlockPortInfo;
  private readonly queue: DriverQueue;
  private readonly slots: number;
  private readonly freeSlots: Int32Array;
  private freeCount: number;
  private readonly requests: (BlockRequest | undefined)[];
  private readonly dones: (Done | undefined)[];
  private readonly headerBase: number;
  private readonly segmentBase: number;
  private readonly statusBase: number;
  private readonly maxDiscardSectors: number;
  private readonly maxWriteZeroesSectors: number;
  private readonly failing: Int32Array;
  private transport: VirtioPciTransport | undefined;
  /** Set when re-initialisation after NEEDS_RESET failed: every request then fails with `ioerr`. */
  private broken: Error | undefined;
  /** Device resets performed to recover from NEEDS_RESET or a broken ring (D19). */
  recoveries = 0;

  /** Bring the device up (§3.1.1) and build the port. Throws VirtioInitError when the device is unusable. */
  static create(guest: GuestPlatform, config: ModelConfig): VirtioBlkDriver {
    return new VirtioBlkDriver(guest, config);
  }

  private constructor(
    private readonly guest: GuestPlatform,
    private readonly config: ModelConfig,
  ) {
    const mechanism = config.options.notify === 'userspace' ? 'exit' : 'doorbell';
    this.queue = new DriverQueue(guest.meter, REQUEST_QUEUE, config.knobs.coalesce, mechanism, this.onUsed);
    const facts = this.initialise();
    const ring = this.queue.ring;
    const indirect = hasFeature(facts.features, VirtioFeature.INDIRECT_DESC);
    this.slots = blkMaxInflight(ring.size, indirect);
    this.freeSlots = new Int32Array(this.slots);
    for (let i = 0; i < this.slots; i++) this.freeSlots[i] = this.slots - 1 - i;
    this.freeCount = this.slots;
    this.requests = new Array<BlockRequest | undefined>(this.slots).fill(undefined);
    this.dones = new Array<Done | undefined>(this.slots).fill(undefined);
    this.failing = new Int32Array(this.slots);
    const a = guest.alloc;
    this.headerBase = a.alloc(this.slots * BlkOutHdr.size, 16);
    this.segmentBase = a.alloc(this.slots * BlkDiscardSegment.size, 16);
    this.statusBase = a.alloc(this.slots, 16);
    this.maxDiscardSectors = facts.maxDiscardSectors;
    this.maxWriteZeroesSectors = facts.maxWriteZeroesSectors;

    const supports = new Set<BlockOp>(['read', 'write', 'get-id']);
    if (hasFeature(facts.features, BlkFeature.FLUSH)) supports.add('flush');
    if (hasFeature(facts.features, BlkFeature.DISCARD) && facts.maxDiscardSectors > 0) supports.add('discard');
    if (hasFeature(facts.features, BlkFeature.WRITE_ZEROES) && facts.maxWriteZeroesSectors > 0) {
      supports.add('write-zeroes');
    }
    let maxSectors = BLK_DEFAULT_MAX_SECTORS;
    if (hasFeature(facts.features, BlkFeature.SIZE_MAX) && facts.sizeMax >= BlkSizes.SECTOR) {
      maxSectors = Math.min(maxSectors, Math.floor(facts.sizeMax / BlkSizes.SECTOR));
    }
    this.info = {
      capacitySectors: facts.capacitySectors,
      readOnly: hasFeature(facts.features, BlkFeature.RO),
      maxInflight: this.slots,
      maxSectorsPerRequest: maxSectors,
      supports,
    };
  }

  /** §3.1.1 bring-up, then the device facts from config (generation loop, D17). */
  private initialise(): BlkDeviceFacts {
    const qs = queueSizeOption(this.config);
    const up = bringUp(this.guest, this.config, {
      deviceType: VirtioDeviceId.BLOCK,
      driverFeatures: DRIVER_FEATURES,
      queues: [{ index: REQUEST_QUEUE, size: qs, indirectTables: qs, indirectEntries: BLK_DESCRIPTORS_PER_REQUEST }],
      onQueueInterrupt: () => this.onQueueInterrupt(),
      onConfigInterrupt: () => this.onConfigInterrupt(),
    });
    const ring = up.rings[0];
    if (ring === undefined) throw new Error('virtio-blk: no request queue');
    this.transport = up.transport;
    this.queue.attach(up.transport, ring);
    const f = up.features;
    return up.transport.readConfig((_r8, _r16, r32) => ({
      features: f,
      capacitySectors: r32(BlkConfig.capacity) + r32(BlkConfig.capacity + 4) * 4294967296,
      sizeMax: hasFeature(f, BlkFeature.SIZE_MAX) ? r32(BlkConfig.size_max) : 0,
      maxDiscardSectors: hasFeature(f, BlkFeature.DISCARD) ? r32(BlkConfig.max_discard_sectors) : 0,
      maxWriteZeroesSectors: hasFeature(f, BlkFeature.WRITE_ZEROES) ? r32(BlkConfig.max_write_zeroes_sectors) : 0,
    }));
  }

  submit(req: BlockRequest, done: Done): void {
    const problem = this.broken === undefined ? this.check(req) : 'ioerr';
    if (problem !== undefined) {
      // Never sent: a request the spec forbids the driver to issue (D21) or a dead device. Completed on
      // the vCPU afterwards, like any completion, never inside submit.
      req.status = problem;
      this.guest.sched.after(0, () => done(req));
      return;
    }
    if (this.freeCount === 0) {
      throw new Error(`virtio-blk: more than maxInflight=${this.slots} requests outstanding`);
    }
    const slot = this.freeSlots[--this.freeCount] as number;
    const mem = this.guest.mem;
    const header = this.headerBase + slot * BlkOutHdr.size;
    const status = this.statusBase + slot;
    const op = req.op;
    // D21: FLUSH (and the other sector-less requests) carry sector 0.
    const sector = op === 'read' || op === 'write' ? req.sector : 0;
    mem.setU32(header + BlkOutHdr.type, REQUEST_TYPE[op]);
    mem.setU32(header + BlkOutHdr.reserved, 0);
    mem.setU64(header + BlkOutHdr.sector, sector);
    mem.setU8(status, STATUS_UNWRITTEN);
    const ring = this.queue.ring;
    ring.begin();
    ring.addReadable(header, BlkOutHdr.size);
    switch (op) {
      case 'read':
        ring.addWritable(req.addr, req.sectors * BlkSizes.SECTOR);
        break;
      case 'write':
        ring.addReadable(req.addr, req.sectors * BlkSizes.SECTOR);
        break;
      case 'get-id':
        ring.addWritable(req.addr, BlkSizes.ID_BYTES);
        break;
      case 'discard':
      case 'write-zeroes': {
        const seg = this.segmentBase + slot * BlkDiscardSegment.size;
        mem.setU64(seg + BlkDiscardSegment.sector, req.sector);
        mem.setU32(seg + BlkDiscardSegment.num_sectors, req.sectors);
        mem.setU32(seg + BlkDiscardSegment.flags, 0);
        ring.addReadable(seg, BlkDiscardSegment.size);
        break;
      }
      case 'flush':
        break;
    }
    ring.addWritable(status, BlkSizes.STATUS);
    if (ring.commit(slot) < 0) {
      this.freeSlots[this.freeCount++] = slot;
      throw new Error('virtio-blk: request ring full below maxInflight');
    }
    this.requests[slot] = req;
    this.dones[slot] = done;
    this.queue.committed();
  }

  /** D21: whole 512-B sectors, inside the disk, within the advertised limits; undefined when sendable. */
  private check(req: BlockRequest): IoStatus | undefined {
    const info = this.info;
    if (!info.supports.has(req.op)) return 'unsupported';
    const op = req.op;
    if (op === 'flush') return undefined;
    const mem = this.guest.mem;
    if (op === 'get-id') return mem.inRange(req.addr, BlkSizes.ID_BYTES) ? undefined : 'ioerr';
    const n = req.sectors;
    const s = req.sector;
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(s) || n < 1 || s < 0 || n > info.capacitySectors - s) {
      return 'ioerr';
    }
    if (op === 'discard') return n <= this.maxDiscardSectors ? undefined : 'ioerr';
    if (op === 'write-zeroes') return n <= this.maxWriteZeroesSectors ? undefined : 'ioerr';
    if (n > info.maxSectorsPerRequest || !mem.inRange(req.addr, n * BlkSizes.SECTOR)) return 'ioerr';
    return undefined;
  }

  /** A reclaimed chain: its token is the slot. */
  private readonly onUsed = (slot: number): void => {
    const req = this.requests[slot];
    const done = this.dones[slot];
    if (req === undefined || done === undefined) return;
    const st = this.guest.mem.u8(this.statusBase + slot);
    req.status = st === BlkStatus.OK ? 'ok' : st === BlkStatus.UNSUPP ? 'unsupported' : 'ioerr';
    this.release(slot);
    done(req);
  };

  private release(slot: number): void {
    this.requests[slot] = undefined;
    this.dones[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
  }

  private onQueueInterrupt(): void {
    try {
      this.queue.onInterrupt();
    } catch (e) {
      // A device that breaks the ring contract (bogus used id or index): reset it like NEEDS_RESET.
      if (!(e instanceof VirtqueueDriverError)) throw e;
      this.recover();
    }
  }

  private onConfigInterrupt(): void {
    if (this.transport?.needsReset() === true) this.recover();
  }

  /**
   * D19: reset and re-initialise now, then fail every request that was in flight with `ioerr`.
   * Completions run inside a batch so the resubmissions they make go out with one kick.
   */
  private recover(): void {
    this.recoveries++;
    let n = 0;
    for (let slot = 0; slot < this.slots; slot++) if (this.requests[slot] !== undefined) this.failing[n++] = slot;
    try {
      this.initialise();
    } catch (e) {
      this.broken = e instanceof Error ? e : new Error(String(e));
    }
    this.queue.beginBatch();
    try {
      for (let i = 0; i < n; i++) {
        const slot = this.failing[i] as number;
        const req = this.requests[slot] as BlockRequest;
        const done = this.dones[slot] as Done;
        req.status = 'ioerr';
        this.release(slot);
        done(req);
      }
    } finally {
      this.queue.endBatch();
    }
  }
}
