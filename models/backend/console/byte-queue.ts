/** A bounded FIFO of bytes in one preallocated circular buffer. */
export class ByteQueue {
  private readonly buf: Uint8Array;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ByteQueue capacity ${capacity}`);
    this.buf = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  get room(): number {
    return this.capacity - this.count;
  }

  /** Append one byte; false (nothing stored) when full. */
  push(byte: number): boolean {
    if (this.count === this.capacity) return false;
    this.buf[(this.head + this.count) % this.capacity] = byte;
    this.count++;
    return true;
  }

  /** The buffer and the offset/length of the oldest contiguous run (up to the wrap point). */
  get storage(): Uint8Array {
    return this.buf;
  }

  get headOffset(): number {
    return this.head;
  }

  contiguous(): number {
    return Math.min(this.count, this.capacity - this.head);
  }

  consume(n: number): void {
    if (n < 0 || n > this.count) throw new RangeError(`ByteQueue consume ${n} of ${this.count}`);
    this.head = (this.head + n) % this.capacity;
    this.count -= n;
  }
}
