/**
 * Ordering points across threads (specs/virtio.md §3.6): the full barriers B, E, F must be real when
 * the halves run on different threads, and cost nothing in the sim engine.
 */
import { describe, expect, it } from 'vitest';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { type OrderingPoint, publishBarrier } from '../../../models/virtio/ring/barriers.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { DriverRing } from '../../../models/virtio/ring/driver-ring.js';

describe('GuestMemory.fence', () => {
  it('is a no-op by default: no shared word exists to touch', () => {
    const mem = new SabGuestMemory(SabGuestMemory.allocate(4096), new Meter(), 'guest');
    expect(mem.concurrent).toBe(false);
    mem.fence();
    expect(mem.u32(0)).toBe(0);
  });

  it('concurrent: a seq-cst RMW on the shared fence word, shared by both sides (withSide)', () => {
    const fenceWord = new Int32Array(new SharedArrayBuffer(4));
    const guest = new SabGuestMemory(SabGuestMemory.allocate(4096), new Meter(), 'guest', {
      concurrent: true,
      fenceWord,
    });
    const host = guest.withSide(new Meter(), 'host');
    expect(host.concurrent).toBe(true);
    guest.fence();
    host.fence();
    host.fence();
    expect(Atomics.load(fenceWord, 0)).toBe(3);
  });

  it('rejects a fence word that other threads could not share', () => {
    expect(
      () =>
        new SabGuestMemory(SabGuestMemory.allocate(4096), new Meter(), 'guest', {
          concurrent: true,
          fenceWord: new Int32Array(1),
        }),
    ).toThrow(RangeError);
  });
});

describe('publishBarrier fences exactly the full barriers (virtio.md §3.6 B, E, F)', () => {
  it('B, E, F fence; A, C, D, G (acquire/release) do not', () => {
    const fenced: OrderingPoint[] = [];
    let current: OrderingPoint = 'A';
    const mem = { fence: () => fenced.push(current) };
    for (const p of ['A', 'B', 'C', 'D', 'E', 'F', 'G'] as const) {
      current = p;
      publishBarrier(p, undefined, mem);
    }
    expect(fenced).toEqual(['B', 'E', 'F']);
  });

  it('the fence comes before the hook runs the peer at that point', () => {
    const events: string[] = [];
    publishBarrier('E', (p) => events.push(`hook ${p}`), { fence: () => events.push('fence') });
    expect(events).toEqual(['fence', 'hook E']);
  });

  it('a ring cycle fences at B (kick decision, §2.7.13.4.1), E (interrupt decision) and F (re-enables, §2.7.14)', () => {
    const fenceWord = new Int32Array(new SharedArrayBuffer(4));
    const ram = SabGuestMemory.allocate(1 << 16);
    const guest = new SabGuestMemory(ram, new Meter(), 'guest', { concurrent: true, fenceWord });
    const host = guest.withSide(new Meter(), 'host');
    const addrs = { desc: 0x1000, avail: 0x2000, used: 0x3000 };
    const driver = new DriverRing(guest, 8, addrs, { eventIdx: true, indirect: false });
    const device = new DeviceRing(host, 8, addrs, { eventIdx: true, indirect: false });
    const chain = new DescriptorChain(4);
    const fences = () => Atomics.load(fenceWord, 0);

    driver.begin();
    driver.addReadable(0x8000, 64);
    driver.commit(7);
    driver.publish();
    let before = fences();
    expect(driver.kickNeeded()).toBe(true);
    expect(fences() - before).toBe(1); // B

    expect(device.pop(chain)).toBe(true);
    device.pushUsed(chain.head, 0);
    before = fences();
    expect(device.flushUsed()).toBe(true);
    expect(fences() - before).toBe(1); // E

    before = fences();
    expect(device.enableNotifications()).toBe(false);
    expect(driver.enableInterrupts()).toBe(true); // the used entry is already there
    expect(fences() - before).toBe(2); // F on each side
    expect(driver.getUsed()).toBe(7);
  });
});
