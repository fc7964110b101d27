/**
 * Ethernet II frames for the net workloads (IEEE 802.3 §3.1.1: destination, source,
 * EtherType, payload; the FCS is the device's business). EtherType 0x88B5 is the IEEE
 * 802 "local experimental" value, so no real protocol claims these frames.
 *
 * Payload layout (ours): bytes 0–3 transaction sequence number (LE), 4–5 issuing slot,
 * 6–7 reserved zero, then a byte stream derived from (seed, sequence).
 */
import { fillStream } from '../pattern.js';

export const ETH_HEADER_BYTES = 14;
export const ETHERTYPE_LOCAL_EXPERIMENTAL = 0x88b5;
/** The reference backend's peer host (switch port facing the guest). */
export const PEER_MAC: Uint8Array = Uint8Array.of(0x52, 0x54, 0x00, 0x00, 0x00, 0x01);

export const EthOffset = {
  destination: 0,
  source: 6,
  etherType: 12,
  payload: ETH_HEADER_BYTES,
} as const;

export const PayloadOffset = { sequence: 0, slot: 4, reserved: 6, data: 8 } as const;

/** Smallest frame a workload builds: header + payload header. */
export const MIN_WORKLOAD_FRAME = ETH_HEADER_BYTES + PayloadOffset.data;

/** Write the Ethernet header into `frame[0, 14)`. */
export function writeEthHeader(frame: Uint8Array, destination: Uint8Array, source: Uint8Array): void {
  frame.set(destination.subarray(0, 6), EthOffset.destination);
  frame.set(source.subarray(0, 6), EthOffset.source);
  // EtherType is big endian on the wire.
  frame[EthOffset.etherType] = ETHERTYPE_LOCAL_EXPERIMENTAL >>> 8;
  frame[EthOffset.etherType + 1] = ETHERTYPE_LOCAL_EXPERIMENTAL & 0xff;
}

/** Fill the payload of `frame[0, length)` for transaction `sequence` from `slot`. */
export function writePayload(frame: Uint8Array, length: number, seed: number, sequence: number, slot: number): void {
  const p = EthOffset.payload;
  frame[p] = sequence & 0xff;
  frame[p + 1] = (sequence >>> 8) & 0xff;
  frame[p + 2] = (sequence >>> 16) & 0xff;
  frame[p + 3] = (sequence >>> 24) & 0xff;
  frame[p + PayloadOffset.slot] = slot & 0xff;
  frame[p + PayloadOffset.slot + 1] = (slot >>> 8) & 0xff;
  frame[p + PayloadOffset.reserved] = 0;
  frame[p + PayloadOffset.reserved + 1] = 0;
  fillStream(frame, p + PayloadOffset.data, length - p - PayloadOffset.data, seed, sequence);
}

export function readSequence(frame: Uint8Array, offset: number): number {
  const p = offset + EthOffset.payload;
  return (
    ((frame[p] as number) |
      ((frame[p + 1] as number) << 8) |
      ((frame[p + 2] as number) << 16) |
      ((frame[p + 3] as number) << 24)) >>>
    0
  );
}

export function readSlot(frame: Uint8Array, offset: number): number {
  const p = offset + EthOffset.payload + PayloadOffset.slot;
  return (frame[p] as number) | ((frame[p + 1] as number) << 8);
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}
