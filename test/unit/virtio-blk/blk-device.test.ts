/**
 * Our virtio-blk device driven by a hand-written guest (raw registers, rings built byte by byte):
 * request layouts a driver may legally choose, and QEMU's answers to odd requests (specs/virtio.md §6.1).
 */
import { describe, expect, it } from 'vitest';
import { BlkBounceLimit } from '../../../models/virtio/blk/index.js';
import {
  F_DISCARD,
  F_WRITE_ZEROES,
  makeRawBlk,
  POISON,
  S_IOERR,
  S_OK,
  S_UNSUPP,
  T_DISCARD,
  T_FLUSH,
  T_IN,
  T_OUT,
  T_WRITE_ZEROES,
} from './raw-blk.js';
import { F_VERSION_1 } from './raw-rig.js';

describe('virtio-blk device', () => {
  it('accepts a header split over two descriptors and the status byte at the end of the data descriptor', () => {
    const b = makeRawBlk();
    const data = b.rig.buffer(512, 0x3c);
    b.rig.q.put(data + 511, 0, 1);
    const hdr = b.header(T_OUT, 7);
    b.send([
      { addr: hdr, len: 8 },
      { addr: hdr + 8, len: 8 },
      { addr: data, len: 512 },
      { addr: b.statusByte(), len: 1, write: true },
    ]);
    b.rig.settle();
    const expected = b.bytes(data, 512);
    const r = b.rig.buffer(513, 0);
    b.send([
      { addr: b.header(T_IN, 7), len: 16 },
      { addr: r, len: 513, write: true }, // 512 data bytes + status in one buffer
    ]);
    b.rig.settle();
    expect(b.rig.q.usedIdx()).toBe(2);
    expect(b.rig.q.usedElem(1).len).toBe(513);
    expect(b.bytes(r, 512)).toEqual(expected);
    expect(b.u8(r + 512)).toBe(S_OK);
    expect(b.disk(7, 1)).toEqual(expected);
  });

  it('spreads IN data over several writable descriptors in order', () => {
    const b = makeRawBlk();
    const w = b.rig.buffer(1024);
    for (let i = 0; i < 1024; i++) b.rig.q.put(w + i, (i * 7) & 0xff, 1);
    b.send([
      { addr: b.header(T_OUT, 3), len: 16 },
      { addr: w, len: 1024 },
      { addr: b.statusByte(), len: 1, write: true },
    ]);
    b.rig.settle();
    const p1 = b.rig.buffer(100);
    const p2 = b.rig.buffer(924);
    const st = b.statusByte();
    b.send([
      { addr: b.header(T_IN, 3), len: 16 },
      { addr: p1, len: 100, write: true },
      { addr: p2, len: 924, write: true },
      { addr: st, len: 1, write: true },
    ]);
    b.rig.settle();
    expect(b.u8(st)).toBe(S_OK);
    const got = new Uint8Array(1024);
    got.set(b.bytes(p1, 100), 0);
    got.set(b.bytes(p2, 924), 100);
    expect(got).toEqual(b.bytes(w, 1024));
  });

  it('ignores the sector of a FLUSH, as QEMU does (FLUSH sector 5 → OK)', () => {
    const b = makeRawBlk();
    const st = b.statusByte();
    b.send([
      { addr: b.header(T_FLUSH, 5), len: 16 },
      { addr: st, len: 1, write: true },
    ]);
    b.rig.settle();
    expect(b.u8(st)).toBe(S_OK);
    expect(b.backend.stats.flushes).toBe(1);
  });

  it('IN of a length that is not whole sectors → IOERR, nothing read (QEMU: 100-byte IN → IOERR)', () => {
    const b = makeRawBlk();
    const st = b.statusByte();
    b.send([
      { addr: b.header(T_IN, 0), len: 16 },
      { addr: b.rig.buffer(100), len: 100, write: true },
      { addr: st, len: 1, write: true },
    ]);
    b.rig.settle();
    expect(b.u8(st)).toBe(S_IOERR);
    expect(b.rig.q.usedElem(0).len).toBe(1);
    expect(b.backend.stats.requests).toBe(0);
  });

  describe('discard / write-zeroes segments', () => {
    const seg = (b: ReturnType<typeof makeRawBlk>, sector: number, sectors: number, flags: number): number => {
      const a = b.m.guest.alloc.alloc(16, 16);
      b.rig.q
        .put(a, sector, 8)
        .put(a + 8, sectors, 4)
        .put(a + 12, flags, 4);
      return a;
    };
    const features = F_VERSION_1 | F_DISCARD | F_WRITE_ZEROES;
    const send = (b: ReturnType<typeof makeRawBlk>, type: number, segAddr: number, segLen = 16): number => {
      const st = b.statusByte();
      b.send([
        { addr: b.header(type, 0), len: 16 },
        { addr: segAddr, len: segLen },
        { addr: st, len: 1, write: true },
      ]);
      b.rig.settle();
      return b.u8(st);
    };

    it('a valid segment zeroes its range', () => {
      const b = makeRawBlk({ features });
      b.backend.store.writeBytes(0, new Uint8Array(4096).fill(9), 0, 4096);
      expect(send(b, T_WRITE_ZEROES, seg(b, 2, 3, 1))).toBe(S_OK); // unmap allowed on write-zeroes
      const expected = new Uint8Array(4096).fill(9);
      expected.fill(0, 1024, 2560);
      expect(b.disk(0, 8)).toEqual(expected);
      expect(send(b, T_DISCARD, seg(b, 0, 1, 0))).toBe(S_OK);
    });

    it('§5.2.6.2: unmap on DISCARD or an unknown flag → UNSUPP', () => {
      const b = makeRawBlk({ features });
      expect(send(b, T_DISCARD, seg(b, 0, 1, 1))).toBe(S_UNSUPP);
      expect(send(b, T_WRITE_ZEROES, seg(b, 0, 1, 2))).toBe(S_UNSUPP);
      expect(b.backend.stats.requests).toBe(0);
    });

    it('more than the advertised one segment, a range past the end or over the limit → IOERR', () => {
      const b = makeRawBlk({ features, capacitySectors: 64 });
      const two = b.m.guest.alloc.alloc(32, 16);
      expect(send(b, T_DISCARD, two, 32)).toBe(S_IOERR);
      expect(send(b, T_DISCARD, seg(b, 60, 5, 0))).toBe(S_IOERR);
      expect(send(b, T_WRITE_ZEROES, seg(b, 0, 4194304, 0))).toBe(S_IOERR);
      expect(b.backend.stats.requests).toBe(0);
    });

    it('without the feature negotiated the type is unsupported', () => {
      const b = makeRawBlk({ features: F_VERSION_1 });
      expect(send(b, T_DISCARD, seg(b, 0, 1, 0))).toBe(S_UNSUPP);
    });
  });

  it('H21: acts on its private header copy even if the guest rewrites the header meanwhile', () => {
    const b = makeRawBlk({ service: 'hdd', copy: 'copy' });
    b.backend.store.writeBytes(9 * 512, new Uint8Array(512).fill(0x42), 0, 512);
    const hdr = b.header(T_IN, 9);
    const data = b.rig.buffer(512);
    const st = b.statusByte();
    b.send([
      { addr: hdr, len: 16 },
      { addr: data, len: 512, write: true },
      { addr: st, len: 1, write: true },
    ]);
    b.m.run({ until: () => b.logic.backendPending === 1 });
    b.rig.q.put(hdr, T_OUT, 4).put(hdr + 8, 0, 8); // hostile rewrite after the device read it
    b.rig.settle();
    expect(b.u8(st)).toBe(S_OK);
    expect(b.bytes(data, 512)).toEqual(new Uint8Array(512).fill(0x42));
    expect(b.backend.stats.sectorsWritten).toBe(0);
  });

  it('copy mode answers IOERR above its bounce limit instead of allocating', () => {
    const b = makeRawBlk({ copy: 'copy', capacitySectors: 8192 });
    const len = BlkBounceLimit.requestBytes + 512;
    const st = b.statusByte();
    b.send([
      { addr: b.header(T_IN, 0), len: 16 },
      { addr: b.rig.buffer(len), len, write: true },
      { addr: st, len: 1, write: true },
    ]);
    b.rig.settle();
    expect(b.u8(st)).toBe(S_IOERR);
    expect(b.rig.q.usedElem(0).len).toBe(1);
  });

  it('never writes the status byte of a request it has not finished', () => {
    const b = makeRawBlk({ service: 'hdd' });
    const st = b.statusByte();
    b.send([
      { addr: b.header(T_IN, 0), len: 16 },
      { addr: b.rig.buffer(512), len: 512, write: true },
      { addr: st, len: 1, write: true },
    ]);
    b.m.run({ until: () => b.logic.backendPending === 1 });
    expect(b.u8(st)).toBe(POISON);
    expect(b.rig.q.usedIdx()).toBe(0);
    b.rig.settle();
    expect(b.u8(st)).toBe(S_OK);
    expect(b.rig.q.usedIdx()).toBe(1);
  });
});
