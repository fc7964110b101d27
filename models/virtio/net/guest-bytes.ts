/**
 * Device-side payload movement between host buffers and guest RAM, per the copy knob (DESIGN §6;
 * specs/virtio.md §8): `zerocopy` touches guest RAM in place, as QEMU and vhost map it (metered as
 * zeroCopy); `copy` goes through the metered `mem.read` / `mem.write`. Protocol headers never come
 * through here: they are always copied privately (H21).
 */
import type { CopyMode } from '../../platform/knobs.js';
import type { DirectGuestMemory } from '../../platform/memory.js';

/** Below this a byte loop beats creating a subarray view for `set`. */
const SHORT_COPY = 32;

/** memcpy between byte arrays without a per-call allocation for short copies. */
export function copyBytes(
  from: Uint8Array,
  fromOffset: number,
  to: Uint8Array,
  toOffset: number,
  length: number,
): void {
  if (length <= SHORT_COPY) {
    for (let i = 0; i < length; i++) to[toOffset + i] = from[fromOffset + i] as number;
  } else {
    to.set(from.subarray(fromOffset, fromOffset + length), toOffset);
  }
}

/** Write `src[srcOffset, +len)` into guest `[addr, +len)`. */
export function payloadToGuest(
  mem: DirectGuestMemory,
  mode: CopyMode,
  addr: number,
  src: Uint8Array,
  srcOffset: number,
  len: number,
): void {
  if (mode === 'zerocopy') copyBytes(src, srcOffset, mem.bytes, mem.zeroCopy(addr, len), len);
  else mem.write(addr, src, srcOffset, len);
}
