/**
 * 32-bit FNV-1a (Fowler/Noll/Vo, IETF draft-eastlake-fnv) and the trace digests built on
 * it. Folding functions take and return the running hash so callers hash without
 * allocating.
 */

// draft-eastlake-fnv §2: 32-bit offset basis and prime
export const FNV = {
  offsetBasis: 0x811c9dc5,
  prime: 0x01000193,
} as const;

export function fnvByte(hash: number, byte: number): number {
  return Math.imul(hash ^ (byte & 0xff), FNV.prime) >>> 0;
}

/** Fold a 32-bit value, little-endian byte order. */
export function fnvU32(hash: number, value: number): number {
  let h = fnvByte(hash, value);
  h = fnvByte(h, value >>> 8);
  h = fnvByte(h, value >>> 16);
  return fnvByte(h, value >>> 24);
}

/** Fold a non-negative integer up to 2^53 as two little-endian 32-bit halves. */
export function fnvU53(hash: number, value: number): number {
  return fnvU32(fnvU32(hash, value >>> 0), Math.floor(value / 4294967296) >>> 0);
}

export function fnvBytes(hash: number, bytes: Uint8Array, offset: number, length: number): number {
  // Math.imul keeps h a 32-bit integer; the unsigned view is taken once at the end.
  let h = hash | 0;
  const end = offset + length;
  for (let i = offset; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), FNV.prime);
  return h >>> 0;
}

/** murmur3 fmix32: spreads an entry hash before it is summed into the unordered digest. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface Digest {
  /** Entries folded in. */
  count: number;
  /** Depends on entry order. */
  ordered: number;
  /** A multiset digest: equal for the same entries in any order (a sum, so duplicates count). */
  unordered: number;
}

/** Accumulates per-entry hashes into an ordered and an order-insensitive digest. */
export class TraceDigest implements Digest {
  count = 0;
  ordered: number = FNV.offsetBasis;
  unordered = 0;

  add(entryHash: number): void {
    this.count++;
    this.ordered = fnvU32(this.ordered, entryHash);
    this.unordered = (this.unordered + fmix32(entryHash)) >>> 0;
  }

  snapshot(): Digest {
    return { count: this.count, ordered: this.ordered, unordered: this.unordered };
  }
}

export function formatDigest(d: Digest): string {
  const hex = (v: number): string => v.toString(16).padStart(8, '0');
  return `n=${d.count} ordered=${hex(d.ordered)} unordered=${hex(d.unordered)}`;
}
