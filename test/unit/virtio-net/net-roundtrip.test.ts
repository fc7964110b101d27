/**
 * virtio-net through the whole stack on the sim engine: our driver → virtio-pci → our device → the
 * reference net backend and its peer, in every transport variant and both copy modes.
 */
import { describe, expect, it } from 'vitest';
import { SourcePayload } from '../../../models/backend/index.js';
import {
  counters,
  firstDifferentFrame,
  frameTo,
  GUEST_MAC,
  guestFrame,
  makeNetStack,
  type NetStack,
  type NetStackOptions,
  PEER_MAC,
  send,
} from './net-stack.js';

const variants: [string, NetStackOptions][] = [
  ['msix + ioeventfd + indirect', {}],
  ['indirect off', { options: { indirect: 'off' } }],
  ['INTx', { options: { irq: 'intx' } }],
  ['userspace notify', { options: { notify: 'userspace' } }],
  ['queue-size 16', { options: { 'queue-size': '16' } }],
  ['copy mode', { knobs: { copy: 'copy' } }],
  ['event-idx', { knobs: { coalesce: { kind: 'event-idx' } } }],
  ['count:4', { knobs: { coalesce: { kind: 'count', n: 4 }, iodepth: 4 } }],
  ['time:20', { knobs: { coalesce: { kind: 'time', us: 20 } } }],
  ['mrg-rxbuf off', { options: { 'mrg-rxbuf': 'off' } }],
];

/** What the echo peer answers: addresses swapped, same EtherType and payload. */
function echoOf(request: Uint8Array): Uint8Array {
  const r = request.slice();
  r.set(request.subarray(6, 12), 0);
  r.set(PEER_MAC, 6);
  return r;
}

/** The source peer's frame `seq` (models/backend/net/peer.ts rule), rebuilt independently of the device. */
function sourceFrame(seq: number, length: number): Uint8Array {
  const f = new Uint8Array(length);
  f.set(GUEST_MAC, 0);
  f.set(PEER_MAC, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  new SourcePayload(length).write(f, length, seq);
  return f;
}

function sourceFrames(count: number, length: number): Uint8Array[] {
  return Array.from({ length: count }, (_, seq) => sourceFrame(seq, length));
}

/** Closed loop of `depth` request/response transactions, `total` in all; returns the stack after the run. */
function rr(s: NetStack, depth: number, total: number, size: number): void {
  let issued = 0;
  let txDone = 0;
  const slots = Array.from({ length: depth }, () => s.m.guest.alloc.alloc(size, 64));
  const frames: Uint8Array[] = [];
  const issue = (slot: number): void => {
    const f = frameTo(PEER_MAC, s.driver.info.mac, size, issued);
    frames.push(f);
    issued++;
    s.m.guest.mem.store(slots[slot] as number, f, 0, size);
    s.driver.send(slots[slot] as number, size, () => txDone++);
  };
  const replies = s.received.length;
  // Resubmit from the receive handler, as a netperf-style workload does.
  s.driver.onReceive((addr, len) => {
    const copy = new Uint8Array(len);
    s.m.guest.mem.load(addr, len, copy, 0);
    s.received.push(copy);
    if (issued < total) issue((s.received.length - replies - 1) % depth);
  });
  for (let i = 0; i < depth; i++) issue(i);
  s.run(() => s.received.length - replies === total && txDone === total);
  const got = s.received.slice(replies);
  expect(got.length).toBe(total);
  expect(firstDifferentFrame(got, frames.map(echoOf))).toBe(-1);
}

describe('virtio-net round trip', () => {
  for (const [name, opts] of variants) {
    it(`echoes a frame byte for byte (${name})`, () => {
      const s = makeNetStack(opts);
      const request = frameTo(PEER_MAC, s.driver.info.mac, 300, 9);
      const st = send(s, request);
      s.run(() => s.received.length === 1 && st.done);
      // D22: the device stripped exactly the 12-byte header: the backend saw the frame unchanged.
      expect(s.transmitted).toEqual([request]);
      expect(s.received[0]).toEqual(echoOf(request));
      expect(s.dev.deviceStatus).toBe(0x0f);
    });
  }

  it('reports MAC, MTU and tx capacity through NetPortInfo', () => {
    const s = makeNetStack({ backend: { mtu: 4000, guestMac: '02:00:00:aa:bb:cc' } });
    expect([...s.driver.info.mac]).toEqual([2, 0, 0, 0xaa, 0xbb, 0xcc]);
    expect(s.driver.info.mtu).toBe(4000);
    expect(s.driver.info.maxTxInflight).toBe(256);
    const direct = makeNetStack({ options: { indirect: 'off', 'queue-size': '64' } });
    expect(direct.driver.info.maxTxInflight).toBe(32); // header + frame: two descriptors per frame
  });

  it('keeps 8 transactions in flight and matches every response (rr, iodepth 8)', () => {
    const s = makeNetStack({ knobs: { iodepth: 8, coalesce: { kind: 'event-idx' } } });
    rr(s, 8, 200, 128);
    expect(s.driver.stats.rxErrors).toBe(0);
  });

  it('refuses a send beyond maxTxInflight', () => {
    const s = makeNetStack({ options: { 'queue-size': '16', indirect: 'off' } });
    const f = frameTo(PEER_MAC, GUEST_MAC, 64, 1);
    const addr = guestFrame(s, f);
    for (let i = 0; i < 8; i++) s.driver.send(addr, f.length, () => {});
    expect(() => s.driver.send(addr, f.length, () => {})).toThrow(/maxTxInflight/);
    s.run(() => s.transmitted.length === 8);
    // Reclaimed on the next send (or in the tx interrupt): room again.
    s.driver.send(addr, f.length, () => {});
  });
});

describe('virtio-net stream to a sink', () => {
  for (const copy of ['zerocopy', 'copy'] as const) {
    it(`delivers 500 frames in order, metering ${copy}`, () => {
      const s = makeNetStack({ knobs: { copy, iodepth: 32 }, backend: { peer: { mode: 'sink' } } });
      const total = 500;
      const size = 1000;
      const bufs = Array.from({ length: 32 }, () => s.m.guest.alloc.alloc(size, 64));
      const frames: Uint8Array[] = [];
      let sent = 0;
      let done = 0;
      const next = (slot: number): void => {
        const f = frameTo(PEER_MAC, GUEST_MAC, size, sent++);
        frames.push(f);
        s.m.guest.mem.store(bufs[slot] as number, f, 0, size);
        s.driver.send(bufs[slot] as number, size, () => {
          done++;
          if (sent < total) next(slot);
        });
      };
      const hostBefore = { copied: s.m.hostMeter.copiedBy.host, zero: s.m.hostMeter.counters.bytesZeroCopy };
      for (let slot = 0; slot < 32; slot++) next(slot);
      s.run(() => done === total && s.backend.stats.framesToPeer === total);
      expect(firstDifferentFrame(s.transmitted, frames)).toBe(-1);
      expect(s.backend.stats.bytesToPeer).toBe(total * size);
      const copied = s.m.hostMeter.copiedBy.host - hostBefore.copied;
      const zero = s.m.hostMeter.counters.bytesZeroCopy - hostBefore.zero;
      // Headers are always copied privately (12 B each); the payload is read in place or bounced.
      if (copy === 'zerocopy') {
        expect(copied).toBe(total * 12);
        expect(zero).toBe(total * size);
      } else {
        expect(copied).toBe(total * (12 + size));
        expect(zero).toBe(0);
      }
    });
  }

  it('batches kicks and interrupts at iodepth 64: far fewer than one per frame', () => {
    const run = (coalesce: NetStackOptions['knobs']): { kicks: number; irqs: number } => {
      const s = makeNetStack({ knobs: { iodepth: 64, ...coalesce }, backend: { peer: { mode: 'sink' } } });
      const size = 256;
      const total = 2000;
      const bufs = Array.from({ length: 64 }, () => s.m.guest.alloc.alloc(size, 64));
      let sent = 0;
      let done = 0;
      const next = (slot: number): void => {
        s.m.guest.mem.store(bufs[slot] as number, frameTo(PEER_MAC, GUEST_MAC, size, sent++), 0, size);
        s.driver.send(bufs[slot] as number, size, () => {
          done++;
          if (sent < total) next(slot);
        });
      };
      const before = counters(s.m);
      for (let slot = 0; slot < 64; slot++) next(slot);
      s.run(() => done === total);
      const after = counters(s.m);
      return {
        kicks: (after.notifications - before.notifications) / total,
        irqs: (after.interrupts - before.interrupts) / total,
      };
    };
    // The device drains a whole burst per kick and publishes it once, so both modes batch.
    for (const coalesce of [{ kind: 'none' }, { kind: 'event-idx' }, { kind: 'count', n: 16 }] as const) {
      const r = run({ coalesce });
      expect(r.kicks).toBeGreaterThan(0);
      expect(r.kicks).toBeLessThan(0.5);
      expect(r.irqs).toBeGreaterThan(0);
      expect(r.irqs).toBeLessThan(0.5);
    }
  });
});

describe('virtio-net receive', () => {
  for (const mrg of ['on', 'off']) {
    it(`receives a burst from the source peer intact (mrg-rxbuf ${mrg})`, () => {
      const s = makeNetStack({
        options: { 'mrg-rxbuf': mrg },
        backend: { peer: { mode: 'source', frameBytes: 1514, count: 100, startNs: 50_000 } },
      });
      s.run(() => s.received.length === 100);
      expect(firstDifferentFrame(s.received, sourceFrames(100, 1514))).toBe(-1);
      expect(s.driver.mergeable).toBe(mrg === 'on');
      expect(s.driver.rxBufBytes).toBe(mrg === 'on' ? 2048 : 1526);
      expect(s.driver.stats.rxReassembled).toBe(0);
      expect(s.backend.stats.dropped).toBe(0);
    });
  }

  it('reassembles packets spread over several 2 KiB buffers (MRG_RXBUF, mtu 4000)', () => {
    const s = makeNetStack({
      knobs: { copy: 'copy' },
      backend: { mtu: 4000, peer: { mode: 'source', frameBytes: 3500, count: 40, startNs: 50_000 } },
    });
    const guestCopied = s.m.guestMeter.copiedBy.guest;
    s.run(() => s.received.length === 40);
    expect(firstDifferentFrame(s.received, sourceFrames(40, 3500))).toBe(-1);
    expect(s.driver.stats.rxReassembled).toBe(40);
    // The driver's gather is a metered guest copy of every payload byte.
    expect(s.m.guestMeter.copiedBy.guest - guestCopied).toBe(40 * 3500);
  });

  it('without MRG_RXBUF sizes buffers for the negotiated MTU and never reassembles', () => {
    const s = makeNetStack({
      options: { 'mrg-rxbuf': 'off' },
      backend: { mtu: 4000, peer: { mode: 'source', frameBytes: 3500, count: 40, startNs: 50_000 } },
    });
    s.run(() => s.received.length === 40);
    expect(firstDifferentFrame(s.received, sourceFrames(40, 3500))).toBe(-1);
    expect(s.driver.rxBufBytes).toBe(12 + 14 + 4000);
    expect(s.driver.stats.rxReassembled).toBe(0);
  });

  it('costs one tx kick and no rx refill kick per transaction at iodepth 1', () => {
    const s = makeNetStack();
    // Warm up, then measure.
    rr(s, 1, 5, 200);
    const before = counters(s.m);
    rr(s, 1, 50, 200);
    const after = counters(s.m);
    expect((after.notifications - before.notifications) / 50).toBe(1);
    // Two interrupts per transaction: the tx completion and the response.
    expect((after.interrupts - before.interrupts) / 50).toBe(2);
  });

  it('meters rx payload as zero-copy or as a host copy per the copy knob', () => {
    for (const copy of ['zerocopy', 'copy'] as const) {
      const s = makeNetStack({ knobs: { copy } });
      rr(s, 1, 1, 64);
      const host = { copied: s.m.hostMeter.copiedBy.host, zero: s.m.hostMeter.counters.bytesZeroCopy };
      rr(s, 1, 10, 500);
      const copied = s.m.hostMeter.copiedBy.host - host.copied;
      const zero = s.m.hostMeter.counters.bytesZeroCopy - host.zero;
      // Per transaction: tx header read + rx header write are copies; 500 B out and 500 B back are payload.
      if (copy === 'zerocopy') {
        expect(copied).toBe(10 * 24);
        expect(zero).toBe(10 * 1000);
      } else {
        expect(copied).toBe(10 * (24 + 1000));
        expect(zero).toBe(0);
      }
    }
  });
});

describe('virtio-net binding support()', () => {
  it('reports iodepth beyond the tx ring as unsupported', async () => {
    const { netBinding } = await import('../../../models/virtio/net/index.js');
    const knobs = { coalesce: { kind: 'none' } as const, copy: 'zerocopy' as const };
    const opts = { 'queue-size': '64', indirect: 'on' };
    expect(netBinding.support({ knobs: { ...knobs, iodepth: 64 }, options: opts })).toEqual({ ok: true });
    expect(netBinding.support({ knobs: { ...knobs, iodepth: 65 }, options: opts }).ok).toBe(false);
    const direct = { ...opts, indirect: 'off' };
    expect(netBinding.support({ knobs: { ...knobs, iodepth: 32 }, options: direct })).toEqual({ ok: true });
    const r = netBinding.support({ knobs: { ...knobs, iodepth: 33 }, options: direct });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/iodepth 33 exceeds the 32 frames/);
  });
});
