/**
 * A driver's receive buffers (net receiveq, console receiveq): one fixed-size buffer per ring slot,
 * allocated once, offered device-writable (virtio 1.2 §2.7.4) and offered again as soon as the
 * device has returned it and the data was handed on. The slot is the chain's token.
 */
import type { GuestAllocator } from '../../platform/alloc.js';
import type { DriverSession } from './session.js';

export class ReceiveBuffers {
  /** Buffers, one per slot of the queue's ring. */
  readonly slots: number;
  private readonly base: number;

  constructor(
    alloc: GuestAllocator,
    private readonly session: DriverSession,
    /** Index of the receive queue. */
    private readonly queue: number,
    readonly bufferBytes: number,
  ) {
    this.slots = session.ring(queue).size;
    this.base = alloc.alloc(this.slots * bufferBytes, 64);
  }

  /** Guest address of `slot`'s buffer. */
  address(slot: number): number {
    return this.base + slot * this.bufferBytes;
  }

  /** Offer `slot`'s buffer; published with the next kick decision (now, or at the end of the open batch). */
  post(slot: number): void {
    const ring = this.session.ring(this.queue);
    ring.begin();
    ring.addWritable(this.address(slot), this.bufferBytes);
    if (ring.commit(slot) < 0) throw new Error('virtio: receive ring full while posting its own buffers');
    this.session.submitted(this.queue);
  }

  /** Every slot gets its buffer: one publish and at most one kick for all of them. */
  postAll(): void {
    const batch = this.session.batch;
    batch.enter();
    try {
      for (let slot = 0; slot < this.slots; slot++) this.post(slot);
    } finally {
      batch.leave();
    }
  }
}
