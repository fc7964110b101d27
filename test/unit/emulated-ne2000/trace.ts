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

export function describeStep(s: Step): string {
  const w = { 1: 'b', 2: 'w', 4: 'l' }[s.size ?? 1];
  if (s.op === 'in') return `in${w} +0x${s.offset.toString(16)}`;
  if (s.op === 'out') return `out${w} +0x${s.offset.toString(16)} 0x${s.value.toString(16)}`;
  return `inject ${s.frame.length}-byte frame`;
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
      steps.push({ op: 'inject', frame: makeFrame(dst, OTHER_MAC, pick([14, 42, 60, 61, 200, 1514]), rng.below(256)) });
    }
  }
  return steps.slice(0, length);
}
