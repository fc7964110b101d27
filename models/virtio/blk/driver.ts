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
import { InFlight } from '../driver/in-flight.js';
import { DriverSession, type RecoveryHandler } from '../driver/session.js';
import { featureBit, hasFeature } from '../features.js';
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
import { queueSizeOption } from '../options.js';

/** Descriptors of a direct request: header, data, status. */
export const BLK_DESCRIPTORS_PER_REQUEST = 3;
/** Largest request the driver issues without SIZE_MAX: 1 MiB (data is a single descriptor). */
export const BLK_DEFAULT_MAX_SECTORS = 2048;
/** Written to the status byte before submission: anything but 0/1/2 afterwards means the device never wrote it. */
const STATUS_UNWRITTEN = 0xff;

/** Features the driver understands (virtio 1.2 §5.2.3). */
const DRIVER_FEATURES =
  featureBit(BlkFeature.SIZE_MAX) |
  featureBit(BlkFeature.SEG_MAX) |
  featureBit(BlkFeature.RO) |
  featureBit(BlkFeature.BLK_SIZE) |
  featureBit(BlkFeature.FLUSH) |
  featureBit(BlkFeature.DISCARD) |
  featureBit(BlkFeature.WRITE_ZEROES);

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

type Done = (req: BlockRequest) => void;

export class VirtioBlkDriver implements BlockPort, RecoveryHandler {
  readonly info: BlockPortInfo;
  /** The connection to the device: transport, queues, recovery (D19). */
  readonly session: DriverSession;
  private readonly requests: InFlight<BlockRequest>;
  private readonly dones: (Done | undefined)[];
  private readonly headerBase: number;
  private readonly segmentBase: number;
  private readonly statusBase: number;
  private readonly maxDiscardSectors: number;
  private readonly maxWriteZeroesSectors: number;

  /** Bring the device up (§3.1.1) and build the port. Throws VirtioInitError when the device is unusable. */
  constructor(
    private readonly guest: GuestPlatform,
    config: ModelConfig,
  ) {
    const qs = queueSizeOption(config);
    this.session = new DriverSession(
      guest,
      config,
      {
        deviceType: VirtioDeviceId.BLOCK,
        driverFeatures: DRIVER_FEATURES,
        queues: [
          {
            index: REQUEST_QUEUE,
            size: qs,
            indirectTables: qs,
            indirectEntries: BLK_DESCRIPTORS_PER_REQUEST,
            onUsed: this.onUsed,
          },
        ],
      },
      this,
    );
    const f = this.session.features;
    // Device facts from config, in the generation loop (D17).
    const facts = this.session.transport.readConfig((_r8, _r16, r32) => ({
      capacitySectors: r32(BlkConfig.capacity) + r32(BlkConfig.capacity + 4) * 4294967296,
      sizeMax: hasFeature(f, BlkFeature.SIZE_MAX) ? r32(BlkConfig.size_max) : 0,
      maxDiscardSectors: hasFeature(f, BlkFeature.DISCARD) ? r32(BlkConfig.max_discard_sectors) : 0,
      maxWriteZeroesSectors: hasFeature(f, BlkFeature.WRITE_ZEROES) ? r32(BlkConfig.max_write_zeroes_sectors) : 0,
    }));
    const ring = this.session.ring(REQUEST_QUEUE);
    const slots = blkMaxInflight(ring.size, hasFeature(f, VirtioFeature.INDIRECT_DESC));
    this.requests = new InFlight<BlockRequest>(slots);
    this.dones = new Array<Done | undefined>(slots).fill(undefined);
    const a = guest.alloc;
    this.headerBase = a.alloc(slots * BlkOutHdr.size, 16);
    this.segmentBase = a.alloc(slots * BlkDiscardSegment.size, 16);
    this.statusBase = a.alloc(slots, 16);
    this.maxDiscardSectors = facts.maxDiscardSectors;
    this.maxWriteZeroesSectors = facts.maxWriteZeroesSectors;

    const supports = new Set<BlockOp>(['read', 'write', 'get-id']);
    if (hasFeature(f, BlkFeature.FLUSH)) supports.add('flush');
    if (hasFeature(f, BlkFeature.DISCARD) && facts.maxDiscardSectors > 0) supports.add('discard');
    if (hasFeature(f, BlkFeature.WRITE_ZEROES) && facts.maxWriteZeroesSectors > 0) supports.add('write-zeroes');
    let maxSectors = BLK_DEFAULT_MAX_SECTORS;
    if (hasFeature(f, BlkFeature.SIZE_MAX) && facts.sizeMax >= BlkSizes.SECTOR) {
      maxSectors = Math.min(maxSectors, Math.floor(facts.sizeMax / BlkSizes.SECTOR));
    }
    this.info = {
      capacitySectors: facts.capacitySectors,
      readOnly: hasFeature(f, BlkFeature.RO),
      maxInflight: slots,
      maxSectorsPerRequest: maxSectors,
      supports,
    };
  }

  submit(req: BlockRequest, done: Done): void {
    const problem = this.session.broken === undefined ? this.check(req) : 'ioerr';
    if (problem !== undefined) {
      // Never sent: a request the spec forbids the driver to issue (D21) or a dead device. Completed on
      // the vCPU afterwards, like any completion, never inside submit.
      req.status = problem;
      this.guest.sched.after(0, () => done(req));
      return;
    }
    const slot = this.requests.add(req);
    if (slot < 0) throw new Error(`virtio-blk: more than maxInflight=${this.requests.capacity} requests outstanding`);
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
    const ring = this.session.ring(REQUEST_QUEUE);
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
      this.requests.remove(slot);
      throw new Error('virtio-blk: request ring full below maxInflight');
    }
    this.dones[slot] = done;
    this.session.submitted(REQUEST_QUEUE);
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
    const st = this.guest.mem.u8(this.statusBase + slot);
    this.complete(slot, st === BlkStatus.OK ? 'ok' : st === BlkStatus.UNSUPP ? 'unsupported' : 'ioerr');
  };

  private complete(slot: number, status: IoStatus): void {
    const done = this.dones[slot];
    const req = this.requests.remove(slot);
    if (req === undefined || done === undefined) return;
    this.dones[slot] = undefined;
    req.status = status;
    done(req);
  }

  abandonInFlight(): void {
    this.requests.abandonAll();
  }

  /** D19: what was in flight fails with `ioerr`; resubmissions from the callbacks go out with one kick. */
  resume(): void {
    for (let slot = this.requests.nextAbandoned(); slot >= 0; slot = this.requests.nextAbandoned()) {
      this.complete(slot, 'ioerr');
    }
  }
}
