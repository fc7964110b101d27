/**
 * Per-request device state of virtio-blk, one per ring slot (indexed by chain head) and reused:
 * it is itself the backend request, so the backend's completion hands it straight back with
 * no lookup and no allocation. Buffers grow only when a request needs more than any before it.
 */
import type { BackendBlockRequest, Segment } from '../../platform/backend-api.js';
import type { BlockOp, IoStatus } from '../../platform/ports.js';

export class BlkRequestSlot implements BackendBlockRequest {
  op: BlockOp = 'read';
  sector = 0;
  sectors = 0;
  readonly iov: Segment[] = [];
  iovCount = 0;
  status: IoStatus = 'ok';

  /** Chain head to return in the used ring. */
  head = 0;
  /** Device epoch at submission: a completion from an older epoch (reset since) is dropped (V4, H24). */
  epoch = 0;
  /** True while the backend holds this request: the slot cannot be reused until it comes back. */
  pending = false;
  /** Guest address of the status byte (the last writable byte of the chain). */
  statusAddr = 0;
  /** Data bytes the device writes to the guest on success (IN, GET_ID). */
  dataIn = 0;

  /** Guest pieces of the data part, in order (copy mode copies back through them). */
  pieceAddr = new Float64Array(4);
  pieceLen = new Uint32Array(4);
  pieceCount = 0;

  /** Copy-mode bounce buffer. */
  bounce: Uint8Array = new Uint8Array(0);

  addPiece(addr: number, len: number): void {
    const n = this.pieceCount;
    if (n === this.pieceAddr.length) {
      const a = new Float64Array(n * 2);
      a.set(this.pieceAddr);
      this.pieceAddr = a;
      const l = new Uint32Array(n * 2);
      l.set(this.pieceLen);
      this.pieceLen = l;
    }
    this.pieceAddr[n] = addr;
    this.pieceLen[n] = len;
    this.pieceCount = n + 1;
  }

  /** Point iov entry `i` at `bytes[offset, offset+length)`, creating the entry the first time. */
  setIov(i: number, bytes: Uint8Array, offset: number, length: number): void {
    const seg = this.iov[i];
    if (seg === undefined) {
      this.iov.push({ bytes, offset, length });
      return;
    }
    seg.bytes = bytes;
    seg.offset = offset;
    seg.length = length;
  }
}
