/**
 * Moving bytes across a popped descriptor chain, wherever its descriptors split them (virtio 1.x
 * drivers may split headers and data freely; virtio 1.2 §2.7.4 "Message Framing"). A chain's
 * readable part and its writable part are each one byte stream; a ChainCursor walks a range of one
 * of them as guest pieces. Each device owns its cursor: nothing is allocated per request.
 *
 * Copy modes (DESIGN §6; specs/virtio.md §8): `zerocopy` touches guest RAM in place, as QEMU and vhost
 * map it (metered as zeroCopy); `copy` goes through the metered `mem.read` / `mem.write`. Protocol
 * headers are always copied privately (H21), whatever the mode.
 */
import { copyBytes } from '../../platform/bytes.js';
import type { CopyMode } from '../../platform/knobs.js';
import type { DirectGuestMemory } from '../../platform/memory.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';

export type ChainPart = 'readable' | 'writable';

export class ChainCursor {
  /** The current piece: guest address and length. */
  addr = 0;
  len = 0;
  private chain: DescriptorChain | undefined;
  private segment = 0;
  private end = 0;
  private skip = 0;
  private left = 0;

  /** Walk [skip, skip + length) of the chain's `part` (less if the part is shorter). */
  start(chain: DescriptorChain, part: ChainPart, skip: number, length: number): void {
    this.chain = chain;
    this.segment = part === 'readable' ? 0 : chain.readableCount;
    this.end = part === 'readable' ? chain.readableCount : chain.count;
    this.skip = skip;
    this.left = length;
  }

  /** Move to the next piece (`addr`, `len`); false when the range is covered or the part ends. */
  next(): boolean {
    const chain = this.chain;
    if (chain === undefined) return false;
    while (this.left > 0 && this.segment < this.end) {
      const i = this.segment++;
      const segmentLen = chain.len[i] as number;
      if (this.skip >= segmentLen) {
        this.skip -= segmentLen;
        continue;
      }
      this.addr = (chain.addr[i] as number) + this.skip;
      this.len = Math.min(segmentLen - this.skip, this.left);
      this.skip = 0;
      this.left -= this.len;
      return true;
    }
    return false;
  }
}

/** Metered, private copy of [skip, skip + length) of the readable part into `into[intoOffset…]`; returns the bytes copied. */
export function readChain(
  mem: DirectGuestMemory,
  cursor: ChainCursor,
  chain: DescriptorChain,
  skip: number,
  length: number,
  into: Uint8Array,
  intoOffset = 0,
): number {
  let at = intoOffset;
  cursor.start(chain, 'readable', skip, length);
  while (cursor.next()) {
    mem.read(cursor.addr, cursor.len, into, at);
    at += cursor.len;
  }
  return at - intoOffset;
}

/** Write `src[srcOffset, +length)` into the writable part from `skip` on, per copy mode; returns the bytes written. */
export function writeChain(
  mem: DirectGuestMemory,
  mode: CopyMode,
  cursor: ChainCursor,
  chain: DescriptorChain,
  skip: number,
  src: Uint8Array,
  srcOffset: number,
  length: number,
): number {
  let at = srcOffset;
  cursor.start(chain, 'writable', skip, length);
  while (cursor.next()) {
    if (mode === 'zerocopy') copyBytes(src, at, mem.bytes, mem.zeroCopy(cursor.addr, cursor.len), cursor.len);
    else mem.write(cursor.addr, src, at, cursor.len);
    at += cursor.len;
  }
  return at - srcOffset;
}

/** The guest address where [skip, skip + length) of the readable part lies in one descriptor, or −1. */
export function contiguousReadable(cursor: ChainCursor, chain: DescriptorChain, skip: number, length: number): number {
  cursor.start(chain, 'readable', skip, length);
  return cursor.next() && cursor.len === length ? cursor.addr : -1;
}
