/**
 * The control block the two halves of a threads-engine run share besides guest RAM (DESIGN §3, §7):
 * one SharedArrayBuffer holding futex words, the exit mailbox, the doorbell table, pending interrupt
 * bits, run state, and a byte window for harness data. Nothing but these numbers and bytes crosses.
 *
 * Words the two threads write often sit on separate 64-byte lines so that the guest's and the host's
 * hot words do not share a cache line.
 */

/** Int32 words per 64-byte cache line. */
const LINE = 16;

/** Doorbells a host may map at once (one bit each in `doorbellPending`). */
export const MAX_DOORBELLS = 32;
/** Interrupt lines (GSIs) carried: the ISA IRQs and the IOAPIC's PCI pins fit. */
export const MAX_LINES = 32;
/** MSI vectors: the low byte of the message data. */
export const MSI_VECTORS = 256;
/** Size of the harness byte window (probe data, error text). */
export const DATA_BYTES = 64 * 1024;

/** Int32 word indices. */
export const Word = {
  // -- line 0: the host's futex: the guest bumps it for every exit request, doorbell and stop.
  hostAttention: 0 * LINE,
  hostSleeping: 0 * LINE + 1,
  // -- line 1: the guest's futex: the host bumps it for every interrupt it posts, and for stop.
  guestAttention: 1 * LINE,
  guestSleeping: 1 * LINE + 1,
  // -- line 2: the exit mailbox, request half (written by the guest).
  request: 2 * LINE,
  op: 2 * LINE + 1,
  size: 2 * LINE + 2,
  // -- line 3: the exit mailbox, reply half (written by the host).
  reply: 3 * LINE,
  /** The guest sleeps on `reply` (futex / hybrid). */
  replySleeping: 3 * LINE + 1,
  status: 3 * LINE + 2,
  /** Length of the UTF-8 text in the data window (error replies, probe data). */
  textLength: 3 * LINE + 3,
  // -- line 4: doorbells.
  /** Bit k: doorbell k rang and was not yet delivered (eventfd semantics: rings coalesce). */
  doorbellPending: 4 * LINE,
  /** Bumped by the host whenever it changes the doorbell table (the guest reloads its copy). */
  doorbellGeneration: 4 * LINE + 1,
  // -- line 5: interrupts posted by the host.
  /** MSI pending bits, 32 vectors per word (8 words). */
  msiPending: 5 * LINE,
  /** Bit g: line g changed since the guest last looked. */
  lineDirty: 5 * LINE + 8,
  // -- line 6: the fence word of both halves' guest memory (memory.ts `fenceWord`).
  fence: 6 * LINE,
  // -- line 7: run state, read by the main thread's watchdog.
  stop: 7 * LINE,
  guestState: 7 * LINE + 1,
  hostState: 7 * LINE + 2,
  /** The main thread sleeps on this word; workers bump it on every state change. */
  mainAttention: 7 * LINE + 3,
  guestProgress: 7 * LINE + 4,
  hostProgress: 7 * LINE + 5,
  guestActivity: 7 * LINE + 6,
  hostActivity: 7 * LINE + 7,
  // -- lines 8–9: doorbell offsets (the last offset written inside each doorbell's range).
  doorbellOffset: 8 * LINE,
  // -- lines 10–11: line levels (0/1), lines 12–13: rising edges per line.
  lineLevel: 10 * LINE,
  lineRises: 12 * LINE,
} as const;
export const CTL_WORDS = 14 * LINE;

/** Float64 slots: mailbox arguments and results, the doorbell table, host counter snapshots. */
export const Slot = {
  /** Port, MMIO address, hypercall number, probe offset. */
  addr: 0,
  /** Value written; hypercall a0. */
  value: 1,
  /** rep ins/outs element count; hypercall a1; probe length. */
  count: 2,
  /** rep ins/outs guest buffer; hypercall a2. */
  memAddr: 3,
  /** Hypercall a3. */
  a3: 4,
  result: 5,
  /** Doorbell k: [space (0 pio, 1 mmio, −1 free), base, length] at doorbellTable + 3k. */
  doorbellTable: 8,
  /** Host snapshot area: SNAPSHOT_SLOTS numbers written on a snapshot request. */
  snapshot: 8 + 3 * MAX_DOORBELLS,
} as const;
/** Numbers in one host snapshot (counters, busy time…), see host-side.ts. */
export const SNAPSHOT_SLOTS = 64;
const F64_SLOTS = Slot.snapshot + SNAPSHOT_SLOTS;

export const MailboxOp = {
  pioRead: 1,
  pioWrite: 2,
  mmioRead: 3,
  mmioWrite: 4,
  repIns: 5,
  repOuts: 6,
  hypercall: 7,
  /** Harness requests below: not exits, never metered. */
  snapshot: 16,
  probeFramesAtPeer: 17,
  probeConsoleLength: 18,
  /** Console output bytes [addr, addr+count) into the data window. */
  probeConsoleBytes: 19,
  /** Block store: `count` bytes from the data window written at sector `addr` (fio-style preconditioning). */
  probeBlockPreload: 20,
} as const;
export type MailboxOp = (typeof MailboxOp)[keyof typeof MailboxOp];

export const ReplyStatus = { ok: 0, failed: 1 } as const;

/** The `addr` argument of a snapshot request: where in the run the guest takes it. */
export const SnapshotPoint = { measuredBegin: 0, measuredEnd: 1 } as const;

/** Lifecycle of a half, in `guestState` / `hostState`. */
export const SideState = { starting: 0, ready: 1, running: 2, done: 3, failed: 4 } as const;

/** What a half is doing, in `guestActivity` / `hostActivity` (for hang reports). */
export const Activity = {
  working: 0,
  idle: 1,
  awaitingReply: 2,
  servingExit: 3,
} as const;

export const ACTIVITY_TEXT: Readonly<Record<number, string>> = {
  [Activity.working]: 'running callbacks',
  [Activity.idle]: 'idle, waiting for a signal or a timer',
  [Activity.awaitingReply]: 'blocked in an exit, waiting for the host to answer',
  [Activity.servingExit]: 'serving an exit',
};

const DATA_OFFSET = CTL_WORDS * 4 + F64_SLOTS * 8;
const LINK_BYTES = DATA_OFFSET + DATA_BYTES;

/** Typed views of one control block; each thread builds its own over the same buffer. */
export class ThreadLink {
  readonly ctl: Int32Array;
  readonly f64: Float64Array;
  readonly data: Uint8Array;
  /** The fence word as memory.ts wants it (element 0). */
  readonly fenceWord: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    if (buffer.byteLength !== LINK_BYTES) throw new RangeError(`thread link: ${buffer.byteLength} bytes`);
    this.ctl = new Int32Array(buffer, 0, CTL_WORDS);
    this.f64 = new Float64Array(buffer, CTL_WORDS * 4, F64_SLOTS);
    this.data = new Uint8Array(buffer, DATA_OFFSET, DATA_BYTES);
    this.fenceWord = new Int32Array(buffer, Word.fence * 4, 1);
  }

  static allocate(): ThreadLink {
    return new ThreadLink(new SharedArrayBuffer(LINK_BYTES));
  }

  writeText(text: string): void {
    const n = Buffer.from(this.buffer, DATA_OFFSET, DATA_BYTES).write(text, 'utf8');
    this.ctl[Word.textLength] = n;
  }

  readText(): string {
    const n = Math.min(DATA_BYTES, Math.max(0, this.ctl[Word.textLength] ?? 0));
    return Buffer.from(this.buffer, DATA_OFFSET, n).toString('utf8');
  }

  /** Tell the main thread something changed (state, failure). */
  alertMain(): void {
    Atomics.add(this.ctl, Word.mainAttention, 1);
    Atomics.notify(this.ctl, Word.mainAttention);
  }

  /** Ask both halves to stop: set the flag and wake whichever sleeps. */
  requestStop(): void {
    Atomics.store(this.ctl, Word.stop, 1);
    Atomics.add(this.ctl, Word.hostAttention, 1);
    Atomics.notify(this.ctl, Word.hostAttention);
    Atomics.add(this.ctl, Word.guestAttention, 1);
    Atomics.notify(this.ctl, Word.guestAttention);
    // A guest blocked in an exit re-checks the stop flag when woken.
    Atomics.notify(this.ctl, Word.reply);
  }

  stopRequested(): boolean {
    return Atomics.load(this.ctl, Word.stop) !== 0;
  }
}
