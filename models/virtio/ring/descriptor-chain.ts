/**
 * One popped descriptor chain, as parallel typed arrays the caller preallocates once and reuses for every
 * pop (no per-request allocation). Segments are in chain order: readable ones first (virtio 1.2 §2.7.4.2).
 */
export class DescriptorChain {
  /** Most segments one pop may gather; more is a VirtqueueError 'H15' (the device's s/g limit). */
  readonly capacity: number;
  /** Guest-physical buffer addresses. */
  readonly addr: Float64Array;
  readonly len: Uint32Array;
  /** 1 = device-writable (WRITE flag), 0 = device-readable. */
  readonly writable: Uint8Array;
  /** Head descriptor index: the id to return in the used ring. */
  head = 0;
  /** Segments gathered (readableCount + writableCount). */
  count = 0;
  readableCount = 0;
  writableCount = 0;
  readableBytes = 0;
  writableBytes = 0;
  /** Descriptors read from guest memory, indirect pointer included (specs/virtio.md §7 column D). */
  descriptorsRead = 0;
  /** Whether the chain went through an indirect table. */
  indirect = false;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`DescriptorChain capacity ${capacity}`);
    this.capacity = capacity;
    this.addr = new Float64Array(capacity);
    this.len = new Uint32Array(capacity);
    this.writable = new Uint8Array(capacity);
  }

  /** Index of the first writable segment (= readableCount). */
  get firstWritable(): number {
    return this.readableCount;
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
    this.readableCount = 0;
    this.writableCount = 0;
    this.readableBytes = 0;
    this.writableBytes = 0;
    this.descriptorsRead = 0;
    this.indirect = false;
  }
}
