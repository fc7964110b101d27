/**
 * Typed ring errors. The device side throws VirtqueueError for anything a driver (buggy or hostile) put
 * in guest memory; the transport turns it into DEVICE_NEEDS_RESET + config notify + queue stopped
 * (specs/virtio.md §4, §10). The driver side throws VirtqueueDriverError for a device that breaks the
 * ring contract, or for misuse of the driver API by its caller.
 */

/**
 * Device-side error codes: the hostile-driver checklist item (specs/virtio.md §10) where there is one,
 * else a descriptive name.
 */
export type VirtqueueErrorCode =
  | 'H1' // head index ≥ QS
  | 'H2' // next ≥ QS, or ≥ entries inside an indirect table
  | 'H3' // walk longer than its TTL (QS, or len/16 in a table): a loop
  | 'H5' // avail.idx moved by more than QS (or backwards)
  | 'H7' // zero-length descriptor
  | 'H8' // buffer [addr, addr+len) not inside guest RAM
  | 'H9' // readable descriptor after a writable one
  | 'H10' // indirect table len 0 or not a multiple of 16
  | 'H11' // indirect table not inside guest RAM
  | 'H12' // INDIRECT inside an indirect table
  | 'H13' // INDIRECT together with NEXT
  | 'H14' // indirect table > 65536 entries, or chain > 2^32 bytes
  | 'H15' // more segments than the caller's DescriptorChain holds (the device's s/g limit)
  | 'H17' // queue size not a power of two in 1..32768
  | 'H18' // misaligned ring area
  | 'H19' // ring area outside guest RAM
  | 'H20' // head made available again while still in flight
  | 'H25' // queue size 0
  | 'INDIRECT_NOT_NEGOTIATED'
  | 'NOT_IN_FLIGHT'; // the device's own caller returned a head it never popped

export class VirtqueueError extends Error {
  readonly code: VirtqueueErrorCode;
  constructor(code: VirtqueueErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'VirtqueueError';
    this.code = code;
  }
}

export type VirtqueueDriverErrorCode =
  | 'CONFIG' // bad size, alignment or areas at construction
  | 'ORDER' // readable segment added after a writable one (§2.7.4.2)
  | 'SEGMENT' // bad segment (length 0, > 2^32−1, or not an integer)
  | 'CHAIN_TOO_LONG' // more segments than any chain can hold, or > 2^32 bytes (§2.7.5.2)
  | 'EMPTY_CHAIN' // commit without segments
  | 'NO_CHAIN' // add/commit outside begin()
  | 'TOKEN' // token not a non-negative number
  | 'USED_IDX' // device moved used.idx past what is in flight
  | 'BAD_USED_ID' // used id ≥ QS or not the head of an in-flight chain
  | 'EVENT_IDX_REQUIRED'; // setUsedEvent without EVENT_IDX

export class VirtqueueDriverError extends Error {
  readonly code: VirtqueueDriverErrorCode;
  constructor(code: VirtqueueDriverErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'VirtqueueDriverError';
    this.code = code;
  }
}
