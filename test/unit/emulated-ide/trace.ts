/**
 * Register-access traces for the IDE differential (specs/trap-emulate.md §9 recipe): a trace is a
 * list of steps (sized port accesses, guest-RAM writes, waits for the drive, RAM dumps); each
 * side replays it from reset and reports, per step, the value(s) read, the ordered IRQ-14
 * transitions the step caused and any RAM bytes dumped. `OurIde` replays on our device model;
 * the QEMU replay lives in test/peers/qemu/emulated-ide.test.ts.
 */

import { AtaStatus } from '../../../models/emulated/ide/index.js';
import type { AccessSize } from '../../../models/platform/bus.js';
import { CTL, type IdeStack, makeIdeStack } from './ide-stack.js';

export type TraceStep =
  | { readonly op: 'in'; readonly port: number; readonly size: AccessSize }
  | { readonly op: 'out'; readonly port: number; readonly size: AccessSize; readonly value: number }
  /** `count` reads of one port (a PIO block); values compared as a list. */
  | { readonly op: 'ins'; readonly port: number; readonly size: AccessSize; readonly count: number }
  | { readonly op: 'outs'; readonly port: number; readonly size: AccessSize; readonly values: readonly number[] }
  | { readonly op: 'ram'; readonly addr: number; readonly bytes: Uint8Array }
  /** Poll the alternate status (no side effect; polls are not compared) until `(st & mask) === value`. */
  | { readonly op: 'settle'; readonly mask: number; readonly value: number }
  | { readonly op: 'dump'; readonly addr: number; readonly len: number }
  /** BAR4 at BM_BASE, I/O decode + bus master on (what firmware would do). */
  | { readonly op: 'bus-master' };

export type Tagged = TraceStep & {
  /** A divergences/ide.ts id: this step is expected to differ. */
  readonly divergence?: string;
  /** A value both sides must read (keeps a trace from passing vacuously). */
  readonly expect?: number;
};

export interface StepResult {
  value?: number;
  values?: number[];
  /** Level changes of IRQ 14 during the step: true = raise. */
  irq: boolean[];
  bytes?: string;
}

export function hexBytes(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function sameResult(a: StepResult, b: StepResult): boolean {
  return (
    a.value === b.value &&
    JSON.stringify(a.values) === JSON.stringify(b.values) &&
    JSON.stringify(a.irq) === JSON.stringify(b.irq) &&
    a.bytes === b.bytes
  );
}

export function describeStep(s: TraceStep): string {
  const h = (n: number): string => `0x${n.toString(16)}`;
  switch (s.op) {
    case 'in':
      return `in${s.size} ${h(s.port)}`;
    case 'out':
      return `out${s.size} ${h(s.port)} ${h(s.value)}`;
    case 'ins':
      return `${s.count}× in${s.size} ${h(s.port)}`;
    case 'outs':
      return `${s.values.length}× out${s.size} ${h(s.port)}`;
    case 'ram':
      return `ram ${h(s.addr)} ← ${s.bytes.length} B`;
    case 'settle':
      return `settle (st & ${h(s.mask)}) = ${h(s.value)}`;
    case 'dump':
      return `dump ${h(s.addr)}+${s.len}`;
    case 'bus-master':
      return 'bus-master on';
  }
}

/** Our device model on the sim engine, replaying steps. */
export class OurIde {
  readonly stack: IdeStack;

  constructor(capacitySectors: number, fill: (bytes: Uint8Array) => void) {
    this.stack = makeIdeStack({ capacitySectors, fill, memBytes: 32 * 1024 * 1024 });
  }

  step(s: TraceStep): StepResult {
    const st = this.stack;
    const mark = st.irq.length;
    const out: StepResult = { irq: [] };
    switch (s.op) {
      case 'in':
        out.value = st.inb(s.port, s.size);
        break;
      case 'out':
        st.outb(s.port, s.value, s.size);
        break;
      case 'ins': {
        const values: number[] = [];
        for (let i = 0; i < s.count; i++) values.push(st.inb(s.port, s.size));
        out.values = values;
        break;
      }
      case 'outs':
        for (const v of s.values) st.outb(s.port, v, s.size);
        break;
      case 'ram':
        st.m.guest.mem.store(s.addr, s.bytes);
        break;
      case 'settle': {
        st.settle();
        const alt = st.m.guest.io.in(CTL, 1);
        if ((alt & s.mask) !== s.value)
          throw new Error(`did not settle: status 0x${alt.toString(16)} after ${describeStep(s)}`);
        break;
      }
      case 'dump': {
        const b = new Uint8Array(s.len);
        st.m.guest.mem.load(s.addr, s.len, b);
        out.bytes = hexBytes(b);
        break;
      }
      case 'bus-master':
        st.enableBusMaster();
        break;
    }
    for (let i = mark; i < st.irq.length; i++) out.irq.push((st.irq[i] as { level: boolean }).level);
    return out;
  }
}

/** BSY clear: a PIO command, a block or a flush has finished with the backend. */
export const NOT_BUSY = { mask: AtaStatus.BSY, value: 0 } as const;
/** BSY and DRQ clear: a DMA command has finished (or was refused). */
export const DMA_DONE = { mask: AtaStatus.BSY | AtaStatus.DRQ, value: 0 } as const;
