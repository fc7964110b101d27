/**
 * `echo` — console round-trip latency, like a keystroke echoed by a remote shell: each
 * operation writes a `bs`-byte message; the console backend runs in echo mode and feeds every
 * output byte back as input. An operation ends when its last byte has come back; latency runs
 * from its intended start (closed loop or Poisson `rate`, load.ts).
 *
 * Echoed bytes arrive in output order, so message k's bytes follow message k-1's: every byte
 * received is checked against the oldest message still waiting, and a lost, extra or altered
 * byte fails the run.
 */
import { declaredDepth, requireDepth, startGuarded } from '../job.js';
import { expectedLoadOps, LoadDriver, type LoadTarget, loadParams, loadPlan } from '../load.js';
import { fillStream } from '../pattern.js';
import { param, VerificationError, type Workload, type WorkloadContext } from '../workload.js';

/** Per-slot state bits: the slot is free again once both are set. */
const WRITE_DONE = 1;
const ECHO_DONE = 2;

class EchoJob implements LoadTarget {
  private readonly bs: number;
  private readonly depth: number;
  private readonly driver: LoadDriver;
  private readonly addrs: number[] = [];
  private readonly messages: Uint8Array[] = [];
  private readonly onWritten: (() => void)[] = [];
  private readonly state: Uint8Array;
  /** Slots in issue order, oldest at `head`: the order their echoes must come back in. */
  private readonly order: Int32Array;
  private head = 0;
  private waitingEchoes = 0;
  /** Bytes of the oldest message already echoed. */
  private matched = 0;
  private echoed = 0;
  private input = new Uint8Array(4096);
  private stopped = false;

  constructor(private readonly ctx: WorkloadContext<'console'>) {
    const port = ctx.port;
    this.bs = param(ctx.params, 'bs');
    if (this.bs > port.maxWrite) {
      throw new Error(`bs ${this.bs} exceeds the port's maximum write of ${port.maxWrite} bytes`);
    }
    this.depth = ctx.knobs.iodepth;
    requireDepth(this.depth, declaredDepth(port), 'console');
    this.driver = new LoadDriver(ctx.guest.sched, loadPlan(ctx.params, this.depth), this, ctx.latency, ctx.seed);
    this.state = new Uint8Array(this.depth);
    this.order = new Int32Array(this.depth);
    for (let slot = 0; slot < this.depth; slot++) {
      this.addrs.push(ctx.guest.alloc.alloc(this.bs, 64));
      this.messages.push(new Uint8Array(this.bs));
      this.onWritten.push(() => this.settle(slot, WRITE_DONE));
    }
  }

  start(): void {
    this.ctx.port.onInput((addr, len) => this.received(addr, len));
    this.ctx.measured.begin();
    this.driver.start();
  }

  issue(slot: number, sequence: number): void {
    const message = this.messages[slot] as Uint8Array;
    fillStream(message, 0, this.bs, this.ctx.seed, sequence);
    this.ctx.guest.mem.store(this.addrs[slot] as number, message, 0, this.bs);
    this.state[slot] = 0;
    this.order[(this.head + this.waitingEchoes) % this.depth] = slot;
    this.waitingEchoes++;
    this.ctx.port.write(this.addrs[slot] as number, this.bs, this.onWritten[slot] as () => void);
  }

  private received(addr: number, len: number): void {
    if (this.stopped) return;
    if (len > this.input.length) this.input = new Uint8Array(len);
    const input = this.input;
    this.ctx.guest.mem.load(addr, len, input, 0);
    for (let i = 0; i < len; i++) {
      if (this.waitingEchoes === 0) {
        this.fail(
          `unexpected console input byte 0x${(input[i] as number).toString(16)}: no message is waiting for its echo`,
        );
        return;
      }
      const slot = this.order[this.head] as number;
      const want = (this.messages[slot] as Uint8Array)[this.matched] as number;
      if (input[i] !== want) {
        this.fail(
          `echo byte ${this.echoed}: expected 0x${want.toString(16).padStart(2, '0')} got 0x${(input[i] as number).toString(16).padStart(2, '0')}`,
        );
        return;
      }
      this.echoed++;
      if (++this.matched === this.bs) {
        this.matched = 0;
        this.head = (this.head + 1) % this.depth;
        this.waitingEchoes--;
        this.driver.record(slot);
        this.settle(slot, ECHO_DONE);
        if (this.stopped) return;
      }
    }
  }

  private settle(slot: number, bit: number): void {
    if (this.stopped) return;
    const s = ((this.state[slot] as number) | bit) & 0xff;
    this.state[slot] = s;
    if (s === (WRITE_DONE | ECHO_DONE)) this.driver.release(slot);
  }

  drained(ops: number): void {
    this.ctx.measured.end(ops, ops * this.bs);
    this.ctx.note('echoedBytes', this.echoed);
    this.ctx.finish();
  }

  private fail(message: string): void {
    this.stopped = true;
    this.driver.stop();
    this.ctx.fail(new VerificationError(message));
  }
}

export const echo: Workload<'console'> = {
  id: 'echo',
  cls: 'console',
  description: 'console round trip: write bs bytes, wait until the echoing backend returns them; every byte checked',
  params: [{ key: 'bs', default: 1, min: 1, unit: 'bytes', description: 'bytes per message' }, ...loadParams(1_000)],
  expectedOps: expectedLoadOps,
  backendNeeds: () => ({ consoleEcho: true }),
  start: (ctx) => startGuarded(ctx, () => new EchoJob(ctx)),
};
