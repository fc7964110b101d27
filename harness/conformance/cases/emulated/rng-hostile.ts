/**
 * Hostile guests against the port-I/O RNG (specs/trap-emulate.md §8 H13 read flood / empty backend,
 * H14 exit-amplification storms): nothing escapes an exit, nothing blocks, nothing buffers beyond one
 * word, and whatever the access sequence, the words handed out are the backend's stream in order.
 */
import fc from 'fast-check';
import { RNG_WORD_BYTES, RngDevice, RngRegister } from '../../../../models/emulated/rng/index.js';
import type { AccessSize } from '../../../../models/platform/bus.js';
import { expectAtLeast, expectAtMost, expectContains, expectEqual, expectThrows } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { ScriptedEntropy } from '../../support/emulated-rng-stack.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';

const cases: ConformanceCase[] = [];
function rngHostileCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `emulated-rng-hostile.${id}`, title, ref, models: ['emulated'], run });
}
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/trap-emulate.md',
  section,
  level,
  paraphrase,
});

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

// H13/H14: random register sequences (fast-check)
rngHostileCase(
  'H13',
  'never throw, keep DONE ∈ {0,1}, buffer ≤ 1 word, do O(1) backend work, and hand out the stream in order',
  sheet(
    '§8 H13',
    'never throw, keep DONE ∈ {0,1}, buffer ≤ 1 word, do O(1) backend work, and hand out the stream in order',
  ),
  () => {
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
              expectAtLeast(v, 0, 'v');
              expectAtMost(v, LOW[op.size], 'v');
              if (op.offset === RngRegister.RNGDONE) {
                expectContains([0, 1], v, '[0, 1]');
                // Ready stays ready until RNGDATA takes the word.
                if (v === 1) expectEqual(dev.state().ready, true, 'dev.state().ready');
              } else if (op.offset === RngRegister.RNGDATA) {
                if (dev.stats.words === before) {
                  expectEqual(v, 0, 'v'); // not ready: 0 and no side effect
                } else {
                  const k = wordsSeen * RNG_WORD_BYTES;
                  const w =
                    (backend.byteAt(k) |
                      (backend.byteAt(k + 1) << 8) |
                      (backend.byteAt(k + 2) << 16) |
                      (backend.byteAt(k + 3) << 24)) >>>
                    0;
                  expectEqual(v, (w & LOW[op.size]) >>> 0, 'v');
                  wordsSeen++;
                }
              } else {
                expectEqual(v, 0, 'v');
                expectEqual(dev.stats.words, before, 'dev.stats.words');
              }
              break;
            }
          }
          const st = dev.state();
          expectAtLeast(st.bufferedBytes, 0, 'st.bufferedBytes');
          expectAtMost(st.bufferedBytes, RNG_WORD_BYTES, 'st.bufferedBytes');
          // Conservation: every byte taken from the backend was handed out or is still buffered.
          expectEqual(backend.served, dev.stats.words * RNG_WORD_BYTES + st.bufferedBytes, 'backend.served');
          expectAtMost(backend.reads, accesses, 'backend.reads');
          expectAtMost(backend.largestRequest, RNG_WORD_BYTES, 'backend.largestRequest');
        }
        expectEqual(dev.stats.words, wordsSeen, 'dev.stats.words');
      }),
      { numRuns: 300 },
    );
  },
);

// H13: read floods and broken backends
rngHostileCase(
  'H13-2',
  'a flood of RNGDATA/RNGDONE reads on an empty backend reads 0, buffers nothing, asks ≤ 4 bytes per access',
  sheet(
    '§8 H13',
    'a flood of RNGDATA/RNGDONE reads on an empty backend reads 0, buffers nothing, asks ≤ 4 bytes per access',
  ),
  () => {
    const clock = new ManualScheduler('device');
    const backend = new ScriptedEntropy();
    const dev = new RngDevice(backend, clock, 0);
    let nonZero = 0;
    for (let i = 0; i < 100_000; i++) {
      if (dev.read(i & 1 ? RngRegister.RNGDONE : RngRegister.RNGDATA, 4) !== 0) nonZero++;
    }
    expectEqual(nonZero, 0, 'nonZero');
    expectEqual(backend.reads, 100_000, 'backend.reads');
    expectEqual(backend.largestRequest, 4, 'backend.largestRequest');
    expectEqual(dev.state().bufferedBytes, 0, 'dev.state().bufferedBytes');
    expectEqual(clock.pending, 0, 'clock.pending'); // no timer armed per access
  },
);

rngHostileCase(
  'H13-3',
  'a flood during the word latency does not touch the backend at all',
  sheet('§8 H13', 'a flood during the word latency does not touch the backend at all'),
  () => {
    const clock = new ManualScheduler('device');
    const backend = new ScriptedEntropy();
    backend.supply(1000);
    const dev = new RngDevice(backend, clock, 1_000_000);
    dev.read(RngRegister.RNGDATA, 4);
    const readsAfterWord = backend.reads;
    for (let i = 0; i < 10_000; i++) dev.read(RngRegister.RNGDATA, 4);
    expectEqual(backend.reads, readsAfterWord, 'backend.reads');
    expectEqual(dev.stats.notReadyDataReads, 10_000, 'dev.stats.notReadyDataReads');
  },
);

rngHostileCase(
  'H13-4',
  'a backend that throws is an empty one — nothing escapes the exit',
  sheet('§8 H13', 'a backend that throws is an empty one — nothing escapes the exit'),
  () => {
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
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 0, 'dev.read(RngRegister.RNGDONE, 4)');
    expectEqual(dev.read(RngRegister.RNGDATA, 4), 0, 'dev.read(RngRegister.RNGDATA, 4)');
    expectEqual(dev.stats.backendErrors, 2, 'dev.stats.backendErrors');
  },
);

rngHostileCase(
  'H13-5',
  'a backend claiming more bytes than asked (or NaN) cannot overfill the word',
  sheet('§8 H13', 'a backend claiming more bytes than asked (or NaN) cannot overfill the word'),
  () => {
    const clock = new ManualScheduler('device');
    let claim = 1000;
    const dev = new RngDevice({ read: () => claim }, clock, 0);
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 1, 'dev.read(RngRegister.RNGDONE, 4)');
    expectEqual(dev.state().bufferedBytes, 4, 'dev.state().bufferedBytes');
    dev.read(RngRegister.RNGDATA, 4);
    claim = Number.NaN;
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 0, 'dev.read(RngRegister.RNGDONE, 4)');
    expectEqual(dev.state().bufferedBytes, 0, 'dev.state().bufferedBytes');
  },
);

rngHostileCase(
  'H13-6',
  'a latency that is not a finite number ≥ 0 is refused at construction',
  sheet('§8 H13', 'a latency that is not a finite number ≥ 0 is refused at construction'),
  () => {
    const clock = new ManualScheduler('device');
    const backend = new ScriptedEntropy();
    expectThrows(() => new RngDevice(backend, clock, -1), RangeError, '() => new RngDevice(backend, clock, -1)');
    expectThrows(
      () => new RngDevice(backend, clock, Number.NaN),
      RangeError,
      '() => new RngDevice(backend, clock, Number.NaN)',
    );
    expectThrows(
      () => new RngDevice(backend, clock, Number.POSITIVE_INFINITY),
      RangeError,
      '() => new RngDevice(backend, clock, Number.POSITIVE_INFINITY)',
    );
  },
);

export const EMULATED_RNG_HOSTILE_CASES: readonly ConformanceCase[] = cases;
