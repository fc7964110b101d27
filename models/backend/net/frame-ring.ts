/**
 * A bounded FIFO of frames in reusable buffers. Buffers are created on first use and then
 * recycled; moving a frame between two rings swaps buffers instead of copying bytes, so
 * steady-state traffic allocates nothing.
 */
export class FrameRing {
  private readonly slots: (Uint8Array | undefined)[];
  private readonly lengths: Int32Array;
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    /** Size of every buffer: the largest frame the ring holds. */
    readonly frameBytes: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`FrameRing capacity ${capacity}`);
    this.slots = new Array<Uint8Array | undefined>(capacity).fill(undefined);
    this.lengths = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  isFull(): boolean {
    return this.count === this.capacity;
  }

  /** The buffer to fill next; `commit(length)` appends it. Throws when full. */
  tail(): Uint8Array {
    if (this.isFull()) throw new RangeError('FrameRing full');
    const i = (this.head + this.count) % this.capacity;
    let buf = this.slots[i];
    if (buf === undefined) this.slots[i] = buf = new Uint8Array(this.frameBytes);
    return buf;
  }

  commit(length: number): void {
    if (this.isFull()) throw new RangeError('FrameRing full');
    this.lengths[(this.head + this.count) % this.capacity] = length;
    this.count++;
  }

  /** Oldest frame's buffer (valid bytes: `headLength()`). Throws when empty. */
  headBytes(): Uint8Array {
    if (this.count === 0) throw new RangeError('FrameRing empty');
    return this.slots[this.head]!;
  }

  headLength(): number {
    if (this.count === 0) throw new RangeError('FrameRing empty');
    return this.lengths[this.head]!;
  }

  shift(): void {
    if (this.count === 0) throw new RangeError('FrameRing empty');
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }

  /** Append this ring's oldest frame to `to` and remove it here, swapping buffers (no copy). */
  moveHeadTo(to: FrameRing): void {
    if (to.frameBytes !== this.frameBytes) throw new RangeError('FrameRing buffer sizes differ');
    const length = this.headLength();
    const spare = to.tail();
    const ti = (to.head + to.count) % to.capacity;
    to.slots[ti] = this.slots[this.head];
    this.slots[this.head] = spare;
    to.commit(length);
    this.shift();
  }
}
