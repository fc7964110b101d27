/**
 * virtio-console through the whole stack on the sim engine: our driver → virtio-pci → our device →
 * the reference console backend, in the transport variants and both copy modes.
 */
import { describe, expect, it } from 'vitest';
import { addCounters, zeroCounters } from '../../../models/platform/meter.js';
import { consoleBinding } from '../../../models/virtio/console/index.js';
import { ascii, type ConsoleStackOptions, makeConsoleStack } from './console-stack.js';

const variants: [string, ConsoleStackOptions][] = [
  ['msix + ioeventfd', {}],
  ['INTx', { options: { irq: 'intx' } }],
  ['userspace notify', { options: { notify: 'userspace' } }],
  ['queue-size 16', { options: { 'queue-size': '16' } }],
  ['copy mode', { knobs: { copy: 'copy' } }],
  ['event-idx', { knobs: { coalesce: { kind: 'event-idx' } } }],
  ['count:2', { knobs: { coalesce: { kind: 'count', n: 2 } } }],
];

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i * 13) & 0xff);
}

describe('virtio-console output', () => {
  for (const [name, opts] of variants) {
    it(`writes reach the backend byte for byte, in order (${name})`, () => {
      const s = makeConsoleStack(opts);
      const chunks = [ascii('hello, console\n'), pattern(4096, 1), pattern(1, 2), pattern(777, 3)];
      let done = 0;
      // One write at a time, the next from the previous one's completion.
      const next = (i: number): void => {
        const c = chunks[i] as Uint8Array;
        s.driver.write(s.put(c), c.length, () => {
          done++;
          if (i + 1 < chunks.length) next(i + 1);
        });
      };
      next(0);
      s.run(() => done === chunks.length);
      expect(Buffer.from(s.backend.output()).equals(Buffer.concat(chunks))).toBe(true);
      expect(s.dev.deviceStatus).toBe(0x0f);
    });
  }

  it('keeps the order of 100 writes issued at once on a 16-entry ring (writes wait for room)', () => {
    const s = makeConsoleStack({ options: { 'queue-size': '16' } });
    const chunks = Array.from({ length: 100 }, (_, i) => pattern(50 + i, i));
    let done = 0;
    for (const c of chunks) s.driver.write(s.put(c), c.length, () => done++);
    s.run(() => done === 100);
    expect(Buffer.from(s.backend.output()).equals(Buffer.concat(chunks))).toBe(true);
    expect(s.driver.stats.txBacklogged).toBeGreaterThan(0);
  });

  it('a write issued from a completion never overtakes one issued before it', () => {
    const s = makeConsoleStack({ options: { 'queue-size': '16' } });
    const order: Uint8Array[] = [];
    let issued = 0;
    let done = 0;
    const write = (): void => {
      const c = pattern(10, issued++);
      order.push(c);
      s.driver.write(s.put(c), c.length, () => {
        done++;
        if (issued < 60) write();
      });
    };
    for (let i = 0; i < 8; i++) write();
    s.run(() => done === 60);
    expect(Buffer.from(s.backend.output()).equals(Buffer.concat(order))).toBe(true);
  });

  it('meters transmit payload as zero-copy or as a host copy per the copy knob', () => {
    for (const copy of ['zerocopy', 'copy'] as const) {
      const s = makeConsoleStack({ knobs: { copy } });
      const c = pattern(3000, 5);
      const before = { copied: s.m.hostMeter.copiedBy.host, zero: s.m.hostMeter.counters.bytesZeroCopy };
      let done = false;
      s.driver.write(s.put(c), c.length, () => {
        done = true;
      });
      s.run(() => done);
      expect(s.m.hostMeter.copiedBy.host - before.copied).toBe(copy === 'copy' ? 3000 : 0);
      expect(s.m.hostMeter.counters.bytesZeroCopy - before.zero).toBe(copy === 'copy' ? 0 : 3000);
    }
  });

  it('costs one kick and one interrupt per write at iodepth 1', () => {
    const s = makeConsoleStack();
    const c = pattern(80, 1);
    const addr = s.put(c);
    const total = () => addCounters(addCounters(zeroCounters(), s.m.guestMeter.counters), s.m.hostMeter.counters);
    const before = total();
    let done = 0;
    const next = (): void =>
      s.driver.write(addr, c.length, () => {
        if (++done < 20) next();
      });
    next();
    s.run(() => done === 20);
    const after = total();
    expect(after.notifications - before.notifications).toBe(20);
    expect(after.interrupts - before.interrupts).toBe(20);
  });

  it('rejects writes of 0 bytes or more than maxWrite', () => {
    const s = makeConsoleStack();
    const addr = s.put(new Uint8Array(8192));
    expect(s.driver.maxWrite).toBe(4096);
    expect(() => s.driver.write(addr, 0, () => {})).toThrow(RangeError);
    expect(() => s.driver.write(addr, 4097, () => {})).toThrow(RangeError);
  });
});

describe('virtio-console input', () => {
  it('scripted keystrokes arrive through onInput byte for byte', () => {
    const text = ascii('ls -l /dev/hvc0\nexit\n');
    const s = makeConsoleStack({ backend: { input: text, charIntervalNs: 2_000 } });
    s.run(() => s.input().length === text.length);
    expect(s.input()).toEqual(Buffer.from(text));
    expect(s.driver.stats.rxBuffers).toBeGreaterThan(1); // one keystroke at a time
  });

  it('a burst larger than the backend queue flows through as buffers are refilled', () => {
    const text = pattern(20_000, 9);
    const s = makeConsoleStack({ options: { 'queue-size': '16' }, backend: { input: text } });
    s.run(() => s.input().length === text.length);
    expect(s.input().equals(Buffer.from(text))).toBe(true);
  });

  it('echo: what the guest writes comes back as input', () => {
    const s = makeConsoleStack({ backend: { echo: true } });
    const c = ascii('ping 1 2 3');
    let done = false;
    s.driver.write(s.put(c), c.length, () => {
      done = true;
    });
    s.run(() => done && s.input().length === c.length);
    expect(s.input()).toEqual(Buffer.from(c));
  });
});

describe('virtio-console binding support()', () => {
  it('reports iodepth beyond the transmitq as unsupported', () => {
    const knobs = { coalesce: { kind: 'none' } as const, copy: 'zerocopy' as const };
    expect(consoleBinding.support({ knobs: { ...knobs, iodepth: 16 }, options: { 'queue-size': '16' } })).toEqual({
      ok: true,
    });
    expect(consoleBinding.support({ knobs: { ...knobs, iodepth: 17 }, options: { 'queue-size': '16' } }).ok).toBe(
      false,
    );
  });
});
