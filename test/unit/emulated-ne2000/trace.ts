/**
 * Register-access traces for the NE2000 (trap-emulate.md §9 "Differential recipe"): a trace is
 * a list of sized port accesses relative to the card's base, plus frame injections; replaying
 * it from reset yields, per step, the value read and the interrupt-line transitions it caused.
 * The same trace replays on our device model (here) and on QEMU (test/peers/qemu), and the two
 * result lists must match except at steps tagged with a documented divergence.
 */
import type { AccessSize } from '../../../models/platform/bus.js';
import { Rng } from '../../../models/platform/rng.js';
import { BROADCAST, CARD_MAC, makeFrame, OTHER_MAC, type RawCard } from './raw-card.js';

export type Step =
  | { readonly op: 'in'; readonly offset: number; readonly size: AccessSize; readonly divergence?: string }
  | {
      readonly op: 'out';
      readonly offset: number;
      readonly size: AccessSize;
      readonly value: number;
      readonly divergence?: string;
    }
  /** A frame arriving from the network (on QEMU: sent by a second card on the same hub). */
  | { readonly op: 'inject'; readonly frame: Uint8Array; readonly divergence?: string };

export interface StepResult {
  /** Value read (`in` steps only). */
  readonly value?: number;
  /** Line transitions during the step, in order (true = raise). */
  readonly edges: readonly boolean[];
}

export const inb = (offset: number): Step => ({ op: 'in', offset, size: 1 });
export const outb = (offset: number, value: number): Step => ({ op: 'out', offset, size: 1, value });
export const inw = (offset: number): Step => ({ op: 'in', offset, size: 2 });
export const outw = (offset: number, value: number): Step => ({ op: 'out', offset, size: 2, value });
export const inl = (offset: number): Step => ({ op: 'in', offset, size: 4 });
export const outl = (offset: number, value: number): Step => ({ op: 'out', offset, size: 4, value });

/** Replay on our model; the card must be freshly built (power-up state). */
export function replayOnModel(card: RawCard, steps: readonly Step[]): StepResult[] {
  const results: StepResult[] = [];
  for (const s of steps) {
    const at = card.step;
    let value: number | undefined;
    if (s.op === 'in') value = card.in(s.offset, s.size);
    else if (s.op === 'out') card.out(s.offset, s.value, s.size);
    else card.push(s.frame);
    results.push(value === undefined ? { edges: card.edgesAt(at) } : { value, edges: card.edgesAt(at) });
  }
  return results;
}

export interface Mismatch {
  readonly step: number;
  readonly what: string;
  readonly divergence?: string;
}

/** First difference between two replays (undefined if none). */
export function firstMismatch(
  steps: readonly Step[],
  ours: readonly StepResult[],
  theirs: readonly StepResult[],
): Mismatch | undefined {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i] as Step;
    const a = ours[i] as StepResult;
    const b = theirs[i] as StepResult;
    const where = `step ${i} ${describeStep(s)}`;
    const base = s.divergence === undefined ? {} : { divergence: s.divergence };
    if (a.value !== b.value) {
      return { step: i, what: `${where}: ours read ${hex(a.value)}, QEMU ${hex(b.value)}`, ...base };
    }
    if (a.edges.join() !== b.edges.join()) {
      return { step: i, what: `${where}: line edges ours [${a.edges}] QEMU [${b.edges}]`, ...base };
    }
  }
  return undefined;
}

const SIZE_SUFFIX = { 1: 'b', 2: 'w', 4: 'l' } as const;

export function describeStep(s: Step): string {
  if (s.op === 'inject') return `inject ${s.frame.length}-byte frame`;
  const w = SIZE_SUFFIX[s.size];
  if (s.op === 'in') return `in${w} +0x${s.offset.toString(16)}`;
  return `out${w} +0x${s.offset.toString(16)} 0x${s.value.toString(16)}`;
}

function hex(v: number | undefined): string {
  return v === undefined ? '-' : `0x${v.toString(16)}`;
}

/**
 * A random trace biased toward state that matters: CR page/command values, ring and DMA
 * registers, data-port bursts in every width, ISR/IMR, reset-port reads and (optionally)
 * injected frames. Accesses never straddle the window end (a platform bus limit, see the
 * `window-straddle` divergence).
 */
export function randomTrace(seed: number, length: number, options: { inject?: boolean } = {}): Step[] {
  const rng = new Rng(seed);
  const steps: Step[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[rng.below(xs.length)] as T;
  const crValues = [0x21, 0x22, 0x0a, 0x12, 0x1a, 0x26, 0x62, 0x61, 0xa2, 0xe2, 0x02, 0x20, 0x05, 0x42];
  const ringPages = [0x40, 0x46, 0x4c, 0x60, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0x00, 0x10, 0xff];
  while (steps.length < length) {
    const r = rng.below(100);
    if (r < 14) steps.push(outb(0, pick(crValues)));
    else if (r < 30) steps.push(outb(1 + rng.below(15), rng.below(4) === 0 ? pick(ringPages) : rng.below(256)));
    else if (r < 46) steps.push(inb(rng.below(16)));
    else if (r < 58) {
      const size = pick([1, 2, 4] as const);
      const n = 1 + rng.below(8);
      for (let i = 0; i < n; i++) steps.push({ op: 'in', offset: 0x10, size });
    } else if (r < 66) {
      const size = pick([1, 2, 4] as const);
      const n = 1 + rng.below(6);
      for (let i = 0; i < n; i++) steps.push({ op: 'out', offset: 0x10, size, value: rng.u32() >>> (32 - 8 * size) });
    } else if (r < 70) steps.push(outb(0x07, rng.below(256)));
    else if (r < 74) steps.push(outb(0x0f, rng.below(256)));
    else if (r < 77) steps.push(inb(0x1f));
    else if (r < 85) {
      // Wide or unaligned accesses inside the window.
      const size = pick([2, 4] as const);
      const offset = rng.below(0x20 - size + 1);
      if (rng.below(2) === 0) steps.push({ op: 'in', offset, size });
      else steps.push({ op: 'out', offset, size, value: rng.u32() >>> (32 - 8 * size) });
    } else if (r < 92 || !options.inject) {
      // A remote-DMA setup burst.
      steps.push(outb(0x0a, rng.below(64)), outb(0x0b, rng.below(4) === 0 ? rng.below(256) : 0));
      steps.push(outb(0x08, rng.below(256)), outb(0x09, pick([0x00, 0x40, 0x4c, 0x7f, 0xbf, 0xc0, 0xff])));
    } else {
      const dst = pick([CARD_MAC, BROADCAST, OTHER_MAC, [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]] as const);
      steps.push({
        op: 'inject',
        frame: makeFrame(dst, OTHER_MAC, pick([14, 42, 60, 61, 200, 248, 252, 1514]), rng.below(256)),
      });
    }
  }
  return steps.slice(0, length);
}

/**
 * A random receive-side trace for a started card (ring 0x40–0x80 set up by the caller): frames
 * of every interesting length and address class, the guest freeing ring space (BNRY) at random
 * pages, ring read-back through remote DMA, filter changes (RCR, MAR), ISR/IMR traffic and the
 * occasional stop/start.
 */
export function randomRxTrace(seed: number, length: number): Step[] {
  const rng = new Rng(seed);
  const steps: Step[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[rng.below(xs.length)] as T;
  const multicast = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01] as const;
  while (steps.length < length) {
    const r = rng.below(100);
    if (r < 30) {
      const dst = pick([CARD_MAC, CARD_MAC, BROADCAST, OTHER_MAC, multicast] as const);
      const len = pick([14, 42, 60, 61, 64, 248, 249, 252, 253, 508, 1000, 1513, 1514]);
      steps.push({ op: 'inject', frame: makeFrame(dst, OTHER_MAC, len, rng.below(256)) });
    } else if (r < 40) {
      steps.push(outb(0, 0x62), inb(0x07), outb(0, 0x22), inb(0x03), inb(0x07), inb(0x0c));
    } else if (r < 50) {
      steps.push(outb(0x03, 0x40 + rng.below(0x40)));
    } else if (r < 70) {
      const page = 0x40 + rng.below(0x40);
      const count = 2 * (1 + rng.below(40));
      steps.push(outb(0x0a, count), outb(0x0b, 0), outb(0x08, pick([0, 4, 0xfc])), outb(0x09, page), outb(0, 0x0a));
      for (let i = 0; i < count / 2; i++) steps.push(inw(0x10));
    } else if (r < 78) {
      steps.push(outb(0x07, rng.below(256)));
    } else if (r < 84) {
      steps.push(outb(0x0f, pick([0x00, 0x01, 0x3f, 0x40, 0x7f, 0xff])));
    } else if (r < 90) {
      steps.push(outb(0x0c, pick([0x00, 0x04, 0x08, 0x0c, 0x10, 0x1c])));
    } else if (r < 94) {
      steps.push(outb(0, 0x62), outb(8 + rng.below(8), rng.below(256)), outb(0, 0x22));
    } else if (r < 97) {
      steps.push(outb(0, pick([0x21, 0x22, 0x02])));
    } else {
      steps.push(inb(0x1f));
    }
  }
  return steps.slice(0, length);
}
