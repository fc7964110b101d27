/**
 * Our 16550A driver, unchanged, against QEMU 7.2's isa-serial (specs/trap-emulate.md §9): the
 * driver sees only the GuestPlatform contract, here realised over qtest, with QEMU running (its
 * character timeout needs the clock) and a pipe chardev as the far end. Output must reach the pipe
 * byte for byte, piped input must reach onInput, and the exits the driver takes must be those of
 * §2 "Driver sequences" — the same counts as against our device model (test/unit/emulated-uart).
 * Needs qemu-system-x86_64: without it every test here fails with QemuMissing's message.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UartDriver } from '../../../models/emulated/uart/driver.js';
import { uartBinding } from '../../../models/emulated/uart/index.js';
import { DEFAULT_KNOBS, parseCoalesce } from '../../../models/platform/knobs.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import { QtestPlatform } from './qtest-platform.js';

function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed * 29 + i * 13) & 0xff);
}

const modes = [
  { mode: 'irq', coalesce: 'none' },
  { mode: 'irq', coalesce: 'count:14' },
  { mode: 'polled', coalesce: 'none' },
  { mode: 'polled', coalesce: 'count:4' },
] as const;

describe.each(modes)('UART driver ($mode, $coalesce) against QEMU isa-serial', ({ mode, coalesce }) => {
  const config: ModelConfig = {
    knobs: { ...DEFAULT_KNOBS, coalesce: parseCoalesce(coalesce), copy: 'copy' },
    options: { exits: 'user', 'uart-mode': mode },
  };
  const fifoOn = coalesce !== 'none';
  let g: QtestPlatform;
  let driver: UartDriver;
  let dir: string;
  let fdIn: number;
  let fdOut: number;
  const input: number[] = [];

  /** What QEMU has sent into the pipe so far. */
  function pipeOutput(): number[] {
    const out: number[] = [];
    const buf = new Uint8Array(4096);
    for (;;) {
      let n: number;
      try {
        n = readSync(fdOut, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return out;
        throw e;
      }
      if (n <= 0) return out;
      out.push(...buf.subarray(0, n));
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringside-uart-drv-'));
    const path = join(dir, 'com1');
    execFileSync('mkfifo', [`${path}.in`, `${path}.out`]);
    g = await QtestPlatform.launch({
      running: true,
      extraArgs: ['-chardev', `pipe,id=com1,path=${path}`, '-serial', 'chardev:com1'],
    });
    // O_RDWR: opening a FIFO this way never blocks.
    fdIn = openSync(`${path}.in`, constants.O_RDWR | constants.O_NONBLOCK);
    fdOut = openSync(`${path}.out`, constants.O_RDWR | constants.O_NONBLOCK);
    let up: UartDriver | undefined;
    let error: Error | undefined;
    uartBinding.createGuest(
      g,
      config,
      (port) => {
        up = port as UartDriver;
      },
      (e) => {
        error = e;
      },
    );
    g.runUntil(() => up !== undefined || error !== undefined, 10_000);
    if (error !== undefined) throw error;
    driver = up as UartDriver;
  }, 60_000);

  afterAll(async () => {
    await g?.close();
    if (fdIn !== undefined) closeSync(fdIn);
    if (fdOut !== undefined) closeSync(fdOut);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('brings the UART up in 11 exits (trap-emulate.md §2 init)', () => {
    expect(g.meter.counters.exitsUser).toBe(11);
    expect(g.io.in(0x3fb, 1)).toBe(0x03);
    expect(g.io.in(0x3fc, 1)).toBe(0x0b);
    expect(g.io.in(0x3fa, 1) & 0xc0).toBe(fifoOn ? 0xc0 : 0);
  });

  it('writes reach QEMU’s backend byte for byte, with the exits of §2', () => {
    const n = 300;
    const bytes = pattern(n, 3);
    const addr = g.alloc.alloc(n, 64);
    g.mem.store(addr, bytes);
    pipeOutput();
    const exits = g.meter.counters.exitsUser;
    const spurious = driver.stats.spuriousInterrupts;
    let done = false;
    driver.write(addr, n, () => {
      done = true;
    });
    g.runUntil(() => done, 10_000);
    g.sched.drain();
    expect(pipeOutput()).toEqual(Array.from(bytes));
    const refills = fifoOn ? Math.ceil(n / 16) : n;
    const expected =
      mode === 'polled'
        ? n + refills // LSR per refill + THR per byte
        : n + refills + 3 + (driver.stats.spuriousInterrupts - spurious); // + IER on/off, final IIR, spurious IIRs
    expect(g.meter.counters.exitsUser - exits).toBe(expected);
  });

  it('piped input reaches onInput whole and in order', () => {
    const n = 200;
    const bytes = pattern(n, 7);
    driver.onInput((a, len) => {
      const got = new Uint8Array(len);
      g.mem.load(a, len, got);
      input.push(...got);
    });
    writeSync(fdIn, bytes);
    g.runUntil(() => input.length >= n, 20_000);
    expect(input).toEqual(Array.from(bytes));
    expect(driver.stats.overrunsSeen).toBe(0);
  });
});
