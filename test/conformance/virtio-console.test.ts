/**
 * virtio-console conformance, port 0 (virtio 1.2 §5.3; specs/virtio.md §6.3, §9 V7/V17/D19/D23, §10).
 * Device side: our device driven by the hand-written guest of test/unit/virtio-net/raw-virtio.ts.
 * Driver side: our driver's rings read back the way the device sees them.
 */
import { describe, expect, it } from 'vitest';
import { CommonCfg } from '../../models/virtio/layout.js';
import { VirtqBuilder } from '../support/virtq-builder.js';
import { ascii, makeConsoleStack, makeRawConsole, type RawConsole } from '../unit/virtio-console/console-stack.js';
import { queueAreas } from '../unit/virtio-net/net-stack.js';
import { F_VERSION_1, STATUS_ACK } from '../unit/virtio-net/raw-virtio.js';

const F_NEXT = 1;
const F_WRITE = 2;
// virtio 1.2 §5.3.3
const F_CONSOLE_SIZE = 1n << 0n;
const F_CONSOLE_MULTIPORT = 1n << 1n;
const F_CONSOLE_EMERG_WRITE = 1n << 2n;
const EMERG_WR = 8;

function output(c: RawConsole): string {
  return new TextDecoder().decode(c.backend.output());
}

describe('virtio-console device: features and config (§5.3.3, §5.3.4)', () => {
  it('V1 §5.3.3: offers VERSION_1 and EMERG_WRITE, not MULTIPORT or SIZE; port 0 only (2 queues)', () => {
    const c = makeRawConsole({ setup: false });
    const { r, w } = c.raw;
    w(CommonCfg.device_feature_select, 4, 0);
    const lo = BigInt(r(CommonCfg.device_feature, 4));
    w(CommonCfg.device_feature_select, 4, 1);
    const offered = (BigInt(r(CommonCfg.device_feature, 4)) << 32n) | lo;
    expect(offered & F_VERSION_1).toBe(F_VERSION_1);
    expect(offered & F_CONSOLE_EMERG_WRITE).toBe(F_CONSOLE_EMERG_WRITE);
    expect(offered & (F_CONSOLE_MULTIPORT | F_CONSOLE_SIZE)).toBe(0n);
    expect(r(CommonCfg.num_queues, 2)).toBe(2);
  });

  it('§5.3.4: config reads cols 80, rows 25, max_nr_ports 1 and emerg_wr 0', () => {
    const c = makeRawConsole({ setup: false });
    expect(c.raw.readConfig(0, 2)).toBe(80);
    expect(c.raw.readConfig(2, 2)).toBe(25);
    expect(c.raw.readConfig(4, 4)).toBe(1);
    expect(c.raw.readConfig(EMERG_WR, 4)).toBe(0);
  });

  it('V17 §5.3.4: a write to emerg_wr outputs its low byte, before any initialisation and at every stage', () => {
    const c = makeRawConsole({ setup: false });
    expect(c.raw.status()).toBe(0);
    c.raw.writeConfig(EMERG_WR, 4, 0x4148); // low byte 'H'
    c.raw.w(CommonCfg.device_status, 1, STATUS_ACK);
    c.raw.writeConfig(EMERG_WR, 4, 0x69); // 'i'
    expect(c.raw.negotiate(F_VERSION_1 | F_CONSOLE_EMERG_WRITE)).toBe(true);
    c.raw.writeConfig(EMERG_WR, 4, 0x21); // '!'
    expect(output(c)).toBe('Hi!');
    expect(c.raw.readConfig(EMERG_WR, 4)).toBe(0);
  });

  it('V17: the driver emergency-writes through emerg_wr, bypassing the queues', () => {
    const s = makeConsoleStack();
    expect(s.driver.emergencyWriteOffered).toBe(true);
    for (const ch of ascii('SOS')) s.driver.emergencyWrite(ch);
    expect(new TextDecoder().decode(s.backend.output())).toBe('SOS');
  });
});

describe('virtio-console device: queues (§5.3.6)', () => {
  it('V7 §5.3.6: transmit buffers complete with used len 0 and reach the output in order', () => {
    const c = makeRawConsole();
    const a = c.put(ascii('first '));
    const b = c.put(ascii('second'));
    c.offer(c.tx, 0, [{ addr: a, len: 6 }]);
    c.offer(c.tx, 1, [
      { addr: b, len: 3 },
      { addr: b + 3, len: 3 },
    ]);
    c.raw.kick(1);
    c.raw.settle();
    expect(output(c)).toBe('first second');
    expect(c.tx.q.usedIdx()).toBe(2);
    expect(c.tx.q.usedElem(0)).toEqual({ id: 0, len: 0 });
    expect(c.tx.q.usedElem(1)).toEqual({ id: 1, len: 0 });
  });

  it('V7 §2.7.8.2: input fills receive buffers in order, used len = bytes written, the rest untouched', () => {
    const c = makeRawConsole({ backend: { input: ascii('0123456789abcdefghij') } });
    const b0 = c.raw.buffer(8, 0xee);
    const b1 = c.raw.buffer(64, 0xee);
    c.offer(c.rx, 0, [{ addr: b0, len: 8, write: true }]);
    c.offer(c.rx, 1, [{ addr: b1, len: 64, write: true }]);
    c.raw.kick(0);
    c.raw.settle();
    expect(c.rx.q.usedIdx()).toBe(2);
    expect(c.rx.q.usedElem(0)).toEqual({ id: 0, len: 8 });
    expect(c.rx.q.usedElem(1)).toEqual({ id: 1, len: 12 });
    expect(new TextDecoder().decode(c.raw.bytes(b0, 8))).toBe('01234567');
    const rest = c.raw.bytes(b1, 64);
    expect(new TextDecoder().decode(rest.subarray(0, 12))).toBe('89abcdefghij');
    expect(rest.subarray(12).every((x) => x === 0xee)).toBe(true);
    expect(c.raw.taken.queues[0]).toBeGreaterThan(0);
  });

  it('backpressure: with no receive buffers input waits in the backend; a refill kick delivers it', () => {
    const c = makeRawConsole({ backend: { input: ascii('typed early') } });
    c.raw.settle();
    expect(c.backend.stats.bytesIn).toBe(0);
    const b = c.raw.buffer(32, 0);
    c.offer(c.rx, 0, [{ addr: b, len: 32, write: true }]);
    c.raw.kick(0);
    c.raw.settle();
    expect(c.rx.q.usedElem(0)).toEqual({ id: 0, len: 11 });
    expect(new TextDecoder().decode(c.raw.bytes(b, 11))).toBe('typed early');
  });

  it('V4 §2.4: after reset no input reaches the old ring', () => {
    const c = makeRawConsole({ backend: { input: ascii('late'), charIntervalNs: 1_000_000 } });
    c.offer(c.rx, 0, [{ addr: c.raw.buffer(32), len: 32, write: true }]);
    c.raw.kick(0);
    c.raw.w(CommonCfg.device_status, 1, 0);
    c.raw.settle();
    expect(c.rx.q.usedIdx()).toBe(0);
    expect(c.backend.stats.bytesIn).toBe(0);
  });
});

describe('virtio-console device: D23 violations → NEEDS_RESET (§5.3.6.1, V10 §2.1.2)', () => {
  const expectNeedsReset = (c: RawConsole): void => {
    expect(c.raw.status()).toBe(0x4f);
    expect(c.raw.taken.config).toBe(1);
    expect(c.raw.generation()).toBe(1);
  };

  it('D23: a device-writable descriptor on the transmitq', () => {
    const c = makeRawConsole();
    c.offer(c.tx, 0, [
      { addr: c.put(ascii('never')), len: 5 },
      { addr: c.raw.buffer(16), len: 16, write: true },
    ]);
    c.raw.kick(1);
    c.raw.settle();
    expectNeedsReset(c);
    expect(c.dev.failure).toMatch(/writable/);
    expect(c.tx.q.usedIdx()).toBe(0);
    expect(output(c)).toBe('');
  });

  it('D23: a device-readable descriptor on the receiveq, found when input arrives', () => {
    const c = makeRawConsole({ backend: { input: ascii('x') } });
    c.offer(c.rx, 0, [{ addr: c.raw.buffer(16), len: 16 }]);
    c.raw.kick(0);
    c.raw.settle();
    expectNeedsReset(c);
    expect(c.dev.failure).toMatch(/readable/);
    expect(c.rx.q.usedIdx()).toBe(0);
  });

  it('H2: a transmit chain whose next points past the ring', () => {
    const c = makeRawConsole();
    c.tx.q.desc(0, { addr: c.put(ascii('abc')), len: 3, flags: F_NEXT, next: 99 });
    c.tx.q.offer(0);
    c.raw.kick(1);
    c.raw.settle();
    expectNeedsReset(c);
    expect(c.dev.failure).toMatch(/H2/);
  });
});

describe('virtio-console driver (§5.3.6.1 D23, D19)', () => {
  it('D23 §5.3.6.1: writable buffers only on the receiveq, readable only on the transmitq', () => {
    const s = makeConsoleStack({ options: { 'queue-size': '32' } });
    const rx = queueAreas(s, 0);
    const tx = queueAreas(s, 1);
    const b = new VirtqBuilder(s.m.guest.mem, rx.size, rx);
    expect(b.get(rx.avail + 2, 2)).toBe(32);
    for (let slot = 0; slot < 32; slot++) {
      const head = b.get(rx.avail + 4 + 2 * slot, 2);
      expect(b.get(rx.desc + 16 * head + 12, 2)).toBe(F_WRITE);
    }
    const c = ascii('out');
    s.driver.write(s.put(c), c.length, () => {});
    const t = new VirtqBuilder(s.m.guest.mem, tx.size, tx);
    const head = t.get(tx.avail + 4, 2);
    expect(t.get(tx.desc + 16 * head + 12, 2)).toBe(0);
    expect(t.get(tx.desc + 16 * head + 8, 4)).toBe(3);
  });

  it('D19 §2.1.1: after a hostile chain the driver resets, re-initialises and writes again', () => {
    const s = makeConsoleStack();
    const tx = queueAreas(s, 1);
    const b = new VirtqBuilder(s.m.guest.mem, tx.size, tx);
    b.availIdx(b.get(tx.avail + 2, 2));
    b.desc(7, { addr: s.m.guest.alloc.alloc(16, 64), len: 16, flags: F_WRITE });
    b.offer(7);
    s.m.guest.io.mmioWrite(tx.notify, 2, 1);
    s.run(() => (s.dev.deviceStatus & 0x40) !== 0);
    expect(s.dev.deviceStatus).toBe(0x4f);
    s.run(() => s.driver.session.recoveries === 1);
    expect(s.dev.deviceStatus).toBe(0x0f);
    const c = ascii('back online');
    let done = false;
    s.driver.write(s.put(c), c.length, () => {
      done = true;
    });
    s.run(() => done);
    expect(new TextDecoder().decode(s.backend.output())).toBe('back online');
  });
});
