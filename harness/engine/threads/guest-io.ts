/**
 * The guest face of the bus in the threads engine (bus.ts `GuestIo`). Every port or MMIO access and
 * every hypercall is a synchronous round trip through the mailbox in the control block: the guest
 * writes the request, bumps the host's futex and waits for the reply (notify.ts policy); the host
 * runs the platform Bus and answers. Writes that hit a doorbell in the host's published table are
 * completed here instead, as the host kernel completes an ioeventfd write: a kernel exit, a pending
 * bit and a notify, no reply.
 */
import type { AccessSize, GuestIo } from '../../../models/platform/bus.js';
import type { Meter } from '../../../models/platform/meter.js';
import { DoorbellSpace } from './host-bus.js';
import { Activity, MAX_DOORBELLS, MailboxOp, ReplyStatus, Slot, type ThreadLink, Word } from './link.js';
import { signal, Waiter, WaitOutcome, type WaitPolicy, type WaitStats } from './notify.js';
import type { ThreadStats } from './snapshot.js';

/** The host half failed while serving a request; the guest unwinds with this. */
export class HostHalfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostHalfError';
  }
}

/** The run was stopped while the guest waited for a reply. */
export class RunStopped extends Error {
  constructor() {
    super('the run was stopped while the guest waited for the host');
    this.name = 'RunStopped';
  }
}

export class MailboxGuestIo implements GuestIo {
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly replyWaiter: Waiter;
  private seq = 0;
  // The guest's copy of the doorbell table (reloaded when the host's generation moves).
  private doorbellGeneration = Number.NaN;
  private doorbellCount = 0;
  private readonly doorbellSlot = new Int32Array(MAX_DOORBELLS);
  private readonly doorbellSpace = new Int32Array(MAX_DOORBELLS);
  private readonly doorbellBase = new Float64Array(MAX_DOORBELLS);
  private readonly doorbellEnd = new Float64Array(MAX_DOORBELLS);

  constructor(
    private readonly link: ThreadLink,
    private readonly meter: Meter,
    policy: WaitPolicy,
    waitStats: WaitStats,
    private readonly stats: ThreadStats,
    private readonly actor: string,
  ) {
    this.ctl = link.ctl;
    this.f64 = link.f64;
    this.replyWaiter = new Waiter(link.ctl, Word.reply, Word.replySleeping, policy, waitStats);
    this.reloadDoorbells();
  }

  in(port: number, size: AccessSize): number {
    return this.exit(MailboxOp.pioRead, port, size, 0, 0, 0);
  }

  out(port: number, size: AccessSize, value: number): void {
    if (this.doorbell(DoorbellSpace.pio, port, size)) return;
    this.exit(MailboxOp.pioWrite, port, size, value, 0, 0);
  }

  mmioRead(addr: number, size: AccessSize): number {
    return this.exit(MailboxOp.mmioRead, addr, size, 0, 0, 0);
  }

  mmioWrite(addr: number, size: AccessSize, value: number): void {
    if (this.doorbell(DoorbellSpace.mmio, addr, size)) return;
    this.exit(MailboxOp.mmioWrite, addr, size, value, 0, 0);
  }

  repIns(port: number, size: AccessSize, count: number, addr: number): number {
    return this.exit(MailboxOp.repIns, port, size, 0, count, addr);
  }

  repOuts(port: number, size: AccessSize, count: number, addr: number): number {
    return this.exit(MailboxOp.repOuts, port, size, 0, count, addr);
  }

  hypercall(op: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0): number {
    this.f64[Slot.a3] = a3;
    return this.exit(MailboxOp.hypercall, op, 0, a0, a1, a2);
  }

  /** A harness request (snapshot, probe): the same round trip, but not an exit and never metered. */
  harness(op: MailboxOp, addr = 0, count = 0): number {
    return this.roundTrip(op, addr, 0, 0, count, 0);
  }

  private exit(op: MailboxOp, addr: number, size: number, value: number, count: number, memAddr: number): number {
    this.stats.exits++;
    return this.roundTrip(op, addr, size, value, count, memAddr);
  }

  private roundTrip(op: MailboxOp, addr: number, size: number, value: number, count: number, memAddr: number): number {
    const ctl = this.ctl;
    const f64 = this.f64;
    f64[Slot.addr] = addr;
    f64[Slot.value] = value;
    f64[Slot.count] = count;
    f64[Slot.memAddr] = memAddr;
    ctl[Word.op] = op;
    ctl[Word.size] = size;
    const previous = this.seq;
    const seq = (previous + 1) | 0;
    this.seq = seq;
    // The seq-cst store publishes the arguments written above.
    Atomics.store(ctl, Word.request, seq);
    if (signal(ctl, Word.hostAttention, Word.hostSleeping)) this.stats.wokePeer++;
    ctl[Word.guestActivity] = Activity.awaitingReply;
    while (Atomics.load(ctl, Word.reply) !== seq) {
      if (this.replyWaiter.wait(previous, Number.POSITIVE_INFINITY) === WaitOutcome.woken) {
        this.meter.wakeup(this.actor);
      }
      if (this.link.stopRequested() && Atomics.load(ctl, Word.reply) !== seq) throw new RunStopped();
    }
    ctl[Word.guestActivity] = Activity.working;
    if (ctl[Word.status] !== ReplyStatus.ok) throw new HostHalfError(this.link.readText());
    if (ctl[Word.doorbellGeneration] !== this.doorbellGeneration) this.reloadDoorbells();
    return f64[Slot.result] as number;
  }

  private reloadDoorbells(): void {
    this.doorbellGeneration = Atomics.load(this.ctl, Word.doorbellGeneration);
    let n = 0;
    for (let k = 0; k < MAX_DOORBELLS; k++) {
      const t = Slot.doorbellTable + 3 * k;
      const space = this.f64[t] as number;
      if (space === DoorbellSpace.free) continue;
      this.doorbellSlot[n] = k;
      this.doorbellSpace[n] = space;
      this.doorbellBase[n] = this.f64[t + 1] as number;
      this.doorbellEnd[n] = (this.f64[t + 1] as number) + (this.f64[t + 2] as number);
      n++;
    }
    this.doorbellCount = n;
  }

  /** Ring the doorbell containing [addr, addr+size), if any. */
  private doorbell(space: number, addr: number, size: number): boolean {
    for (let i = 0; i < this.doorbellCount; i++) {
      const base = this.doorbellBase[i] as number;
      if (this.doorbellSpace[i] !== space || addr < base || addr + size > (this.doorbellEnd[i] as number)) continue;
      // The host kernel completes the write (an in-kernel exit); only the eventfd signal crosses.
      this.meter.exit(space === DoorbellSpace.pio ? 'pio' : 'mmio', 'kernel', size);
      const k = this.doorbellSlot[i] as number;
      this.ctl[Word.doorbellOffset + k] = addr - base;
      this.stats.doorbellsRung++;
      const bit = 1 << k;
      if ((Atomics.or(this.ctl, Word.doorbellPending, bit) & bit) === 0) {
        this.stats.doorbellsPosted++;
        if (signal(this.ctl, Word.hostAttention, Word.hostSleeping)) this.stats.wokePeer++;
      }
      return true;
    }
    return false;
  }
}
