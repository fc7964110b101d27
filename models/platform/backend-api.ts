/**
 * The reference backend's transport-neutral contract (DESIGN §5). It lives in platform
 * because every model is written against it; models/backend implements it. Requests
 * carry no trace of virtio, Xen, 9P or registers.
 */
import type { BlockOp, IoStatus } from './ports.js';

/** One contiguous piece of a request's data: `bytes[offset, offset+length)`. */
export interface Segment {
  bytes: Uint8Array;
  offset: number;
  length: number;
}

export interface BackendBlockRequest {
  op: BlockOp;
  sector: number;
  /** Sectors to transfer (read/write/discard/write-zeroes). */
  sectors: number;
  /** Data segments: for zero-copy they point into guest RAM; for copy, into a device bounce buffer. */
  readonly iov: Segment[];
  /** Segments in use (the array is reused; entries past it are stale). */
  iovCount: number;
  status: IoStatus;
}

export interface BlockBackend {
  readonly capacitySectors: number;
  readonly readOnly: boolean;
  /** 20-byte device identifier (ASCII, NUL padded), answered to GET_ID / IDENTIFY. */
  readonly serial: string;
  /** Complete asynchronously on the scheduler the backend was built with. */
  submit(req: BackendBlockRequest, done: (req: BackendBlockRequest) => void): void;
}

export interface FrameReceiver {
  /** Device has a buffer for one more frame right now. */
  canReceive(): boolean;
  /** Deliver one frame; called only after canReceive() returned true. */
  receive(bytes: Uint8Array, offset: number, length: number): void;
}

export interface NetBackend {
  /** MAC the device should present to the guest. */
  readonly guestMac: Uint8Array;
  readonly mtu: number;
  setReceiver(rx: FrameReceiver): void;
  /**
   * Whether the up-link can take one more frame now. A device checks it before each `transmit`
   * and holds the guest's frame while it is false (as QEMU parks a packet the tap refused).
   */
  canTransmit(): boolean;
  /**
   * `ready` runs on the backend's scheduler — never synchronously inside `transmit` — once the
   * up-link has room again after `canTransmit()` returned false.
   */
  setTransmitReady(ready: () => void): void;
  /** Device → network. The backend copies what it keeps; a frame sent while full is dropped. */
  transmit(bytes: Uint8Array, offset: number, length: number): void;
  /** Device got new receive buffers: frames held back may flow again. */
  rxReady(): void;
}

export interface ByteReceiver {
  /** Bytes the device can take right now (0 = backpressure). */
  room(): number;
  receive(bytes: Uint8Array, offset: number, length: number): void;
}

export interface ConsoleBackend {
  /** Guest output. */
  write(bytes: Uint8Array, offset: number, length: number): void;
  setReceiver(rx: ByteReceiver): void;
  /** The device has room again: held input may flow. */
  rxReady(): void;
}

export interface EntropyBackend {
  /** Fill up to `length` bytes; returns how many were written (may be fewer, never blocks). */
  read(into: Uint8Array, offset: number, length: number): number;
}

export interface BackendFor {
  block: BlockBackend;
  net: NetBackend;
  console: ConsoleBackend;
  entropy: EntropyBackend;
}
