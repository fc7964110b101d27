/**
 * Hostile guests against the port-I/O RNG (specs/trap-emulate.md §8 H13 read flood / empty backend,
 * H14 exit-amplification storms): nothing escapes an exit, nothing blocks, nothing buffers beyond one
 * word, and whatever the access sequence, the words handed out are the backend's stream in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RNG_WORD_BYTES, RngDevice, RngRegister } from '../../models/emulated/rng/index.js';
import type { AccessSize } from '../../models/platform/bus.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { ScriptedEntropy } from '../unit/emulated-model/rng-stack.js';

type Op =
  | { readonly t: 'in'; readonly offset: number; readonly size: AccessSize }
  | { readonly t: 'out'; readonly offset: number; readonly size: AccessSize; readonly value: number }
  | { readonly t: 'supply'; readonly n: number }
  | { readonly t: 'advance'; readonly ns: number };

const sizeArb = fc.constantFrom<AccessSize>(1, 2, 4);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ offset: fc.oneof(fc.constantFrom(0, 4), fc.integer({ min: 0, max: 7 })), size: sizeArb })
      .map((r) => ({ t: 'in' as const, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ offset: fc.integer({ min: 0, max: 7 }), size: sizeArb, value: fc.nat({ max: 0xffffffff }) })
      .map((r) => ({ t: 'out' as const, ...r })),
  },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 9 }).map((n) => ({ t: 'supply' as const, n })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 300 }).map((ns) => ({ t: 'advance' as const, ns })) },
);

const LOW: Record<AccessSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

describe('H13/H14: random register sequences (fast-check)', () => {
  it('never throw, keep DONE ∈ {0,1}, buffer ≤ 1 word, do O(1) backend work, and hand out the stream in order', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 50, 128), fc.array(opArb, { maxLength: 200 }), (latency, ops) => {
        const clock = new ManualScheduler('device');
        const backend = new ScriptedEntropy(0x3c);
        const dev = new RngDevice(backend, clock, latency);
        let accesses = 0;
        let wordsSeen = 0;
        for (const op of ops) {
          switch (op.t) {
            case 'supply':
              backend.supply(op.n);
              break;
            case 'advance':
              clock.advance(op.ns);
              break;
            case 'out':
              accesses++;
              dev.write(op.offset, op.size, op.value);
              break;
            case 'in': {
              accesses++;
              const before = dev.stats.words;
              const v = dev.read(op.offset, op.size);
              expect(v).toBeGreaterThanOrEqual(0);
              expect(v).toBeLessThanOrEqual(LOW[op.size]);
              if (op.offset === RngRegister.RNGDONE) {
                expect([0, 1]).toContain(v);
                // Ready stays ready until RNGDATA takes the word.
                if (v === 1) expect(dev.state().ready).toBe(true);
              } else if (op.offset === RngRegister.RNGDATA) {
                if (dev.stats.words === before) {
                  expect(v).toBe(0); // not ready: 0 and no side effect
                } else {
                  const k = wordsSeen * RNG_WORD_BYTES;
                  const w =
                    (backend.byteAt(k) |
                      (backend.byteAt(k + 1) << 8) |
                      (backend.byteAt(k + 2) << 16) |
                      (backend.byteAt(k + 3) << 24)) >>>
                    0;
                  expect(v).toBe((w & LOW[op.size]) >>> 0);
                  wordsSeen++;
                }
              } else {
                expect(v).toBe(0);
                expect(dev.stats.words).toBe(before);
              }
              break;
            }
          }
          const st = dev.state();
          expect(st.bufferedBytes).toBeGreaterThanOrEqual(0);
          expect(st.bufferedBytes).toBeLessThanOrEqual(RNG_WORD_BYTES);
          // Conservation: every byte taken from the backend was handed out or is still buffered.
          expect(backend.served).toBe(dev.stats.words * RNG_WORD_BYTES + st.bufferedBytes);
          expect(backend.reads).toBeLessThanOrEqual(accesses);
          expect(backend.largestRequest).toBeLessThanOrEqual(RNG_WORD_BYTES);
        }
        expect(dev.stats.words).toBe(wordsSeen);
      }),
      { numRuns: 300 },
    );
  });
});

describe('H13: read floods and broken backends', () => {
  it('H13: a flood of RNGDATA/RNGDONE reads on an empty backend reads 0, buffers nothing, asks ≤ 4 bytes per access', () => {
    const clock = new ManualScheduler('device');
    const backend = new ScriptedEntropy();
    const dev = new RngDevice(backend, clock, 0);
    let nonZero = 0;
    for (let i = 0; i < 100_000; i++) {
      if (dev.read(i & 1 ? RngRegister.RNGDONE : RngRegister.RNGDATA, 4) !== 0) nonZero++;
    }
    expect(nonZero).toBe(0);
    expect(backend.reads).toBe(100_000);
    expect(backend.largestRequest).toBe(4);
    expect(dev.state().bufferedBytes).toBe(0);
    expect(clock.pending).toBe(0); // no timer armed per access
  });

  it('H13: a flood during the word latency does not touch the backend at all', () => {
    const clock = new ManualScheduler('device');
    const backend = new ScriptedEntropy();
    backend.supply(1000);
    const dev = new RngDevice(backend, clock, 1_000_000);
    dev.read(RngRegister.RNGDATA, 4);
    const readsAfterWord = backend.reads;
    for (let i = 0; i < 10_000; i++) dev.read(RngRegister.RNGDATA, 4);
    expect(backend.reads).toBe(readsAfterWord);
    expect(dev.stats.notReadyDataReads).toBe(10_000);
  });

  it('H13: a backend that throws is an empty one — nothing escapes the exit', () => {
    const clock = new ManualScheduler('device');
    const dev = new RngDevice(
      {
        read: () => {
          throw new Error('entropy source gone');
        },
      },
      clock,
      0,
    );
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(0);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(0);
    expect(dev.stats.backendErrors).toBe(2);
  });

  it('H13: a backend claiming more bytes than asked (or NaN) cannot overfill the word', () => {
    const clock = new ManualScheduler('device');
    let claim = 1000;
    const dev = new RngDevice({ read: () => claim }, clock, 0);
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(1);
    expect(dev.state().bufferedBytes).toBe(4);
    dev.read(RngRegister.RNGDATA, 4);
    claim = Number.NaN;
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(0);
    expect(dev.state().bufferedBytes).toBe(0);
  });

  it('a latency that is not a finite number ≥ 0 is refused at construction', () => {
    const clock = new ManualScheduler('device');
    const backend = new ScriptedEntropy();
    expect(() => new RngDevice(backend, clock, -1)).toThrow(RangeError);
    expect(() => new RngDevice(backend, clock, Number.NaN)).toThrow(RangeError);
    expect(() => new RngDevice(backend, clock, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
