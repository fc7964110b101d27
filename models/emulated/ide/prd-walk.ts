/**
 * Walking a PRD table into a scatter list (SFF-8038i §1.2; QEMU hw/ide/pci.c bmdma_prepare_buf):
 * descriptors are read from `curAddr` until one has EOT or one page of table has been consumed
 * (at most 512 entries, QEMU's fail-safe); a count of 0 means 64 KiB and bit 0 of the count is
 * ignored. Bytes beyond the transfer are described but not added (a longer table keeps ACTIVE set).
 *
 * Our addition (specs/trap-emulate.md §8 H6): a descriptor or a used buffer outside guest RAM
 * stops the walk with `fault`; nothing outside guest memory is ever touched. The scatter list
 * points into guest RAM itself (zero-copy, as QEMU maps guest memory for DMA).
 */
import type { Segment } from '../../platform/backend-api.js';
import type { DirectGuestMemory } from '../../platform/memory.js';
import type { BusMasterChannel } from './bmdma.js';
import { Prd } from './registers.js';

export class PrdWalk {
  /** Entries of `segments` in use. */
  segmentCount = 0;
  /** Bytes added to the scatter list (≤ the limit). */
  preparedBytes = 0;
  /** Bytes the consumed descriptors described. */
  describedBytes = 0;
  /** A descriptor or a used buffer lay outside guest RAM. */
  fault = false;

  constructor(private readonly mem: DirectGuestMemory) {}

  /** Walk from `bm.curAddr`, filling `segments` with at most `limit` bytes; advances `bm.curAddr`. */
  run(bm: BusMasterChannel, limit: number, segments: Segment[]): void {
    const mem = this.mem;
    this.segmentCount = 0;
    this.preparedBytes = 0;
    this.describedBytes = 0;
    this.fault = false;
    let cur = bm.curAddr;
    for (;;) {
      // Unsigned distance, as QEMU computes it: a pointer moved behind the table ends the walk.
      if ((cur - bm.prdTable) >>> 0 >= Prd.tableWalkBytes) break;
      if (!mem.inRange(cur, Prd.size)) {
        this.fault = true;
        break;
      }
      const addr = mem.u32(cur);
      const count = mem.u32(cur + 4);
      cur = (cur + Prd.size) >>> 0;
      const len = count & Prd.countMask || Prd.maxBytes;
      const take = Math.min(limit - this.preparedBytes, len);
      if (take > 0) {
        if (!mem.inRange(addr, take)) {
          this.fault = true;
          break;
        }
        const seg = segments[this.segmentCount++] as Segment;
        seg.bytes = mem.bytes;
        seg.offset = addr;
        seg.length = take;
        this.preparedBytes += take;
      }
      this.describedBytes += len;
      if ((count & Prd.eot) !== 0) break;
    }
    bm.curAddr = cur;
  }
}
