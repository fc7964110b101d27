/**
 * Guest-facing ports: what a model's guest driver offers to workloads (DESIGN §6).
 * Workloads import these types only, never a concrete model. Buffers are guest-physical
 * addresses of memory the workload allocated with the guest allocator; completion is a
 * callback on the guest vCPU (no Promises on protocol paths).
 */
export type DeviceClass = 'block' | 'net' | 'console' | 'entropy';
export const DEVICE_CLASSES: readonly DeviceClass[] = ['block', 'net', 'console', 'entropy'];

export type IoStatus = 'ok' | 'ioerr' | 'unsupported';

// ---- block ---------------------------------------------------------------------

export const SECTOR_SIZE = 512;

export type BlockOp = 'read' | 'write' | 'flush' | 'discard' | 'write-zeroes' | 'get-id';

/** A request object the caller owns and may reuse after completion (no per-op allocation). */
export interface BlockRequest {
  op: BlockOp;
  /** First 512-byte sector. */
  sector: number;
  /** Length in sectors (0 for flush; 0 for get-id, which returns 20 bytes). */
  sectors: number;
  /** Guest-physical address of a contiguous data buffer (sectors × 512 bytes, or 20 for get-id). */
  addr: number;
  /** Set by the port before `done` runs. */
  status: IoStatus;
  /** Free for the caller (slot index, issue time…). */
  tag: number;
}

export interface BlockPortInfo {
  readonly capacitySectors: number;
  readonly readOnly: boolean;
  /** Requests the driver can have outstanding at once (queue / ring capacity). */
  readonly maxInflight: number;
  readonly maxSectorsPerRequest: number;
  readonly supports: ReadonlySet<BlockOp>;
}

export interface BlockPort {
  readonly info: BlockPortInfo;
  /** The caller keeps at most `info.maxInflight` requests outstanding. */
  submit(req: BlockRequest, done: (req: BlockRequest) => void): void;
}

// ---- net -----------------------------------------------------------------------

export interface NetPortInfo {
  readonly mac: Uint8Array;
  readonly mtu: number;
  /** Frames the driver can have queued for transmit at once. */
  readonly maxTxInflight: number;
}

export interface NetPort {
  readonly info: NetPortInfo;
  /** Transmit the Ethernet frame at [addr, addr+len); `done` once the buffer may be reused. */
  send(addr: number, len: number, done: () => void): void;
  /** Receive handler: the frame at [addr, addr+len) is valid only during the call. */
  onReceive(handler: (addr: number, len: number) => void): void;
}

// ---- console -------------------------------------------------------------------

export interface ConsolePort {
  readonly maxWrite: number;
  /** Writes the driver can have outstanding at once. */
  readonly maxInflight: number;
  write(addr: number, len: number, done: () => void): void;
  /** Input handler: bytes at [addr, addr+len) are valid only during the call. */
  onInput(handler: (addr: number, len: number) => void): void;
}

// ---- entropy -------------------------------------------------------------------

export interface EntropyPort {
  readonly maxRead: number;
  /** Reads the driver can have outstanding at once. */
  readonly maxInflight: number;
  /** Fill up to `len` bytes at `addr`; `done(n)` reports how many were written (≥ 1 unless error). */
  read(addr: number, len: number, done: (n: number) => void): void;
}

export interface PortFor {
  block: BlockPort;
  net: NetPort;
  console: ConsolePort;
  entropy: EntropyPort;
}
