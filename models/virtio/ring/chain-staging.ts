/**
 * The chain a driver is building between `begin()` and `commit()` (virtio 1.2 §2.7.4.2, §2.7.5.2):
 * segments staged in preallocated arrays, so adding one allocates nothing. DriverRing lays them out.
 */
import { VirtqueueDriverError } from './errors.js';
import { VirtqLimit } from './split-layout.js';

export class ChainStaging {
  readonly addr: Float64Array;
  readonly len: Uint32Array;
  /** 1 for a device-writable segment. */
  readonly writable: Uint8Array;
  /** Segments staged. */
  count = 0;
  private writableCount = 0;
  private bytes = 0;
  private open = false;

  constructor(capacity: number) {
    this.addr = new Float64Array(capacity);
    this.len = new Uint32Array(capacity);
    this.writable = new Uint8Array(capacity);
  }

  /** Most segments one chain may have. */
  get capacity(): number {
    return this.addr.length;
  }

  /** Whether a chain is open (begun and not yet committed). */
  get building(): boolean {
    return this.open;
  }

  /** Start a new chain, discarding any uncommitted one. */
  begin(): void {
    this.open = true;
    this.count = 0;
    this.writableCount = 0;
    this.bytes = 0;
  }

  /** Close the chain: committed, or dropped by a ring reset. */
  close(): void {
    this.open = false;
  }

  /** Add a device-readable segment; all readable segments precede the writable ones (§2.7.4.2). */
  addReadable(addr: number, len: number): void {
    if (this.writableCount !== 0) throw new VirtqueueDriverError('ORDER', 'readable segment after a writable one');
    this.add(addr, len, 0);
  }

  addWritable(addr: number, len: number): void {
    this.add(addr, len, 1);
    this.writableCount++;
  }

  private add(addr: number, len: number, writable: number): void {
    if (!this.open) throw new VirtqueueDriverError('NO_CHAIN', 'add outside begin()/commit()');
    if (!Number.isInteger(len) || len < 1 || len > 0xffffffff || !Number.isInteger(addr) || addr < 0) {
      throw new VirtqueueDriverError('SEGMENT', `segment [${addr}, +${len})`);
    }
    const n = this.count;
    if (n === this.addr.length) throw new VirtqueueDriverError('CHAIN_TOO_LONG', `more than ${n} segments`);
    if (this.bytes + len > VirtqLimit.chainBytes) {
      throw new VirtqueueDriverError('CHAIN_TOO_LONG', 'chain longer than 2^32 bytes (§2.7.5.2)');
    }
    this.addr[n] = addr;
    this.len[n] = len;
    this.writable[n] = writable;
    this.bytes += len;
    this.count = n + 1;
  }
}
