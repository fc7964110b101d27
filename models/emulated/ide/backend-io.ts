/**
 * Requests the drive hands to the reference BlockBackend. A slot is preallocated with its own
 * bounce buffer (PIO data, as QEMU's buffered reads use a private buffer; the drive swaps it
 * with its PIO buffer at block boundaries instead of copying) and its own segment
 * array (DMA scatter list, one entry per PRD). A slot still held by the backend after a reset
 * is never reused: the next request takes another (allocated only in that rare case), so the
 * hot path allocates nothing.
 */
import type { BackendBlockRequest, BlockBackend, Segment } from '../../platform/backend-api.js';
import type { BlockOp } from '../../platform/ports.js';
import { MAX_MULTIPLE_SECTORS, Prd, SECTOR_BYTES } from './registers.js';

/** What a completion continues. */
export type IoPurpose = 'pio-read' | 'pio-write' | 'dma' | 'flush';

const EMPTY = new Uint8Array(0);

export class IoSlot {
  /** PIO data of the request; exchanged with the drive's PIO buffer rather than copied. */
  bounce: Uint8Array = new Uint8Array(MAX_MULTIPLE_SECTORS * SECTOR_BYTES);
  readonly req: BackendBlockRequest;
  /** Held by the backend until its completion runs. */
  pending = false;
  purpose: IoPurpose = 'flush';
  /** The drive's reset epoch at submit: a completion from an older epoch is dropped. */
  epoch = 0;
  /** First sector and count of the transfer (kept so a completion never re-reads the taskfile). */
  sector = 0;
  sectors = 0;
  /** DMA: bytes the PRDs described (more than the transfer = ACTIVE stays set). */
  describedBytes = 0;
  /** DMA: the bus master's START generation at submit. */
  startGeneration = 0;
  readonly complete: (req: BackendBlockRequest) => void;

  constructor(onComplete: (slot: IoSlot) => void) {
    const iov: Segment[] = [];
    for (let i = 0; i < Prd.maxEntries; i++) iov.push({ bytes: EMPTY, offset: 0, length: 0 });
    this.req = { op: 'read', sector: 0, sectors: 0, iov, iovCount: 0, status: 'ok' };
    this.complete = () => {
      this.pending = false;
      onComplete(this);
    };
  }

  /** Point the request at the bounce buffer (PIO) for `sectors` sectors. */
  useBounce(op: BlockOp, sector: number, sectors: number): void {
    const seg = this.req.iov[0] as Segment;
    seg.bytes = this.bounce;
    seg.offset = 0;
    seg.length = sectors * SECTOR_BYTES;
    this.setRequest(op, sector, sectors, sectors === 0 ? 0 : 1);
  }

  setRequest(op: BlockOp, sector: number, sectors: number, iovCount: number): void {
    const r = this.req;
    r.op = op;
    r.sector = sector;
    r.sectors = sectors;
    r.iovCount = iovCount;
    r.status = 'ok';
    this.sector = sector;
    this.sectors = sectors;
  }
}

export class BackendLink {
  private readonly slots: IoSlot[];

  constructor(
    private readonly backend: BlockBackend,
    private readonly onComplete: (slot: IoSlot) => void,
  ) {
    this.slots = [new IoSlot(onComplete)];
  }

  /** A slot the backend does not hold. */
  acquire(): IoSlot {
    for (const s of this.slots) if (!s.pending) return s;
    const s = new IoSlot(this.onComplete);
    this.slots.push(s);
    return s;
  }

  submit(slot: IoSlot): void {
    slot.pending = true;
    this.backend.submit(slot.req, slot.complete);
  }

  /** Slots ever allocated (diagnostics: > 1 only after a reset orphaned a request). */
  get slotCount(): number {
    return this.slots.length;
  }
}
