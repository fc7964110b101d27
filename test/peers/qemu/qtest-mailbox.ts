/**
 * The SharedArrayBuffer mailbox between the calling thread (a guest driver, which
 * needs synchronous answers) and the worker that owns the QEMU pipes (which can only
 * do async I/O). One request at a time:
 *
 *   caller: write op + args → store ++seq in `request` → notify → Atomics.wait on `reply`
 *   worker: waitAsync on `request` → run the qtest command(s) → write results →
 *           store seq in `reply` → notify
 *
 * The worker also mirrors every `IRQ raise/lower` into `levels` / `raises` and bumps
 * `irqChanges` (notifying it), so the caller sees interrupt lines without a round trip
 * and can sleep on `irqChanges` when idle.
 */
import type { QtestOptions } from './qtest-process.js';

/** Int32 control words. */
export const Ctl = {
  /** Sequence number of the latest request (written by the caller). */
  request: 0,
  /** Sequence number of the latest completed request (written by the worker). */
  reply: 1,
  op: 2,
  /** 1/2/4/8 for sized accesses. */
  size: 3,
  status: 4,
  /** Length of the UTF-8 error text in `data` when status is `failed`. */
  textLength: 5,
  /** Incremented on every IRQ line the worker sees. */
  irqChanges: 6,
  qemuPid: 7,
} as const;
const CTL_WORDS = 8;

export const MailboxOp = {
  in: 1,
  out: 2,
  readMem: 3,
  writeMem: 4,
  /** `read` of `args[len]` bytes into `data`. */
  readBulk: 5,
  /** `write` of `args[len]` bytes from `data`. */
  writeBulk: 6,
  memset: 7,
} as const;

export const MailboxStatus = { ok: 0, failed: 1 } as const;

/** Float64 argument slots (addresses need more than 32 bits of headroom). */
export const Arg = { addr: 0, len: 1, lo: 2, hi: 3 } as const;
const ARG_SLOTS = 4;

/** Lines mirrored (the PIIX IOAPIC has 24 pins). */
export const IRQ_LINES = 32;

/** Bulk window: larger guest-memory transfers are split into chunks of this size. */
export const DATA_BYTES = 64 * 1024;

const ARGS_OFFSET = (CTL_WORDS + 2 * IRQ_LINES) * 4;
const DATA_OFFSET = ARGS_OFFSET + ARG_SLOTS * 8;
const MAILBOX_BYTES = DATA_OFFSET + DATA_BYTES;

export class Mailbox {
  readonly ctl: Int32Array;
  /** Current level (0/1) of each line. */
  readonly levels: Int32Array;
  /** Count of `IRQ raise` lines per line. */
  readonly raises: Int32Array;
  /** Arguments in, results out (`lo`/`hi` carry a 64-bit value as two u32). */
  readonly args: Float64Array;
  readonly data: Uint8Array;
  readonly dataView: DataView;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.ctl = new Int32Array(buffer, 0, CTL_WORDS);
    this.levels = new Int32Array(buffer, CTL_WORDS * 4, IRQ_LINES);
    this.raises = new Int32Array(buffer, (CTL_WORDS + IRQ_LINES) * 4, IRQ_LINES);
    this.args = new Float64Array(buffer, ARGS_OFFSET, ARG_SLOTS);
    this.data = new Uint8Array(buffer, DATA_OFFSET, DATA_BYTES);
    this.dataView = new DataView(buffer, DATA_OFFSET, DATA_BYTES);
  }

  static allocate(): Mailbox {
    return new Mailbox(new SharedArrayBuffer(MAILBOX_BYTES));
  }

  /** Error text for the caller (failure path only). */
  writeText(text: string): void {
    this.ctl[Ctl.textLength] = Buffer.from(this.buffer, DATA_OFFSET, DATA_BYTES).write(text, 'utf8');
  }

  readText(): string {
    return Buffer.from(this.buffer, DATA_OFFSET, this.ctl[Ctl.textLength] ?? 0).toString('utf8');
  }
}

/** What the worker receives as workerData. */
export interface WorkerInit {
  readonly buffer: SharedArrayBuffer;
  readonly qtest: QtestOptions;
  /** `irq_intercept_in` target, normally `ioapic`. */
  readonly interceptIrqsOf: string;
}

/** Worker → caller messages during start-up (before the mailbox is in use). */
export type WorkerStartup =
  | { readonly kind: 'ready'; readonly pid: number }
  | { readonly kind: 'failed'; readonly message: string; readonly name: string };

/** Caller ↔ worker messages for teardown. */
export type WorkerControl = { readonly kind: 'close' } | { readonly kind: 'closed' };

/** `Atomics.waitAsync` (ES2024) is in Node 20 but not in this project's ES2023 lib typings. */
type WaitAsyncResult =
  | { readonly async: false; readonly value: 'not-equal' | 'timed-out' }
  | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult;
  }
).waitAsync.bind(Atomics);
