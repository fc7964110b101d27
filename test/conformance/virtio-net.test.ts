/**
 * virtio-net conformance (virtio 1.2 §5.1; specs/virtio.md §6.2, §9 V16/V6/V7/V10/D19/D22, §10).
 * Device side: our device driven by the hand-written guest of test/unit/virtio-net/raw-virtio.ts.
 * Driver side: our driver's rings read back the way the device sees them.
 */
import { describe, expect, it } from 'vitest';
import { PciConfigAccess } from '../../models/platform/pci-guest.js';
import { CommonCfg } from '../../models/virtio/layout.js';
import { VirtqBuilder } from '../support/virtq-builder.js';
import { frameTo, GUEST_MAC, makeNetStack, PEER_MAC, queueAreas, send } from '../unit/virtio-net/net-stack.js';
import {
  F_NET_MAC,
  F_NET_MRG_RXBUF,
  F_NET_MTU,
  F_NET_STATUS,
  makeRawNet,
  NET_HDR,
} from '../unit/virtio-net/raw-net.js';
import { F_EVENT_IDX, F_VERSION_1 } from '../unit/virtio-net/raw-virtio.js';

const F_WRITE = 2;
const F_NEXT = 1;
const F_INDIRECT = 4;

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
}

describe('virtio-net device: features and config (§5.1.3, §5.1.4)', () => {
  it('V1 §5.1.3: offers VERSION_1, MAC, STATUS, MRG_RXBUF and MTU; no control queue, no offloads', () => {
    const n = makeRawNet({ setup: false });
    const { r, w } = n.raw;
    w(CommonCfg.device_feature_select, 4, 0);
    const lo = BigInt(r(CommonCfg.device_feature, 4));
    w(CommonCfg.device_feature_select, 4, 1);
    const hi = BigInt(r(CommonCfg.device_feature, 4));
    const offered = (hi << 32n) | lo;
    for (const f of [F_VERSION_1, F_NET_MAC, F_NET_STATUS, F_NET_MRG_RXBUF, F_NET_MTU]) expect(offered & f).toBe(f);
    for (const bit of [0n, 1n, 7n, 11n, 17n, 22n]) expect(offered & (1n << bit)).toBe(0n); // CSUM, TSO, CTRL_VQ, MQ
    expect(r(CommonCfg.num_queues, 2)).toBe(2);
  });

  it('§5.1.4: config holds the backend MAC, status LINK_UP and the MTU', () => {
    const n = makeRawNet({ setup: false, backend: { guestMac: '02:11:22:33:44:55', mtu: 9000 } });
    const mac = Array.from({ length: 6 }, (_, i) => n.raw.readConfig(i, 1));
    expect(mac).toEqual([0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
    expect(n.raw.readConfig(6, 2)).toBe(1); // VIRTIO_NET_S_LINK_UP
    expect(n.raw.readConfig(10, 2)).toBe(9000);
  });
});

describe('virtio-net device: receive (§5.1.6.3, §5.1.6.4)', () => {
  it('V16 §5.1.6.4: without MRG_RXBUF each packet takes one buffer, num_buffers = 1, used len = 12 + L', () => {
    const n = makeRawNet();
    const bufs = n.postRx(1526, 3);
    n.raw.settle();
    const frames = [100, 1514, 60].map((len, i) => frameTo(GUEST_MAC, PEER_MAC, len, i));
    for (const f of frames) {
      expect(n.logic.rx.canReceive()).toBe(true);
      n.logic.rx.receive(f, 0, f.length);
    }
    expect(n.rx.q.usedIdx()).toBe(3);
    frames.forEach((f, i) => {
      expect(n.rx.q.usedElem(i).len).toBe(NET_HDR + f.length);
      const got = n.raw.bytes(bufs[i] as number, NET_HDR + f.length);
      expect(Array.from(got.subarray(0, 10))).toEqual(new Array(10).fill(0)); // flags, gso_type NONE, …
      expect(u16(got, 10)).toBe(1); // num_buffers
      expect(got.subarray(NET_HDR)).toEqual(f);
    });
    expect(n.logic.rx.canReceive()).toBe(false); // all three buffers used
  });

  it('V16 §5.1.6.3.2: with MRG_RXBUF a packet spans buffers, num_buffers counts them, only the first has the header', () => {
    const n = makeRawNet({ features: F_VERSION_1 | F_NET_MRG_RXBUF, backend: { mtu: 4000 } });
    const bufs = n.postRx(256, 16);
    n.raw.settle();
    const f = frameTo(GUEST_MAC, PEER_MAC, 1000, 7);
    expect(n.logic.rx.canReceive()).toBe(true);
    n.logic.rx.receive(f, 0, f.length);
    // 12 + 1000 bytes over 256-byte buffers: 4 buffers, the last one partly.
    expect(n.rx.q.usedIdx()).toBe(4);
    expect([0, 1, 2, 3].map((i) => n.rx.q.usedElem(i))).toEqual([
      { id: 0, len: 256 },
      { id: 1, len: 256 },
      { id: 2, len: 256 },
      { id: 3, len: 244 },
    ]);
    const joined = new Uint8Array(4 * 256);
    for (let i = 0; i < 4; i++) joined.set(n.raw.bytes(bufs[i] as number, 256), i * 256);
    expect(u16(joined, 10)).toBe(4);
    expect(joined.subarray(NET_HDR, NET_HDR + 1000)).toEqual(f);
    // The unused tail of the last buffer is untouched.
    expect(joined.subarray(NET_HDR + 1000).every((b) => b === 0xee)).toBe(true);
  });

  it('§5.1.6.4: without MRG_RXBUF a frame too large for the buffer is dropped, the buffer kept for the next', () => {
    const n = makeRawNet();
    const [buf] = n.postRx(200, 1);
    n.raw.settle();
    const big = frameTo(GUEST_MAC, PEER_MAC, 400, 1);
    const small = frameTo(GUEST_MAC, PEER_MAC, 150, 2);
    n.logic.rx.receive(big, 0, big.length);
    expect(n.rx.q.usedIdx()).toBe(0);
    expect(n.logic.describe().rxDroppedTooBig).toBe(1);
    expect(n.logic.rx.canReceive()).toBe(true);
    n.logic.rx.receive(small, 0, small.length);
    expect(n.rx.q.usedElem(0)).toEqual({ id: 0, len: NET_HDR + 150 });
    expect(n.raw.bytes(buf as number, NET_HDR + 150).subarray(NET_HDR)).toEqual(small);
  });

  it('backpressure: with no buffers posted frames wait in the backend; a refill kick delivers them in order', () => {
    const n = makeRawNet({
      features: F_VERSION_1 | F_NET_MRG_RXBUF,
      backend: { peer: { mode: 'source', frameBytes: 200, count: 5 } },
    });
    n.raw.settle();
    expect(n.backend.stats.framesToGuest).toBe(0);
    expect(n.backend.stats.dropped).toBe(0);
    expect(n.rx.q.usedIdx()).toBe(0);
    const bufs = n.postRx(2048, 8);
    n.raw.kick(0);
    n.raw.settle();
    expect(n.backend.stats.framesToGuest).toBe(5);
    expect(n.rx.q.usedIdx()).toBe(5);
    for (let seq = 0; seq < 5; seq++) {
      expect(n.rx.q.usedElem(seq).len).toBe(NET_HDR + 200);
      const got = n.raw.bytes(bufs[seq] as number, NET_HDR + 200);
      expect(u16(got, 10)).toBe(1);
      // Source frames carry their sequence number (big endian) first in the payload.
      expect(Array.from(got.subarray(NET_HDR + 14, NET_HDR + 18))).toEqual([0, 0, 0, seq]);
    }
    expect(n.raw.taken.queues[0]).toBeGreaterThan(0);
  });

  it('§2.7.10: the device wants no rx kicks while it holds buffers, and wants them again once the ring runs dry', () => {
    const n = makeRawNet();
    const usedFlags = (): number => n.rx.q.usedFlags();
    n.postRx(1526, 2);
    n.raw.settle();
    expect(n.logic.rx.canReceive()).toBe(true);
    expect(usedFlags()).toBe(1); // VIRTQ_USED_F_NO_NOTIFY
    const f = frameTo(GUEST_MAC, PEER_MAC, 64, 0);
    n.logic.rx.receive(f, 0, f.length);
    n.logic.rx.receive(f, 0, f.length);
    expect(n.logic.rx.canReceive()).toBe(false);
    expect(usedFlags()).toBe(0);
  });

  it('EVENT_IDX §2.7.10: avail_event trails the buffers the device has taken, so refills need no kick', () => {
    const n = makeRawNet({ features: F_VERSION_1 | F_EVENT_IDX });
    n.postRx(1526, 10);
    n.raw.settle();
    const f = frameTo(GUEST_MAC, PEER_MAC, 64, 0);
    for (let i = 0; i < 3; i++) {
      expect(n.logic.rx.canReceive()).toBe(true);
      n.logic.rx.receive(f, 0, f.length);
    }
    expect(n.rx.q.availEvent()).toBe(3); // = next avail index the device will pop
    expect(n.rx.q.usedFlags()).toBe(0);
  });

  it('V4 §2.4: after reset no frame reaches the old ring; held frames arrive once the device is up again', () => {
    const n = makeRawNet({ backend: { peer: { mode: 'source', frameBytes: 100, count: 3, startNs: 1_000_000 } } });
    const oldRx = n.rx;
    n.postRx(1526, 4);
    n.raw.w(CommonCfg.device_status, 1, 0);
    expect(n.raw.status()).toBe(0);
    n.raw.settle();
    expect(oldRx.q.usedIdx()).toBe(0);
    expect(n.backend.stats.framesToGuest).toBe(0);
    expect(n.raw.negotiate(F_VERSION_1)).toBe(true);
    const rx = n.raw.setupQueue(0, 16);
    n.raw.setupQueue(1, 16);
    n.raw.driverOk();
    const buf = n.raw.buffer(1526);
    rx.q.offer(rx.q.chain([0], [{ addr: buf, len: 1526, write: true }]));
    n.raw.kick(0);
    n.raw.settle();
    expect(rx.q.usedIdx()).toBe(1);
    expect(oldRx.q.usedIdx()).toBe(0);
  });
});

describe('virtio-net device: transmit (§5.1.6.2)', () => {
  it('V7 §5.1.6.2: transmit chains complete with used len 0; the frame reaches the network unchanged', () => {
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
    expect(n.tx.q.usedIdx()).toBe(2);
    expect(n.tx.q.usedElem(0)).toEqual({ id: 0, len: 0 });
    expect(n.tx.q.usedElem(1)).toEqual({ id: 2, len: 0 });
    expect(n.transmitted).toEqual([f1, f2]);
    expect(n.raw.taken.queues[1]).toBeGreaterThan(0);
  });

  it('V6 §2.7.5.1: the device never writes a transmit buffer', () => {
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
      expect(n.raw.bytes(a, withHdr.length)).toEqual(withHdr);
      expect(n.transmitted).toEqual([f]);
    }
  });

  it('§5.1.6.2.1: a header asking for an offload that was not negotiated drops the frame, no NEEDS_RESET', () => {
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
    expect(n.transmitted).toEqual([]);
    expect(n.tx.q.usedElem(0)).toEqual({ id: 0, len: 0 });
    expect(n.logic.describe().txDroppedHeader).toBe(1);
    expect(n.raw.status()).toBe(0x0f);
  });
});

describe('virtio-net device: hostile driver → NEEDS_RESET (V10 §2.1.2, specs/virtio.md §10)', () => {
  const expectNeedsReset = (n: ReturnType<typeof makeRawNet>, reason: RegExp): void => {
    expect(n.raw.status()).toBe(0x4f);
    expect(n.raw.taken.config).toBe(1);
    expect(n.raw.generation()).toBe(1);
    expect(n.dev.failure).toMatch(reason);
  };

  it('H3: a looping transmit chain', () => {
    const n = makeRawNet();
    const a = n.raw.buffer(64);
    n.tx.q.desc(0, { addr: a, len: 64, flags: F_NEXT, next: 1 });
    n.tx.q.desc(1, { addr: a, len: 64, flags: F_NEXT, next: 0 });
    n.tx.q.offer(0);
    n.raw.kick(1);
    n.raw.settle();
    expectNeedsReset(n, /H3/);
    expect(n.tx.q.usedIdx()).toBe(0);
    expect(n.transmitted).toEqual([]);
  });

  it('H1: a transmit head ≥ QS', () => {
    const n = makeRawNet();
    n.tx.q.offer(16);
    n.raw.kick(1);
    n.raw.settle();
    expectNeedsReset(n, /H1/);
  });

  it('a transmit chain too short for the 12-byte header (§5.1.6.2)', () => {
    const n = makeRawNet();
    n.offer(n.tx, 0, [{ addr: n.raw.buffer(8), len: 8 }]);
    n.raw.kick(1);
    n.raw.settle();
    expectNeedsReset(n, /header/);
    expect(n.transmitted).toEqual([]);
  });

  it('H7: a zero-length receive descriptor, found when a frame arrives', () => {
    const n = makeRawNet({ backend: { peer: { mode: 'source', frameBytes: 100, count: 1, startNs: 10_000 } } });
    n.offer(n.rx, 0, [{ addr: n.raw.buffer(64), len: 0, write: true }]);
    n.raw.kick(0);
    n.raw.settle();
    expectNeedsReset(n, /H7/);
    expect(n.rx.q.usedIdx()).toBe(0);
  });

  it('§5.1.6.3.2: a receive buffer smaller than the header', () => {
    const n = makeRawNet({ features: F_VERSION_1 | F_NET_MRG_RXBUF });
    n.postRx(8, 4);
    n.raw.settle();
    expect(n.logic.rx.canReceive()).toBe(false);
    n.raw.settle();
    expectNeedsReset(n, /header/);
  });
});

describe('virtio-net driver (§5.1.6, D22, D19)', () => {
  it('D22 §5.1.6.2: each frame goes out behind its own 12-byte device-readable header', () => {
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
        expect(top.flags).toBe(F_INDIRECT);
        expect(top.len).toBe(32);
        first = d(top.addr, 0);
        second = d(top.addr, 1);
      }
      expect(first.len).toBe(12);
      expect(first.flags).toBe(F_NEXT);
      // flags 0, gso_type NONE, num_buffers 0: nothing asked of the device.
      const header = new Uint8Array(12).fill(0xff);
      s.m.guest.mem.load(first.addr as number, 12, header, 0);
      expect(header).toEqual(new Uint8Array(12));
      expect(second.len).toBe(333);
      expect(second.flags).toBe(0);
    }
  });

  it('D22 §5.1.6.3.1: every rx slot holds a device-writable buffer of 1526 B, or 2 KiB with MRG_RXBUF', () => {
    for (const [mrg, size] of [
      ['off', 1526],
      ['on', 2048],
    ] as const) {
      const s = makeNetStack({ options: { 'mrg-rxbuf': mrg, 'queue-size': '64' } });
      const rx = queueAreas(s, 0);
      const b = new VirtqBuilder(s.m.guest.mem, rx.size, rx);
      s.run(); // the device may have popped some; the driver's ring is what we read
      expect(b.get(rx.avail + 2, 2)).toBe(64);
      for (let slot = 0; slot < 64; slot++) {
        const head = b.get(rx.avail + 4 + 2 * slot, 2);
        expect(b.get(rx.desc + 16 * head + 8, 4)).toBe(size);
        expect(b.get(rx.desc + 16 * head + 12, 2)).toBe(F_WRITE);
      }
    }
  });

  it('D19 §2.1.1: a hostile chain in its tx ring → NEEDS_RESET + config interrupt; the driver resets, completes in-flight sends and works again', () => {
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
    expect(s.dev.deviceStatus).toBe(0x4f);
    expect(s.dev.failure).toMatch(/H3/);
    s.run(() => s.driver.session.recoveries === 1 && inflight.done);
    expect(s.m.guestMeter.counters.interrupts).toBeGreaterThan(configIrqsBefore);
    expect(s.dev.deviceStatus).toBe(0x0f);
    const before = s.received.length;
    const f = frameTo(PEER_MAC, s.driver.info.mac, 120, 2);
    const again = send(s, f);
    s.run(() => again.done && s.received.slice(before).some((r) => r.length === 120));
    const echo = s.received.slice(before).find((r) => r.length === 120) as Uint8Array;
    expect(echo.subarray(12)).toEqual(f.subarray(12));
  });

  it('D16 §2.7.7: a spurious interrupt on either queue finds nothing to do and breaks nothing', () => {
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
    expect(s.m.guestMeter.counters.interrupts - taken).toBe(2); // both vectors really fired
    expect(s.driver.stats).toEqual(stats);
    const again = send(s, frameTo(PEER_MAC, s.driver.info.mac, 90, 2));
    s.run(() => again.done && s.received.length === 2);
    expect(s.received[1]?.length).toBe(90);
  });
});
