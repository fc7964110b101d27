/**
 * Walking the byte streams of a popped virtio-blk chain: the readable part (header, then OUT data or a
 * discard segment) and the writable part (IN / GET_ID data, then the status byte), whatever the
 * descriptor boundaries (virtio 1.x drivers may split headers and data freely; §2.7.4 "Message Framing").
 */
import type { DirectGuestMemory } from '../../platform/memory.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';
import type { BlkRequestSlot } from './request-slot.js';

/** Copy `into.length` bytes starting `skip` bytes into the readable part (a metered, private copy: H21). */
export function gatherReadable(mem: DirectGuestMemory, chain: DescriptorChain, skip: number, into: Uint8Array): void {
  let want = into.length;
  let at = 0;
  let pos = 0;
  for (let i = 0; i < chain.readableCount && want > 0; i++) {
    const len = chain.len[i] as number;
    if (pos + len > skip) {
      const from = Math.max(0, skip - pos);
      const n = Math.min(len - from, want);
      mem.read((chain.addr[i] as number) + from, n, into, at);
      at += n;
      want -= n;
    }
    pos += len;
  }
}

/** Record in `slot` the guest pieces covering [skip, skip + bytes) of the readable part. */
export function collectReadable(chain: DescriptorChain, slot: BlkRequestSlot, skip: number, bytes: number): void {
  slot.pieceCount = 0;
  let want = bytes;
  let pos = 0;
  for (let i = 0; i < chain.readableCount && want > 0; i++) {
    const len = chain.len[i] as number;
    if (pos + len > skip) {
      const from = Math.max(0, skip - pos);
      const n = Math.min(len - from, want);
      slot.addPiece((chain.addr[i] as number) + from, n);
      want -= n;
    }
    pos += len;
  }
}

/** Record in `slot` the guest pieces covering the first `bytes` of the writable part (the caller leaves out the status byte). */
export function collectWritable(chain: DescriptorChain, slot: BlkRequestSlot, bytes: number): void {
  slot.pieceCount = 0;
  let want = bytes;
  for (let i = chain.readableCount; i < chain.count && want > 0; i++) {
    const n = Math.min(chain.len[i] as number, want);
    slot.addPiece(chain.addr[i] as number, n);
    want -= n;
  }
}
