/**
 * Checks on an untrusted queue configuration (the register values a driver wrote) before it becomes an
 * active ring: size, alignment, placement (virtio 1.2 §2.7, §2.7.1; specs/virtio.md §10 H17–H19, H25).
 */
import type { GuestMemory } from '../../platform/memory.js';
import { availRingSize, descTableSize, usedRingSize, VirtqAlign, VirtqSize } from './split-layout.js';

/** Guest-physical addresses of the three areas of a split ring. */
export interface RingAddresses {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
}

export type RingConfigFault = { readonly code: 'H17' | 'H18' | 'H19' | 'H25'; readonly message: string };

/** A power of two in 1..32768 (virtio 1.2 §2.7). */
export function isValidQueueSize(size: number): boolean {
  return Number.isInteger(size) && size >= 1 && size <= VirtqSize.max && (size & (size - 1)) === 0;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The first fault of a queue configuration, or undefined when it can be activated. */
export function ringConfigFault(mem: GuestMemory, size: number, addrs: RingAddresses): RingConfigFault | undefined {
  if (size === 0) return { code: 'H25', message: 'queue size 0 (queue absent)' };
  if (!isValidQueueSize(size)) return { code: 'H17', message: `queue size ${size} is not a power of two in 1..32768` };
  const areas = [
    ['descriptor table', addrs.desc, VirtqAlign.desc, descTableSize(size)],
    ['available ring', addrs.avail, VirtqAlign.avail, availRingSize(size)],
    ['used ring', addrs.used, VirtqAlign.used, usedRingSize(size)],
  ] as const;
  for (const [name, addr, align] of areas) {
    if (!Number.isInteger(addr) || addr % align !== 0) {
      return { code: 'H18', message: `${name} at ${hex(addr)} is not ${align}-byte aligned` };
    }
  }
  for (const [name, addr, , len] of areas) {
    if (!mem.inRange(addr, len))
      return { code: 'H19', message: `${name} [${hex(addr)}, +${len}) is outside guest RAM` };
  }
  return undefined;
}
