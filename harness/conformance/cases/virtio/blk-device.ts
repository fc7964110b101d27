/**
 * virtio-blk device conformance against a hand-written raw guest (specs/virtio.md §9 V4, V7, V10, V15;
 * §10 hostile drivers; virtio 1.2 §2.1.2, §2.4, §2.7.8.2, §5.2.6). The guest pokes registers and builds
 * chains byte by byte, so the device sees exactly what a buggy or hostile driver would send.
 */
import { encodeSerial } from '../../../../models/backend/index.js';
import { expectDeepEqual, expectEqual, expectNoThrow } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
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
} from '../../support/virtio-blk-raw.js';
import { F_INDIRECT_DESC, F_VERSION_1, STATUS_NEEDS_RESET } from '../../support/virtio-raw-rig.js';

const cases: ConformanceCase[] = [];
function blkDeviceCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `virtio-blk-device.${id}`, title, ref, models: ['virtio'], run });
}
const virtio = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'virtio 1.2',
  section,
  level,
  paraphrase,
});

const F_NEXT = 1;
const F_WRITE = 2;

// virtio-blk device (against a raw guest)
blkDeviceCase(
  'V15',
  'a RO device answers OUT and WRITE_ZEROES with IOERR and writes nothing',
  virtio('§5.2.6', 'a RO device answers OUT and WRITE_ZEROES with IOERR and writes nothing'),
  () => {
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
    expectEqual(b.u8(st), S_IOERR, 'b.u8(st)');
    expectEqual(b.u8(st2), S_IOERR, 'b.u8(st2)');
    expectDeepEqual(b.disk(0, 1), new Uint8Array(512).fill(0x11), 'b.disk(0, 1)');
    expectEqual(
      b.backend.stats.sectorsWritten + b.backend.stats.sectorsZeroed,
      0,
      'b.backend.stats.sectorsWritten + b.backend.stats.sectorsZeroed',
    );
    expectEqual(b.backend.stats.requests, 0, 'b.backend.stats.requests'); // refused by the device itself
  },
);

blkDeviceCase('V15-2', 'an unknown request type → UNSUPP', virtio('§5.2.6', 'an unknown request type → UNSUPP'), () => {
  const b = makeRawBlk();
  const st = b.statusByte();
  b.send([
    { addr: b.header(99, 0), len: 16 },
    { addr: st, len: 1, write: true },
  ]);
  b.rig.settle();
  expectEqual(b.u8(st), S_UNSUPP, 'b.u8(st)');
  expectDeepEqual(b.rig.q.usedElem(0), { id: 0, len: 1 }, 'b.rig.q.usedElem(0)');
});

blkDeviceCase(
  'V15-3',
  'GET_ID writes exactly 20 bytes of ID, even into a larger buffer',
  virtio('§5.2.6', 'GET_ID writes exactly 20 bytes of ID, even into a larger buffer'),
  () => {
    const b = makeRawBlk();
    const id = b.rig.buffer(64, 0xee);
    b.send([
      { addr: b.header(T_GET_ID, 0), len: 16 },
      { addr: id, len: 64, write: true },
      { addr: b.statusByte(), len: 1, write: true },
    ]);
    b.rig.settle();
    expectDeepEqual(b.bytes(id, 20), encodeSerial(b.backend.serial), 'b.bytes(id, 20)');
    expectDeepEqual(b.bytes(id + 20, 44), new Uint8Array(44).fill(0xee), 'b.bytes(id + 20, 44)');
    expectEqual(b.rig.q.usedElem(0).len, 21, 'b.rig.q.usedElem(0).len');
  },
);

blkDeviceCase(
  'V7',
  'used len = bytes written (IN 512 → 513, OUT → 1, FLUSH → 1, GET_ID → 21, IOERR → 1)',
  virtio('§2.7.8.2', 'used len = bytes written (IN 512 → 513, OUT → 1, FLUSH → 1, GET_ID → 21, IOERR → 1)'),
  () => {
    const b = makeRawBlk({ capacitySectors: 64, queueSize: 32 });
    const st = () => ({ addr: b.statusByte(), len: 1, write: true });
    b.send([{ addr: b.header(T_IN, 0), len: 16 }, { addr: b.rig.buffer(512), len: 512, write: true }, st()]);
    b.send([{ addr: b.header(T_OUT, 1), len: 16 }, { addr: b.rig.buffer(512), len: 512 }, st()]);
    b.send([{ addr: b.header(T_FLUSH, 0), len: 16 }, st()]);
    b.send([{ addr: b.header(T_GET_ID, 0), len: 16 }, { addr: b.rig.buffer(20), len: 20, write: true }, st()]);
    b.send([{ addr: b.header(T_IN, 64), len: 16 }, { addr: b.rig.buffer(512), len: 512, write: true }, st()]);
    b.send([{ addr: b.header(T_OUT, 64), len: 16 }, { addr: b.rig.buffer(512), len: 512 }, st()]);
    b.rig.settle();
    expectEqual(b.rig.q.usedIdx(), 6, 'b.rig.q.usedIdx()');
    const lens = new Map<number, number>();
    for (let i = 0; i < 6; i++) {
      const e = b.rig.q.usedElem(i);
      lens.set(e.id, e.len);
    }
    // Heads are the first descriptor index of each chain (3 + 3 + 2 + 3 + 3 + 3 descriptors).
    expectDeepEqual(
      [...lens.entries()].sort((x, y) => x[0] - y[0]),
      [
        [0, 513],
        [3, 1],
        [6, 1],
        [8, 21],
        [11, 1],
        [14, 1],
      ],
      '[...lens.entries()].sort((x, y) => x[0] - y[0])',
    );
  },
);

blkDeviceCase(
  'V4',
  'reset stops ring access, and a late backend completion writes nothing (H24)',
  virtio('§2.4', 'reset stops ring access, and a late backend completion writes nothing (H24)'),
  () => {
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
      expectEqual(b.rig.status(), 0, 'b.rig.status()');
      b.rig.settle();
      expectEqual(b.logic.backendPending, 0, 'b.logic.backendPending'); // the backend did complete…
      expectEqual(b.rig.q.usedIdx(), 0, 'b.rig.q.usedIdx()'); // …but nothing reached the ring
      expectEqual(b.u8(st), POISON, 'b.u8(st)');
      if (copy === 'copy') expectDeepEqual(b.bytes(data, 512), new Uint8Array(512).fill(0x99), 'b.bytes(data, 512)');
      // Kicks after reset are ignored: nothing is consumed.
      b.rig.kick();
      b.rig.settle();
      expectEqual(b.backend.stats.requests, 1, 'b.backend.stats.requests');
    }
  },
);

blkDeviceCase(
  'V4-2',
  'a completion from before a reset is not taken for a new request on the same head',
  virtio('§2.4', 'a completion from before a reset is not taken for a new request on the same head'),
  () => {
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
    expectEqual(b.rig.q.usedIdx(), 1, 'b.rig.q.usedIdx()');
    expectDeepEqual(b.rig.q.usedElem(0), { id: 0, len: 513 }, 'b.rig.q.usedElem(0)');
    expectEqual(b.u8(st), S_OK, 'b.u8(st)');
    expectDeepEqual(b.bytes(fresh, 512), new Uint8Array(512).fill(0x42), 'b.bytes(fresh, 512)');
    expectDeepEqual(b.bytes(old, 512), new Uint8Array(512), 'b.bytes(old, 512)');
  },
);

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
  blkDeviceCase(
    `V10-${name.replace(/[^A-Za-z0-9]+/g, '-')}`,
    `V10 §2.1.2 / ${name}: NEEDS_RESET (0x4F), config interrupt, generation bumped, used.idx unchanged`,
    virtio('§2.1.2', 'V10 §2.1.2 / …: NEEDS_RESET (0x4F), config interrupt, generation bumped, used.idx unchanged'),
    () => {
      const b = makeRawBlk({ features: F_VERSION_1 | F_INDIRECT_DESC });
      expectEqual(b.rig.generation(), 0, 'b.rig.generation()');
      build(b);
      b.rig.kick();
      expectNoThrow(() => b.rig.settle(), '() => b.rig.settle()');
      expectEqual(b.rig.status(), 0x0f | STATUS_NEEDS_RESET, 'b.rig.status()');
      expectEqual(b.rig.taken.config, 1, 'b.rig.taken.config');
      expectEqual(b.rig.taken.queue, 0, 'b.rig.taken.queue');
      expectEqual(b.rig.generation(), 1, 'b.rig.generation()');
      expectEqual(b.rig.q.usedIdx(), 0, 'b.rig.q.usedIdx()');
      expectEqual(b.backend.stats.requests, 0, 'b.backend.stats.requests');
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
      expectEqual(b.u8(st), POISON, 'b.u8(st)');
      expectEqual(b.rig.q.usedIdx(), 0, 'b.rig.q.usedIdx()');
    },
  );
}

export const VIRTIO_BLK_DEVICE_CASES: readonly ConformanceCase[] = cases;
