/**
 * virtio-net conformance (virtio 1.2 §5.1; specs/virtio.md §6.2, §9 V16/V6/V7/V10/D19/D22, §10).
 * Device side: our device driven by the hand-written guest of test/unit/virtio-net/raw-virtio.ts.
 * Driver side: our driver's rings read back the way the device sees them.
 */
import { PciConfigAccess } from '../../../../models/platform/pci-guest.js';
import { CommonCfg } from '../../../../models/virtio/layout.js';
import { expectAbove, expectDeepEqual, expectEqual, expectMatch } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import {
  F_NET_MAC,
  F_NET_MRG_RXBUF,
  F_NET_MTU,
  F_NET_STATUS,
  makeRawNet,
  NET_HDR,
} from '../../support/virtio-net-raw.js';
import { frameTo, GUEST_MAC, makeNetStack, PEER_MAC, queueAreas, send } from '../../support/virtio-net-stack.js';
import { F_EVENT_IDX, F_VERSION_1 } from '../../support/virtio-raw-guest.js';
import { VirtqBuilder } from '../../support/virtq-builder.js';

const cases: ConformanceCase[] = [];
function netCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `virtio-net.${id}`, title, ref, models: ['virtio'], run });
}
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/virtio.md',
  section,
  level,
  paraphrase,
});
const virtio = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'virtio 1.2',
  section,
  level,
  paraphrase,
});

const F_WRITE = 2;
const F_NEXT = 1;
const F_INDIRECT = 4;

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
}

// virtio-net device: features and config (§5.1.3, §5.1.4)
netCase(
  'V1',
  'offers VERSION_1, MAC, STATUS, MRG_RXBUF and MTU; no control queue, no offloads',
  virtio('§5.1.3', 'offers VERSION_1, MAC, STATUS, MRG_RXBUF and MTU; no control queue, no offloads'),
  () => {
    const n = makeRawNet({ setup: false });
    const { r, w } = n.raw;
    w(CommonCfg.device_feature_select, 4, 0);
    const lo = BigInt(r(CommonCfg.device_feature, 4));
    w(CommonCfg.device_feature_select, 4, 1);
    const hi = BigInt(r(CommonCfg.device_feature, 4));
    const offered = (hi << 32n) | lo;
    for (const f of [F_VERSION_1, F_NET_MAC, F_NET_STATUS, F_NET_MRG_RXBUF, F_NET_MTU])
      expectEqual(offered & f, f, 'offered & f');
    for (const bit of [0n, 1n, 7n, 11n, 17n, 22n]) expectEqual(offered & (1n << bit), 0n, 'offered & (1n << bit)'); // CSUM, TSO, CTRL_VQ, MQ
    expectEqual(r(CommonCfg.num_queues, 2), 2, 'r(CommonCfg.num_queues, 2)');
  },
);

netCase(
  '5.1.4',
  'config holds the backend MAC, status LINK_UP and the MTU',
  virtio('§5.1.4', 'config holds the backend MAC, status LINK_UP and the MTU'),
  () => {
    const n = makeRawNet({ setup: false, backend: { guestMac: '02:11:22:33:44:55', mtu: 9000 } });
    const mac = Array.from({ length: 6 }, (_, i) => n.raw.readConfig(i, 1));
    expectDeepEqual(mac, [0x02, 0x11, 0x22, 0x33, 0x44, 0x55], 'mac');
    expectEqual(n.raw.readConfig(6, 2), 1, 'n.raw.readConfig(6, 2)'); // VIRTIO_NET_S_LINK_UP
    expectEqual(n.raw.readConfig(10, 2), 9000, 'n.raw.readConfig(10, 2)');
  },
);

// virtio-net device: receive (§5.1.6.3, §5.1.6.4)
netCase(
  'V16',
  'without MRG_RXBUF each packet takes one buffer, num_buffers = 1, used len = 12 + L',
  virtio('§5.1.6.4', 'without MRG_RXBUF each packet takes one buffer, num_buffers = 1, used len = 12 + L'),
  () => {
    const n = makeRawNet();
    const bufs = n.postRx(1526, 3);
    n.raw.settle();
    const frames = [100, 1514, 60].map((len, i) => frameTo(GUEST_MAC, PEER_MAC, len, i));
    for (const f of frames) {
      expectEqual(n.logic.rx.canReceive(), true, 'n.logic.rx.canReceive()');
      n.logic.rx.receive(f, 0, f.length);
    }
    expectEqual(n.rx.q.usedIdx(), 3, 'n.rx.q.usedIdx()');
    frames.forEach((f, i) => {
      expectEqual(n.rx.q.usedElem(i).len, NET_HDR + f.length, 'n.rx.q.usedElem(i).len');
      const got = n.raw.bytes(bufs[i] as number, NET_HDR + f.length);
      expectDeepEqual(Array.from(got.subarray(0, 10)), new Array(10).fill(0), 'Array.from(got.subarray(0, 10))'); // flags, gso_type NONE, …
      expectEqual(u16(got, 10), 1, 'u16(got, 10)'); // num_buffers
      expectDeepEqual(got.subarray(NET_HDR), f, 'got.subarray(NET_HDR)');
    });
    expectEqual(n.logic.rx.canReceive(), false, 'n.logic.rx.canReceive()'); // all three buffers used
  },
);

netCase(
  'V16-2',
  'with MRG_RXBUF a packet spans buffers, num_buffers counts them, only the first has the header',
  virtio('§5.1.6.3.2', 'with MRG_RXBUF a packet spans buffers, num_buffers counts them, only the first has the header'),
  () => {
    const n = makeRawNet({ features: F_VERSION_1 | F_NET_MRG_RXBUF, backend: { mtu: 4000 } });
    const bufs = n.postRx(256, 16);
    n.raw.settle();
    const f = frameTo(GUEST_MAC, PEER_MAC, 1000, 7);
    expectEqual(n.logic.rx.canReceive(), true, 'n.logic.rx.canReceive()');
    n.logic.rx.receive(f, 0, f.length);
    // 12 + 1000 bytes over 256-byte buffers: 4 buffers, the last one partly.
    expectEqual(n.rx.q.usedIdx(), 4, 'n.rx.q.usedIdx()');
    expectDeepEqual(
      [0, 1, 2, 3].map((i) => n.rx.q.usedElem(i)),
      [
        { id: 0, len: 256 },
        { id: 1, len: 256 },
        { id: 2, len: 256 },
        { id: 3, len: 244 },
      ],
      '[0, 1, 2, 3].map((i) => n.rx.q.usedElem(i))',
    );
    const joined = new Uint8Array(4 * 256);
    for (let i = 0; i < 4; i++) joined.set(n.raw.bytes(bufs[i] as number, 256), i * 256);
    expectEqual(u16(joined, 10), 4, 'u16(joined, 10)');
    expectDeepEqual(joined.subarray(NET_HDR, NET_HDR + 1000), f, 'joined.subarray(NET_HDR, NET_HDR + 1000)');
    // The unused tail of the last buffer is untouched.
    expectEqual(
      joined.subarray(NET_HDR + 1000).every((b) => b === 0xee),
      true,
      'joined.subarray(NET_HDR + 1000).every((b) => b === 0xee)',
    );
  },
);

netCase(
  '5.1.6.4',
  'without MRG_RXBUF a frame too large for the buffer is dropped, the buffer kept for the next',
  virtio('§5.1.6.4', 'without MRG_RXBUF a frame too large for the buffer is dropped, the buffer kept for the next'),
  () => {
    const n = makeRawNet();
    const [buf] = n.postRx(200, 1);
    n.raw.settle();
    const big = frameTo(GUEST_MAC, PEER_MAC, 400, 1);
    const small = frameTo(GUEST_MAC, PEER_MAC, 150, 2);
    n.logic.rx.receive(big, 0, big.length);
    expectEqual(n.rx.q.usedIdx(), 0, 'n.rx.q.usedIdx()');
    expectEqual(n.logic.describe().rxDroppedTooBig, 1, 'n.logic.describe().rxDroppedTooBig');
    expectEqual(n.logic.rx.canReceive(), true, 'n.logic.rx.canReceive()');
    n.logic.rx.receive(small, 0, small.length);
    expectDeepEqual(n.rx.q.usedElem(0), { id: 0, len: NET_HDR + 150 }, 'n.rx.q.usedElem(0)');
    expectDeepEqual(
      n.raw.bytes(buf as number, NET_HDR + 150).subarray(NET_HDR),
      small,
      'n.raw.bytes(buf as number, NET_HDR + 150).subarray(NET_HDR)',
    );
  },
);

netCase(
  '5.1.6.3',
  'backpressure: with no buffers posted frames wait in the backend; a refill kick delivers them in order',
  virtio(
    '§5.1.6.3, §5.1.6.4',
    'backpressure: with no buffers posted frames wait in the backend; a refill kick delivers them in order',
  ),
  () => {
    const n = makeRawNet({
      features: F_VERSION_1 | F_NET_MRG_RXBUF,
      backend: { peer: { mode: 'source', frameBytes: 200, count: 5 } },
    });
    n.raw.settle();
    expectEqual(n.backend.stats.framesToGuest, 0, 'n.backend.stats.framesToGuest');
    expectEqual(n.backend.stats.dropped, 0, 'n.backend.stats.dropped');
    expectEqual(n.rx.q.usedIdx(), 0, 'n.rx.q.usedIdx()');
    const bufs = n.postRx(2048, 8);
    n.raw.kick(0);
    n.raw.settle();
    expectEqual(n.backend.stats.framesToGuest, 5, 'n.backend.stats.framesToGuest');
    expectEqual(n.rx.q.usedIdx(), 5, 'n.rx.q.usedIdx()');
    for (let seq = 0; seq < 5; seq++) {
      expectEqual(n.rx.q.usedElem(seq).len, NET_HDR + 200, 'n.rx.q.usedElem(seq).len');
      const got = n.raw.bytes(bufs[seq] as number, NET_HDR + 200);
      expectEqual(u16(got, 10), 1, 'u16(got, 10)');
      // Source frames carry their sequence number (big endian) first in the payload.
      expectDeepEqual(
        Array.from(got.subarray(NET_HDR + 14, NET_HDR + 18)),
        [0, 0, 0, seq],
        'Array.from(got.subarray(NET_HDR + 14, NET_HDR + 18))',
      );
    }
    expectAbove(n.raw.taken.queues[0] ?? 0, 0, 'n.raw.taken.queues[0]');
  },
);

netCase(
  '2.7.10',
  'the device wants no rx kicks while it holds buffers, and wants them again once the ring runs dry',
  virtio('§2.7.10', 'the device wants no rx kicks while it holds buffers, and wants them again once the ring runs dry'),
  () => {
    const n = makeRawNet();
    const usedFlags = (): number => n.rx.q.usedFlags();
    n.postRx(1526, 2);
    n.raw.settle();
    expectEqual(n.logic.rx.canReceive(), true, 'n.logic.rx.canReceive()');
    expectEqual(usedFlags(), 1, 'usedFlags()'); // VIRTQ_USED_F_NO_NOTIFY
    const f = frameTo(GUEST_MAC, PEER_MAC, 64, 0);
    n.logic.rx.receive(f, 0, f.length);
    n.logic.rx.receive(f, 0, f.length);
    expectEqual(n.logic.rx.canReceive(), false, 'n.logic.rx.canReceive()');
    expectEqual(usedFlags(), 0, 'usedFlags()');
  },
);

netCase(
  '2.7.10-2',
  'avail_event trails the buffers the device has taken, so refills need no kick',
  virtio('§2.7.10', 'avail_event trails the buffers the device has taken, so refills need no kick'),
  () => {
    const n = makeRawNet({ features: F_VERSION_1 | F_EVENT_IDX });
    n.postRx(1526, 10);
    n.raw.settle();
    const f = frameTo(GUEST_MAC, PEER_MAC, 64, 0);
    for (let i = 0; i < 3; i++) {
      expectEqual(n.logic.rx.canReceive(), true, 'n.logic.rx.canReceive()');
      n.logic.rx.receive(f, 0, f.length);
    }
    expectEqual(n.rx.q.availEvent(), 3, 'n.rx.q.availEvent()'); // = next avail index the device will pop
    expectEqual(n.rx.q.usedFlags(), 0, 'n.rx.q.usedFlags()');
  },
);

netCase(
  'V4',
  'after reset no frame reaches the old ring; held frames arrive once the device is up again',
  virtio('§2.4', 'after reset no frame reaches the old ring; held frames arrive once the device is up again'),
  () => {
    const n = makeRawNet({ backend: { peer: { mode: 'source', frameBytes: 100, count: 3, startNs: 1_000_000 } } });
    const oldRx = n.rx;
    n.postRx(1526, 4);
    n.raw.w(CommonCfg.device_status, 1, 0);
    expectEqual(n.raw.status(), 0, 'n.raw.status()');
    n.raw.settle();
    expectEqual(oldRx.q.usedIdx(), 0, 'oldRx.q.usedIdx()');
    expectEqual(n.backend.stats.framesToGuest, 0, 'n.backend.stats.framesToGuest');
    expectEqual(n.raw.negotiate(F_VERSION_1), true, 'n.raw.negotiate(F_VERSION_1)');
    const rx = n.raw.setupQueue(0, 16);
    n.raw.setupQueue(1, 16);
    n.raw.driverOk();
    const buf = n.raw.buffer(1526);
    rx.q.offer(rx.q.chain([0], [{ addr: buf, len: 1526, write: true }]));
    n.raw.kick(0);
    n.raw.settle();
    expectEqual(rx.q.usedIdx(), 1, 'rx.q.usedIdx()');
    expectEqual(oldRx.q.usedIdx(), 0, 'oldRx.q.usedIdx()');
  },
);

// virtio-net device: transmit (§5.1.6.2)
netCase(
  'V7',
  'transmit chains complete with used len 0; the frame reaches the network unchanged',
  virtio('§5.1.6.2', 'transmit chains complete with used len 0; the frame reaches the network unchanged'),
  () => {
    const n = makeRawNet();
    const f1 = frameTo(PEER_MAC, GUEST_MAC, 300, 1);
    const f2 = frameTo(PEER_MAC, GUEST_MAC, 90, 2);
    const hdr = n.put(new Uint8Array(NET_HDR));
    // Header in its own descriptor, then the frame.
    n.offer(n.tx, 0, [
      { addr: hdr, len: NET_HDR },
      { addr: n.put(f1), len: f1.length },
    ]);
    // Header and frame in one descriptor (any layout is fine in 1.x).
    const inline = new Uint8Array(NET_HDR + f2.length);
    inline.set(f2, NET_HDR);
    n.offer(n.tx, 2, [{ addr: n.put(inline), len: inline.length }]);
    n.raw.kick(1);
    n.raw.settle();
    expectEqual(n.tx.q.usedIdx(), 2, 'n.tx.q.usedIdx()');
    expectDeepEqual(n.tx.q.usedElem(0), { id: 0, len: 0 }, 'n.tx.q.usedElem(0)');
    expectDeepEqual(n.tx.q.usedElem(1), { id: 2, len: 0 }, 'n.tx.q.usedElem(1)');
    expectDeepEqual(n.transmitted, [f1, f2], 'n.transmitted');
    expectAbove(n.raw.taken.queues[1] ?? 0, 0, 'n.raw.taken.queues[1]');
  },
);

netCase(
  'V6',
  'the device never writes a transmit buffer',
  virtio('§2.7.5.1', 'the device never writes a transmit buffer'),
  () => {
    for (const copy of ['zerocopy', 'copy'] as const) {
      const n = makeRawNet({ knobs: { copy } });
      const f = frameTo(PEER_MAC, GUEST_MAC, 500, 3);
      const withHdr = new Uint8Array(NET_HDR + f.length);
      withHdr.set(f, NET_HDR);
      const a = n.put(withHdr);
      n.offer(n.tx, 0, [
        { addr: a, len: 100 },
        { addr: a + 100, len: withHdr.length - 100 },
      ]);
      n.raw.kick(1);
      n.raw.settle();
      expectDeepEqual(n.raw.bytes(a, withHdr.length), withHdr, 'n.raw.bytes(a, withHdr.length)');
      expectDeepEqual(n.transmitted, [f], 'n.transmitted');
    }
  },
);

netCase(
  '5.1.6.2.1',
  'a header asking for an offload that was not negotiated drops the frame, no NEEDS_RESET',
  virtio('§5.1.6.2.1', 'a header asking for an offload that was not negotiated drops the frame, no NEEDS_RESET'),
  () => {
    const n = makeRawNet();
    const f = frameTo(PEER_MAC, GUEST_MAC, 200, 4);
    const hdr = new Uint8Array(NET_HDR);
    hdr[1] = 1; // gso_type TCPV4 without HOST_TSO4
    n.offer(n.tx, 0, [
      { addr: n.put(hdr), len: NET_HDR },
      { addr: n.put(f), len: f.length },
    ]);
    n.raw.kick(1);
    n.raw.settle();
    expectDeepEqual(n.transmitted, [], 'n.transmitted');
    expectDeepEqual(n.tx.q.usedElem(0), { id: 0, len: 0 }, 'n.tx.q.usedElem(0)');
    expectEqual(n.logic.describe().txDroppedHeader, 1, 'n.logic.describe().txDroppedHeader');
    expectEqual(n.raw.status(), 0x0f, 'n.raw.status()');
  },
);

// virtio-net device: hostile driver → NEEDS_RESET (V10 §2.1.2, specs/virtio.md §10)
const expectNeedsReset = (n: ReturnType<typeof makeRawNet>, reason: RegExp): void => {
  expectEqual(n.raw.status(), 0x4f, 'n.raw.status()');
  expectEqual(n.raw.taken.config, 1, 'n.raw.taken.config');
  expectEqual(n.raw.generation(), 1, 'n.raw.generation()');
  expectMatch(n.dev.failure, reason, 'n.dev.failure');
};

netCase(
  'H3',
  'a looping transmit chain',
  sheet('§10 H3', 'a looping transmit chain puts the device in NEEDS_RESET (V10, virtio 1.2 §2.1.2)'),
  () => {
    const n = makeRawNet();
    const a = n.raw.buffer(64);
    n.tx.q.desc(0, { addr: a, len: 64, flags: F_NEXT, next: 1 });
    n.tx.q.desc(1, { addr: a, len: 64, flags: F_NEXT, next: 0 });
    n.tx.q.offer(0);
    n.raw.kick(1);
    n.raw.settle();
    expectNeedsReset(n, /H3/);
    expectEqual(n.tx.q.usedIdx(), 0, 'n.tx.q.usedIdx()');
    expectDeepEqual(n.transmitted, [], 'n.transmitted');
  },
);

netCase(
  'H1',
  'a transmit head ≥ QS',
  sheet('§10 H1', 'a transmit head ≥ QS puts the device in NEEDS_RESET (V10, virtio 1.2 §2.1.2)'),
  () => {
    const n = makeRawNet();
    n.tx.q.offer(16);
    n.raw.kick(1);
    n.raw.settle();
    expectNeedsReset(n, /H1/);
  },
);

netCase(
  'V10',
  'a transmit chain too short for the 12-byte header (§5.1.6.2)',
  virtio('§5.1.6.2', 'a transmit chain too short for the 12-byte header (§5.1.6.2)'),
  () => {
    const n = makeRawNet();
    n.offer(n.tx, 0, [{ addr: n.raw.buffer(8), len: 8 }]);
    n.raw.kick(1);
    n.raw.settle();
    expectNeedsReset(n, /header/);
    expectDeepEqual(n.transmitted, [], 'n.transmitted');
  },
);

netCase(
  'H7',
  'a zero-length receive descriptor, found when a frame arrives',
  sheet(
    '§10 H7',
    'a zero-length receive descriptor, found when a frame arrives puts the device in NEEDS_RESET (V10, virtio 1.2 §2.1.2)',
  ),
  () => {
    const n = makeRawNet({ backend: { peer: { mode: 'source', frameBytes: 100, count: 1, startNs: 10_000 } } });
    n.offer(n.rx, 0, [{ addr: n.raw.buffer(64), len: 0, write: true }]);
    n.raw.kick(0);
    n.raw.settle();
    expectNeedsReset(n, /H7/);
    expectEqual(n.rx.q.usedIdx(), 0, 'n.rx.q.usedIdx()');
  },
);

netCase(
  'V10-2',
  'a receive buffer smaller than the header',
  virtio('§5.1.6.3.2', 'a receive buffer smaller than the header'),
  () => {
    const n = makeRawNet({ features: F_VERSION_1 | F_NET_MRG_RXBUF });
    n.postRx(8, 4);
    n.raw.settle();
    expectEqual(n.logic.rx.canReceive(), false, 'n.logic.rx.canReceive()');
    n.raw.settle();
    expectNeedsReset(n, /header/);
  },
);

// virtio-net driver (§5.1.6, D22, D19)
netCase(
  'D22',
  'each frame goes out behind its own 12-byte device-readable header',
  virtio('§5.1.6.2', 'each frame goes out behind its own 12-byte device-readable header'),
  () => {
    for (const indirect of ['on', 'off']) {
      const s = makeNetStack({ options: { indirect } });
      const tx = queueAreas(s, 1);
      const b = new VirtqBuilder(s.m.guest.mem, tx.size, tx);
      const f = frameTo(PEER_MAC, s.driver.info.mac, 333, 1);
      send(s, f); // not yet run: the device has not seen it
      const avail = b.get(tx.avail + 2, 2);
      const head = b.get(tx.avail + 4 + 2 * (avail - 1), 2);
      const d = (table: number, i: number) => ({
        addr: b.get(table + 16 * i, 8),
        len: b.get(table + 16 * i + 8, 4),
        flags: b.get(table + 16 * i + 12, 2),
        next: b.get(table + 16 * i + 14, 2),
      });
      const top = d(tx.desc, head);
      let first = top;
      let second = d(tx.desc, top.next);
      if (indirect === 'on') {
        // One ring descriptor pointing at a 2-entry table (§2.7.5.3).
        expectEqual(top.flags, F_INDIRECT, 'top.flags');
        expectEqual(top.len, 32, 'top.len');
        first = d(top.addr, 0);
        second = d(top.addr, 1);
      }
      expectEqual(first.len, 12, 'first.len');
      expectEqual(first.flags, F_NEXT, 'first.flags');
      // flags 0, gso_type NONE, num_buffers 0: nothing asked of the device.
      const header = new Uint8Array(12).fill(0xff);
      s.m.guest.mem.load(first.addr as number, 12, header, 0);
      expectDeepEqual(header, new Uint8Array(12), 'header');
      expectEqual(second.len, 333, 'second.len');
      expectEqual(second.flags, 0, 'second.flags');
    }
  },
);

netCase(
  'D22-2',
  'every rx slot holds a device-writable buffer of 1526 B, or 2 KiB with MRG_RXBUF',
  virtio('§5.1.6.3.1', 'every rx slot holds a device-writable buffer of 1526 B, or 2 KiB with MRG_RXBUF'),
  () => {
    for (const [mrg, size] of [
      ['off', 1526],
      ['on', 2048],
    ] as const) {
      const s = makeNetStack({ options: { 'mrg-rxbuf': mrg, 'queue-size': '64' } });
      const rx = queueAreas(s, 0);
      const b = new VirtqBuilder(s.m.guest.mem, rx.size, rx);
      s.run(); // the device may have popped some; the driver's ring is what we read
      expectEqual(b.get(rx.avail + 2, 2), 64, 'b.get(rx.avail + 2, 2)');
      for (let slot = 0; slot < 64; slot++) {
        const head = b.get(rx.avail + 4 + 2 * slot, 2);
        expectEqual(b.get(rx.desc + 16 * head + 8, 4), size, 'b.get(rx.desc + 16 * head + 8, 4)');
        expectEqual(b.get(rx.desc + 16 * head + 12, 2), F_WRITE, 'b.get(rx.desc + 16 * head + 12, 2)');
      }
    }
  },
);

netCase(
  'D19',
  'a hostile chain in its tx ring → NEEDS_RESET + config interrupt; the driver resets, completes in-flight sends and works again',
  virtio(
    '§2.1.1',
    'a hostile chain in its tx ring → NEEDS_RESET + config interrupt; the driver resets, completes in-flight sends and works again',
  ),
  () => {
    const s = makeNetStack();
    const inflight = send(s, frameTo(PEER_MAC, s.driver.info.mac, 100, 1));
    // The guest scribbles a self-looping chain behind the driver's back (H3) and rings the doorbell.
    const tx = queueAreas(s, 1);
    const b = new VirtqBuilder(s.m.guest.mem, tx.size, tx);
    b.availIdx(b.get(tx.avail + 2, 2));
    b.desc(200, { addr: s.m.guest.alloc.alloc(64, 64), len: 64, flags: F_NEXT, next: 200 });
    b.offer(200);
    s.m.guest.io.mmioWrite(tx.notify, 2, 1);
    const configIrqsBefore = s.m.guestMeter.counters.interrupts;
    s.run(() => (s.dev.deviceStatus & 0x40) !== 0);
    expectEqual(s.dev.deviceStatus, 0x4f, 's.dev.deviceStatus');
    expectMatch(s.dev.failure, /H3/, 's.dev.failure');
    s.run(() => s.driver.session.recoveries === 1 && inflight.done);
    expectAbove(s.m.guestMeter.counters.interrupts, configIrqsBefore, 's.m.guestMeter.counters.interrupts');
    expectEqual(s.dev.deviceStatus, 0x0f, 's.dev.deviceStatus');
    const before = s.received.length;
    const f = frameTo(PEER_MAC, s.driver.info.mac, 120, 2);
    const again = send(s, f);
    s.run(() => again.done && s.received.slice(before).some((r) => r.length === 120));
    const echo = s.received.slice(before).find((r) => r.length === 120) as Uint8Array;
    expectDeepEqual(echo.subarray(12), f.subarray(12), 'echo.subarray(12)');
  },
);

netCase(
  'D16',
  'a spurious interrupt on either queue finds nothing to do and breaks nothing',
  virtio('§2.7.7', 'a spurious interrupt on either queue finds nothing to do and breaks nothing'),
  () => {
    const s = makeNetStack({ knobs: { coalesce: { kind: 'event-idx' } } });
    const io = s.m.guest.io;
    const cfg = new PciConfigAccess(io);
    const table = (cfg.read(2, 0x10 + 4 * 1, 4) & ~0xf) >>> 0; // BAR1: MSI-X table at offset 0
    const first = send(s, frameTo(PEER_MAC, s.driver.info.mac, 80, 1));
    s.run(() => first.done && s.received.length === 1);
    const stats = { ...s.driver.stats };
    const taken = s.m.guestMeter.counters.interrupts;
    for (const entry of [1, 2]) {
      const address = io.mmioRead(table + 16 * entry, 4);
      const data = io.mmioRead(table + 16 * entry + 8, 4);
      s.m.interrupts.msi(address, data);
    }
    s.run();
    expectEqual(s.m.guestMeter.counters.interrupts - taken, 2, 's.m.guestMeter.counters.interrupts - taken'); // both vectors really fired
    expectDeepEqual(s.driver.stats, stats, 's.driver.stats');
    const again = send(s, frameTo(PEER_MAC, s.driver.info.mac, 90, 2));
    s.run(() => again.done && s.received.length === 2);
    expectEqual(s.received[1]?.length, 90, 's.received[1]?.length');
  },
);

export const VIRTIO_NET_CASES: readonly ConformanceCase[] = cases;
