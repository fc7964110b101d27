/**
 * virtio-blk device conformance against a hand-written raw guest (specs/virtio.md §9 V4, V7, V10, V15;
 * §10 hostile drivers; virtio 1.2 §2.1.2, §2.4, §2.7.8.2, §5.2.6). The guest pokes registers and builds
 * chains byte by byte, so the device sees exactly what a buggy or hostile driver would send.
 */
import { describe, expect, it } from 'vitest';
import { encodeSerial } from '../../models/backend/index.js';
import {
  F_WRITE_ZEROES,
  makeRawBlk,
  POISON,
  S_IOERR,
  S_OK,
  S_UNSUPP,
  T_FLUSH,
  T_GET_ID,
  T_IN,
  T_OUT,
  T_WRITE_ZEROES,
} from '../unit/virtio-blk/raw-blk.js';
import { F_INDIRECT_DESC, F_VERSION_1, STATUS_NEEDS_RESET } from '../unit/virtio-blk/raw-rig.js';

const F_NEXT = 1;
const F_WRITE = 2;

describe('virtio-blk device (against a raw guest)', () => {
  it('V15 §5.2.6: a RO device answers OUT and WRITE_ZEROES with IOERR and writes nothing', () => {
    const b = makeRawBlk({ readOnly: true, features: F_VERSION_1 | F_WRITE_ZEROES });
    const data = b.rig.buffer(512, 0xab);
    const st = b.statusByte();
    b.send([
      { addr: b.header(T_OUT, 0), len: 16 },
      { addr: data, len: 512 },
      { addr: st, len: 1, write: true },
    ]);
    const seg = b.m.guest.alloc.alloc(16, 16);
    b.rig.q
      .put(seg, 0, 8)
      .put(seg + 8, 1, 4)
      .put(seg + 12, 0, 4);
    const st2 = b.statusByte();
    b.send([
      { addr: b.header(T_WRITE_ZEROES, 0), len: 16 },
      { addr: seg, len: 16 },
      { addr: st2, len: 1, write: true },
    ]);
    b.backend.store.writeBytes(0, new Uint8Array(512).fill(0x11), 0, 512);
    b.rig.settle();
    expect(b.u8(st)).toBe(S_IOERR);
    expect(b.u8(st2)).toBe(S_IOERR);
    expect(b.disk(0, 1)).toEqual(new Uint8Array(512).fill(0x11));
    expect(b.backend.stats.sectorsWritten + b.backend.stats.sectorsZeroed).toBe(0);
    expect(b.backend.stats.requests).toBe(0); // refused by the device itself
  });

  it('V15 §5.2.6: an unknown request type → UNSUPP', () => {
    const b = makeRawBlk();
    const st = b.statusByte();
    b.send([
      { addr: b.header(99, 0), len: 16 },
      { addr: st, len: 1, write: true },
    ]);
    b.rig.settle();
    expect(b.u8(st)).toBe(S_UNSUPP);
    expect(b.rig.q.usedElem(0)).toEqual({ id: 0, len: 1 });
  });

  it('V15 §5.2.6: GET_ID writes exactly 20 bytes of ID, even into a larger buffer', () => {
    const b = makeRawBlk();
    const id = b.rig.buffer(64, 0xee);
    b.send([
      { addr: b.header(T_GET_ID, 0), len: 16 },
      { addr: id, len: 64, write: true },
      { addr: b.statusByte(), len: 1, write: true },
    ]);
    b.rig.settle();
    expect(b.bytes(id, 20)).toEqual(encodeSerial(b.backend.serial));
    expect(b.bytes(id + 20, 44)).toEqual(new Uint8Array(44).fill(0xee));
    expect(b.rig.q.usedElem(0).len).toBe(21);
  });

  it('V7 §2.7.8.2: used len = bytes written (IN 512 → 513, OUT → 1, FLUSH → 1, GET_ID → 21, IOERR → 1)', () => {
    const b = makeRawBlk({ capacitySectors: 64, queueSize: 32 });
    const st = () => ({ addr: b.statusByte(), len: 1, write: true });
    b.send([{ addr: b.header(T_IN, 0), len: 16 }, { addr: b.rig.buffer(512), len: 512, write: true }, st()]);
    b.send([{ addr: b.header(T_OUT, 1), len: 16 }, { addr: b.rig.buffer(512), len: 512 }, st()]);
    b.send([{ addr: b.header(T_FLUSH, 0), len: 16 }, st()]);
    b.send([{ addr: b.header(T_GET_ID, 0), len: 16 }, { addr: b.rig.buffer(20), len: 20, write: true }, st()]);
    b.send([{ addr: b.header(T_IN, 64), len: 16 }, { addr: b.rig.buffer(512), len: 512, write: true }, st()]);
    b.send([{ addr: b.header(T_OUT, 64), len: 16 }, { addr: b.rig.buffer(512), len: 512 }, st()]);
    b.rig.settle();
    expect(b.rig.q.usedIdx()).toBe(6);
    const lens = new Map<number, number>();
    for (let i = 0; i < 6; i++) {
      const e = b.rig.q.usedElem(i);
      lens.set(e.id, e.len);
    }
    // Heads are the first descriptor index of each chain (3 + 3 + 2 + 3 + 3 + 3 descriptors).
    expect([...lens.entries()].sort((x, y) => x[0] - y[0])).toEqual([
      [0, 513],
      [3, 1],
      [6, 1],
      [8, 21],
      [11, 1],
      [14, 1],
    ]);
  });

  it('V4 §2.4: reset stops ring access, and a late backend completion writes nothing (H24)', () => {
    for (const copy of ['copy', 'zerocopy'] as const) {
      const b = makeRawBlk({ service: 'hdd', copy });
      b.backend.store.writeBytes(0, new Uint8Array(512).fill(0x66), 0, 512);
      const data = b.rig.buffer(512, 0x99);
      const st = b.statusByte();
      b.send([
        { addr: b.header(T_IN, 0), len: 16 },
        { addr: data, len: 512, write: true },
        { addr: st, len: 1, write: true },
      ]);
      b.m.run({ until: () => b.logic.backendPending === 1 });
      b.rig.w(20, 1, 0); // device_status ← 0
      expect(b.rig.status()).toBe(0);
      b.rig.settle();
      expect(b.logic.backendPending).toBe(0); // the backend did complete…
      expect(b.rig.q.usedIdx()).toBe(0); // …but nothing reached the ring
      expect(b.u8(st)).toBe(POISON);
      if (copy === 'copy') expect(b.bytes(data, 512)).toEqual(new Uint8Array(512).fill(0x99));
      // Kicks after reset are ignored: nothing is consumed.
      b.rig.kick();
      b.rig.settle();
      expect(b.backend.stats.requests).toBe(1);
    }
  });

  it('V4 §2.4: a completion from before a reset is not taken for a new request on the same head', () => {
    const b = makeRawBlk({ service: 'hdd', copy: 'copy' });
    b.backend.store.writeBytes(0, new Uint8Array(512).fill(0x21), 0, 512);
    b.backend.store.writeBytes(512, new Uint8Array(512).fill(0x42), 0, 512);
    const old = b.rig.buffer(512);
    b.send([
      { addr: b.header(T_IN, 0), len: 16 },
      { addr: old, len: 512, write: true },
      { addr: b.statusByte(), len: 1, write: true },
    ]);
    b.m.run({ until: () => b.logic.backendPending === 1 });
    b.rig.reinit(); // reset + bring-up before the old read returns
    const fresh = b.rig.buffer(512);
    const st = b.statusByte();
    const head = b.rig.q.chain(
      [0, 1, 2],
      [
        { addr: b.header(T_IN, 1), len: 16 },
        { addr: fresh, len: 512, write: true },
        { addr: st, len: 1, write: true },
      ],
    );
    b.rig.q.offer(head);
    b.rig.kick();
    b.rig.settle();
    expect(b.rig.q.usedIdx()).toBe(1);
    expect(b.rig.q.usedElem(0)).toEqual({ id: 0, len: 513 });
    expect(b.u8(st)).toBe(S_OK);
    expect(b.bytes(fresh, 512)).toEqual(new Uint8Array(512).fill(0x42));
    expect(b.bytes(old, 512)).toEqual(new Uint8Array(512));
  });

  const hostile: [string, (b: ReturnType<typeof makeRawBlk>) => void][] = [
    ['H1 head ≥ QS', (b) => b.rig.q.offer(b.rig.size + 3)],
    [
      'H2 next ≥ QS',
      (b) => {
        b.rig.q.desc(0, { addr: b.header(T_IN, 0), len: 16, flags: F_NEXT, next: 999 });
        b.rig.q.offer(0);
      },
    ],
    [
      'H3 2-cycle',
      (b) => {
        b.rig.q.desc(0, { addr: b.header(T_IN, 0), len: 16, flags: F_NEXT, next: 1 });
        b.rig.q.desc(1, { addr: b.header(T_IN, 0), len: 16, flags: F_NEXT, next: 0 });
        b.rig.q.offer(0);
      },
    ],
    [
      'H7 zero-length descriptor',
      (b) => {
        b.rig.q.chain(
          [0, 1],
          [
            { addr: b.header(T_FLUSH, 0), len: 16 },
            { addr: b.statusByte(), len: 0, write: true },
          ],
        );
        b.rig.q.offer(0);
      },
    ],
    [
      'H9 readable after writable',
      (b) => {
        b.rig.q.desc(0, { addr: b.statusByte(), len: 1, flags: F_NEXT | F_WRITE, next: 1 });
        b.rig.q.desc(1, { addr: b.header(T_FLUSH, 0), len: 16 });
        b.rig.q.offer(0);
      },
    ],
    [
      'H10 indirect table len % 16 ≠ 0',
      (b) => {
        b.rig.q.desc(0, { addr: b.rig.buffer(64), len: 40, flags: 4 });
        b.rig.q.offer(0);
      },
    ],
    [
      'no status descriptor (QEMU: missing headers)',
      (b) => {
        b.rig.q.chain([0], [{ addr: b.header(T_FLUSH, 0), len: 16 }]);
        b.rig.q.offer(0);
      },
    ],
    [
      'header shorter than 16 B (QEMU: outhdr too short)',
      (b) => {
        b.rig.q.chain(
          [0, 1],
          [
            { addr: b.header(T_FLUSH, 0), len: 8 },
            { addr: b.statusByte(), len: 1, write: true },
          ],
        );
        b.rig.q.offer(0);
      },
    ],
  ];
  for (const [name, build] of hostile) {
    it(`V10 §2.1.2 / ${name}: NEEDS_RESET (0x4F), config interrupt, generation bumped, used.idx unchanged`, () => {
      const b = makeRawBlk({ features: F_VERSION_1 | F_INDIRECT_DESC });
      expect(b.rig.generation()).toBe(0);
      build(b);
      b.rig.kick();
      expect(() => b.rig.settle()).not.toThrow();
      expect(b.rig.status()).toBe(0x0f | STATUS_NEEDS_RESET);
      expect(b.rig.taken.config).toBe(1);
      expect(b.rig.taken.queue).toBe(0);
      expect(b.rig.generation()).toBe(1);
      expect(b.rig.q.usedIdx()).toBe(0);
      expect(b.backend.stats.requests).toBe(0);
      // Stopped: a well-formed request offered afterwards is not served until reset.
      const st = b.statusByte();
      b.rig.q.chain(
        [5, 6],
        [
          { addr: b.header(T_FLUSH, 0), len: 16 },
          { addr: st, len: 1, write: true },
        ],
      );
      b.rig.q.offer(5);
      b.rig.kick();
      b.rig.settle();
      expect(b.u8(st)).toBe(POISON);
      expect(b.rig.q.usedIdx()).toBe(0);
    });
  }
});
