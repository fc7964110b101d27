/**
 * Receive chains the device has popped but not yet filled (QEMU keeps them in the avail ring and
 * pops on demand; we pop ahead only as far as the next delivery needs). A FIFO over a pool of
 * preallocated DescriptorChains: a ring never has more than QS chains in flight, so QS entries
 * always suffice and nothing is allocated per packet.
 */
import { DescriptorChain } from '../ring/descriptor-chain.js';

export class ParkedChains {
  private readonly pool: DescriptorChain[];
  private head = 0;
  private count = 0;
  /** Device-writable bytes of all parked chains. */
  writableBytes = 0;

  constructor(slots: number, segmentsPerChain: number) {
    this.pool = Array.from({ length: slots }, () => new DescriptorChain(segmentsPerChain));
  }

  get size(): number {
    return this.count;
  }

  /** The chain `i` places from the front (0 = oldest). */
  at(i: number): DescriptorChain {
    return this.pool[(this.head + i) % this.pool.length] as DescriptorChain;
  }

  /** The free chain `pop` should fill next; `push` keeps it. */
  spare(): DescriptorChain {
    if (this.count === this.pool.length) throw new RangeError('ParkedChains: more chains than ring slots');
    return this.at(this.count);
  }

  push(): void {
    this.writableBytes += this.at(this.count).writableBytes;
    this.count++;
  }

  /** Drop the `n` oldest chains (they were returned to the driver). */
  shift(n: number): void {
    for (let i = 0; i < n; i++) this.writableBytes -= this.at(i).writableBytes;
    this.head = (this.head + n) % this.pool.length;
    this.count -= n;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.writableBytes = 0;
  }
}
