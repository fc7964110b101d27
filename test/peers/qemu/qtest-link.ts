/**
 * The calling thread's end of the qtest mailbox: every method is one synchronous
 * round trip to the worker that owns QEMU (Atomics.wait until the worker publishes
 * the reply), so code written against the synchronous platform contract runs unchanged.
 */
import { Worker } from 'node:worker_threads';
import {
  Arg,
  Ctl,
  IRQ_LINES,
  Mailbox,
  MailboxOp,
  MailboxStatus,
  type WorkerControl,
  type WorkerInit,
  type WorkerStartup,
} from './qtest-mailbox.js';
import { QEMU_BINARY, QemuMissing, QtestError, type QtestOptions } from './qtest-process.js';
import { qtestWorkerUrl } from './worker-bundle.js';

export interface QtestLinkOptions extends QtestOptions {
  /** Device whose interrupt inputs qtest reports; `ioapic` by default. */
  readonly interceptIrqsOf?: string;
}

type LinkState = 'open' | 'broken' | 'closed';

const TWO32 = 4294967296;
/** Extra time the caller waits beyond the worker's own per-command timeout. */
const REPLY_MARGIN_MS = 2_000;
const CLOSE_WAIT_MS = 5_000;

/** QEMU pids of links not yet closed: killed if the process exits first. */
const livePids = new Set<number>();
let exitHookInstalled = false;
function trackPid(pid: number): void {
  livePids.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of livePids) killQuietly(p);
    });
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export class QtestLink {
  private state: LinkState = 'open';
  private seq = 0;
  private workerError: Error | undefined;
  private readonly replyTimeoutMs: number;

  private constructor(
    private readonly worker: Worker,
    readonly box: Mailbox,
    /** QEMU's process id. */
    readonly pid: number,
    commandTimeoutMs: number,
  ) {
    this.replyTimeoutMs = commandTimeoutMs + REPLY_MARGIN_MS;
    worker.on('error', (err) => {
      this.workerError = err;
      if (this.state === 'open') this.state = 'broken';
    });
  }

  /** Start the worker, which starts QEMU and turns on `irq_intercept_in`. */
  static async launch(options: QtestLinkOptions = {}): Promise<QtestLink> {
    const url = await qtestWorkerUrl();
    const box = Mailbox.allocate();
    const { interceptIrqsOf = 'ioapic', ...qtest } = options;
    const init: WorkerInit = { buffer: box.buffer, qtest, interceptIrqsOf };
    const worker = new Worker(url, { workerData: init });
    const startup = await new Promise<WorkerStartup>((resolve, reject) => {
      const onMessage = (m: WorkerStartup): void => settle(() => resolve(m));
      const onError = (err: Error): void => settle(() => reject(err));
      const onExit = (code: number): void =>
        settle(() => reject(new QtestError(`qtest worker exited (code ${code}) during start-up`)));
      // Remove only our listeners: Worker keeps its own (message-port referencing) on itself.
      const settle = (finish: () => void): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        finish();
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    if (startup.kind === 'failed') {
      await worker.terminate();
      throw startup.name === 'QemuMissing'
        ? new QemuMissing(options.binary ?? QEMU_BINARY)
        : new QtestError(startup.message);
    }
    trackPid(startup.pid);
    // The caller blocks in Atomics.wait, never on this thread's event loop: let it exit freely.
    worker.unref();
    return new QtestLink(worker, box, startup.pid, options.timeoutMs ?? 5_000);
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  private call(op: number, size: number): void {
    if (this.state !== 'open') {
      const why = this.workerError === undefined ? '' : ` (worker error: ${this.workerError.message})`;
      throw new QtestError(`qtest link is ${this.state}${why}`);
    }
    const ctl = this.box.ctl;
    ctl[Ctl.op] = op;
    ctl[Ctl.size] = size;
    const seq = (this.seq + 1) | 0;
    this.seq = seq;
    // Arguments are written before `request` publishes them.
    Atomics.store(ctl, Ctl.request, seq);
    Atomics.notify(ctl, Ctl.request);
    const deadline = performance.now() + this.replyTimeoutMs;
    while (Atomics.load(ctl, Ctl.reply) !== seq) {
      const left = deadline - performance.now();
      if (left <= 0) {
        this.state = 'broken';
        throw new QtestError(`qtest worker gave no reply within ${this.replyTimeoutMs} ms (op ${op})`);
      }
      Atomics.wait(ctl, Ctl.reply, (seq - 1) | 0, left);
    }
    if (ctl[Ctl.status] !== MailboxStatus.ok) throw new QtestError(this.box.readText());
  }

  in(size: 1 | 2 | 4, port: number): number {
    this.box.args[Arg.addr] = port;
    this.call(MailboxOp.in, size);
    return this.box.args[Arg.lo] as number;
  }

  out(size: 1 | 2 | 4, port: number, value: number): void {
    this.box.args[Arg.addr] = port;
    this.box.args[Arg.lo] = value >>> 0;
    this.call(MailboxOp.out, size);
  }

  /** Physical read (RAM or MMIO); an 8-byte value comes back as a number (exact below 2^53). */
  readMem(size: 1 | 2 | 4 | 8, addr: number): number {
    const args = this.box.args;
    args[Arg.addr] = addr;
    this.call(MailboxOp.readMem, size);
    const lo = args[Arg.lo] as number;
    return size === 8 ? (args[Arg.hi] as number) * TWO32 + lo : lo;
  }

  writeMem(size: 1 | 2 | 4 | 8, addr: number, value: number): void {
    const args = this.box.args;
    args[Arg.addr] = addr;
    args[Arg.lo] = value >>> 0;
    args[Arg.hi] = size === 8 ? Math.floor(value / TWO32) >>> 0 : 0;
    this.call(MailboxOp.writeMem, size);
  }

  /** Guest bytes [addr, addr+len) into `box.data` (len ≤ DATA_BYTES). */
  readBulk(addr: number, len: number): void {
    this.box.args[Arg.addr] = addr;
    this.box.args[Arg.len] = len;
    this.call(MailboxOp.readBulk, 0);
  }

  /** `box.data[0, len)` into guest bytes at addr (len ≤ DATA_BYTES). */
  writeBulk(addr: number, len: number): void {
    this.box.args[Arg.addr] = addr;
    this.box.args[Arg.len] = len;
    this.call(MailboxOp.writeBulk, 0);
  }

  memset(addr: number, len: number, byte: number): void {
    const args = this.box.args;
    args[Arg.addr] = addr;
    args[Arg.len] = len;
    args[Arg.lo] = byte & 0xff;
    this.call(MailboxOp.memset, 0);
  }

  // ---- interrupt lines, read straight from shared memory ----

  lineLevel(gsi: number): boolean {
    return gsi < IRQ_LINES && Atomics.load(this.box.levels, gsi) !== 0;
  }

  raiseCount(gsi: number): number {
    return gsi < IRQ_LINES ? Atomics.load(this.box.raises, gsi) : 0;
  }

  /** Changes whenever any IRQ line is reported. */
  irqChanges(): number {
    return Atomics.load(this.box.ctl, Ctl.irqChanges);
  }

  /** Sleep until an IRQ line is reported after `seen` was read, or `timeoutMs` passes. */
  waitForIrq(seen: number, timeoutMs: number): void {
    if (timeoutMs > 0) Atomics.wait(this.box.ctl, Ctl.irqChanges, seen, timeoutMs);
  }

  /**
   * Ask the worker to stop QEMU (SIGTERM, SIGKILL after the grace period; the worker's
   * child handle reaps it), then end the worker. If the worker does not answer, kill
   * QEMU by pid.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const closed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS);
      this.worker.once('message', (m: WorkerControl) => {
        clearTimeout(timer);
        resolve(m.kind === 'closed');
      });
    });
    this.worker.postMessage({ kind: 'close' } satisfies WorkerControl);
    if (!(await closed)) killQuietly(this.pid);
    livePids.delete(this.pid);
    await this.worker.terminate();
  }

  /**
   * End the worker without stopping QEMU, as a crashed test run would. QEMU then dies
   * with the worker's thread (QtestOptions.dieWithParent); a test checks exactly that.
   */
  async abandon(): Promise<void> {
    this.state = 'closed';
    livePids.delete(this.pid);
    await this.worker.terminate();
  }
}
