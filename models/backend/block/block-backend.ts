/**
 * The reference block backend (DESIGN §5): a sector store behind a service-time model.
 * Data moves between the request's segments and the store when the request is
 * submitted; the completion is delivered on the device actor's scheduler when the
 * modelled device would finish it, never synchronously inside `submit`.
 */
import type { BackendBlockRequest, BlockBackend } from '../../platform/backend-api.js';
import type { Meter } from '../../platform/meter.js';
import { type BlockOp, type IoStatus, SECTOR_SIZE } from '../../platform/ports.js';
import type { Rng } from '../../platform/rng.js';
import type { Scheduler } from '../../platform/scheduler.js';
import { type FileIo, FileStore } from './file-store.js';
import { MemoryStore } from './memory-store.js';
import { DEFAULT_SERIAL, encodeSerial, SERIAL_BYTES } from './serial.js';
import { createServiceModel, type HeadState, type ServiceModel, type ServiceModelName } from './service-model.js';
import type { SectorStore } from './store.js';

export type BlockStoreOption = 'memory' | { file: string; create?: boolean } | SectorStore;

export interface BlockBackendOptions {
  /** `'memory'`, a raw image file, or a store the caller built (and still owns). */
  store: BlockStoreOption;
  capacitySectors: number;
  readOnly?: boolean;
  /** Service-time model; default `ram`. */
  service?: ServiceModelName;
  /** Up to 20 printable ASCII characters. */
  serial?: string;
  /** Randomise service times from the backend's Rng (default off: every run times identically). */
  jitter?: boolean;
  /** File calls for a file store (tests observe fsync through this). */
  fileIo?: FileIo;
}

export interface BlockBackendStats {
  requests: number;
  ioErrors: number;
  unsupported: number;
  sectorsRead: number;
  sectorsWritten: number;
  flushes: number;
  sectorsDiscarded: number;
  sectorsZeroed: number;
  getIds: number;
  /** Requests failed because the store threw (counted in ioErrors too). */
  storeErrors: number;
}

type Done = (req: BackendBlockRequest) => void;

/** A pending completion whose `fire` is bound once, so scheduling it allocates nothing. */
class Completion {
  req: BackendBlockRequest | undefined;
  done: Done | undefined;
  status: IoStatus = 'ok';

  constructor(private readonly pool: Completion[]) {}

  readonly fire = (): void => {
    const req = this.req!;
    const done = this.done!;
    req.status = this.status;
    this.req = undefined;
    this.done = undefined;
    this.pool.push(this);
    done(req);
  };
}

function isSectorStore(s: BlockStoreOption): s is SectorStore {
  return typeof s === 'object' && 'readBytes' in s;
}

export class ReferenceBlockBackend implements BlockBackend {
  readonly capacitySectors: number;
  readonly readOnly: boolean;
  readonly serial: string;
  readonly store: SectorStore;
  readonly model: ServiceModel;
  readonly stats: BlockBackendStats = {
    requests: 0,
    ioErrors: 0,
    unsupported: 0,
    sectorsRead: 0,
    sectorsWritten: 0,
    flushes: 0,
    sectorsDiscarded: 0,
    sectorsZeroed: 0,
    getIds: 0,
    storeErrors: 0,
  };
  /** The last error a store threw, for diagnostics. */
  lastStoreError: unknown;

  private readonly serialBytes: Uint8Array;
  private readonly ownsStore: boolean;
  /** Time each channel becomes free (virtual or wall ns of the device actor). */
  private readonly channelFree: Float64Array;
  /** Time the shared command/data resource becomes free. */
  private transferFree = 0;
  private readonly head: HeadState = { sector: 0 };
  private readonly jitter: Rng | undefined;
  private readonly spare: Completion[] = [];

  constructor(
    opts: BlockBackendOptions,
    private readonly sched: Scheduler,
    private readonly meter: Meter,
    rng: Rng,
  ) {
    this.capacitySectors = opts.capacitySectors;
    this.readOnly = opts.readOnly === true;
    this.serial = opts.serial ?? DEFAULT_SERIAL;
    this.serialBytes = encodeSerial(this.serial);
    const store = opts.store;
    if (store === 'memory') {
      this.store = new MemoryStore(opts.capacitySectors);
      this.ownsStore = true;
    } else if (isSectorStore(store)) {
      if (store.capacitySectors < opts.capacitySectors) {
        throw new RangeError(`store holds ${store.capacitySectors} sectors, fewer than ${opts.capacitySectors}`);
      }
      this.store = store;
      this.ownsStore = false;
    } else {
      const fileOpts = { create: store.create === true, readOnly: this.readOnly };
      this.store = new FileStore(
        store.file,
        opts.capacitySectors,
        opts.fileIo === undefined ? fileOpts : { ...fileOpts, io: opts.fileIo },
      );
      this.ownsStore = true;
    }
    this.model = createServiceModel(opts.service ?? 'ram', opts.capacitySectors);
    this.channelFree = new Float64Array(this.model.channels);
    this.jitter = opts.jitter === true ? rng : undefined;
  }

  submit(req: BackendBlockRequest, done: Done): void {
    this.stats.requests++;
    const status = this.executeGuarded(req);
    if (status === 'ioerr') this.stats.ioErrors++;
    else if (status === 'unsupported') this.stats.unsupported++;
    const delayNs = status === 'ok' ? this.occupyDevice(req.op, req.sector, req.sectors) : 0;
    const c = this.spare.pop() ?? new Completion(this.spare);
    c.req = req;
    c.done = done;
    c.status = status;
    this.sched.after(delayNs, c.fire);
  }

  /** Release the store if this backend opened it. */
  close(): void {
    if (this.ownsStore) this.store.close();
  }

  /** A failing store (EIO, ENOSPC, closed image) fails the request, never the device. */
  private executeGuarded(req: BackendBlockRequest): IoStatus {
    try {
      return this.execute(req);
    } catch (error) {
      this.stats.storeErrors++;
      this.lastStoreError = error;
      return 'ioerr';
    }
  }

  private execute(req: BackendBlockRequest): IoStatus {
    switch (req.op) {
      case 'read':
      case 'write': {
        if (!this.inRange(req.sector, req.sectors)) return 'ioerr';
        if (req.op === 'write' && this.readOnly) return 'ioerr'; // virtio 1.2 §5.2.6: a read-only device fails writes, nothing written
        if (iovBytes(req) !== req.sectors * SECTOR_SIZE) return 'ioerr';
        this.moveData(req);
        if (req.op === 'read') this.stats.sectorsRead += req.sectors;
        else this.stats.sectorsWritten += req.sectors;
        return 'ok';
      }
      case 'flush':
        this.store.flush();
        this.stats.flushes++;
        return 'ok';
      case 'discard':
      case 'write-zeroes':
        if (!this.inRange(req.sector, req.sectors) || this.readOnly) return 'ioerr';
        this.store.zeroBytes(req.sector * SECTOR_SIZE, req.sectors * SECTOR_SIZE);
        if (req.op === 'discard') this.stats.sectorsDiscarded += req.sectors;
        else this.stats.sectorsZeroed += req.sectors;
        return 'ok';
      case 'get-id':
        if (iovBytes(req) < 0) return 'ioerr';
        this.writeSerial(req);
        this.stats.getIds++;
        return 'ok';
      default:
        return 'unsupported';
    }
  }

  private inRange(sector: number, sectors: number): boolean {
    return (
      Number.isSafeInteger(sector) &&
      Number.isSafeInteger(sectors) &&
      sector >= 0 &&
      sectors >= 0 &&
      sector + sectors <= this.capacitySectors
    );
  }

  private moveData(req: BackendBlockRequest): void {
    let pos = req.sector * SECTOR_SIZE;
    const read = req.op === 'read';
    for (let i = 0; i < req.iovCount; i++) {
      const seg = req.iov[i]!;
      if (read) this.store.readBytes(pos, seg.bytes, seg.offset, seg.length);
      else this.store.writeBytes(pos, seg.bytes, seg.offset, seg.length);
      pos += seg.length;
    }
  }

  /** The serial, NUL padded to 20 bytes, into as much of the segments as there is room for. */
  private writeSerial(req: BackendBlockRequest): void {
    let from = 0;
    for (let i = 0; i < req.iovCount && from < SERIAL_BYTES; i++) {
      const seg = req.iov[i]!;
      const n = Math.min(seg.length, SERIAL_BYTES - from);
      for (let k = 0; k < n; k++) seg.bytes[seg.offset + k] = this.serialBytes[from + k]!;
      from += n;
    }
  }

  /**
   * Reserve the device for one request and return its delay from now. The shared
   * resource is taken in arrival order, then the earliest-free channel; holding the link
   * before the media is a simplification that keeps both the QD1 latency (their sum) and
   * the bandwidth ceiling (the link's occupancy).
   */
  private occupyDevice(op: BlockOp, sector: number, sectors: number): number {
    const now = this.sched.now();
    const transfer = this.model.transferNs(op, sectors);
    let ready = now;
    if (transfer > 0) {
      ready = Math.max(now, this.transferFree) + transfer;
      this.transferFree = ready;
    }
    const free = this.channelFree;
    let channel = 0;
    for (let c = 1; c < free.length; c++) if (free[c]! < free[channel]!) channel = c;
    const service = this.model.serviceNs(op, sector, sectors, this.head, this.jitter);
    const finish = Math.max(ready, free[channel]!) + service;
    free[channel] = finish;
    if (op === 'read' || op === 'write' || op === 'write-zeroes') this.head.sector = sector + sectors;
    this.meter.backendService(transfer + service);
    return finish - now;
  }
}

/** Total bytes of the request's segments in use, or -1 if any segment is malformed. */
function iovBytes(req: BackendBlockRequest): number {
  if (!Number.isInteger(req.iovCount) || req.iovCount < 0 || req.iovCount > req.iov.length) return -1;
  let total = 0;
  for (let i = 0; i < req.iovCount; i++) {
    const seg = req.iov[i]!;
    if (
      !Number.isInteger(seg.offset) ||
      !Number.isInteger(seg.length) ||
      seg.offset < 0 ||
      seg.length < 0 ||
      seg.offset + seg.length > seg.bytes.length
    ) {
      return -1;
    }
    total += seg.length;
  }
  return total;
}

export function createBlockBackend(
  opts: BlockBackendOptions,
  sched: Scheduler,
  meter: Meter,
  rng: Rng,
): ReferenceBlockBackend {
  return new ReferenceBlockBackend(opts, sched, meter, rng);
}
