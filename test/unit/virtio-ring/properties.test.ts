/**
 * Property tests: random valid operation sequences keep the ring invariants; random garbage rings raise
 * nothing but VirtqueueError and every pop does bounded work (specs/virtio.md §10: loops bounded by QS
 * or the table length).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { VirtqueueError } from '../../../models/virtio/ring/errors.js';
import { layoutRing, RecordingMemory, VirtqBuilder } from '../../support/virtq-builder.js';
import { memories, pair, RING_BASE } from './fixture.js';

type Op =
  | { readonly t: 'add'; readonly readable: number[]; readonly writable: number[] }
  | { readonly t: 'publish' }
  | { readonly t: 'pop'; readonly n: number }
  | { readonly t: 'push'; readonly picks: number[]; readonly lenSeed: number }
  | { readonly t: 'flush' }
  | { readonly t: 'reap'; readonly max: number }
  | { readonly t: 'suppress'; readonly which: number };

const segLen = fc.integer({ min: 1, max: 4096 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ readable: fc.array(segLen, { maxLength: 4 }), writable: fc.array(segLen, { maxLength: 4 }) })
      .filter((s) => s.readable.length + s.writable.length > 0)
      .map((s) => ({ t: 'add' as const, ...s })),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'publish' as const }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 8 }).map((n) => ({ t: 'pop' as const, n })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ picks: fc.array(fc.nat(), { maxLength: 6 }), lenSeed: fc.nat() })
      .map((r) => ({ t: 'push' as const, ...r })),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'flush' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 8 }).map((max) => ({ t: 'reap' as const, max })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((which) => ({ t: 'suppress' as const, which })) },
);

const configArb = fc.record({
  size: fc.constantFrom(1, 2, 4, 8, 16),
  eventIdx: fc.boolean(),
  indirect: fc.boolean(),
  tables: fc.integer({ min: 1, max: 3 }),
  entriesPerTable: fc.integer({ min: 2, max: 8 }),
});

interface Submitted {
  readonly segments: { addr: number; len: number; writable: boolean }[];
  readonly writableBytes: number;
  returnedLen: number | undefined;
  reaped: boolean;
}

describe('random valid use keeps the ring invariants', () => {
  it('every token comes back exactly once with its used len; free count and in-flight counts are restored', () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { maxLength: 80 }), (cfg, ops) => {
        const p = pair(cfg);
        const maxChain = Math.max(cfg.size, cfg.indirect ? cfg.entriesPerTable : 0);
        const submitted = new Map<number, Submitted>();
        const tokenOfHead = new Map<number, number>();
        const held: number[] = []; // heads popped by the device, not yet pushed
        let nextToken = 0;
        let addrCursor = p.bufferBase;

        const reap = (max: number) => {
          for (let i = 0; i < max; i++) {
            const token = p.driver.getUsed();
            if (token === -1) return;
            const s = submitted.get(token);
            expect(s, `token ${token} was submitted`).toBeDefined();
            if (s === undefined) return;
            expect(s.reaped, `token ${token} returned twice`).toBe(false);
            expect(p.driver.lastUsedLen).toBe(s.returnedLen);
            s.reaped = true;
          }
        };
        const pop = (n: number) => {
          for (let i = 0; i < n && p.device.pop(p.chain); i++) {
            const token = tokenOfHead.get(p.chain.head);
            expect(token).toBeDefined();
            const s = submitted.get(token as number) as Submitted;
            const got = Array.from({ length: p.chain.count }, (_, k) => ({
              addr: p.chain.addr[k] as number,
              len: p.chain.len[k] as number,
              writable: p.chain.writable[k] === 1,
            }));
            expect(got).toEqual(s.segments);
            held.push(p.chain.head);
          }
        };
        const push = (head: number, seed: number) => {
          const s = submitted.get(tokenOfHead.get(head) as number) as Submitted;
          const len = s.writableBytes === 0 ? 0 : seed % (s.writableBytes + 1);
          s.returnedLen = len;
          p.device.pushUsed(head, len);
        };

        for (const op of ops) {
          switch (op.t) {
            case 'add': {
              // A chain longer than any the ring can ever hold is API misuse (tested elsewhere): skip it.
              if (op.readable.length + op.writable.length > maxChain) break;
              p.driver.begin();
              const segments: Submitted['segments'] = [];
              for (const len of op.readable) segments.push({ addr: addrCursor, len, writable: false });
              for (const len of op.writable) segments.push({ addr: addrCursor + 0x2000, len, writable: true });
              for (const s of segments) {
                if (s.writable) p.driver.addWritable(s.addr, s.len);
                else p.driver.addReadable(s.addr, s.len);
              }
              const head = p.driver.commit(nextToken);
              if (head === -1) break;
              const writableBytes = op.writable.reduce((a, b) => a + b, 0);
              submitted.set(nextToken, { segments, writableBytes, returnedLen: undefined, reaped: false });
              tokenOfHead.set(head, nextToken);
              nextToken++;
              addrCursor = p.bufferBase + ((addrCursor - p.bufferBase + 0x4000) % 0x40000);
              break;
            }
            case 'publish':
              p.driver.publish();
              p.driver.kickNeeded();
              break;
            case 'pop':
              pop(op.n);
              break;
            case 'push':
              for (const pick of op.picks) {
                if (held.length === 0) break;
                const [head] = held.splice(pick % held.length, 1);
                push(head as number, op.lenSeed + pick);
              }
              break;
            case 'flush':
              p.device.flushUsed();
              break;
            case 'reap':
              reap(op.max);
              break;
            case 'suppress':
              if (op.which === 0) p.driver.disableInterrupts();
              else if (op.which === 1) p.driver.enableInterrupts();
              else if (op.which === 2) p.device.disableNotifications();
              else p.device.enableNotifications();
              break;
          }
        }
        // Quiesce: everything committed comes back.
        p.driver.publish();
        pop(Number.POSITIVE_INFINITY);
        for (const head of held.splice(0)) push(head, 7);
        p.device.flushUsed();
        reap(Number.POSITIVE_INFINITY);
        for (const [token, s] of submitted) expect(s.reaped, `token ${token} reaped`).toBe(true);
        expect(p.driver.numFree).toBe(cfg.size);
        expect(p.driver.inFlight).toBe(0);
        expect(p.device.inFlight).toBe(0);
        expect(p.device.lastAvail).toBe(p.driver.availIdx);
        expect(p.driver.lastUsed).toBe(p.device.usedIdx);
      }),
      { numRuns: 300, seed: 0x5eed01 },
    );
  });
});

// Mostly plausible values with some wild ones, so pops get past the first checks and reach deep ones.
const TABLE_AREA = 0x10000;
const u64Arb = fc.oneof(
  { weight: 3, arbitrary: fc.nat(63).map((k) => BigInt(TABLE_AREA + 16 * k)) }, // lands on the garbage tables
  { weight: 3, arbitrary: fc.nat(0xffff).map((v) => BigInt(TABLE_AREA + v)) }, // somewhere in RAM
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 2n ** 64n - 16n, 2n ** 53n) },
);
const descArb = fc.record({
  addr: u64Arb,
  len: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 0x800 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 16 }).map((n) => 16 * n) },
    { weight: 1, arbitrary: fc.constantFrom(0, 0xffffffff) },
    { weight: 1, arbitrary: fc.nat() },
  ),
  flags: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  ),
  next: fc.oneof(
    { weight: 6, arbitrary: fc.nat(3) },
    { weight: 3, arbitrary: fc.nat(31) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  ),
});
/** A well-formed pointer to a (garbage) indirect table. */
const indirectPointerArb = fc.record({
  addr: fc.nat(56).map((k) => BigInt(TABLE_AREA + 16 * k)),
  len: fc.integer({ min: 1, max: 8 }).map((n) => 16 * n),
  flags: fc.constant(4),
  next: fc.nat(3),
});
const ringDescArb = fc.oneof({ weight: 3, arbitrary: descArb }, { weight: 1, arbitrary: indirectPointerArb });
/** A head: usually below QS (`small`, reduced mod QS), sometimes any u16. */
const headArb = fc.oneof(
  { weight: 9, arbitrary: fc.nat(31).map((v) => ({ small: true, v })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((v) => ({ small: false, v })) },
);

describe('random garbage rings', () => {
  it('raise only VirtqueueError and do bounded work per pop (never loop)', () => {
    const memoryBytes = 1 << 17;
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 4, 8, 16, 32),
        fc.boolean(),
        fc.boolean(),
        fc.array(ringDescArb, { minLength: 32, maxLength: 32 }),
        fc.array(descArb, { minLength: 64, maxLength: 64 }),
        fc.array(headArb, { minLength: 32, maxLength: 32 }),
        headArb,
        (size, eventIdx, indirect, ringDescs, tableDescs, slots, availIdx) => {
          const m = memories(memoryBytes);
          const areas = layoutRing(RING_BASE, size);
          const b = new VirtqBuilder(m.guest, size, areas).clear();
          for (let i = 0; i < size; i++) b.desc(i, ringDescs[i] as (typeof ringDescs)[number]);
          // Garbage "tables" where in-RAM indirect pointers tend to land.
          for (const [i, d] of tableDescs.entries()) b.desc(i, d, TABLE_AREA);
          const pick = (h: { small: boolean; v: number }, mod: number) => (h.small ? h.v % mod : h.v);
          for (let i = 0; i < size; i++) b.availSlot(i, pick(slots[i] as { small: boolean; v: number }, size));
          b.availIdx(pick(availIdx, size + 1));
          const rec = new RecordingMemory(m.host);
          const device = new DeviceRing(rec, size, areas, { eventIdx, indirect });
          const chain = new DescriptorChain(64);
          // A pop reads avail.idx and a slot, then ≤ 4 words per descriptor: ≤ QS direct + one table of
          // at most RAM/16 entries (a table must lie in RAM).
          const bound = 2 + 4 * (size + memoryBytes / 16);
          for (let i = 0; i < 2 * size + 2; i++) {
            rec.clear();
            let more: boolean;
            try {
              more = device.pop(chain);
            } catch (e) {
              expect(e).toBeInstanceOf(VirtqueueError);
              break;
            } finally {
              expect(rec.accesses.length).toBeLessThanOrEqual(bound);
              expect(rec.outside('write', [{ addr: areas.used, len: 6 + 8 * size }])).toEqual([]);
            }
            if (!more) break;
            for (let k = 0; k < chain.count; k++) {
              expect(m.host.inRange(chain.addr[k] as number, chain.len[k] as number)).toBe(true);
            }
            expect(chain.readableCount + chain.writableCount).toBe(chain.count);
          }
        },
      ),
      { numRuns: 400, seed: 0x5eed02 },
    );
  });
});
