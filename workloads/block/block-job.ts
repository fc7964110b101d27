/**
 * The fio-style block job behind randread / randwrite / read / write: a closed loop that
 * keeps exactly `iodepth` requests in flight (fewer only while draining), with every
 * byte verified against the deterministic pattern (pattern.ts).
 *
 * Phases (a discriminated union, not flags):
 * - `prefill`  (reads only, not measured): write generation 0 of the whole working set;
 * - `measure`: `ops` requests at seeded offsets aligned to `bs`; reads are checked as they complete;
 * - `readback` (writes only, not measured): read every written block and check its last generation.
 *
 * Per-slot buffers, requests and scratch are allocated once at start; the hot path allocates nothing.
 */
import type { BlockPort, BlockRequest } from '../../models/platform/ports.js';
import { SECTOR_SIZE } from '../../models/platform/ports.js';
import { Rng } from '../../models/platform/rng.js';
import { checkPattern, fillPattern, hexAround } from '../pattern.js';
import { param, VerificationError, type WorkloadContext } from '../workload.js';

export interface BlockJobMode {
  readonly write: boolean;
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

/** Default working set cap (brief: min(capacity, 64 MiB)). */
export const DEFAULT_WORKING_SET_BYTES = 64 * 1024 * 1024;

/** Prefill requests carry up to this many sectors (128 KiB), fewer if the port's limit is lower. */
const PREFILL_MAX_SECTORS = 256;
/** Guest memory all prefill buffers together may take (deep queues get smaller prefill requests). */
const PREFILL_BUDGET_BYTES = 32 * 1024 * 1024;

/** Salt so the workload's op stream differs from other consumers of the same run seed. */
const OFFSET_STREAM_SALT = 0x6b1f_0c5e;

export class BlockJob {
  private readonly port: BlockPort;
  private readonly bs: number;
  private readonly sectorsPerBlock: number;
  private readonly blocks: number;
  /** Sectors per prefill request: a multiple of the block, within the port's request limit. */
  private readonly prefillSectors: number;
  private readonly ops: number;
  private readonly iodepth: number;
  private readonly rng: Rng;
  private readonly seed: number;

  private readonly requests: BlockRequest[] = [];
  private readonly submittedAt: Float64Array;
  /** Block index each slot is working on. */
  private readonly slotBlock: Float64Array;
  /** Per-block generation last written (writes) — 0 means never written in this run. */
  private readonly generation: Uint32Array;
  /** Per-block "a write is in flight" marks, so two writes to one block never race. */
  private readonly busy: Uint8Array;
  private readonly expected: Uint8Array;
  private readonly expectedWords: Uint32Array;
  private readonly actualWords: Uint32Array;
  private readonly actual: Uint8Array;
  private readonly onDone: (req: BlockRequest) => void;

  private phase: Phase = DONE;
  private target = 0;
  private issued = 0;
  private completed = 0;
  /** Next block for sequential access, prefill and read-back scans. */
  private cursor = 0;
  private writtenBlocks = 0;
  private verifiedReads = 0;
  /** verify=0 skips the data checks of the measured phase (simulator-speed runs). */
  private readonly checkData: boolean;
  private stopped = false;

  constructor(
    private readonly ctx: WorkloadContext<'block'>,
    private readonly mode: BlockJobMode,
  ) {
    const port = ctx.port;
    this.port = port;
    this.bs = param(ctx.params, 'bs');
    this.ops = param(ctx.params, 'ops');
    this.checkData = param(ctx.params, 'verify') === 1;
    this.iodepth = ctx.knobs.iodepth;
    this.seed = ctx.seed;
    this.sectorsPerBlock = this.bs / SECTOR_SIZE;
    const capacityBytes = port.info.capacitySectors * SECTOR_SIZE;
    const sizeParam = param(ctx.params, 'size');
    const size = sizeParam === 0 ? Math.min(capacityBytes, DEFAULT_WORKING_SET_BYTES) : sizeParam;
    this.blocks = Math.floor(size / this.bs);
    this.checkConfig(size, capacityBytes);

    const perRequest = Math.min(
      PREFILL_MAX_SECTORS,
      port.info.maxSectorsPerRequest,
      Math.floor(PREFILL_BUDGET_BYTES / this.iodepth / SECTOR_SIZE),
    );
    this.prefillSectors = Math.max(1, Math.floor(perRequest / this.sectorsPerBlock)) * this.sectorsPerBlock;
    const bufferBytes = Math.max(this.bs, mode.write ? 0 : this.prefillSectors * SECTOR_SIZE);
    this.rng = new Rng((this.seed ^ OFFSET_STREAM_SALT) >>> 0);
    this.submittedAt = new Float64Array(this.iodepth);
    this.slotBlock = new Float64Array(this.iodepth);
    this.generation = new Uint32Array(mode.write ? this.blocks : 0);
    this.busy = new Uint8Array(this.blocks);
    this.expected = new Uint8Array(bufferBytes);
    this.expectedWords = new Uint32Array(this.expected.buffer);
    this.actual = new Uint8Array(this.bs);
    this.actualWords = new Uint32Array(this.actual.buffer);
    for (let slot = 0; slot < this.iodepth; slot++) {
      const addr = ctx.guest.alloc.alloc(bufferBytes, 4096);
      this.requests.push({ op: 'read', sector: 0, sectors: this.sectorsPerBlock, addr, status: 'ok', tag: slot });
    }
    this.onDone = (req) => this.complete(req);
  }

  private checkConfig(size: number, capacityBytes: number): void {
    const info = this.port.info;
    const need = (cond: boolean, message: string): void => {
      if (!cond) throw new Error(message);
    };
    need(this.iodepth >= 1, `iodepth ${this.iodepth} must be ≥ 1`);
    need(
      this.iodepth <= info.maxInflight,
      `iodepth ${this.iodepth} exceeds the port's maximum of ${info.maxInflight} requests in flight`,
    );
    need(
      this.sectorsPerBlock <= info.maxSectorsPerRequest,
      `bs ${this.bs} exceeds the port's maximum request of ${info.maxSectorsPerRequest} sectors`,
    );
    need(size <= capacityBytes, `size ${size} exceeds the device capacity of ${capacityBytes} bytes`);
    need(this.blocks >= 1, `size ${size} holds no block of bs ${this.bs}`);
    // Reads need a prefill write and writes a read-back: both directions are always used.
    need(info.supports.has('read') && info.supports.has('write'), 'verification needs a port that reads and writes');
    need(!info.readOnly, 'the device is read-only: the workload must write its pattern');
    need(
      !this.mode.write || this.blocks >= this.iodepth,
      `size ${size} holds ${this.blocks} blocks of ${this.bs}: fewer than iodepth ${this.iodepth}`,
    );
  }

  start(): void {
    this.ctx.note('blocks', this.blocks);
    this.enter(this.mode.write ? MEASURE : PREFILL);
  }

  private enter(phase: Phase): void {
    this.phase = phase;
    this.issued = 0;
    this.completed = 0;
    this.cursor = 0;
    switch (phase.kind) {
      case 'prefill':
        this.target = Math.ceil((this.blocks * this.sectorsPerBlock) / this.prefillSectors);
        break;
      case 'measure':
        this.target = this.ops;
        this.ctx.measured.begin();
        break;
      case 'readback':
        this.target = this.writtenBlocks;
        break;
      case 'done':
        this.ctx.note('verifiedReads', this.verifiedReads);
        this.ctx.finish();
        return;
    }
    if (this.target === 0) {
      this.leave();
      return;
    }
    const first = Math.min(this.iodepth, this.target);
    for (let slot = 0; slot < first && !this.stopped; slot++) this.issue(slot);
  }

  private leave(): void {
    switch (this.phase.kind) {
      case 'prefill':
        this.enter(MEASURE);
        return;
      case 'measure':
        this.ctx.measured.end(this.ops, this.ops * this.bs);
        this.enter(this.mode.write ? READBACK : DONE);
        return;
      case 'readback':
        this.enter(DONE);
        return;
      case 'done':
        return;
    }
  }

  private issue(slot: number): void {
    const req = this.requests[slot] as BlockRequest;
    req.status = 'ok';
    if (this.phase.kind === 'prefill') {
      const totalSectors = this.blocks * this.sectorsPerBlock;
      req.sector = this.cursor * this.prefillSectors;
      req.sectors = Math.min(this.prefillSectors, totalSectors - req.sector);
      this.cursor++;
    } else {
      const block = this.pickBlock();
      this.slotBlock[slot] = block;
      req.sector = block * this.sectorsPerBlock;
      req.sectors = this.sectorsPerBlock;
    }
    const writing = this.phase.kind === 'prefill' || (this.phase.kind === 'measure' && this.mode.write);
    if (writing) {
      let gen = 0;
      if (this.phase.kind === 'measure') {
        const g = this.generation;
        const block = this.slotBlock[slot] as number;
        if (g[block] === 0) this.writtenBlocks++;
        gen = g[block] = (g[block] as number) + 1;
        this.busy[block] = 1;
      }
      fillPattern(this.expectedWords, this.seed, req.sector, req.sectors, gen);
      this.ctx.guest.mem.store(req.addr, this.expected, 0, req.sectors * SECTOR_SIZE);
      req.op = 'write';
    } else {
      req.op = 'read';
    }
    this.issued++;
    this.submittedAt[slot] = this.ctx.guest.sched.now();
    this.port.submit(req, this.onDone);
  }

  /** The block for the next request of the current phase. */
  private pickBlock(): number {
    switch (this.phase.kind) {
      case 'readback': {
        const g = this.generation;
        while (g[this.cursor] === 0) this.cursor++;
        return this.cursor++;
      }
      default: {
        if (this.mode.random) {
          let b = this.rng.below(this.blocks);
          while (this.busy[b] === 1) b = this.rng.below(this.blocks);
          return b;
        }
        let b = this.cursor % this.blocks;
        while (this.busy[b] === 1) b = ++this.cursor % this.blocks;
        this.cursor++;
        return b;
      }
    }
  }

  private complete(req: BlockRequest): void {
    if (this.stopped) return;
    const slot = req.tag;
    const block = this.slotBlock[slot] as number;
    if (req.status !== 'ok') {
      this.stop(new Error(`block ${req.op} of ${req.sectors} sectors at sector ${req.sector} failed: ${req.status}`));
      return;
    }
    const phase = this.phase.kind;
    if (phase === 'measure') {
      this.ctx.latency.record(this.ctx.guest.sched.now() - (this.submittedAt[slot] as number));
      if (this.mode.write) this.busy[block] = 0;
    }
    if (req.op === 'read' && (this.checkData || phase !== 'measure')) {
      const gen = this.mode.write ? (this.generation[block] as number) : 0;
      if (!this.verify(req, gen)) return;
    }
    this.completed++;
    if (this.issued < this.target) this.issue(slot);
    else if (this.completed === this.target) this.leave();
  }

  /** Check the slot buffer of a completed read against pattern (seed, sector, gen). */
  private verify(req: BlockRequest, gen: number): boolean {
    this.ctx.guest.mem.load(req.addr, this.bs, this.actual, 0);
    const word = checkPattern(this.actualWords, this.seed, req.sector, this.sectorsPerBlock, gen);
    if (word >= 0) {
      // Regenerate the expected bytes only to name the first differing byte.
      fillPattern(this.expectedWords, this.seed, req.sector, this.sectorsPerBlock, gen);
      const a = this.actual;
      const e = this.expected;
      let i = word * 4;
      while (i < word * 4 + 3 && a[i] === e[i]) i++;
      const sector = req.sector + Math.floor(i / SECTOR_SIZE);
      const at = i % SECTOR_SIZE;
      this.stop(
        new VerificationError(
          `data mismatch reading sector ${sector} byte ${at} (generation ${gen}, ${this.phase.kind} phase): ` +
            `expected 0x${(e[i] as number).toString(16).padStart(2, '0')} got 0x${(a[i] as number).toString(16).padStart(2, '0')}` +
            ` [expected ${hexAround(e, i)} | actual ${hexAround(a, i)}]`,
        ),
      );
      return false;
    }
    this.verifiedReads++;
    return true;
  }

  private stop(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.phase = DONE;
    this.ctx.fail(error);
  }
}
