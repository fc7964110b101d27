/**
 * QEMU differential for the 16550A (specs/trap-emulate.md §9): the same register-access traces go
 * to QEMU 7.2's isa-serial (qtest, a pipe chardev as the backend) and to our device model; after
 * every step the value read and the ordered IRQ 4 transitions must match, and so must the bytes
 * that reach the backend. A difference is allowed only at a step tagged with an id listed in
 * divergences/uart.ts, and a tagged step must still differ. Curated traces cover §7 items 1–7;
 * fast-check adds random traces. The character timeout needs QEMU's clock running (running mode).
 * Needs qemu-system-x86_64: without it every test here fails with QemuMissing's message.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COM1_BASE, COM1_IRQ, UartReg as R } from '../../../models/emulated/uart/registers.js';
import {
  describeStep,
  OurUart,
  quiesceSteps,
  type StepResult,
  type TraceStep,
  type Transition,
} from '../../unit/emulated-uart/trace.js';
import { uartDivergence } from './divergences/uart.js';
import { QtestProcess } from './qtest-process.js';

/** Time QEMU's main loop gets to move piped input into the UART. */
const SETTLE_MS = 50;

type Tagged = TraceStep & {
  /** A divergences/uart.ts id: this step is expected to differ. */
  readonly divergence?: string;
  /** An anchor both sides must read (keeps a trace from passing vacuously). */
  readonly expect?: number;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** QEMU's isa-serial at COM1 behind a pipe chardev (`<path>.in` → UART, UART → `<path>.out`). */
class QemuUart {
  readonly output: number[] = [];
  private readonly buf = new Uint8Array(4096);

  private constructor(
    readonly q: QtestProcess,
    private readonly dir: string,
    private readonly fdIn: number,
    private readonly fdOut: number,
  ) {}

  static async launch(running: boolean): Promise<QemuUart> {
    const dir = mkdtempSync(join(tmpdir(), 'ringside-uart-'));
    const path = join(dir, 'com1');
    execFileSync('mkfifo', [`${path}.in`, `${path}.out`]);
    const q = await QtestProcess.start({
      running,
      extraArgs: ['-chardev', `pipe,id=com1,path=${path}`, '-serial', 'chardev:com1'],
    });
    await q.irqInterceptIn('ioapic');
    // O_RDWR: opening a FIFO this way never blocks, whoever holds the other end.
    const fdIn = openSync(`${path}.in`, constants.O_RDWR | constants.O_NONBLOCK);
    const fdOut = openSync(`${path}.out`, constants.O_RDWR | constants.O_NONBLOCK);
    return new QemuUart(q, dir, fdIn, fdOut);
  }

  async step(s: TraceStep, settleMs: number): Promise<{ value?: number; irq: Transition[] }> {
    const mark = this.q.irqEvents(COM1_IRQ).length;
    let value: number | undefined;
    switch (s.op) {
      case 'in':
        value = await this.q.in(s.size ?? 1, COM1_BASE + s.reg);
        break;
      case 'out':
        await this.q.out(s.size ?? 1, COM1_BASE + s.reg, s.value);
        break;
      case 'inject':
        writeSync(this.fdIn, Uint8Array.from(s.bytes));
        break;
      case 'wait':
        await sleep(s.ms);
        break;
    }
    if (settleMs > 0) await sleep(settleMs);
    this.drainOutput();
    const irq = this.q
      .irqEvents(COM1_IRQ)
      .slice(mark)
      .map((e): Transition => (e.level ? 'raise' : 'lower'));
    return value === undefined ? { irq } : { value, irq };
  }

  /** Read what the UART sent so far (the pipe is drained after every step, so QEMU never blocks). */
  drainOutput(): void {
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fdOut, this.buf, 0, this.buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return;
        throw e;
      }
      if (n <= 0) return;
      for (let i = 0; i < n; i++) this.output.push(this.buf[i] as number);
    }
  }

  async close(): Promise<void> {
    await this.q.close();
    closeSync(this.fdIn);
    closeSync(this.fdOut);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const hex = (v: number | undefined): string => (v === undefined ? '-' : `0x${v.toString(16)}`);

function show(r: { value?: number; irq: readonly Transition[] }): string {
  return `${hex(r.value)} irq[${r.irq.join(',')}]`;
}

/** Replay `steps` on both; returns one line per unexpected difference (or tagged step that matched). */
async function replay(qemu: QemuUart, ours: OurUart, steps: Iterable<Tagged>, label: string): Promise<string[]> {
  const problems: string[] = [];
  let i = 0;
  for (const s of steps) {
    const o: StepResult = ours.step(s);
    // Input the device takes is taken by QEMU's main loop after the access: give it time.
    const q = await qemu.step(s, s.op === 'inject' || o.delivered > 0 ? SETTLE_MS : 0);
    const same = q.value === o.value && q.irq.join() === o.irq.join();
    const where = `${label} step ${i} (${describeStep(s)}): QEMU ${show(q)}, ours ${show(o)}`;
    if (s.divergence !== undefined) {
      if (uartDivergence(s.divergence) === undefined) problems.push(`${where}: unknown divergence ${s.divergence}`);
      else if (same) problems.push(`${where}: tagged ${s.divergence} but no longer differs`);
    } else if (!same) {
      problems.push(where);
    } else if (s.expect !== undefined && o.value !== s.expect) {
      problems.push(`${where}: both differ from the anchor ${hex(s.expect)}`);
    }
    i++;
  }
  return problems;
}

function compareOutput(qemu: QemuUart, ours: OurUart): void {
  qemu.drainOutput();
  expect(qemu.output).toEqual(ours.output);
}

// ---- trace builders --------------------------------------------------------------------------

const inb = (reg: number, anchor?: number): Tagged =>
  anchor === undefined ? { op: 'in', reg } : { op: 'in', reg, expect: anchor };
const outb = (reg: number, value: number): Tagged => ({ op: 'out', reg, value });
const inject = (...bytes: number[]): Tagged => ({ op: 'inject', bytes });
const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

const TRACES: readonly { name: string; steps: readonly Tagged[] }[] = [
  {
    name: '§7.1 power-on values (serial_reset)',
    steps: [
      inb(R.RBR, 0x00),
      inb(R.IER, 0x00),
      inb(R.IIR, 0x01),
      inb(R.LCR, 0x00),
      inb(R.MCR, 0x08),
      inb(R.LSR, 0x60),
      inb(R.MSR, 0xb0),
      inb(R.SCR, 0x00),
      outb(R.LCR, 0x80),
      inb(R.DLL, 0x0c),
      inb(R.DLM, 0x00),
      inb(R.IIR, 0x01),
      outb(R.LCR, 0x00),
    ],
  },
  {
    name: '§7.2 DLAB aliasing, masks, split wide accesses',
    steps: [
      outb(R.IER, 0xff),
      inb(R.IER, 0x0f),
      outb(R.IER, 0x00),
      outb(R.MCR, 0xff),
      inb(R.MCR, 0x1f),
      outb(R.MCR, 0x08),
      outb(R.FCR, 0xff),
      inb(R.IIR, 0xc1),
      outb(R.FCR, 0xc8),
      inb(R.IIR, 0x01),
      outb(R.LSR, 0x00),
      outb(R.MSR, 0x0f),
      inb(R.LSR, 0x60),
      inb(R.MSR, 0xb0),
      outb(R.LCR, 0x83),
      { op: 'out', reg: R.DLL, value: 0x0102, size: 2 },
      inb(R.DLL, 0x02),
      inb(R.DLM, 0x01),
      { op: 'in', reg: R.DLL, size: 2 },
      outb(R.LCR, 0x03),
      outb(R.IER, 0x01),
      inject(0x41),
      { op: 'in', reg: R.RBR, size: 2, expect: 0x0141 },
      { op: 'in', reg: R.LCR, size: 2 },
      { op: 'in', reg: R.LSR, size: 2 },
      outb(R.IER, 0x00),
      outb(R.SCR, 0x5a),
      { op: 'in', reg: R.SCR, size: 2, divergence: 'window-straddle' },
      // No difference at the write itself; the SCR read shows QEMU stored the low byte, we did not.
      { op: 'out', reg: R.SCR, size: 2, value: 0xa5c3 },
      { op: 'in', reg: R.SCR, divergence: 'window-straddle' },
    ],
  },
  {
    name: '§7.4 THRE rules (IER change, IIR consumes, THR re-arms, FIFO reset)',
    steps: [
      outb(R.IER, 0x02),
      inb(R.LSR, 0x60),
      inb(R.IIR, 0x02),
      inb(R.IIR, 0x01),
      outb(R.IER, 0x02),
      outb(R.IER, 0x03),
      inb(R.IIR, 0x01),
      outb(R.IER, 0x01),
      outb(R.IER, 0x03),
      outb(R.THR, 0x68),
      outb(R.THR, 0x69),
      inb(R.LSR, 0x60),
      inb(R.IIR, 0x02),
      outb(R.FCR, 0x07),
      inb(R.IIR, 0xc2),
      outb(R.FCR, 0x05),
      outb(R.FCR, 0x01),
      outb(R.THR, 0x21),
      inb(R.IIR),
      outb(R.IER, 0x00),
    ],
  },
  {
    name: '§7.3 IIR priority with every source at once (loopback, FIFO trigger 1)',
    steps: [
      outb(R.FCR, 0x07),
      outb(R.MCR, 0x10),
      outb(R.IER, 0x0f),
      ...ascii('0123456789abcdefX').map((b) => outb(R.THR, b)),
      inb(R.IIR, 0xc6),
      inb(R.LSR, 0x63),
      inb(R.IIR, 0xc4),
      ...Array.from({ length: 16 }, () => inb(R.RBR)),
      inb(R.IIR, 0xc2),
      inb(R.IIR, 0xc1),
      inb(R.RBR, 0x00),
      outb(R.IER, 0x00),
    ],
  },
  ...[0x01, 0x41, 0x81, 0xc1].map((fcr) => {
    const trigger = [1, 4, 8, 14][fcr >>> 6] as number;
    return {
      name: `§7.5 trigger ${trigger}: RDA at the trigger, backpressure to the backend`,
      steps: [
        outb(R.FCR, fcr),
        outb(R.IER, 0x05),
        ...(trigger > 1 ? [inject(...Array.from({ length: trigger - 1 }, (_, i) => 0x61 + i))] : []),
        inb(R.IIR),
        inject(...ascii('XYZ0123456789abcdefghij')),
        inb(R.IIR, 0xc4),
        inb(R.LSR),
        ...Array.from({ length: 24 + trigger }, () => inb(R.RBR)),
        inb(R.LSR),
        inb(R.IIR),
        outb(R.IER, 0x00),
      ],
    };
  }),
  {
    name: '§7.5 FIFO off: one byte at a time, held input flows as RBR is read',
    steps: [
      outb(R.IER, 0x01),
      inject(...ascii('hello')),
      inb(R.IIR, 0x04),
      ...Array.from({ length: 6 }, () => inb(R.RBR)),
      inb(R.LSR, 0x60),
      inb(R.RBR, 0x6f),
      outb(R.IER, 0x00),
    ],
  },
  {
    name: '§7.5 overrun: FIFO off overwrites RBR, FIFO on drops the 17th; LSR read clears OE',
    steps: [
      outb(R.MCR, 0x10),
      outb(R.IER, 0x04),
      outb(R.THR, 0x41),
      outb(R.THR, 0x42),
      inb(R.IIR, 0x06),
      inb(R.LSR, 0x63),
      inb(R.LSR, 0x61),
      inb(R.RBR, 0x42),
      outb(R.FCR, 0xc7),
      ...Array.from({ length: 17 }, (_, i) => outb(R.THR, 0x30 + i)),
      inb(R.LSR, 0x63),
      inb(R.LSR, 0x61),
      ...Array.from({ length: 17 }, () => inb(R.RBR)),
      outb(R.IER, 0x00),
      outb(R.FCR, 0x00),
      outb(R.MCR, 0x08),
    ],
  },
  {
    name: '§7.6 loopback echo and MCR→MSR wiring',
    steps: [
      outb(R.LCR, 0x03),
      outb(R.MCR, 0x10),
      outb(R.THR, 0x41),
      inb(R.LSR, 0x61),
      inb(R.RBR, 0x41),
      ...[0x1f, 0x18, 0x14, 0x12, 0x11, 0x10].flatMap((mcr) => [outb(R.MCR, mcr), inb(R.MSR), inb(R.MSR)]),
      outb(R.MCR, 0x0b),
      inb(R.MSR, 0xb0),
    ],
  },
  {
    name: '§7.7 divisor 0: ignored without fault, transmit still works',
    steps: [
      outb(R.LCR, 0x83),
      outb(R.DLL, 0x00),
      outb(R.DLM, 0x00),
      inb(R.DLL, 0x00),
      outb(R.LCR, 0x03),
      outb(R.LCR, 0x1f),
      outb(R.LCR, 0x03),
      ...ascii('ok\n').map((b) => outb(R.THR, b)),
      inb(R.LSR, 0x60),
    ],
  },
  {
    name: '§2 transmit to the backend, FIFO off and on, with THRI edges',
    steps: [
      outb(R.IER, 0x02),
      ...ascii('plain ').map((b) => outb(R.THR, b)),
      outb(R.FCR, 0xc7),
      ...ascii('fifo!').map((b) => outb(R.THR, b)),
      inb(R.IIR),
      inb(R.IIR),
      outb(R.IER, 0x00),
      outb(R.FCR, 0x00),
    ],
  },
];

describe('16550A differential against QEMU isa-serial (-S: clocks stopped)', () => {
  let qemu: QemuUart;
  const ours = new OurUart();

  beforeAll(async () => {
    qemu = await QemuUart.launch(false);
  });
  afterAll(async () => {
    await qemu?.close();
  });

  it.each(TRACES)('$name', async ({ name, steps }) => {
    const problems = await replay(qemu, ours, steps, name);
    problems.push(...(await replay(qemu, ours, quiesceSteps(ours), `${name} / quiesce`)));
    expect(problems).toEqual([]);
    compareOutput(qemu, ours);
  });

  it('random register traces (fast-check): every value and IRQ transition matches', async () => {
    const value = fc.oneof(
      fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x05, 0x07, 0x0f, 0x10, 0x1f, 0x41, 0x80, 0x83, 0xc1, 0xc7, 0xff),
      fc.integer({ min: 0, max: 0xff }),
    );
    const reg = fc.integer({ min: 0, max: 7 });
    const step: fc.Arbitrary<Tagged> = fc.oneof(
      { weight: 10, arbitrary: reg.map((r): Tagged => ({ op: 'in', reg: r })) },
      { weight: 10, arbitrary: fc.tuple(reg, value).map(([r, v]): Tagged => ({ op: 'out', reg: r, value: v })) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 0, max: 6 }).map((r): Tagged => ({ op: 'in', reg: r, size: 2 })),
      },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.integer({ min: 0, max: 0xff }), { minLength: 1, maxLength: 5 })
          .map((b): Tagged => ({ op: 'inject', bytes: b })),
      },
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        runs++;
        const problems = await replay(qemu, ours, quiesceSteps(ours), `run ${runs} quiesce`);
        problems.push(...(await replay(qemu, ours, steps, `run ${runs}`)));
        expect(problems).toEqual([]);
      }),
      { numRuns: 100 },
    );
    compareOutput(qemu, ours);
  }, 300_000);
});

describe('16550A differential against QEMU isa-serial (running: the character timeout)', () => {
  let qemu: QemuUart;
  const ours = new OurUart();

  beforeAll(async () => {
    qemu = await QemuUart.launch(true);
  });
  afterAll(async () => {
    await qemu?.close();
  });

  it('§7.5 timeout 0xCC after 4 character times; an RBR read clears it and re-arms (divisor 576: 200 ms)', async () => {
    // 200 baud 8N1 → 50 ms per character, 200 ms timeout: every other step takes well under that.
    const wait: Tagged = { op: 'wait', ms: 450 };
    const steps: Tagged[] = [
      outb(R.LCR, 0x83),
      outb(R.DLL, 576 & 0xff),
      outb(R.DLM, 576 >>> 8),
      outb(R.LCR, 0x03),
      outb(R.FCR, 0xc7),
      outb(R.IER, 0x01),
      inject(0x31, 0x32, 0x33),
      inb(R.IIR, 0xc1),
      wait,
      inb(R.IIR, 0xcc),
      inb(R.RBR, 0x31),
      inb(R.IIR, 0xc1),
      wait,
      inb(R.IIR, 0xcc),
      inb(R.RBR, 0x32),
      inb(R.RBR, 0x33),
      inb(R.IIR, 0xc1),
      wait,
      inb(R.IIR, 0xc1),
      outb(R.IER, 0x00),
    ];
    const problems = await replay(qemu, ours, steps, 'timeout');
    expect(problems).toEqual([]);
  });

  it('§7.5 an RX FIFO reset cancels a pending timeout', async () => {
    const steps: Tagged[] = [
      outb(R.FCR, 0xc7),
      outb(R.IER, 0x01),
      inject(0x41),
      { op: 'wait', ms: 450 },
      inb(R.IIR, 0xcc),
      outb(R.FCR, 0xc3),
      inb(R.IIR, 0xc1),
      { op: 'wait', ms: 450 },
      inb(R.IIR, 0xc1),
      outb(R.IER, 0x00),
    ];
    expect(await replay(qemu, ours, steps, 'rx reset')).toEqual([]);
  });
});
