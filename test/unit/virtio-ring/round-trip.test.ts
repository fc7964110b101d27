import { describe, expect, it } from 'vitest';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { DriverRing } from '../../../models/virtio/ring/driver-ring.js';
import { VirtqueueDriverError } from '../../../models/virtio/ring/errors.js';
import { layoutRing, RecordingMemory, VirtqBuilder } from '../../support/virtq-builder.js';
import { memories, pair, RING_BASE, reapAll, serveAll, submit } from './fixture.js';

describe('driver ring initialisation (virtio 1.2 §2.7)', () => {
  it('zeroes flags, indices and events over dirty memory and threads the free list through next', () => {
    const m = memories();
    const size = 8;
    const areas = layoutRing(RING_BASE, size);
    m.guest.fill(RING_BASE, 0x1000, 0xaa);
    const driver = new DriverRing(m.guest, size, areas, { eventIdx: true, indirect: false });
    const b = new VirtqBuilder(m.guest, size, areas);
    expect(b.get(areas.avail, 2)).toBe(0); // avail.flags
    expect(b.get(areas.avail + 2, 2)).toBe(0); // avail.idx
    expect(b.get(areas.avail + 4 + 2 * size, 2)).toBe(0); // used_event
    expect(b.usedFlags()).toBe(0);
    expect(b.usedIdx()).toBe(0);
    expect(b.availEvent()).toBe(0);
    for (let i = 0; i < size - 1; i++) expect(b.get(areas.desc + 16 * i + 14, 2)).toBe(i + 1);
    expect(driver.numFree).toBe(size);
    expect(driver.inFlight).toBe(0);
  });

  it('rejects a bad configuration with a typed error', () => {
    const m = memories();
    const areas = layoutRing(RING_BASE, 8);
    expect(() => new DriverRing(m.guest, 6, areas, { eventIdx: false, indirect: false })).toThrow(VirtqueueDriverError);
    expect(
      () => new DriverRing(m.guest, 8, { ...areas, used: areas.used + 2 }, { eventIdx: false, indirect: false }),
    ).toThrow(/H18/);
  });
});

describe('round trips', () => {
  it('direct chain: segments in order, readable first, used len back to the driver (§2.7.4.2, §2.7.8)', () => {
    const p = pair({ size: 16 });
    p.driver.begin();
    p.driver.addReadable(0x20000, 16);
    p.driver.addReadable(0x20010, 512);
    p.driver.addWritable(0x21000, 1);
    const head = p.driver.commit(42);
    expect(head).toBeGreaterThanOrEqual(0);
    expect(p.driver.numFree).toBe(13);
    expect(p.device.pop(p.chain)).toBe(false); // not published yet
    p.driver.publish();
    expect(p.device.pop(p.chain)).toBe(true);
    const c = p.chain;
    expect([c.head, c.count, c.readableCount, c.writableCount]).toEqual([head, 3, 2, 1]);
    expect([c.readableBytes, c.writableBytes, c.descriptorsRead, c.indirect]).toEqual([528, 1, 3, false]);
    expect(Array.from(c.addr.subarray(0, 3))).toEqual([0x20000, 0x20010, 0x21000]);
    expect(Array.from(c.len.subarray(0, 3))).toEqual([16, 512, 1]);
    expect(Array.from(c.writable.subarray(0, 3))).toEqual([0, 0, 1]);
    expect(p.device.inFlight).toBe(1);
    p.device.pushUsed(head, 1);
    expect(p.driver.getUsed()).toBe(-1); // pushed, not flushed
    p.device.flushUsed();
    expect(p.driver.pollUsed()).toBe(true);
    expect(p.driver.getUsed()).toBe(42);
    expect(p.driver.lastUsedLen).toBe(1);
    expect(p.driver.lastUsedHead).toBe(head);
    expect(p.driver.getUsed()).toBe(-1);
    expect(p.driver.numFree).toBe(16);
    expect(p.driver.inFlight).toBe(0);
    expect(p.device.inFlight).toBe(0);
  });

  it('indirect chain when negotiated and > 1 segment; single segments stay direct (Linux virtqueue_use_indirect)', () => {
    const p = pair({ size: 8, indirect: true, tables: 2, entriesPerTable: 4 });
    const head = submit(p, 1, 1, 2);
    expect(p.driver.numFree).toBe(7); // one ring descriptor for three segments
    submit(p, 2, 1, 0);
    expect(p.driver.numFree).toBe(6);
    p.driver.publish();
    expect(p.device.pop(p.chain)).toBe(true);
    expect([p.chain.head, p.chain.count, p.chain.indirect, p.chain.descriptorsRead]).toEqual([head, 3, true, 4]);
    p.device.pushUsed(p.chain.head, 5);
    const pool = p.pool;
    expect(pool).toBeDefined();
    const b = new VirtqBuilder(p.guest, p.size, p.areas);
    // The ring descriptor points at table 0 with len 16·n and only INDIRECT set (§2.7.5.3.1).
    expect(b.get(p.areas.desc + 16 * head, 8)).toBe(pool?.addr);
    expect(b.get(p.areas.desc + 16 * head + 8, 4)).toBe(48);
    expect(b.get(p.areas.desc + 16 * head + 12, 2)).toBe(4);
    expect(p.device.pop(p.chain)).toBe(true);
    expect([p.chain.count, p.chain.indirect]).toEqual([1, false]);
    p.device.pushUsed(p.chain.head, 0);
    p.device.flushUsed();
    expect(reapAll(p.driver)).toEqual([1, 2]);
    expect(p.driver.numFree).toBe(8);
  });

  it('mixed: indirect while tables last, then direct, interleaved on one ring', () => {
    const p = pair({ size: 16, indirect: true, tables: 2, entriesPerTable: 4 });
    for (let t = 0; t < 5; t++) expect(submit(p, t, 2, 1)).toBeGreaterThanOrEqual(0);
    // 2 indirect (1 descriptor each) + 3 direct (3 each).
    expect(p.driver.numFree).toBe(16 - 2 - 9);
    p.driver.publish();
    const seen: boolean[] = [];
    while (p.device.pop(p.chain)) {
      seen.push(p.chain.indirect);
      expect([p.chain.readableCount, p.chain.writableCount]).toEqual([2, 1]);
      p.device.pushUsed(p.chain.head, 7);
    }
    expect(seen).toEqual([true, true, false, false, false]);
    p.device.flushUsed();
    expect(reapAll(p.driver)).toEqual([0, 1, 2, 3, 4]);
    expect(p.driver.numFree).toBe(16);
    // Tables came back: the next two multi-segment chains are indirect again.
    submit(p, 9, 1, 1);
    submit(p, 10, 1, 1);
    expect(p.driver.numFree).toBe(14);
  });

  it('device accepts direct descriptors followed by one indirect one and ignores WRITE on the table pointer (§2.7.5.3.2, V9)', () => {
    const m = memories();
    const size = 8;
    const areas = layoutRing(RING_BASE, size);
    const b = new VirtqBuilder(m.guest, size, areas).clear();
    const table = 0x40000;
    b.chain(
      [0, 3],
      [
        { addr: 0x20000, len: 16 },
        { addr: 0x20010, len: 16 },
      ],
    );
    b.desc(3, { addr: 0x20010, len: 16, flags: 1, next: 5 }); // readable, NEXT → 5
    b.indirect(5, table, [
      { addr: 0x30000, len: 512 },
      { addr: 0x31000, len: 1, write: true },
    ]);
    b.desc(5, { addr: table, len: 32, flags: 4 | 2 }); // INDIRECT with a stray WRITE
    b.offer(0);
    const device = new DeviceRing(m.host, size, areas, { eventIdx: false, indirect: true });
    const chain = new DescriptorChain(size);
    expect(device.pop(chain)).toBe(true);
    expect([chain.count, chain.readableCount, chain.writableCount, chain.indirect]).toEqual([4, 3, 1, true]);
    expect(Array.from(chain.len.subarray(0, 4))).toEqual([16, 16, 512, 1]);
  });

  it('batching: k commits, one publish, one avail.idx store (§2.7.13)', () => {
    const m = memories();
    const rec = new RecordingMemory(m.guest);
    const size = 16;
    const areas = layoutRing(RING_BASE, size);
    const driver = new DriverRing(rec, size, areas, { eventIdx: false, indirect: false });
    const device = new DeviceRing(m.host, size, areas, { eventIdx: false, indirect: false });
    rec.clear();
    for (let t = 0; t < 5; t++) {
      driver.begin();
      driver.addWritable(0x20000 + t * 0x100, 0x100);
      expect(driver.commit(t)).toBeGreaterThanOrEqual(0);
    }
    const idxStores = () => rec.writes().filter((w) => w.addr === areas.avail + 2).length;
    expect(idxStores()).toBe(0);
    const chain = new DescriptorChain(size);
    expect(device.pop(chain)).toBe(false);
    driver.publish();
    driver.publish(); // nothing new: no second store
    expect(idxStores()).toBe(1);
    let popped = 0;
    while (device.pop(chain)) popped++;
    expect(popped).toBe(5);
  });

  it('used len of each chain reaches its own token when completed out of order', () => {
    const p = pair({ size: 8 });
    const heads = [0, 1, 2, 3].map((t) => submit(p, t, 1, 1));
    p.driver.publish();
    const popped: number[] = [];
    while (p.device.pop(p.chain)) popped.push(p.chain.head);
    expect(popped).toEqual(heads);
    const order = [2, 0, 3, 1];
    for (const t of order) p.device.pushUsed(heads[t] as number, 100 + t);
    p.device.flushUsed();
    for (const t of order) {
      expect(p.driver.getUsed()).toBe(t);
      expect(p.driver.lastUsedLen).toBe(100 + t);
    }
    expect(p.driver.numFree).toBe(8);
  });

  it('no room: commit returns −1, changes nothing, and succeeds after reclaiming', () => {
    const p = pair({ size: 4 });
    for (let t = 0; t < 2; t++) submit(p, t, 1, 1);
    const ring = new Uint8Array(0x400);
    p.guest.load(RING_BASE, ring.length, ring);
    expect(submit(p, 7, 1, 1)).toBe(-1);
    const after = new Uint8Array(0x400);
    p.guest.load(RING_BASE, after.length, after);
    expect(after).toEqual(ring);
    expect([p.driver.numFree, p.driver.inFlight, p.driver.availIdx]).toEqual([0, 2, 2]);
    p.driver.publish();
    serveAll(p);
    p.device.flushUsed();
    expect(p.driver.getUsed()).toBe(0);
    expect(p.driver.commit(7)).toBeGreaterThanOrEqual(0); // the staged chain was kept
    expect(p.driver.inFlight).toBe(2);
  });

  it('16-bit indices wrap: cycling past 65535 keeps tokens, lens and the free list right (§2.7.6.1)', () => {
    for (const eventIdx of [false, true]) {
      const p = pair({ size: 8, eventIdx });
      // Walk the indices up to just below the wrap, one chain at a time.
      for (let t = 0; t < 65533; t++) {
        submit(p, t, 1, 0);
        p.driver.publish();
        serveAll(p, () => 0);
        p.device.flushUsed();
        expect(p.driver.getUsed()).toBe(t);
      }
      expect(p.driver.availIdx).toBe(65533);
      // Now batches of 3 in flight straddle 65535 → 0.
      let token = 100000;
      for (let round = 0; round < 4; round++) {
        const tokens = [token++, token++, token++];
        for (const t of tokens) expect(submit(p, t, 1, 1)).toBeGreaterThanOrEqual(0);
        p.driver.publish();
        serveAll(p, (c) => c.head + 1000);
        p.device.flushUsed();
        for (const t of tokens) {
          expect(p.driver.getUsed()).toBe(t);
          expect(p.driver.lastUsedLen).toBe(p.driver.lastUsedHead + 1000);
        }
        expect(p.driver.numFree).toBe(8);
      }
      expect(p.driver.availIdx).toBe((65533 + 12) & 0xffff);
      expect(p.device.lastAvail).toBe(p.driver.availIdx);
      expect(p.device.usedIdx).toBe(p.driver.lastUsed);
      const b = new VirtqBuilder(p.guest, p.size, p.areas);
      expect(b.usedIdx()).toBe(9);
    }
  });

  it('device writes only the used ring (and avail_event) during round trips (V6)', () => {
    const m = memories();
    const rec = new RecordingMemory(m.host);
    const size = 8;
    const areas = layoutRing(RING_BASE, size);
    const driver = new DriverRing(m.guest, size, areas, {
      eventIdx: true,
      indirect: true,
      indirectPool: { addr: 0x8000, entriesPerTable: 4, tables: 2 },
    });
    const device = new DeviceRing(rec, size, areas, { eventIdx: true, indirect: true });
    const chain = new DescriptorChain(size);
    for (let t = 0; t < 6; t++) {
      driver.begin();
      driver.addReadable(0x20000 + t * 0x1000, 64);
      if (t % 2 === 0) driver.addWritable(0x20800 + t * 0x1000, 64);
      driver.commit(t);
    }
    driver.publish();
    while (device.pop(chain)) device.pushUsed(chain.head, chain.writableBytes);
    device.flushUsed();
    expect(device.disableNotifications()).toBeUndefined();
    device.enableNotifications();
    expect(rec.writes().length).toBeGreaterThan(0);
    expect(rec.outside('write', [{ addr: areas.used, len: 6 + 8 * size }])).toEqual([]);
    expect(reapAll(driver)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('driver against a buggy or hostile device', () => {
  it('a used id ≥ QS, not in flight, or returned twice throws BAD_USED_ID and corrupts nothing', () => {
    const p = pair({ size: 8 });
    const heads = [0, 1].map((t) => submit(p, t, 1, 1));
    p.driver.publish();
    const b = new VirtqBuilder(p.host, p.size, p.areas);
    const bogus = [8, 0xffffffff, 5];
    for (const id of bogus) {
      b.put(p.areas.used + 4, id, 4)
        .put(p.areas.used + 4 + 4, 1, 4)
        .put(p.areas.used + 2, 1, 2);
      const err = catchError(() => p.driver.getUsed());
      expect(err).toBeInstanceOf(VirtqueueDriverError);
      expect((err as VirtqueueDriverError).code).toBe('BAD_USED_ID');
      expect([p.driver.numFree, p.driver.inFlight, p.driver.lastUsed]).toEqual([4, 2, 0]);
    }
    // Repair the entry: the driver carries on as if nothing happened.
    b.put(p.areas.used + 4, heads[1] as number, 4);
    expect(p.driver.getUsed()).toBe(1);
    // The same head again (a double completion) is refused.
    b.put(p.areas.used + 12, heads[1] as number, 4).put(p.areas.used + 2, 2, 2);
    expect(() => p.driver.getUsed()).toThrow(/BAD_USED_ID/);
    b.put(p.areas.used + 12, heads[0] as number, 4);
    expect(p.driver.getUsed()).toBe(0);
    expect(p.driver.numFree).toBe(8);
  });

  it('used.idx moved past what is in flight throws USED_IDX', () => {
    const p = pair({ size: 8 });
    submit(p, 0, 1, 0);
    p.driver.publish();
    new VirtqBuilder(p.host, p.size, p.areas).put(p.areas.used + 2, 2, 2);
    expect(() => p.driver.pollUsed()).toThrow(/USED_IDX/);
    expect(() => p.driver.getUsed()).toThrow(VirtqueueDriverError);
  });

  it('a device rewriting the descriptor table cannot corrupt the free list (private next)', () => {
    const p = pair({ size: 4 });
    submit(p, 0, 1, 1);
    p.driver.publish();
    expect(p.device.pop(p.chain)).toBe(true);
    p.host.fill(p.areas.desc, 16 * p.size, 0xff); // every next = 0xffff, every flag set
    p.device.pushUsed(p.chain.head, 0);
    p.device.flushUsed();
    expect(p.driver.getUsed()).toBe(0);
    expect(p.driver.numFree).toBe(4);
    for (let t = 1; t <= 2; t++) expect(submit(p, t, 1, 1)).toBeGreaterThanOrEqual(0);
    expect(p.driver.numFree).toBe(0);
    p.driver.publish();
    expect(serveAll(p).length).toBe(2);
    p.device.flushUsed();
    expect(reapAll(p.driver)).toEqual([1, 2]);
  });
});

describe('driver API misuse is refused', () => {
  it('readable after writable, empty chains, bad segments, commit outside begin', () => {
    const p = pair({ size: 4 });
    const code = (fn: () => unknown) => (catchError(fn) as VirtqueueDriverError).code;
    expect(code(() => p.driver.commit(0))).toBe('NO_CHAIN');
    p.driver.begin();
    expect(code(() => p.driver.commit(0))).toBe('EMPTY_CHAIN');
    p.driver.addWritable(0x20000, 8);
    expect(code(() => p.driver.addReadable(0x20000, 8))).toBe('ORDER');
    expect(code(() => p.driver.addWritable(0x20000, 0))).toBe('SEGMENT');
    expect(code(() => p.driver.addWritable(0x20000, 2 ** 32))).toBe('SEGMENT');
    expect(code(() => p.driver.commit(-1))).toBe('TOKEN');
    for (let i = 1; i < 4; i++) p.driver.addWritable(0x20000, 8);
    expect(code(() => p.driver.addWritable(0x20000, 8))).toBe('CHAIN_TOO_LONG');
    expect(p.driver.commit(3)).toBe(0);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
