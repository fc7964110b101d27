/**
 * DriverRing.reset: after a device reset (virtio 1.2 §3.1.1) the driver lays the ring out afresh in the
 * same memory — all zeroes with the free list threaded through `next` (§2.7) — forgets what was in flight,
 * and takes the newly negotiated EVENT_IDX / INDIRECT_DESC options, within the storage it was built with.
 */
import { describe, expect, it } from 'vitest';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { DriverRing, type DriverRingOptions } from '../../../models/virtio/ring/driver-ring.js';
import { VirtqueueDriverError } from '../../../models/virtio/ring/errors.js';
import { ringFootprint } from '../../support/virtq-builder.js';
import { memories, type Pair, pair, reapAll, serveAll, submit } from './fixture.js';

const SIZE = 8;

function options(p: Pair, eventIdx: boolean, indirect: boolean): DriverRingOptions {
  return { eventIdx, indirect, ...(p.pool === undefined ? {} : { indirectPool: p.pool }) };
}

/** The ring areas' bytes as a freshly constructed ring with `opts` writes them. */
function freshRingBytes(p: Pair, opts: DriverRingOptions): Uint8Array {
  const other = memories();
  new DriverRing(other.guest, p.size, p.areas, opts);
  return other.guest.bytes.slice(p.areas.desc, p.areas.desc + ringFootprint(p.areas, p.size));
}

function ringBytes(p: Pair): Uint8Array {
  return p.guest.bytes.slice(p.areas.desc, p.areas.desc + ringFootprint(p.areas, p.size));
}

/** Leave the ring mid-flight: chains published, some used and reclaimed, some not, one half-built. */
function dirty(p: Pair): void {
  for (let t = 0; t < 5; t++) expect(submit(p, t, 1, 2)).toBeGreaterThanOrEqual(0);
  p.driver.publish();
  p.driver.kickNeeded();
  p.device.pop(p.chain);
  p.device.pushUsed(p.chain.head, 4);
  p.device.pop(p.chain);
  p.device.pushUsed(p.chain.head, 4);
  p.device.flushUsed();
  expect(p.driver.getUsed()).toBe(0);
  p.driver.disableInterrupts();
  p.driver.begin();
  p.driver.addReadable(p.bufferBase, 16);
}

describe('DriverRing.reset (§3.1.1 re-initialisation, §2.7 fresh layout)', () => {
  it('writes the same bytes a new ring would, and clears every index and counter', () => {
    const p = pair({ size: SIZE, eventIdx: true, indirect: true });
    dirty(p);
    const opts = options(p, true, true);
    p.driver.reset(opts);
    expect(ringBytes(p)).toEqual(freshRingBytes(p, opts));
    expect(p.driver.numFree).toBe(SIZE);
    expect(p.driver.inFlight).toBe(0);
    expect(p.driver.availIdx).toBe(0);
    expect(p.driver.lastUsed).toBe(0);
    expect(p.driver.lastUsedHead).toBe(-1);
    expect(p.driver.interruptSuppression).toBe('enabled');
  });

  it('drops the half-built chain and forgets the chains that were in flight', () => {
    const p = pair({ size: SIZE, eventIdx: true, indirect: true });
    dirty(p);
    p.driver.reset(options(p, true, true));
    expect(() => p.driver.addReadable(p.bufferBase, 16)).toThrow(VirtqueueDriverError);
    expect(() => p.driver.commit(1)).toThrow(VirtqueueDriverError);
    // A device that returns a pre-reset head breaks the ring instead of completing a stale token.
    p.guest.setU32(p.areas.used + 4, 0); // used.ring[0].id = head 0
    p.guest.setU16(p.areas.used + 2, 1); // used.idx = 1
    expect(() => p.driver.getUsed()).toThrow(VirtqueueDriverError);
  });

  it('serves a new device ring after reset: every token comes back once', () => {
    const p = pair({ size: SIZE, eventIdx: true, indirect: true });
    dirty(p);
    p.driver.reset(options(p, true, true));
    const device = new DeviceRing(p.host, SIZE, p.areas, { eventIdx: true, indirect: true });
    const q = { ...p, device };
    for (let t = 10; t < 10 + SIZE; t++) expect(submit(q, t, 0, 1)).toBeGreaterThanOrEqual(0);
    q.driver.publish();
    expect(q.driver.kickNeeded()).toBe(true);
    expect(serveAll(q)).toHaveLength(SIZE);
    q.device.flushUsed();
    expect(reapAll(q.driver)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(q.driver.numFree).toBe(SIZE);
  });

  it('takes the new features: INDIRECT_DESC on → off → on changes how chains are laid out', () => {
    const p = pair({ size: SIZE, eventIdx: false, indirect: true });
    submit(p, 0, 1, 2);
    expect(p.driver.numFree).toBe(SIZE - 1); // one descriptor pointing at a table

    p.driver.reset(options(p, false, false));
    submit(p, 0, 1, 2);
    expect(p.driver.numFree).toBe(SIZE - 3); // three direct descriptors

    p.driver.reset(options(p, false, true));
    submit(p, 0, 1, 2);
    expect(p.driver.numFree).toBe(SIZE - 1);
  });

  it('takes the new features: EVENT_IDX on → off switches used-buffer suppression to avail.flags', () => {
    const p = pair({ size: SIZE, eventIdx: true });
    p.driver.disableInterrupts();
    expect(p.guest.u16(p.areas.avail)).toBe(0); // EVENT_IDX: flags untouched, used_event moved
    expect(() => p.driver.setUsedEvent(3)).not.toThrow();

    p.driver.reset(options(p, false, false));
    p.driver.disableInterrupts();
    expect(p.guest.u16(p.areas.avail)).toBe(1); // VIRTQ_AVAIL_F_NO_INTERRUPT
    expect(() => p.driver.setUsedEvent(3)).toThrow(VirtqueueDriverError);
  });

  it('a ring built with INDIRECT_DESC off keeps room for its pool, and refuses a larger one', () => {
    const p = pair({ size: SIZE, indirect: true, tables: 2, entriesPerTable: 4 });
    const pool = p.pool;
    if (pool === undefined) throw new Error('fixture gave no pool');
    const ring = new DriverRing(p.guest, SIZE, p.areas, { eventIdx: false, indirect: false, indirectPool: pool });
    ring.begin();
    ring.addReadable(p.bufferBase, 8);
    ring.addWritable(p.bufferBase + 8, 8);
    ring.commit(0);
    expect(ring.numFree).toBe(SIZE - 2);

    ring.reset({ eventIdx: false, indirect: true, indirectPool: pool });
    ring.begin();
    ring.addReadable(p.bufferBase, 8);
    ring.addWritable(p.bufferBase + 8, 8);
    ring.commit(0);
    expect(ring.numFree).toBe(SIZE - 1);

    const moreTables = { ...pool, tables: pool.tables + 1 };
    expect(() => ring.reset({ eventIdx: false, indirect: true, indirectPool: moreTables })).toThrow(/room for 2/);
    const longerTables = { ...pool, entriesPerTable: SIZE * 2 };
    expect(() => ring.reset({ eventIdx: false, indirect: true, indirectPool: longerTables })).toThrow(/room for 8/);
  });
});
