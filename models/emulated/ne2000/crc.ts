/**
 * The DP8390 multicast hash (trap-emulate.md §4 "Filter"): the Ethernet CRC-32 (IEEE 802.3
 * §3.2.9, generator 0x04C11DB7) of the 6-byte destination address, bits taken least
 * significant first, register preset to all-ones and not complemented; the top 6 bits pick
 * one of the 64 MAR bits. QEMU computes it with net_crc32() >> 26, Linux 8390.c with
 * ether_crc() >> 26 — the same function.
 */

const GENERATOR = 0x04c11db7;

/** CRC register over `length` bytes of `bytes` from `offset` (no final complement). */
export function ethernetCrc32(bytes: Uint8Array, offset: number, length: number): number {
  let crc = 0xffffffff;
  for (let i = 0; i < length; i++) {
    let b = bytes[offset + i] as number;
    for (let bit = 0; bit < 8; bit++) {
      const feedback = (crc >>> 31) ^ (b & 1);
      crc = (crc << 1) >>> 0;
      b >>>= 1;
      if (feedback !== 0) crc = (crc ^ GENERATOR) >>> 0;
    }
  }
  return crc;
}

/** MAR bit index (0–63) for the destination address at `bytes[offset…offset+6)`. */
export function multicastHashIndex(bytes: Uint8Array, offset: number): number {
  return ethernetCrc32(bytes, offset, 6) >>> 26;
}
