/**
 * The workload's probes of the reference backend (workload.ts ProbeFor) from the guest thread: the
 * backend lives on the host thread, so each probe is a harness round trip through the mailbox (not
 * an exit, never metered). Bulk bytes (console output, block preloading) go through the link's
 * data window, one window per round trip.
 */
import { type DeviceClass, SECTOR_SIZE } from '../../../models/platform/ports.js';
import type { ProbeFor } from '../../../workloads/workload.js';
import type { MailboxGuestIo } from './guest-io.js';
import { DATA_BYTES, MailboxOp, type ThreadLink } from './link.js';

class ConsoleOutputProbe {
  private copy = new Uint8Array(4096);
  /** Bytes of the backend's output already copied (output only grows). */
  private have = 0;

  constructor(
    private readonly io: MailboxGuestIo,
    private readonly link: ThreadLink,
  ) {}

  output(): Uint8Array {
    const length = this.io.harness(MailboxOp.probeConsoleLength);
    if (length < this.have) this.have = 0; // not expected: the backend's output only grows
    if (length > this.copy.length) {
      const grown = new Uint8Array(Math.max(length, this.copy.length * 2));
      grown.set(this.copy.subarray(0, this.have));
      this.copy = grown;
    }
    while (this.have < length) {
      const n = Math.min(DATA_BYTES, length - this.have);
      this.io.harness(MailboxOp.probeConsoleBytes, this.have, n);
      this.copy.set(this.link.data.subarray(0, n), this.have);
      this.have += n;
    }
    return this.copy.subarray(0, length);
  }
}

/** Preload a byte range into the block store, one data window at a time. */
function blockPreload(io: MailboxGuestIo, link: ThreadLink): ProbeFor['block'] {
  return {
    preload(sector: number, bytes: Uint8Array, offset: number, length: number): void {
      if (length % SECTOR_SIZE !== 0) throw new RangeError(`preload of ${length} bytes: not whole sectors`);
      const chunk = DATA_BYTES - (DATA_BYTES % SECTOR_SIZE);
      for (let done = 0; done < length; done += chunk) {
        const n = Math.min(chunk, length - done);
        link.data.set(bytes.subarray(offset + done, offset + done + n), 0);
        io.harness(MailboxOp.probeBlockPreload, sector + done / SECTOR_SIZE, n);
      }
    },
  };
}

export function guestProbe(cls: DeviceClass, io: MailboxGuestIo, link: ThreadLink): ProbeFor[DeviceClass] {
  switch (cls) {
    case 'net':
      return { framesAtPeer: () => io.harness(MailboxOp.probeFramesAtPeer) } satisfies ProbeFor['net'];
    case 'console': {
      const probe = new ConsoleOutputProbe(io, link);
      return { output: () => probe.output() } satisfies ProbeFor['console'];
    }
    case 'block':
      return blockPreload(io, link);
    case 'entropy':
      return {};
  }
}
