/**
 * What the peer host does with traffic, and the frames it generates. Generated content
 * is a pure function of its inputs so a workload can verify what it receives.
 */
import { copyBytes } from '../../platform/bytes.js';
import { ETHERNET } from './ethernet.js';

export type EchoPeer = {
  readonly mode: 'echo';
  /** Size of each response frame, header included; default: the request's size (netperf TCP_RR style). */
  readonly responseBytes?: number;
};

export type SinkPeer = { readonly mode: 'sink' };

export type SourcePeer = {
  readonly mode: 'source';
  /** Size of each generated frame, header included (≥ 18: header + sequence number). */
  readonly frameBytes: number;
  /** Frames to send in all. */
  readonly count: number;
  /** Frames per second; omitted = back to back at link rate. */
  readonly ratePps?: number;
  /** Spacing at `ratePps`: fixed, or exponential inter-arrival times from the backend's Rng. */
  readonly arrivals?: 'constant' | 'poisson';
  /** When the first frame leaves, ns after the backend is created (default 0). */
  readonly startNs?: number;
};

export type NetPeer = EchoPeer | SinkPeer | SourcePeer;

/** Bytes of the big-endian sequence number that opens a source frame's payload. */
export const SOURCE_SEQ_BYTES = 4;

/**
 * Echo payload rule: the response payload is the request payload repeated (or cut) to the
 * response's length; an empty request payload answers zeros. `request` and `response`
 * are same-sized frame buffers, so the common case is one whole-buffer copy (no view).
 */
export function writeEchoPayload(
  request: Uint8Array,
  requestLength: number,
  response: Uint8Array,
  responseLength: number,
): void {
  const h = ETHERNET.headerBytes;
  const n = requestLength - h;
  if (n <= 0) {
    response.fill(0, h, responseLength);
  } else if (responseLength <= requestLength && request.length === response.length) {
    response.set(request); // header bytes are rewritten by the caller
  } else {
    for (let at = h; at < responseLength; at += n)
      copyBytes(request, h, response, at, Math.min(n, responseLength - at));
  }
}

/**
 * Source payload rule: bytes 0–3 the sequence number (big endian), then byte j (j ≥ 4,
 * counted from the payload start) = (seq + j) mod 256. The ramp is prebuilt as 256
 * rotations, so each frame is filled with one whole-view copy and no allocation.
 */
export class SourcePayload {
  private readonly rotations: Uint8Array[] = [];

  constructor(maxFrameBytes: number) {
    const body = maxFrameBytes - ETHERNET.headerBytes - SOURCE_SEQ_BYTES;
    const ramp = new Uint8Array(256 + Math.max(0, body));
    for (let i = 0; i < ramp.length; i++) ramp[i] = i & 0xff;
    for (let k = 0; k < 256; k++) this.rotations.push(ramp.subarray(k, k + Math.max(0, body)));
  }

  /** `frame` must be at least `maxFrameBytes` long (bytes past `frameLength` are scratch). */
  write(frame: Uint8Array, frameLength: number, seq: number): void {
    const h = ETHERNET.headerBytes;
    frame[h] = (seq >>> 24) & 0xff;
    frame[h + 1] = (seq >>> 16) & 0xff;
    frame[h + 2] = (seq >>> 8) & 0xff;
    frame[h + 3] = seq & 0xff;
    if (frameLength > h + SOURCE_SEQ_BYTES)
      frame.set(this.rotations[(seq + SOURCE_SEQ_BYTES) & 0xff]!, h + SOURCE_SEQ_BYTES);
  }
}
