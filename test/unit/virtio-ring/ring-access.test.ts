import { describe, expect, it } from 'vitest';
import { Rng } from '../../../models/platform/rng.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { DriverRing } from '../../../models/virtio/ring/driver-ring.js';
import { ringAccess } from '../../../models/virtio/ring/ring-access.js';
import { layoutRing, RecordingMemory } from '../../support/virtq-builder.js';
import { memories, RING_BASE } from './fixture.js';

describe('ring metadata access', () => {
  it('the mapped fast path reads and writes exactly what the GuestMemory accessors do, aligned or not', () => {
    const { guest } = memories(1 << 16);
    const mapped = ringAccess(guest);
    expect(mapped).not.toBe(guest);
    const rng = new Rng(7);
    for (let i = 0; i < 2000; i++) {
      const addr = rng.below((1 << 16) - 8);
      const v32 = rng.u32();
      const v64 = rng.u32() * 2 ** 21 + rng.below(2 ** 21); // < 2^53
      switch (i % 3) {
        case 0:
          mapped.setU16(addr, v32 & 0xffff);
          expect(guest.u16(addr)).toBe(v32 & 0xffff);
          break;
        case 1:
          mapped.setU32(addr, v32);
          expect(guest.u32(addr)).toBe(v32);
          break;
        default:
          mapped.setU64(addr, v64);
          expect(guest.u64(addr)).toBe(v64);
      }
      guest.setU64(addr, v64);
      expect([mapped.u16(addr), mapped.u32(addr), mapped.u64(addr)]).toEqual([
        guest.u16(addr),
        guest.u32(addr),
        guest.u64(addr),
      ]);
    }
  });

  it('memory without in-place access is used through its own accessors', () => {
    const rec = new RecordingMemory(memories(1 << 16).guest);
    expect(ringAccess(rec)).toBe(rec);
  });

  it('both paths leave identical rings behind, misaligned indirect tables included', () => {
    const images: Uint8Array[] = [];
    const lens: number[][] = [];
    for (const wrap of [false, true]) {
      const m = memories(1 << 18);
      const guest = wrap ? new RecordingMemory(m.guest) : m.guest;
      const host = wrap ? new RecordingMemory(m.host) : m.host;
      const size = 8;
      const areas = layoutRing(RING_BASE, size);
      const opts = { eventIdx: true, indirect: true };
      const driver = new DriverRing(guest, size, areas, {
        ...opts,
        indirectPool: { addr: 0x8003, entriesPerTable: 4, tables: 2 }, // odd: every access is misaligned
      });
      const device = new DeviceRing(host, size, areas, opts);
      const chain = new DescriptorChain(size);
      const seen: number[] = [];
      for (let t = 0; t < 20; t++) {
        driver.begin();
        driver.addReadable(0x10000 + t, 100 + t);
        driver.addWritable(0x20000 + t, 200 + t);
        expect(driver.commit(t)).toBeGreaterThanOrEqual(0);
        driver.publish();
        driver.kickNeeded();
        expect(device.pop(chain)).toBe(true);
        expect(chain.indirect).toBe(true);
        seen.push(chain.addr[0] as number, chain.len[0] as number, chain.addr[1] as number, chain.len[1] as number);
        device.pushUsed(chain.head, chain.len[1] as number);
        device.flushUsed();
        expect(driver.getUsed()).toBe(t);
        expect(driver.lastUsedLen).toBe(200 + t);
      }
      const image = new Uint8Array(0x9000);
      m.guest.load(0, image.length, image);
      images.push(image);
      lens.push(seen);
    }
    expect(lens[1]).toEqual(lens[0]);
    expect(images[1]).toEqual(images[0]);
  });
});
