/**
 * The host end of the exit mailbox: run the request the guest posted on the platform Bus (an exit or
 * a hypercall) or answer a harness request (a snapshot, a probe of the reference backend), write the
 * result and publish the reply. A request that throws is answered with the error text and the host
 * half reports the failure: a device that throws inside an exit fails the run, as in the sim engine.
 */
import type { AccessSize, Bus } from '../../../models/platform/bus.js';
import type { DirectGuestMemory } from '../../../models/platform/memory.js';
import type { DeviceClass } from '../../../models/platform/ports.js';
import type { ProbeFor } from '../../../workloads/workload.js';
import { Activity, DATA_BYTES, MailboxOp, ReplyStatus, Slot, SnapshotPoint, type ThreadLink, Word } from './link.js';
import type { SideSnapshot } from './snapshot.js';
import { writeSnapshot } from './snapshot.js';

function accessSize(size: number): AccessSize {
  if (size === 1 || size === 2 || size === 4) return size;
  throw new RangeError(`access size ${size}`);
}

export class ExitServer {
  private served = 0;
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  /** Console output as of the latest length probe; byte probes read from it. */
  private consoleOutput: Uint8Array | undefined;

  constructor(
    private readonly link: ThreadLink,
    private readonly bus: Bus,
    private readonly mem: DirectGuestMemory,
    private readonly probe: ProbeFor[DeviceClass],
    private readonly snapshot: () => SideSnapshot,
    private readonly onExitServed: () => void,
    /** Called with an error a request threw, after the guest has been answered. */
    private readonly onFailure: (error: unknown) => void,
    /** Called on the first snapshot request (the guest's measured phase begins). */
    private readonly onMeasuredBegin: () => void,
  ) {
    this.ctl = link.ctl;
    this.f64 = link.f64;
  }

  /** True when the guest has posted a request not yet answered. */
  pending(): boolean {
    return Atomics.load(this.ctl, Word.request) !== this.served;
  }

  serve(): void {
    const ctl = this.ctl;
    const f64 = this.f64;
    const seq = Atomics.load(ctl, Word.request);
    if (seq === this.served) return;
    ctl[Word.hostActivity] = Activity.servingExit;
    let failure: unknown;
    let result = 0;
    try {
      result = this.run(ctl[Word.op] as number, ctl[Word.size] as number);
    } catch (error) {
      failure = error;
    }
    f64[Slot.result] = result;
    if (failure === undefined) {
      ctl[Word.status] = ReplyStatus.ok;
    } else {
      ctl[Word.status] = ReplyStatus.failed;
      this.link.writeText(failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure));
    }
    this.served = seq;
    // The seq-cst store publishes the result and status written above.
    Atomics.store(ctl, Word.reply, seq);
    if (Atomics.load(ctl, Word.replySleeping) !== 0) Atomics.notify(ctl, Word.reply, 1);
    ctl[Word.hostActivity] = Activity.working;
    if (failure !== undefined) this.onFailure(failure);
  }

  private run(op: number, size: number): number {
    const f64 = this.f64;
    const addr = f64[Slot.addr] as number;
    const bus = this.bus;
    switch (op) {
      case MailboxOp.pioRead:
        this.onExitServed();
        return bus.access('pio', addr, accessSize(size), false, 0);
      case MailboxOp.pioWrite:
        this.onExitServed();
        return bus.access('pio', addr, accessSize(size), true, f64[Slot.value] as number);
      case MailboxOp.mmioRead:
        this.onExitServed();
        return bus.access('mmio', addr, accessSize(size), false, 0);
      case MailboxOp.mmioWrite:
        this.onExitServed();
        return bus.access('mmio', addr, accessSize(size), true, f64[Slot.value] as number);
      case MailboxOp.repIns:
        this.onExitServed();
        return bus.repIns(addr, accessSize(size), f64[Slot.count] as number, f64[Slot.memAddr] as number, this.mem);
      case MailboxOp.repOuts:
        this.onExitServed();
        return bus.repOuts(addr, accessSize(size), f64[Slot.count] as number, f64[Slot.memAddr] as number, this.mem);
      case MailboxOp.hypercall:
        this.onExitServed();
        return bus.hypercall(
          addr,
          f64[Slot.value] as number,
          f64[Slot.count] as number,
          f64[Slot.memAddr] as number,
          f64[Slot.a3] as number,
        );
      case MailboxOp.snapshot:
        if (addr === SnapshotPoint.measuredBegin) this.onMeasuredBegin();
        writeSnapshot(this.snapshot(), f64, Slot.snapshot);
        return 0;
      case MailboxOp.probeFramesAtPeer:
        return (this.probe as ProbeFor['net']).framesAtPeer();
      case MailboxOp.probeConsoleLength:
        this.consoleOutput = (this.probe as ProbeFor['console']).output();
        return this.consoleOutput.length;
      case MailboxOp.probeConsoleBytes: {
        const out = this.consoleOutput ?? (this.probe as ProbeFor['console']).output();
        const count = f64[Slot.count] as number;
        if (!(addr >= 0 && count >= 0 && count <= DATA_BYTES && addr + count <= out.length)) {
          throw new RangeError(`console probe [${addr}, +${count}) outside ${out.length} output bytes`);
        }
        this.link.data.set(out.subarray(addr, addr + count), 0);
        return count;
      }
      case MailboxOp.probeBlockPreload: {
        const count = f64[Slot.count] as number;
        if (!(count >= 0 && count <= DATA_BYTES)) throw new RangeError(`block preload of ${count} bytes`);
        (this.probe as ProbeFor['block']).preload(addr, this.link.data, 0, count);
        return count;
      }
      default:
        throw new Error(`unknown mailbox request ${op}`);
    }
  }
}
