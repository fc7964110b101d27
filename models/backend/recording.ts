/**
 * Recording wrappers: a compact trace of what reached the backend, hashed so two runs can
 * be compared by digest. The same seeded workload must leave the same backend trace under
 * every model — a cross-model correctness check. Completion order may legitimately differ
 * between models at depth > 1, so each digest comes ordered and order-insensitive.
 */
import type {
  BackendBlockRequest,
  BlockBackend,
  ByteReceiver,
  ConsoleBackend,
  FrameReceiver,
  NetBackend,
} from '../platform/backend-api.js';
import type { BlockOp, IoStatus } from '../platform/ports.js';
import { type Digest, FNV, fnvByte, fnvBytes, fnvU32, fnvU53, TraceDigest } from './hash.js';

const BLOCK_OPS: readonly BlockOp[] = ['read', 'write', 'flush', 'discard', 'write-zeroes', 'get-id'];
const STATUSES: readonly IoStatus[] = ['ok', 'ioerr', 'unsupported'];
const UNKNOWN_CODE = 255;
const GET_ID_BYTES = 20;

export interface BlockTraceEntry {
  op: BlockOp | 'unknown';
  sector: number;
  sectors: number;
  status: IoStatus | 'unknown';
  /** FNV-1a of the data moved (read/write data, get-id bytes); the FNV offset basis when none. */
  dataHash: number;
}

export interface RecordingOptions {
  /** Entries kept for `trace()`; the digest covers every request regardless. Default 2^20. */
  maxEntries?: number;
}

/** Grow-by-doubling columns: recording allocates only when the trace doubles. */
class BlockColumns {
  length = 0;
  ops = new Uint8Array(64);
  statuses = new Uint8Array(64);
  sectors = new Float64Array(64);
  counts = new Float64Array(64);
  hashes = new Uint32Array(64);

  push(op: number, sector: number, sectors: number, status: number, hash: number): void {
    if (this.length === this.ops.length) this.grow();
    const i = this.length++;
    this.ops[i] = op;
    this.sectors[i] = sector;
    this.counts[i] = sectors;
    this.statuses[i] = status;
    this.hashes[i] = hash;
  }

  private grow(): void {
    const n = this.ops.length * 2;
    const widen = <T extends Uint8Array | Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.ops = widen(this.ops, (k) => new Uint8Array(k));
    this.statuses = widen(this.statuses, (k) => new Uint8Array(k));
    this.sectors = widen(this.sectors, (k) => new Float64Array(k));
    this.counts = widen(this.counts, (k) => new Float64Array(k));
    this.hashes = widen(this.hashes, (k) => new Uint32Array(k));
  }
}

type BlockDone = (req: BackendBlockRequest) => void;

/** Routes one inner completion back to the caller's `done`; bound once, recycled. */
class PendingBlock {
  done: BlockDone | undefined;

  constructor(private readonly owner: RecordingBlockBackend) {}

  readonly onDone = (req: BackendBlockRequest): void => {
    const done = this.done!;
    this.done = undefined;
    this.owner.completed(req, this);
    done(req);
  };
}

export class RecordingBlockBackend implements BlockBackend {
  private readonly columns = new BlockColumns();
  private readonly digestState = new TraceDigest();
  private readonly maxEntries: number;
  private readonly spare: PendingBlock[] = [];
  /** Requests recorded beyond `maxEntries` (digested, not kept). */
  truncated = 0;

  constructor(
    readonly inner: BlockBackend,
    opts: RecordingOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 1 << 20;
  }

  get capacitySectors(): number {
    return this.inner.capacitySectors;
  }

  get readOnly(): boolean {
    return this.inner.readOnly;
  }

  get serial(): string {
    return this.inner.serial;
  }

  submit(req: BackendBlockRequest, done: BlockDone): void {
    const p = this.spare.pop() ?? new PendingBlock(this);
    p.done = done;
    this.inner.submit(req, p.onDone);
  }

  /** @internal Called by a PendingBlock when the inner backend completes. */
  completed(req: BackendBlockRequest, pending: PendingBlock): void {
    this.spare.push(pending);
    const op = BLOCK_OPS.indexOf(req.op);
    const status = STATUSES.indexOf(req.status);
    const opCode = op < 0 ? UNKNOWN_CODE : op;
    const statusCode = status < 0 ? UNKNOWN_CODE : status;
    const dataHash = req.status === 'ok' ? hashMovedData(req) : FNV.offsetBasis;
    let h = fnvByte(FNV.offsetBasis, opCode);
    h = fnvU53(h, req.sector);
    h = fnvU53(h, req.sectors);
    h = fnvByte(h, statusCode);
    h = fnvU32(h, dataHash);
    this.digestState.add(h);
    if (this.columns.length < this.maxEntries) this.columns.push(opCode, req.sector, req.sectors, statusCode, dataHash);
    else this.truncated++;
  }

  trace(): BlockTraceEntry[] {
    const c = this.columns;
    const out: BlockTraceEntry[] = [];
    for (let i = 0; i < c.length; i++) {
      out.push({
        op: BLOCK_OPS[c.ops[i]!] ?? 'unknown',
        sector: c.sectors[i]!,
        sectors: c.counts[i]!,
        status: STATUSES[c.statuses[i]!] ?? 'unknown',
        dataHash: c.hashes[i]!,
      });
    }
    return out;
  }

  digest(): Digest {
    return this.digestState.snapshot();
  }
}

/** Hash of the bytes the request moved: read/write data, or the get-id answer. */
function hashMovedData(req: BackendBlockRequest): number {
  let h: number = FNV.offsetBasis;
  let budget: number;
  if (req.op === 'read' || req.op === 'write') budget = Number.POSITIVE_INFINITY;
  else if (req.op === 'get-id') budget = GET_ID_BYTES;
  else return h;
  for (let i = 0; i < req.iovCount && budget > 0; i++) {
    const seg = req.iov[i]!;
    const n = Math.min(seg.length, budget);
    h = fnvBytes(h, seg.bytes, seg.offset, n);
    budget -= n;
  }
  return h;
}

// ---- net -----------------------------------------------------------------------

export interface NetTraceEntry {
  direction: 'tx' | 'rx';
  length: number;
  hash: number;
}

/** Records frames from the guest (tx) and to the guest (rx), each direction digested apart. */
export class RecordingNetBackend implements NetBackend {
  /** (direction, length, hash) triples, grown by doubling. */
  private entries = new Uint32Array(3 * 64);
  private entryCount = 0;
  private readonly tx = new TraceDigest();
  private readonly rx = new TraceDigest();
  private readonly maxEntries: number;
  truncated = 0;

  constructor(
    readonly inner: NetBackend,
    opts: RecordingOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 1 << 20;
  }

  get guestMac(): Uint8Array {
    return this.inner.guestMac;
  }

  get mtu(): number {
    return this.inner.mtu;
  }

  setReceiver(rx: FrameReceiver): void {
    this.inner.setReceiver({
      canReceive: () => rx.canReceive(),
      receive: (bytes, offset, length) => {
        this.record('rx', bytes, offset, length);
        rx.receive(bytes, offset, length);
      },
    });
  }

  transmit(bytes: Uint8Array, offset: number, length: number): void {
    this.record('tx', bytes, offset, length);
    this.inner.transmit(bytes, offset, length);
  }

  canTransmit(): boolean {
    return this.inner.canTransmit();
  }

  setTransmitReady(ready: () => void): void {
    this.inner.setTransmitReady(ready);
  }

  rxReady(): void {
    this.inner.rxReady();
  }

  trace(): NetTraceEntry[] {
    const out: NetTraceEntry[] = [];
    for (let i = 0; i < this.entryCount; i++) {
      const e = this.entries;
      out.push({ direction: e[3 * i] === 0 ? 'tx' : 'rx', length: e[3 * i + 1]!, hash: e[3 * i + 2]! });
    }
    return out;
  }

  digest(): { tx: Digest; rx: Digest } {
    return { tx: this.tx.snapshot(), rx: this.rx.snapshot() };
  }

  private record(direction: 'tx' | 'rx', bytes: Uint8Array, offset: number, length: number): void {
    const hash = fnvBytes(FNV.offsetBasis, bytes, offset, length);
    (direction === 'tx' ? this.tx : this.rx).add(fnvU32(hash, length));
    if (this.entryCount >= this.maxEntries) {
      this.truncated++;
      return;
    }
    if (3 * this.entryCount === this.entries.length) {
      const wider = new Uint32Array(this.entries.length * 2);
      wider.set(this.entries);
      this.entries = wider;
    }
    const at = 3 * this.entryCount++;
    this.entries[at] = direction === 'tx' ? 0 : 1;
    this.entries[at + 1] = length;
    this.entries[at + 2] = hash;
  }
}

// ---- console -------------------------------------------------------------------

/** A byte stream's length and running FNV-1a: independent of how it was chunked into calls. */
export interface StreamDigest {
  bytes: number;
  hash: number;
}

export class RecordingConsoleBackend implements ConsoleBackend {
  private readonly out: StreamDigest = { bytes: 0, hash: FNV.offsetBasis };
  private readonly in: StreamDigest = { bytes: 0, hash: FNV.offsetBasis };

  constructor(readonly inner: ConsoleBackend) {}

  write(bytes: Uint8Array, offset: number, length: number): void {
    this.out.bytes += length;
    this.out.hash = fnvBytes(this.out.hash, bytes, offset, length);
    this.inner.write(bytes, offset, length);
  }

  setReceiver(rx: ByteReceiver): void {
    this.inner.setReceiver({
      room: () => rx.room(),
      receive: (bytes, offset, length) => {
        this.in.bytes += length;
        this.in.hash = fnvBytes(this.in.hash, bytes, offset, length);
        rx.receive(bytes, offset, length);
      },
    });
  }

  rxReady(): void {
    this.inner.rxReady();
  }

  digest(): { output: StreamDigest; input: StreamDigest } {
    return { output: { ...this.out }, input: { ...this.in } };
  }
}
