/**
 * Moving bytes across a popped chain whatever its descriptor boundaries (virtio 1.2 §2.7.4 "Message
 * Framing"): readable and writable parts as byte streams, per copy mode, metered as the mode says.
 */
import { describe, expect, it } from 'vitest';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { ChainCursor, contiguousReadable, readChain, writeChain } from '../../../models/virtio/device/chain-bytes.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';

/** A chain of readable then writable segments at the given guest addresses. */
function chainOf(readable: [number, number][], writable: [number, number][]): DescriptorChain {
  const chain = new DescriptorChain(8);
  const all = [...readable, ...writable];
  all.forEach(([addr, len], i) => {
    chain.addr[i] = addr;
    chain.len[i] = len;
    chain.writable[i] = i < readable.length ? 0 : 1;
  });
  chain.count = all.length;
  chain.readableCount = readable.length;
  chain.writableCount = writable.length;
  chain.readableBytes = readable.reduce((a, [, l]) => a + l, 0);
  chain.writableBytes = writable.reduce((a, [, l]) => a + l, 0);
  return chain;
}

function memory() {
  const meter = new Meter();
  const mem = new SabGuestMemory(SabGuestMemory.allocate(1 << 16), meter, 'host');
  for (let i = 0; i < mem.size; i++) mem.bytes[i] = i & 0xff;
  return { meter, mem };
}

describe('ChainCursor', () => {
  it('walks a range of one part as guest pieces, skipping whole and partial segments', () => {
    const chain = chainOf(
      [
        [0x100, 4],
        [0x200, 10],
        [0x300, 6],
      ],
      [[0x400, 8]],
    );
    const c = new ChainCursor();
    const pieces: [number, number][] = [];
    c.start(chain, 'readable', 6, 9);
    while (c.next()) pieces.push([c.addr, c.len]);
    expect(pieces).toEqual([
      [0x202, 8],
      [0x300, 1],
    ]);
    pieces.length = 0;
    c.start(chain, 'writable', 0, 100); // more than the part holds: stops at its end
    while (c.next()) pieces.push([c.addr, c.len]);
    expect(pieces).toEqual([[0x400, 8]]);
  });
});

describe('readChain / writeChain / contiguousReadable', () => {
  it('gathers a header split over descriptors with one metered copy per piece (H21)', () => {
    const { meter, mem } = memory();
    const chain = chainOf(
      [
        [0x1000, 5],
        [0x2000, 7],
        [0x3000, 100],
      ],
      [],
    );
    const hdr = new Uint8Array(12);
    expect(readChain(mem, new ChainCursor(), chain, 0, 12, hdr)).toBe(12);
    const expected = [...mem.bytes.subarray(0x1000, 0x1005), ...mem.bytes.subarray(0x2000, 0x2007)];
    expect([...hdr]).toEqual(expected);
    expect(meter.counters.bytesCopied).toBe(12);
  });

  it('writes across writable segments only, zero-copy or copied, and reports what fitted', () => {
    for (const mode of ['zerocopy', 'copy'] as const) {
      const { meter, mem } = memory();
      const chain = chainOf(
        [[0x1000, 16]],
        [
          [0x5000, 3],
          [0x6000, 4],
        ],
      );
      const src = Uint8Array.from({ length: 10 }, (_, i) => 0xa0 + i);
      expect(writeChain(mem, mode, new ChainCursor(), chain, 1, src, 2, 10)).toBe(6); // 7 writable − skip 1
      expect([...mem.bytes.subarray(0x5000, 0x5003)]).toEqual([0x00, 0xa2, 0xa3]);
      expect([...mem.bytes.subarray(0x6000, 0x6004)]).toEqual([0xa4, 0xa5, 0xa6, 0xa7]);
      expect(mem.bytes[0x1000]).toBe(0x00); // the readable descriptor is never written (V6)
      if (mode === 'zerocopy') expect(meter.counters.bytesZeroCopy).toBe(6);
      else expect(meter.counters.bytesCopied).toBe(6);
    }
  });

  it('finds a range lying in one descriptor, and refuses one that spans two', () => {
    const chain = chainOf(
      [
        [0x1000, 12],
        [0x2000, 60],
      ],
      [],
    );
    const c = new ChainCursor();
    expect(contiguousReadable(c, chain, 12, 60)).toBe(0x2000);
    expect(contiguousReadable(c, chain, 10, 62)).toBe(-1);
    expect(contiguousReadable(c, chain, 20, 10)).toBe(0x2008);
  });
});
