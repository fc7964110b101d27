/**
 * Async client for QEMU's qtest protocol over stdio pipes (specs/virtio.md §11.2,
 * specs/trap-emulate.md §9).
 *
 * One command per line; QEMU answers each, in order, with `OK [0xVAL]` or `FAIL …`.
 * `IRQ raise N` / `IRQ lower N` lines arrive asynchronously once `irq_intercept_in` is
 * active, possibly before the `OK` of the access that caused them; they are kept in an
 * ordered event log, each stamped with the number of replies received before it, so a
 * test can attribute an edge to the access whose reply followed it.
 *
 * Commands may be pipelined (`batch`): qtest answers strictly in order. A command that
 * gets no reply in time leaves the reply stream unaligned, so a timeout fails every
 * pending command and kills QEMU.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from './find-executable.js';
import { QemuMissing, QtestCommandFailed, QtestError, QtestTimeout } from './qtest-errors.js';

export { QemuMissing, QtestCommandFailed, QtestError, QtestTimeout };

export const QEMU_BINARY = 'qemu-system-x86_64';

let haltFirmware: string | undefined;

/**
 * A 64 KiB BIOS image of HLT bytes whose reset vector (0xFFF0) runs `cli; hlt; jmp $-3`:
 * the CPU parks itself and the machine's devices and timers run in real time.
 */
function haltFirmwarePath(): string {
  if (haltFirmware !== undefined) return haltFirmware;
  const image = new Uint8Array(65536).fill(0xf4);
  image.set([0xfa, 0xf4, 0xeb, 0xfd], 0xfff0);
  const dir = mkdtempSync(join(tmpdir(), 'ringside-bios-'));
  haltFirmware = join(dir, 'halt.bin');
  writeFileSync(haltFirmware, image);
  return haltFirmware;
}

/** No firmware, CPU stopped, qtest on stdio (virtio.md §11.2: `-accel qtest` is not in Debian's build). */
export const QTEST_BASE_ARGS = [
  '-M',
  'pc',
  '-display',
  'none',
  '-nodefaults',
  '-S',
  '-qtest',
  'stdio',
  '-qtest-log',
  '/dev/null',
] as const;

export interface QtestOptions {
  /** Executable to run; default `qemu-system-x86_64` from PATH. */
  readonly binary?: string;
  /** Appended after QTEST_BASE_ARGS (devices, drives, `-serial null`…). */
  readonly extraArgs?: readonly string[];
  /** Per-command reply timeout. */
  readonly timeoutMs?: number;
  /** Time QEMU gets after SIGTERM before SIGKILL at close(). */
  readonly killGraceMs?: number;
  /**
   * SIGKILL QEMU when the thread that started it dies (default true): runs it under
   * util-linux `setpriv --pdeathsig KILL` when that exists, so a test process that is
   * killed, or a worker that is terminated, leaves no QEMU behind.
   */
  readonly dieWithParent?: boolean;
  /**
   * Run the machine instead of holding the CPU with `-S`: timers, bottom halves and
   * devices that only work while the VM runs (virtio-rng) then make progress. The CPU
   * executes a halt loop from a tiny firmware image (trap-emulate.md §9, running mode).
   */
  readonly running?: boolean;
}

/** One asynchronous interrupt-line transition reported by qtest. */
export interface IrqEvent {
  /** Position in the whole log (0, 1, 2…). */
  readonly seq: number;
  /** IOAPIC pin = GSI (= ISA IRQ for 0–15). */
  readonly line: number;
  /** true for `IRQ raise`, false for `IRQ lower`. */
  readonly level: boolean;
  /**
   * Replies received before this line: the event came from the command whose reply
   * index equals this value (or from QEMU's main loop between commands).
   */
  readonly afterReplies: number;
}

export type IrqListener = (event: IrqEvent) => void;

interface Pending {
  readonly command: string;
  readonly resolve: (rest: string) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_KILL_GRACE_MS = 1_000;
const STDERR_KEEP = 4_096;

/** Every QEMU this process started and has not seen exit: killed if the process exits first. */
const liveChildren = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;
function trackChild(child: ChildProcessWithoutNullStreams): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

export class QtestProcess {
  private readonly pending: Pending[] = [];
  private readonly log: IrqEvent[] = [];
  private readonly perLine = new Map<number, IrqEvent[]>();
  private readonly levels = new Map<number, boolean>();
  private readonly listeners: IrqListener[] = [];
  private readonly timeoutMs: number;
  private readonly killGraceMs: number;
  private partial = '';
  private stderrTail = '';
  private replies = 0;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;
  /** Lines that were neither replies nor IRQ events (kept for diagnostics). */
  readonly stray: string[] = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    options: QtestOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP);
    });
    // A write after QEMU died raises EPIPE here; the exit handler reports it.
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        const how = signal !== null ? `signal ${signal}` : `code ${code}`;
        const tail = this.stderrTail.trim();
        this.fail(new QtestError(`QEMU exited (${how})${tail === '' ? '' : `; stderr: ${tail}`}`));
        resolve();
      });
    });
  }

  /** Spawn QEMU and wait until the process exists; rejects with QemuMissing if the binary is absent. */
  static start(options: QtestOptions = {}): Promise<QtestProcess> {
    const binary = options.binary ?? QEMU_BINARY;
    const resolved = findExecutable(binary);
    if (resolved === undefined) return Promise.reject(new QemuMissing(binary));
    const base = options.running
      ? [...QTEST_BASE_ARGS.filter((a) => a !== '-S'), '-bios', haltFirmwarePath()]
      : QTEST_BASE_ARGS;
    const args = [...base, ...(options.extraArgs ?? [])];
    const guard = options.dieWithParent === false ? undefined : findExecutable('setpriv');
    // setpriv sets the parent-death signal and execs QEMU: same pid, same pipes.
    const child =
      guard === undefined
        ? spawn(resolved, args, { stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn(guard, ['--pdeathsig', 'KILL', '--', resolved, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'ENOENT' ? new QemuMissing(binary) : new QtestError(`cannot start ${binary}: ${err.message}`),
        );
      });
      child.once('spawn', () => {
        trackChild(child);
        resolve(new QtestProcess(child, options));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything QEMU wrote to stderr lately (warnings, the harmless GLib timer assertion at exit). */
  get stderr(): string {
    return this.stderrTail;
  }

  /** The signal that ended the process, once it has exited by one. */
  get exitSignal(): NodeJS.Signals | null {
    return this.child.signalCode;
  }

  /** True until a timeout, an exit or close(): commands are accepted. */
  get isOpen(): boolean {
    return this.failure === undefined;
  }

  // ---- raw protocol --------------------------------------------------------------

  /** Send one command line; resolves to the text after `OK` ('' when none). */
  cmd(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      const timer = setTimeout(() => this.onTimeout(command), this.timeoutMs);
      this.pending.push({ command, resolve, reject, timer });
      this.child.stdin.write(`${command}\n`);
    });
  }

  /** Pipeline several commands in one write; resolves to their replies in order. */
  batch(commands: readonly string[]): Promise<string[]> {
    return Promise.all(commands.map((c) => this.cmd(c)));
  }

  onIrq(listener: IrqListener): void {
    this.listeners.push(listener);
  }

  /** The whole ordered log, or one line's transitions. */
  irqEvents(line?: number): readonly IrqEvent[] {
    return line === undefined ? this.log : (this.perLine.get(line) ?? []);
  }

  /** Last reported level of a line (false before any event). */
  irqLevel(line: number): boolean {
    return this.levels.get(line) ?? false;
  }

  /** Replies received so far: the `afterReplies` stamp the next event would get. */
  get replyCount(): number {
    return this.replies;
  }

  private onStdout(chunk: string): void {
    const text = this.partial + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.onLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.partial = text.slice(start);
  }

  private onLine(line: string): void {
    if (line.startsWith('IRQ ')) {
      const [, what, num] = line.split(' ');
      const n = Number(num);
      if ((what === 'raise' || what === 'lower') && Number.isInteger(n)) {
        this.recordIrq(n, what === 'raise');
        return;
      }
    }
    const isOk = line === 'OK' || line.startsWith('OK ');
    if (!isOk && !line.startsWith('FAIL')) {
      this.stray.push(line);
      return;
    }
    const p = this.pending.shift();
    if (p === undefined) {
      this.stray.push(line);
      return;
    }
    this.replies++;
    clearTimeout(p.timer);
    if (isOk) p.resolve(line.slice(3));
    else p.reject(new QtestCommandFailed(p.command, line.slice(5)));
  }

  private recordIrq(line: number, level: boolean): void {
    const event: IrqEvent = { seq: this.log.length, line, level, afterReplies: this.replies };
    this.log.push(event);
    let list = this.perLine.get(line);
    if (list === undefined) {
      list = [];
      this.perLine.set(line, list);
    }
    list.push(event);
    this.levels.set(line, level);
    for (const l of this.listeners) l(event);
  }

  private onTimeout(command: string): void {
    this.fail(new QtestTimeout(command, this.timeoutMs, this.child.pid));
    this.child.kill('SIGKILL');
  }

  /** Reject everything in flight and refuse further commands. */
  private fail(err: Error): void {
    if (this.failure === undefined) this.failure = err;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  /** Stop QEMU: stdin EOF + SIGTERM, SIGKILL after the grace period (virtio-net ignores EOF). */
  async close(): Promise<void> {
    this.fail(new QtestError('QEMU closed by the test'));
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    const grace = setTimeout(() => this.child.kill('SIGKILL'), this.killGraceMs);
    await this.exited;
    clearTimeout(grace);
  }

  // ---- typed helpers -------------------------------------------------------------

  async in(size: 1 | 2 | 4, port: number): Promise<number> {
    return parseValue(await this.cmd(`${IN_CMD[size]} ${hex(port)}`));
  }
  async out(size: 1 | 2 | 4, port: number, value: number): Promise<void> {
    await this.cmd(`${OUT_CMD[size]} ${hex(port)} ${hex(value >>> 0)}`);
  }
  inb(port: number): Promise<number> {
    return this.in(1, port);
  }
  inw(port: number): Promise<number> {
    return this.in(2, port);
  }
  inl(port: number): Promise<number> {
    return this.in(4, port);
  }
  outb(port: number, value: number): Promise<void> {
    return this.out(1, port, value);
  }
  outw(port: number, value: number): Promise<void> {
    return this.out(2, port, value);
  }
  outl(port: number, value: number): Promise<void> {
    return this.out(4, port, value);
  }

  /** Physical read of 1/2/4 bytes (RAM or MMIO). */
  async readN(size: 1 | 2 | 4, addr: number): Promise<number> {
    return parseValue(await this.cmd(`${READ_CMD[size]} ${hex(addr)}`));
  }
  async writeN(size: 1 | 2 | 4, addr: number, value: number): Promise<void> {
    await this.cmd(`${WRITE_CMD[size]} ${hex(addr)} ${hex(value >>> 0)}`);
  }
  readb(addr: number): Promise<number> {
    return this.readN(1, addr);
  }
  readw(addr: number): Promise<number> {
    return this.readN(2, addr);
  }
  readl(addr: number): Promise<number> {
    return this.readN(4, addr);
  }
  async readq(addr: number): Promise<bigint> {
    return BigInt((await this.cmd(`readq ${hex(addr)}`)).trim());
  }
  writeb(addr: number, value: number): Promise<void> {
    return this.writeN(1, addr, value);
  }
  writew(addr: number, value: number): Promise<void> {
    return this.writeN(2, addr, value);
  }
  writel(addr: number, value: number): Promise<void> {
    return this.writeN(4, addr, value);
  }
  async writeq(addr: number, value: bigint): Promise<void> {
    await this.cmd(`writeq ${hex(addr)} 0x${BigInt.asUintN(64, value).toString(16)}`);
  }

  /** `read ADDR SIZE`: bytes in address order, decoded into `into[offset…]`. */
  async readInto(addr: number, size: number, into: Uint8Array, offset = 0): Promise<void> {
    if (size === 0) return;
    const rest = (await this.cmd(`read ${hex(addr)} ${hex(size)}`)).trim();
    const digits = rest.startsWith('0x') ? rest.slice(2) : rest;
    if (digits.length !== size * 2)
      throw new QtestError(`read ${hex(addr)} ${size}: reply has ${digits.length} digits`);
    Buffer.from(into.buffer, into.byteOffset, into.byteLength).write(digits, offset, size, 'hex');
  }

  async read(addr: number, size: number): Promise<Uint8Array> {
    const out = new Uint8Array(size);
    await this.readInto(addr, size, out);
    return out;
  }

  /** `write ADDR SIZE 0xHEX` from `src[offset…offset+size)`. */
  async write(addr: number, src: Uint8Array, offset = 0, size = src.length - offset): Promise<void> {
    if (size === 0) return;
    const digits = Buffer.from(src.buffer, src.byteOffset + offset, size).toString('hex');
    await this.cmd(`write ${hex(addr)} ${hex(size)} 0x${digits}`);
  }

  async memset(addr: number, size: number, byte: number): Promise<void> {
    if (size === 0) return;
    await this.cmd(`memset ${hex(addr)} ${hex(size)} ${hex(byte & 0xff)}`);
  }

  /** Report the named device's interrupt inputs as `IRQ raise/lower` lines (e.g. `ioapic`). */
  async irqInterceptIn(qomPath = 'ioapic'): Promise<void> {
    await this.cmd(`irq_intercept_in ${qomPath}`);
  }
}

const IN_CMD = { 1: 'inb', 2: 'inw', 4: 'inl' } as const;
const OUT_CMD = { 1: 'outb', 2: 'outw', 4: 'outl' } as const;
const READ_CMD = { 1: 'readb', 2: 'readw', 4: 'readl' } as const;
const WRITE_CMD = { 1: 'writeb', 2: 'writew', 4: 'writel' } as const;

/** `OK 0x0002` → 2 (qtest pads to the access width). */
function parseValue(rest: string): number {
  const v = Number.parseInt(rest.trim(), 16);
  if (Number.isNaN(v)) throw new QtestError(`expected a value after OK, got "${rest}"`);
  return v;
}
