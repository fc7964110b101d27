/** Ethernet II framing and MAC addresses as the switch and peer need them. */

// IEEE 802.3 §3.1.1: destination, source, length/type; the FCS is not carried in frames here.
export const ETHERNET = {
  dstOffset: 0,
  srcOffset: 6,
  typeOffset: 12,
  headerBytes: 14,
  macBytes: 6,
  /** Payload bytes of a standard frame (IEEE 802.3 §4.4.2 maxUntaggedFrameSize 1518 − header 14 − FCS 4). */
  defaultMtu: 1500,
} as const;

/** IEEE Std 802 "Local Experimental EtherType 1": the type of frames the source peer generates. */
export const ETHERTYPE_LOCAL_EXPERIMENTAL = 0x88b5;

/** QEMU's default NIC address (its OUI 52:54:00 is a locally administered range). */
export const DEFAULT_GUEST_MAC = '52:54:00:12:34:56';
export const DEFAULT_PEER_MAC = '52:54:00:00:00:01';

export function parseMac(mac: string | Uint8Array): Uint8Array {
  if (typeof mac !== 'string') {
    if (mac.length !== ETHERNET.macBytes) throw new RangeError(`MAC must be 6 bytes, got ${mac.length}`);
    return Uint8Array.from(mac);
  }
  const parts = mac.split(':');
  if (parts.length !== ETHERNET.macBytes || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new RangeError(`invalid MAC "${mac}": expected six hex pairs separated by colons`);
  }
  return Uint8Array.from(parts, (p) => Number.parseInt(p, 16));
}

export function formatMac(mac: Uint8Array, offset = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < ETHERNET.macBytes; i++) parts.push((mac[offset + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** The six bytes at `bytes[offset…]` equal `mac`. */
export function macEquals(bytes: Uint8Array, offset: number, mac: Uint8Array): boolean {
  for (let i = 0; i < ETHERNET.macBytes; i++) if (bytes[offset + i] !== mac[i]) return false;
  return true;
}

export function isBroadcast(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < ETHERNET.macBytes; i++) if (bytes[offset + i] !== 0xff) return false;
  return true;
}

export function writeMac(into: Uint8Array, offset: number, mac: Uint8Array): void {
  for (let i = 0; i < ETHERNET.macBytes; i++) into[offset + i] = mac[i]!;
}
