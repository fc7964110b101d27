/**
 * The reference console backend (DESIGN §5): an output sink and an input source. Input
 * is scripted keystrokes (one byte every `charIntervalNs`) and/or an echo of every output
 * byte; it waits in a bounded queue and flows only as far as the device's `room()`
 * allows. Deliveries run on the device actor's scheduler, never inside a device call.
 */
import type { ByteReceiver, ConsoleBackend } from '../../platform/backend-api.js';
import { copyBytes } from '../../platform/bytes.js';
import type { Meter } from '../../platform/meter.js';
import type { Scheduler } from '../../platform/scheduler.js';
import { ByteQueue } from './byte-queue.js';

export interface ConsoleBackendOptions {
  /** Output bytes kept for `output()`; later bytes are counted only. Default 1 MiB. */
  outputCap?: number;
  /** Scripted keystrokes, typed after the receiver is attached. */
  input?: Uint8Array;
  /** Gap between keystrokes, ns. Default 0: typed as fast as the device takes them. */
  charIntervalNs?: number;
  /** Feed every output byte back as input (echo-latency workloads). */
  echo?: boolean;
  /** Input bytes held while the device has no room. Default 4096. */
  inputQueueBytes?: number;
}

export interface ConsoleBackendStats {
  writes: number;
  bytesOut: number;
  /** Output bytes beyond `outputCap`, counted but not kept. */
  bytesOutDiscarded: number;
  /** Input bytes handed to the device. */
  bytesIn: number;
  /** Echo bytes lost because the input queue was full. */
  inputDropped: number;
}

export class ReferenceConsoleBackend implements ConsoleBackend {
  readonly stats: ConsoleBackendStats = { writes: 0, bytesOut: 0, bytesOutDiscarded: 0, bytesIn: 0, inputDropped: 0 };
  private readonly out: Uint8Array;
  private outLength = 0;
  private readonly pending: ByteQueue;
  private readonly script: Uint8Array;
  private scriptPos = 0;
  private readonly charIntervalNs: number;
  private readonly echo: boolean;
  private receiver: ByteReceiver | undefined;
  /** Typing: a keystroke timer is pending. Stalled: the queue was full, resume when it drains. */
  private typing: 'idle' | 'scheduled' | 'stalled' = 'idle';
  private deliverScheduled = false;
  private delivering = false;

  constructor(
    opts: ConsoleBackendOptions,
    private readonly sched: Scheduler,
    // Console output is modelled as instantaneous (QEMU's UART sends within the register
    // write), so no service time is metered; kept for the uniform backend signature.
    readonly meter: Meter,
  ) {
    const cap = opts.outputCap ?? 1 << 20;
    if (!Number.isInteger(cap) || cap < 0) throw new RangeError(`outputCap ${cap}`);
    this.out = new Uint8Array(cap);
    this.pending = new ByteQueue(opts.inputQueueBytes ?? 4096);
    this.script = opts.input ?? new Uint8Array(0);
    this.charIntervalNs = opts.charIntervalNs ?? 0;
    if (!(this.charIntervalNs >= 0)) throw new RangeError(`charIntervalNs ${this.charIntervalNs}`);
    this.echo = opts.echo === true;
  }

  /** Output kept so far (a view, valid until the next write). */
  output(): Uint8Array {
    return this.out.subarray(0, this.outLength);
  }

  /** Scripted keystrokes not yet typed. */
  get scriptRemaining(): number {
    return this.script.length - this.scriptPos;
  }

  write(bytes: Uint8Array, offset: number, length: number): void {
    const s = this.stats;
    s.writes++;
    s.bytesOut += length;
    const keep = Math.min(length, this.out.length - this.outLength);
    copyBytes(bytes, offset, this.out, this.outLength, keep);
    this.outLength += keep;
    s.bytesOutDiscarded += length - keep;
    if (!this.echo) return;
    for (let i = 0; i < length; i++) if (!this.pending.push(bytes[offset + i]!)) s.inputDropped++;
    this.scheduleDeliver();
  }

  setReceiver(rx: ByteReceiver): void {
    const first = this.receiver === undefined;
    this.receiver = rx;
    if (first && this.script.length > 0) this.scheduleKeystroke();
    this.scheduleDeliver();
  }

  rxReady(): void {
    this.scheduleDeliver();
  }

  private scheduleKeystroke(): void {
    this.typing = 'scheduled';
    this.sched.after(this.charIntervalNs, this.onKeystroke);
  }

  private scheduleDeliver(): void {
    if (this.deliverScheduled) return;
    this.deliverScheduled = true;
    this.sched.after(0, this.onDeliverTimer);
  }

  private readonly onKeystroke = (): void => {
    this.typing = 'idle';
    // With no gap, type everything that fits now; otherwise one key per tick.
    do {
      if (!this.pending.push(this.script[this.scriptPos]!)) {
        this.typing = 'stalled';
        break;
      }
      this.scriptPos++;
    } while (this.charIntervalNs === 0 && this.scriptPos < this.script.length);
    this.deliver();
    if (this.typing === 'idle' && this.scriptPos < this.script.length) this.scheduleKeystroke();
  };

  private readonly onDeliverTimer = (): void => {
    this.deliverScheduled = false;
    this.deliver();
  };

  /** Hand queued input to the device, as much as its room allows. */
  private deliver(): void {
    const rx = this.receiver;
    if (rx === undefined || this.delivering) return;
    this.delivering = true;
    try {
      const q = this.pending;
      while (q.size > 0) {
        const n = Math.min(rx.room(), q.contiguous());
        if (n <= 0) break;
        this.stats.bytesIn += n;
        rx.receive(q.storage, q.headOffset, n);
        q.consume(n);
      }
    } finally {
      this.delivering = false;
    }
    // A keystroke held back by a full queue can be typed now there is space.
    if (this.typing === 'stalled' && this.pending.room > 0) this.scheduleKeystroke();
  }
}

export function createConsoleBackend(
  opts: ConsoleBackendOptions,
  sched: Scheduler,
  meter: Meter,
): ReferenceConsoleBackend {
  return new ReferenceConsoleBackend(opts, sched, meter);
}
