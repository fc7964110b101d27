/**
 * virtio-console conformance, port 0 (virtio 1.2 §5.3; specs/virtio.md §6.3, §9 V7/V17/D19/D23, §10).
 * Device side: our device driven by the hand-written guest of test/unit/virtio-net/raw-virtio.ts.
 * Driver side: our driver's rings read back the way the device sees them.
 */
import { CommonCfg } from '../../../../models/virtio/layout.js';
import { expectAbove, expectDeepEqual, expectEqual, expectMatch } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { ascii, makeConsoleStack, makeRawConsole, type RawConsole } from '../../support/virtio-console-stack.js';
import { queueAreas } from '../../support/virtio-net-stack.js';
import { F_VERSION_1, STATUS_ACK } from '../../support/virtio-raw-guest.js';
import { VirtqBuilder } from '../../support/virtq-builder.js';

const cases: ConformanceCase[] = [];
function consoleCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `virtio-console.${id}`, title, ref, models: ['virtio'], run });
}
const virtio = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'virtio 1.2',
  section,
  level,
  paraphrase,
});

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

// virtio-console device: features and config (§5.3.3, §5.3.4)
consoleCase(
  'V1',
  'offers VERSION_1 and EMERG_WRITE, not MULTIPORT or SIZE; port 0 only (2 queues)',
  virtio('§5.3.3', 'offers VERSION_1 and EMERG_WRITE, not MULTIPORT or SIZE; port 0 only (2 queues)'),
  () => {
    const c = makeRawConsole({ setup: false });
    const { r, w } = c.raw;
    w(CommonCfg.device_feature_select, 4, 0);
    const lo = BigInt(r(CommonCfg.device_feature, 4));
    w(CommonCfg.device_feature_select, 4, 1);
    const offered = (BigInt(r(CommonCfg.device_feature, 4)) << 32n) | lo;
    expectEqual(offered & F_VERSION_1, F_VERSION_1, 'offered & F_VERSION_1');
    expectEqual(offered & F_CONSOLE_EMERG_WRITE, F_CONSOLE_EMERG_WRITE, 'offered & F_CONSOLE_EMERG_WRITE');
    expectEqual(
      offered & (F_CONSOLE_MULTIPORT | F_CONSOLE_SIZE),
      0n,
      'offered & (F_CONSOLE_MULTIPORT | F_CONSOLE_SIZE)',
    );
    expectEqual(r(CommonCfg.num_queues, 2), 2, 'r(CommonCfg.num_queues, 2)');
  },
);

consoleCase(
  '5.3.4',
  'config reads cols 80, rows 25, max_nr_ports 1 and emerg_wr 0',
  virtio('§5.3.4', 'config reads cols 80, rows 25, max_nr_ports 1 and emerg_wr 0'),
  () => {
    const c = makeRawConsole({ setup: false });
    expectEqual(c.raw.readConfig(0, 2), 80, 'c.raw.readConfig(0, 2)');
    expectEqual(c.raw.readConfig(2, 2), 25, 'c.raw.readConfig(2, 2)');
    expectEqual(c.raw.readConfig(4, 4), 1, 'c.raw.readConfig(4, 4)');
    expectEqual(c.raw.readConfig(EMERG_WR, 4), 0, 'c.raw.readConfig(EMERG_WR, 4)');
  },
);

consoleCase(
  'V17',
  'a write to emerg_wr outputs its low byte, before any initialisation and at every stage',
  virtio('§5.3.4', 'a write to emerg_wr outputs its low byte, before any initialisation and at every stage'),
  () => {
    const c = makeRawConsole({ setup: false });
    expectEqual(c.raw.status(), 0, 'c.raw.status()');
    c.raw.writeConfig(EMERG_WR, 4, 0x4148); // low byte 'H'
    c.raw.w(CommonCfg.device_status, 1, STATUS_ACK);
    c.raw.writeConfig(EMERG_WR, 4, 0x69); // 'i'
    expectEqual(
      c.raw.negotiate(F_VERSION_1 | F_CONSOLE_EMERG_WRITE),
      true,
      'c.raw.negotiate(F_VERSION_1 | F_CONSOLE_EMERG_WRITE)',
    );
    c.raw.writeConfig(EMERG_WR, 4, 0x21); // '!'
    expectEqual(output(c), 'Hi!', 'output(c)');
    expectEqual(c.raw.readConfig(EMERG_WR, 4), 0, 'c.raw.readConfig(EMERG_WR, 4)');
  },
);

consoleCase(
  'V17-2',
  'the driver emergency-writes through emerg_wr, bypassing the queues',
  virtio('§5.3.3, §5.3.4', 'the driver emergency-writes through emerg_wr, bypassing the queues'),
  () => {
    const s = makeConsoleStack();
    expectEqual(s.driver.emergencyWriteOffered, true, 's.driver.emergencyWriteOffered');
    for (const ch of ascii('SOS')) s.driver.emergencyWrite(ch);
    expectEqual(new TextDecoder().decode(s.backend.output()), 'SOS', 'new TextDecoder().decode(s.backend.output())');
  },
);

// virtio-console device: queues (§5.3.6)
consoleCase(
  'V7',
  'transmit buffers complete with used len 0 and reach the output in order',
  virtio('§5.3.6', 'transmit buffers complete with used len 0 and reach the output in order'),
  () => {
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
    expectEqual(output(c), 'first second', 'output(c)');
    expectEqual(c.tx.q.usedIdx(), 2, 'c.tx.q.usedIdx()');
    expectDeepEqual(c.tx.q.usedElem(0), { id: 0, len: 0 }, 'c.tx.q.usedElem(0)');
    expectDeepEqual(c.tx.q.usedElem(1), { id: 1, len: 0 }, 'c.tx.q.usedElem(1)');
  },
);

consoleCase(
  'V7-2',
  'input fills receive buffers in order, used len = bytes written, the rest untouched',
  virtio('§2.7.8.2', 'input fills receive buffers in order, used len = bytes written, the rest untouched'),
  () => {
    const c = makeRawConsole({ backend: { input: ascii('0123456789abcdefghij') } });
    const b0 = c.raw.buffer(8, 0xee);
    const b1 = c.raw.buffer(64, 0xee);
    c.offer(c.rx, 0, [{ addr: b0, len: 8, write: true }]);
    c.offer(c.rx, 1, [{ addr: b1, len: 64, write: true }]);
    c.raw.kick(0);
    c.raw.settle();
    expectEqual(c.rx.q.usedIdx(), 2, 'c.rx.q.usedIdx()');
    expectDeepEqual(c.rx.q.usedElem(0), { id: 0, len: 8 }, 'c.rx.q.usedElem(0)');
    expectDeepEqual(c.rx.q.usedElem(1), { id: 1, len: 12 }, 'c.rx.q.usedElem(1)');
    expectEqual(
      new TextDecoder().decode(c.raw.bytes(b0, 8)),
      '01234567',
      'new TextDecoder().decode(c.raw.bytes(b0, 8))',
    );
    const rest = c.raw.bytes(b1, 64);
    expectEqual(
      new TextDecoder().decode(rest.subarray(0, 12)),
      '89abcdefghij',
      'new TextDecoder().decode(rest.subarray(0, 12))',
    );
    expectEqual(
      rest.subarray(12).every((x) => x === 0xee),
      true,
      'rest.subarray(12).every((x) => x === 0xee)',
    );
    expectAbove(c.raw.taken.queues[0] ?? 0, 0, 'c.raw.taken.queues[0]');
  },
);

consoleCase(
  '5.3.6',
  'backpressure: with no receive buffers input waits in the backend; a refill kick delivers it',
  virtio('§5.3.6', 'backpressure: with no receive buffers input waits in the backend; a refill kick delivers it'),
  () => {
    const c = makeRawConsole({ backend: { input: ascii('typed early') } });
    c.raw.settle();
    expectEqual(c.backend.stats.bytesIn, 0, 'c.backend.stats.bytesIn');
    const b = c.raw.buffer(32, 0);
    c.offer(c.rx, 0, [{ addr: b, len: 32, write: true }]);
    c.raw.kick(0);
    c.raw.settle();
    expectDeepEqual(c.rx.q.usedElem(0), { id: 0, len: 11 }, 'c.rx.q.usedElem(0)');
    expectEqual(
      new TextDecoder().decode(c.raw.bytes(b, 11)),
      'typed early',
      'new TextDecoder().decode(c.raw.bytes(b, 11))',
    );
  },
);

consoleCase(
  'V4',
  'after reset no input reaches the old ring',
  virtio('§2.4', 'after reset no input reaches the old ring'),
  () => {
    const c = makeRawConsole({ backend: { input: ascii('late'), charIntervalNs: 1_000_000 } });
    c.offer(c.rx, 0, [{ addr: c.raw.buffer(32), len: 32, write: true }]);
    c.raw.kick(0);
    c.raw.w(CommonCfg.device_status, 1, 0);
    c.raw.settle();
    expectEqual(c.rx.q.usedIdx(), 0, 'c.rx.q.usedIdx()');
    expectEqual(c.backend.stats.bytesIn, 0, 'c.backend.stats.bytesIn');
  },
);

// virtio-console device: D23 violations → NEEDS_RESET (§5.3.6.1, V10 §2.1.2)
const expectNeedsReset = (c: RawConsole): void => {
  expectEqual(c.raw.status(), 0x4f, 'c.raw.status()');
  expectEqual(c.raw.taken.config, 1, 'c.raw.taken.config');
  expectEqual(c.raw.generation(), 1, 'c.raw.generation()');
};

consoleCase(
  'D23',
  'a device-writable descriptor on the transmitq',
  virtio('§5.3.6.1, §2.1.2', 'a device-writable descriptor on the transmitq'),
  () => {
    const c = makeRawConsole();
    c.offer(c.tx, 0, [
      { addr: c.put(ascii('never')), len: 5 },
      { addr: c.raw.buffer(16), len: 16, write: true },
    ]);
    c.raw.kick(1);
    c.raw.settle();
    expectNeedsReset(c);
    expectMatch(c.dev.failure, /writable/, 'c.dev.failure');
    expectEqual(c.tx.q.usedIdx(), 0, 'c.tx.q.usedIdx()');
    expectEqual(output(c), '', 'output(c)');
  },
);

consoleCase(
  'D23-2',
  'a device-readable descriptor on the receiveq, found when input arrives',
  virtio('§5.3.6.1, §2.1.2', 'a device-readable descriptor on the receiveq, found when input arrives'),
  () => {
    const c = makeRawConsole({ backend: { input: ascii('x') } });
    c.offer(c.rx, 0, [{ addr: c.raw.buffer(16), len: 16 }]);
    c.raw.kick(0);
    c.raw.settle();
    expectNeedsReset(c);
    expectMatch(c.dev.failure, /readable/, 'c.dev.failure');
    expectEqual(c.rx.q.usedIdx(), 0, 'c.rx.q.usedIdx()');
  },
);

consoleCase(
  'H2',
  'a transmit chain whose next points past the ring',
  virtio('§5.3.6.1, §2.1.2', 'a transmit chain whose next points past the ring'),
  () => {
    const c = makeRawConsole();
    c.tx.q.desc(0, { addr: c.put(ascii('abc')), len: 3, flags: F_NEXT, next: 99 });
    c.tx.q.offer(0);
    c.raw.kick(1);
    c.raw.settle();
    expectNeedsReset(c);
    expectMatch(c.dev.failure, /H2/, 'c.dev.failure');
  },
);

// virtio-console driver (§5.3.6.1 D23, D19)
consoleCase(
  'D23-3',
  'writable buffers only on the receiveq, readable only on the transmitq',
  virtio('§5.3.6.1', 'writable buffers only on the receiveq, readable only on the transmitq'),
  () => {
    const s = makeConsoleStack({ options: { 'queue-size': '32' } });
    const rx = queueAreas(s, 0);
    const tx = queueAreas(s, 1);
    const b = new VirtqBuilder(s.m.guest.mem, rx.size, rx);
    expectEqual(b.get(rx.avail + 2, 2), 32, 'b.get(rx.avail + 2, 2)');
    for (let slot = 0; slot < 32; slot++) {
      const head = b.get(rx.avail + 4 + 2 * slot, 2);
      expectEqual(b.get(rx.desc + 16 * head + 12, 2), F_WRITE, 'b.get(rx.desc + 16 * head + 12, 2)');
    }
    const c = ascii('out');
    s.driver.write(s.put(c), c.length, () => {});
    const t = new VirtqBuilder(s.m.guest.mem, tx.size, tx);
    const head = t.get(tx.avail + 4, 2);
    expectEqual(t.get(tx.desc + 16 * head + 12, 2), 0, 't.get(tx.desc + 16 * head + 12, 2)');
    expectEqual(t.get(tx.desc + 16 * head + 8, 4), 3, 't.get(tx.desc + 16 * head + 8, 4)');
  },
);

consoleCase(
  'D19',
  'after a hostile chain the driver resets, re-initialises and writes again',
  virtio('§2.1.1', 'after a hostile chain the driver resets, re-initialises and writes again'),
  () => {
    const s = makeConsoleStack();
    const tx = queueAreas(s, 1);
    const b = new VirtqBuilder(s.m.guest.mem, tx.size, tx);
    b.availIdx(b.get(tx.avail + 2, 2));
    b.desc(7, { addr: s.m.guest.alloc.alloc(16, 64), len: 16, flags: F_WRITE });
    b.offer(7);
    s.m.guest.io.mmioWrite(tx.notify, 2, 1);
    s.run(() => (s.dev.deviceStatus & 0x40) !== 0);
    expectEqual(s.dev.deviceStatus, 0x4f, 's.dev.deviceStatus');
    s.run(() => s.driver.session.recoveries === 1);
    expectEqual(s.dev.deviceStatus, 0x0f, 's.dev.deviceStatus');
    const c = ascii('back online');
    let done = false;
    s.driver.write(s.put(c), c.length, () => {
      done = true;
    });
    s.run(() => done);
    expectEqual(
      new TextDecoder().decode(s.backend.output()),
      'back online',
      'new TextDecoder().decode(s.backend.output())',
    );
  },
);

export const VIRTIO_CONSOLE_CASES: readonly ConformanceCase[] = cases;
