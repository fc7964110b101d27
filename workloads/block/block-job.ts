/**
 * The fio-style block job behind read / write / randread / randwrite / randrw, with every byte
 * verified against the deterministic pattern (pattern.ts).
 *
 * Phases (a discriminated union, not flags):
 * - `prefill` (jobs that read; not measured): generation 0 of the whole working set, written
 *   straight into the backing store (`prefill=0`, fio's preconditioned disk) or through the port;
 * - `measure`: operations started by the LoadDriver (closed or open loop, ops or duration); each
 *   is a read or a write (`rwmixread` % reads for randrw), at seeded offsets aligned to `bs` or
 *   sequentially; reads are checked as they complete; a flush follows every `flush` writes;
 * - `readback` (jobs that wrote; not measured): every written block is read and checked
 *   against the last generation written to it.
 *
 * A block is never written while another request on it is in flight, nor read while being
 * written, so the generation a read must see is known when it is issued.
 * Slot buffers, requests and scratch are allocated at start; the hot path allocates nothing.
 */
import type { BlockPort, BlockRequest } from '../../models/platform/ports.js';
import { SECTOR_SIZE } from '../../models/platform/ports.js';
import { Rng } from '../../models/platform/rng.js';
import { LoadDriver, type LoadTarget, loadPlan } from '../load.js';
import { fillPattern } from '../pattern.js';
import { param, VerificationError, type WorkloadContext, WorkloadUnsupported } from '../workload.js';
import { BlockCheck } from './block-check.js';

export interface BlockJobMode {
  /** `read`/`write`: every measured op is one kind; `mixed`: `rwmixread` % are reads. */
  readonly ops: 'read' | 'write' | 'mixed';
  readonly random: boolean;
}

type Phase =
  | { readonly kind: 'prefill' }
  | { readonly kind: 'measure' }
  | { readonly kind: 'readback' }
  | { readonly kind: 'done' };

const PREFILL: Phase = { kind: 'prefill' };
const MEASURE: Phase = { kind: 'measure' };
const READBACK: Phase = { kind: 'readback' };
const DONE: Phase = { kind: 'done' };

/** What a slot's request is doing. */
const SlotOp = { read: 0, write: 1, flush: 2 } as const;

/** Default working set cap: min(capacity, 64 MiB). */
export const DEFAULT_WORKING_SET_BYTES = 64 * 1024 * 1024;

/** Prefill requests carry up to this many sectors (128 KiB), fewer if the port's limit is lower. */
const PREFILL_MAX_SECTORS = 256;
/** Guest memory all prefill buffers together may take (deep queues get smaller prefill requests). */
const PREFILL_BUDGET_BYTES = 32 * 1024 * 1024;

/** Salt so the workload's op stream differs from other consumers of the same run seed. */
const OFFSET_STREAM_SALT = 0x6b1f_0c5e;

export class BlockJob implements LoadTarget {
  private readonly port: BlockPort;
  private readonly bs: number;
  private readonly sectorsPerBlock: number;
  private readonly blocks: number;
  /** Sectors per prefill request: a multiple of the block, within the port's request limit. */
  private readonly prefillSectors: number;
  private readonly prefillThroughPort: boolean;
  private readonly iodepth: number;
  private readonly rwmixread: number;
  private readonly flushEvery: number;
  private readonly rng: Rng;
  private readonly seed: number;

  private readonly requests: BlockRequest[] = [];
  private readonly slotOp: Uint8Array;
  private readonly slotBlock: Float64Array;
  /** Generation a slot's read must find. */
  private readonly slotGeneration: Uint32Array;
  /** Per-block generation last written; 0 = the prefill pattern (or never written). */
  private readonly generation: Uint32Array;
  /** Per-block "a write is in flight" and count of reads in flight. */
  private readonly writing: Uint8Array;
  private readonly readers: Uint16Array;
  private readonly expected: Uint8Array;
  private readonly expectedWords: Uint32Array;
  private readonly check: BlockCheck;
  private readonly onDone: (req: BlockRequest) => void;

  private phase: Phase = DONE;
  private driver: LoadDriver | undefined;
  /** Next block for sequential access and read-back scans. */
  private cursor = 0;
  private writtenBlocks = 0;
  private verifiedReads = 0;
  private reads = 0;
  private writes = 0;
  private flushes = 0;
  /** verify=0 skips the data checks of the measured phase (simulator-speed runs). */
  private readonly checkData: boolean;
  private stopped = false;

  constructor(
    private readonly ctx: WorkloadContext<'block'>,
    private readonly mode: BlockJobMode,
  ) {
    const port = ctx.port;
    this.port = port;
    const p = ctx.params;
    this.bs = param(p, 'bs');
    this.checkData = param(p, 'verify') === 1;
    this.rwmixread = mode.ops === 'mixed' ? param(p, 'rwmixread') : mode.ops === 'read' ? 100 : 0;
    this.flushEvery = mode.ops === 'read' ? 0 : param(p, 'flush');
    this.prefillThroughPort = this.hasReads() && param(p, 'prefill') === 1;
    this.iodepth = ctx.knobs.iodepth;
    this.seed = ctx.seed;
    this.sectorsPerBlock = this.bs / SECTOR_SIZE;
    const capacityBytes = port.info.capacitySectors * SECTOR_SIZE;
    const sizeParam = param(p, 'size');
    const size = sizeParam === 0 ? Math.min(capacityBytes, DEFAULT_WORKING_SET_BYTES) : sizeParam;
    this.blocks = Math.floor(size / this.bs);
    this.checkConfig(size, capacityBytes);

    const perRequest = Math.min(
      PREFILL_MAX_SECTORS,
      port.info.maxSectorsPerRequest,
      Math.floor(PREFILL_BUDGET_BYTES / this.iodepth / SECTOR_SIZE),
    );
    this.prefillSectors = Math.max(1, Math.floor(perRequest / this.sectorsPerBlock)) * this.sectorsPerBlock;
    const slotBytes = Math.max(this.bs, this.prefillThroughPort ? this.prefillSectors * SECTOR_SIZE : 0);
    this.rng = new Rng((this.seed ^ OFFSET_STREAM_SALT) >>> 0);
    this.slotOp = new Uint8Array(this.iodepth);
    this.slotBlock = new Float64Array(this.iodepth);
    this.slotGeneration = new Uint32Array(this.iodepth);
    this.generation = new Uint32Array(this.hasWrites() ? this.blocks : 0);
    this.writing = new Uint8Array(this.blocks);
    this.readers = new Uint16Array(this.blocks);
    this.expected = new Uint8Array(Math.max(slotBytes, PREFILL_MAX_SECTORS * SECTOR_SIZE));
    this.expectedWords = new Uint32Array(this.expected.buffer);
    this.check = new BlockCheck(ctx.guest.mem, this.bs, this.seed);
    for (let slot = 0; slot < this.iodepth; slot++) {
      const addr = ctx.guest.alloc.alloc(slotBytes, 4096);
      this.requests.push({ op: 'read', sector: 0, sectors: this.sectorsPerBlock, addr, status: 'ok', tag: slot });
    }
    this.onDone = (req) => this.complete(req);
  }

  private hasReads(): boolean {
    return this.mode.ops !== 'write';
  }

  private hasWrites(): boolean {
    return this.mode.ops !== 'read';
  }

  private checkConfig(size: number, capacityBytes: number): void {
    const info = this.port.info;
    const unsupported = (cond: boolean, message: string): void => {
      if (!cond) throw new WorkloadUnsupported(message);
    };
    const need = (cond: boolean, message: string): void => {
      if (!cond) throw new Error(message);
    };
    unsupported(
      this.iodepth <= info.maxInflight,
      `iodepth ${this.iodepth} exceeds the port's maximum of ${info.maxInflight} requests in flight`,
    );
    unsupported(
      this.sectorsPerBlock <= info.maxSectorsPerRequest,
      `bs ${this.bs} exceeds the port's maximum request of ${info.maxSectorsPerRequest} sectors`,
    );
    unsupported(this.flushEvery === 0 || info.supports.has('flush'), 'flush requested but the port has no flush');
    need(size <= capacityBytes, `size ${size} exceeds the device capacity of ${capacityBytes} bytes`);
    need(this.blocks >= 1, `size ${size} holds no block of bs ${this.bs}`);
    // Reads need a prefill write and writes a read-back: both directions are always used.
    need(info.supports.has('read') && info.supports.has('write'), 'verification needs a port that reads and writes');
    need(!info.readOnly, 'the device is read-only: the workload must write its pattern');
    need(
      !this.hasWrites() || this.blocks >= this.iodepth,
      `size ${size} holds ${this.blocks} blocks of ${this.bs}: fewer than iodepth ${this.iodepth}`,
    );
  }

  start(): void {
    this.ctx.note('blocks', this.blocks);
    if (!this.hasReads()) this.enter(MEASURE);
    else if (this.prefillThroughPort) this.enter(PREFILL);
    else {
      this.preloadDirect();
      this.enter(MEASURE);
    }
  }

  /** Generation 0 of the working set straight into the store, one 128 KiB chunk at a time. */
  private preloadDirect(): void {
    const total = this.blocks * this.sectorsPerBlock;
    for (let sector = 0; sector < total; sector += PREFILL_MAX_SECTORS) {
      const n = Math.min(PREFILL_MAX_SECTORS, total - sector);
      fillPattern(this.expectedWords, this.seed, sector, n, 0);
      this.ctx.probe.preload(sector, this.expected, 0, n * SECTOR_SIZE);
    }
  }

  private enter(phase: Phase): void {
    this.phase = phase;
    this.cursor = 0;
    const sched = this.ctx.guest.sched;
    switch (phase.kind) {
      case 'prefill': {
        const requests = Math.ceil((this.blocks * this.sectorsPerBlock) / this.prefillSectors);
        this.driver = new LoadDriver(sched, sweep(this.iodepth, requests), this, undefined, this.seed);
        break;
      }
      case 'measure':
        this.driver = new LoadDriver(sched, loadPlan(this.ctx.params, this.iodepth), this, this.ctx.latency, this.seed);
        this.ctx.measured.begin();
        break;
      case 'readback':
        if (this.writtenBlocks === 0) {
          this.enter(DONE);
          return;
        }
        this.driver = new LoadDriver(sched, sweep(this.iodepth, this.writtenBlocks), this, undefined, this.seed);
        break;
      case 'done':
        this.ctx.note('verifiedReads', this.verifiedReads);
        this.ctx.finish();
        return;
    }
    this.driver.start();
  }

  /** LoadTarget: the current phase's driver ran everything it was asked to. */
  drained(ops: number): void {
    if (this.stopped) return;
    switch (this.phase.kind) {
      case 'prefill':
        this.enter(MEASURE);
        return;
      case 'measure':
        this.ctx.measured.end(ops, ops * this.bs);
        this.ctx.note('reads', this.reads);
        this.ctx.note('writes', this.writes);
        if (this.flushEvery > 0) this.ctx.note('flushes', this.flushes);
        this.enter(this.hasWrites() ? READBACK : DONE);
        return;
      case 'readback':
        this.enter(DONE);
        return;
      case 'done':
        return;
    }
  }

  /** LoadTarget: start operation `sequence` of the current phase in `slot`. */
  issue(slot: number, sequence: number): void {
    const req = this.requests[slot] as BlockRequest;
    req.status = 'ok';
    switch (this.phase.kind) {
      case 'prefill': {
        req.sector = sequence * this.prefillSectors;
        req.sectors = Math.min(this.prefillSectors, this.blocks * this.sectorsPerBlock - req.sector);
        this.slotOp[slot] = SlotOp.write;
        this.writePattern(req, 0);
        break;
      }
      case 'measure': {
        const write = this.rwmixread === 0 || (this.rwmixread < 100 && this.rng.below(100) >= this.rwmixread);
        const block = this.pickBlock(write);
        this.slotBlock[slot] = block;
        req.sector = block * this.sectorsPerBlock;
        req.sectors = this.sectorsPerBlock;
        if (write) {
          const g = this.generation;
          const gen = (g[block] = (g[block] as number) + 1);
          if (gen === 1) this.writtenBlocks++;
          this.writing[block] = 1;
          this.slotOp[slot] = SlotOp.write;
          this.writePattern(req, gen);
        } else {
          this.readers[block] = (this.readers[block] as number) + 1;
          this.slotGeneration[slot] = this.hasWrites() ? (this.generation[block] as number) : 0;
          this.slotOp[slot] = SlotOp.read;
          req.op = 'read';
        }
        break;
      }
      case 'readback': {
        const g = this.generation;
        while (g[this.cursor] === 0) this.cursor++;
        const block = this.cursor++;
        this.slotBlock[slot] = block;
        this.slotGeneration[slot] = g[block] as number;
        this.slotOp[slot] = SlotOp.read;
        req.sector = block * this.sectorsPerBlock;
        req.sectors = this.sectorsPerBlock;
        req.op = 'read';
        break;
      }
      case 'done':
        return;
    }
    this.port.submit(req, this.onDone);
  }

  private writePattern(req: BlockRequest, generation: number): void {
    fillPattern(this.expectedWords, this.seed, req.sector, req.sectors, generation);
    this.ctx.guest.mem.store(req.addr, this.expected, 0, req.sectors * SECTOR_SIZE);
    req.op = 'write';
  }

  /** A block not in conflict with requests in flight: writes need it idle, reads need no writer. */
  private pickBlock(write: boolean): number {
    const blocks = this.blocks;
    if (this.mode.random) {
      let b = this.rng.below(blocks);
      while (this.busy(b, write)) b = this.rng.below(blocks);
      return b;
    }
    let b = this.cursor % blocks;
    while (this.busy(b, write)) b = ++this.cursor % blocks;
    this.cursor++;
    return b;
  }

  private busy(block: number, write: boolean): boolean {
    return this.writing[block] === 1 || (write && this.readers[block] !== 0);
  }

  private complete(req: BlockRequest): void {
    if (this.stopped) return;
    const driver = this.driver as LoadDriver;
    const slot = req.tag;
    if (req.status !== 'ok') {
      this.stop(new Error(`block ${req.op} of ${req.sectors} sectors at sector ${req.sector} failed: ${req.status}`));
      return;
    }
    const op = this.slotOp[slot];
    const phase = this.phase.kind;
    if (phase !== 'measure') {
      if (op === SlotOp.read && !this.verify(req, this.slotGeneration[slot] as number)) return;
      driver.release(slot);
      return;
    }
    if (op === SlotOp.flush) {
      this.flushes++;
      driver.release(slot);
      return;
    }
    driver.record(slot);
    const block = this.slotBlock[slot] as number;
    if (op === SlotOp.read) {
      if (this.checkData && !this.verify(req, this.slotGeneration[slot] as number)) return;
      this.readers[block] = (this.readers[block] as number) - 1;
      this.reads++;
    } else {
      this.writing[block] = 0;
      this.writes++;
      if (this.flushEvery > 0 && this.writes % this.flushEvery === 0) {
        // The slot stays taken until the flush, which covers every write completed so far, is done.
        this.slotOp[slot] = SlotOp.flush;
        req.op = 'flush';
        req.sectors = 0;
        this.port.submit(req, this.onDone);
        return;
      }
    }
    driver.release(slot);
  }

  /** Check the slot buffer of a completed read against pattern (seed, sector, gen). */
  private verify(req: BlockRequest, gen: number): boolean {
    const problem = this.check.mismatch(req.addr, req.sector, gen, this.phase.kind);
    if (problem !== undefined) {
      this.stop(new VerificationError(problem));
      return false;
    }
    this.verifiedReads++;
    return true;
  }

  private stop(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.driver?.stop();
    this.phase = DONE;
    this.ctx.fail(error);
  }
}

/** An unmeasured closed-loop pass of `requests` requests at `depth`. */
function sweep(depth: number, requests: number) {
  return { depth, ops: requests, durationNs: 0, ratePerSec: 0 };
}
