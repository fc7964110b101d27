/**
 * Register-access traces for the QEMU differential (specs/trap-emulate.md §9 "Differential recipe"):
 * a trace is a list of sized port accesses, backend input and waits; replaying it yields, per step,
 * the value read and the ordered IRQ 4 transitions. This file replays on our device (through the
 * mock of uart-rig.ts); test/peers/qemu/emulated-uart.test.ts replays the same steps on QEMU.
 */
import { COM1_BASE, Iir, Lsr, UartReg } from '../../../models/emulated/uart/registers.js';
import { makeUartRig, type UartRig } from './uart-rig.js';

export type TraceStep =
  | { readonly op: 'in'; readonly reg: number; readonly size?: 1 | 2 }
  | { readonly op: 'out'; readonly reg: number; readonly value: number; readonly size?: 1 | 2 }
  /** Bytes typed at the far end: they flow as far as the device's room allows, the rest waits. */
  | { readonly op: 'inject'; readonly bytes: readonly number[] }
  /** Let time pass (running mode only: the character timeout). */
  | { readonly op: 'wait'; readonly ms: number };

export type Transition = 'raise' | 'lower';

export interface StepResult {
  /** Value read (`in` steps). */
  readonly value?: number;
  /** IRQ 4 transitions the step caused, in order (including deliveries it let through). */
  readonly irq: readonly Transition[];
  /** Input bytes the device took during the step (QEMU takes them asynchronously: settle first). */
  readonly delivered: number;
  /** Input bytes still held by the backend after the step (QEMU: in the socket). */
  readonly held: number;
}

export function describeStep(s: TraceStep): string {
  const name = (reg: number, write: boolean): string => {
    const names = write
      ? ['THR/DLL', 'IER/DLM', 'FCR', 'LCR', 'MCR', 'LSR', 'MSR', 'SCR']
      : ['RBR/DLL', 'IER/DLM', 'IIR', 'LCR', 'MCR', 'LSR', 'MSR', 'SCR'];
    return names[reg] ?? `+${reg}`;
  };
  const hex = (v: number): string => `0x${v.toString(16)}`;
  switch (s.op) {
    case 'in':
      return `in${s.size === 2 ? 'w' : 'b'} ${name(s.reg, false)}`;
    case 'out':
      return `out${s.size === 2 ? 'w' : 'b'} ${name(s.reg, true)} ${hex(s.value)}`;
    case 'inject':
      return `inject [${s.bytes.map(hex).join(' ')}]`;
    case 'wait':
      return `wait ${s.ms} ms`;
  }
}

/** Our side of a differential: a fresh device at power-on state. */
export class OurUart {
  readonly rig: UartRig = makeUartRig();

  step(s: TraceStep): StepResult {
    const { rig } = this;
    const mark = rig.lines.events.length;
    const taken = rig.backend.delivered;
    let value: number | undefined;
    switch (s.op) {
      case 'in':
        value = rig.inp(COM1_BASE + s.reg, s.size ?? 1);
        break;
      case 'out':
        rig.outp(COM1_BASE + s.reg, s.size ?? 1, s.value);
        break;
      case 'inject':
        rig.backend.inject(s.bytes);
        break;
      case 'wait':
        rig.clock.advance(s.ms * 1e6);
        break;
    }
    const irq = rig.lines.since(mark) as Transition[];
    const delivered = rig.backend.delivered - taken;
    const result = { irq, delivered, held: rig.backend.pending };
    return value === undefined ? result : { value, ...result };
  }

  get output(): readonly number[] {
    return this.rig.backend.output;
  }

  /** The UART's current register snapshot (no side effects): to plan drain steps. */
  get lsr(): number {
    return this.rig.device.state().lsr;
  }
}

/**
 * Steps that bring a UART in any state back to a known one with the FIFOs off, nothing pending,
 * RBR zero and no interrupt — the same steps go to both sides, so their histories stay equal.
 * `ours` tells whether input is still held or data is in the receiver (both sides agree if the
 * device models do; any disagreement shows in the compared steps).
 */
export function* quiesceSteps(ours: OurUart): Generator<TraceStep> {
  yield { op: 'out', reg: UartReg.LCR, value: 0x03 };
  yield { op: 'out', reg: UartReg.IER, value: 0x00 };
  yield { op: 'out', reg: UartReg.MCR, value: 0x08 };
  // FIFO on with trigger 14: the backend may hand over up to 14 bytes at a time while we drain.
  yield { op: 'out', reg: UartReg.FCR, value: 0xc7 };
  for (let guard = 0; guard < 256 && (ours.rig.backend.pending > 0 || ours.lsr & Lsr.DR); guard++) {
    yield { op: 'in', reg: UartReg.RBR };
  }
  yield { op: 'out', reg: UartReg.FCR, value: 0x00 };
  // Loopback a zero so RBR (kept with the FIFO off) is 0 again.
  yield { op: 'out', reg: UartReg.MCR, value: 0x10 };
  yield { op: 'out', reg: UartReg.THR, value: 0x00 };
  yield { op: 'in', reg: UartReg.RBR };
  yield { op: 'in', reg: UartReg.LSR };
  yield { op: 'out', reg: UartReg.MCR, value: 0x08 };
  yield { op: 'in', reg: UartReg.MSR };
  yield { op: 'out', reg: UartReg.LCR, value: 0x83 };
  yield { op: 'out', reg: UartReg.DLL, value: 0x0c };
  yield { op: 'out', reg: UartReg.DLM, value: 0x00 };
  yield { op: 'out', reg: UartReg.LCR, value: 0x03 };
  yield { op: 'out', reg: UartReg.SCR, value: 0x00 };
  yield { op: 'in', reg: UartReg.IIR };
}

/** IIR value with no interrupt and the FIFO off: what a quiesced UART reports. */
export const QUIESCED_IIR = Iir.NO_INT;
