/**
 * GuestIo over qtest: each port or MMIO access is one qtest command, metered as one
 * user exit (QEMU's device models are all userspace). String I/O is a loop of single
 * accesses on the wire, but is metered and counted by the KVM rule the in-thread Bus
 * uses (specs/trap-emulate.md §1), so exit counts compare across engines.
 */
import { type AccessSize, Bus, type GuestIo } from '../../../models/platform/bus.js';
import type { GuestMemory } from '../../../models/platform/memory.js';
import type { Meter } from '../../../models/platform/meter.js';
import type { QtestLink } from './qtest-link.js';
import { DATA_BYTES } from './qtest-mailbox.js';

/** -ENOSYS: QEMU's qtest machine has no hypercall interface. */
export const HYPERCALL_ENOSYS = -38;

function checkSize(size: number): AccessSize {
  if (size === 1 || size === 2 || size === 4) return size;
  throw new RangeError(`access size ${size} is not 1, 2 or 4`);
}

export class QtestGuestIo implements GuestIo {
  constructor(
    private readonly link: QtestLink,
    private readonly mem: GuestMemory,
    private readonly meter: Meter,
  ) {}

  in(port: number, size: AccessSize): number {
    this.meter.exit('pio', 'user', size);
    return this.link.in(checkSize(size), port);
  }

  out(port: number, size: AccessSize, value: number): void {
    this.meter.exit('pio', 'user', size);
    this.link.out(checkSize(size), port, value);
  }

  mmioRead(addr: number, size: AccessSize): number {
    this.meter.exit('mmio', 'user', size);
    return this.link.readMem(checkSize(size), addr);
  }

  mmioWrite(addr: number, size: AccessSize, value: number): void {
    this.meter.exit('mmio', 'user', size);
    this.link.writeMem(checkSize(size), addr, value);
  }

  repIns(port: number, size: AccessSize, count: number, addr: number): number {
    checkSize(size);
    if (!this.mem.inRange(addr, count * size)) throw new RangeError('rep ins destination outside guest memory');
    const exits = Bus.repInsExits(size, count, addr);
    // Exit count and element work are what the Meter prices; `bytes` is the access width, as for `in`.
    for (let i = 0; i < exits; i++) this.meter.exit('pio', 'user', size);
    this.meter.stringElements(count);
    this.meter.copy(count * size, 'hypervisor');
    // Elements gather in the mailbox's data window, which `in` does not use, then go to RAM in one write.
    const box = this.link.box;
    const perChunk = Math.floor(DATA_BYTES / size);
    for (let done = 0; done < count; ) {
      const n = Math.min(perChunk, count - done);
      for (let i = 0; i < n; i++) {
        const v = this.link.in(size, port);
        if (size === 1) box.dataView.setUint8(i, v);
        else if (size === 2) box.dataView.setUint16(i * 2, v, true);
        else box.dataView.setUint32(i * 4, v, true);
      }
      this.link.writeBulk(addr + done * size, n * size);
      done += n;
    }
    return exits;
  }

  repOuts(port: number, size: AccessSize, count: number, addr: number): number {
    checkSize(size);
    if (!this.mem.inRange(addr, count * size)) throw new RangeError('rep outs source outside guest memory');
    const box = this.link.box;
    const perChunk = Math.floor(DATA_BYTES / size);
    for (let done = 0; done < count; ) {
      const n = Math.min(perChunk, count - done);
      this.link.readBulk(addr + done * size, n * size);
      for (let i = 0; i < n; i++) {
        // One exit per element (emulate.c em_out).
        this.meter.exit('pio', 'user', size);
        this.meter.stringElements(1);
        this.meter.copy(size, 'hypervisor');
        const v =
          size === 1
            ? box.dataView.getUint8(i)
            : size === 2
              ? box.dataView.getUint16(i * 2, true)
              : box.dataView.getUint32(i * 4, true);
        this.link.out(size, port, v);
      }
      done += n;
    }
    return count;
  }

  hypercall(op: number, _a0?: number, _a1?: number, _a2?: number, _a3?: number): number {
    this.meter.hypercall(op);
    return HYPERCALL_ENOSYS;
  }
}
