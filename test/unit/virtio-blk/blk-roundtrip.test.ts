/**
 * virtio-blk round trips through the whole stack on the sim engine: our driver → virtio-pci →
 * our device → the reference block backend, in every transport variant and both copy modes.
 */
import { describe, expect, it } from 'vitest';
import { encodeSerial } from '../../../models/backend/index.js';
import { BlkBounceLimit, blkBinding } from '../../../models/virtio/blk/index.js';
import {
  type BlkStackOptions,
  blkConfig,
  closedLoop,
  counters,
  delta,
  guestBytes,
  makeBlkStack,
  patternBuffer,
  request,
  runOne,
} from './blk-stack.js';

const variants: [string, BlkStackOptions][] = [
  ['msix + ioeventfd + indirect', {}],
  ['indirect off', { options: { indirect: 'off' } }],
  ['INTx', { options: { irq: 'intx' } }],
  ['userspace notify', { options: { notify: 'userspace' } }],
  ['queue-size 16', { options: { 'queue-size': '16' } }],
  ['copy mode', { knobs: { copy: 'copy' } }],
  ['event-idx', { knobs: { coalesce: { kind: 'event-idx' } } }],
];

describe('virtio-blk round trip', () => {
  for (const [name, opts] of variants) {
    it(`reads back what it wrote (${name})`, () => {
      const s = makeBlkStack(opts);
      const w = patternBuffer(s, 16, 3);
      expect(runOne(s, request('write', 40, 16, w.addr))).toBe('ok');
      const r = s.m.guest.alloc.alloc(16 * 512, 4096);
      s.m.guest.mem.fill(r, 16 * 512, 0xcc);
      expect(runOne(s, request('read', 40, 16, r))).toBe('ok');
      expect(guestBytes(s, r, 16 * 512)).toEqual(w.bytes);
      // The device really stored it where asked.
      const disk = new Uint8Array(16 * 512);
      s.backend.store.readBytes(40 * 512, disk, 0, disk.length);
      expect(disk).toEqual(w.bytes);
      expect(s.dev.deviceStatus).toBe(0x0f);
    });
  }

  it('reports the device through BlockPortInfo', () => {
    const s = makeBlkStack({ capacitySectors: 12345 });
    expect(s.driver.info.capacitySectors).toBe(12345);
    expect(s.driver.info.readOnly).toBe(false);
    expect(s.driver.info.maxInflight).toBe(256);
    expect(s.driver.info.maxSectorsPerRequest).toBe(2048);
    expect([...s.driver.info.supports].sort()).toEqual(['discard', 'flush', 'get-id', 'read', 'write', 'write-zeroes']);
    const direct = makeBlkStack({ options: { indirect: 'off', 'queue-size': '64' } });
    expect(direct.driver.info.maxInflight).toBe(21); // ⌊64/3⌋: three descriptors per request
  });

  it('support() refuses an iodepth the ring cannot hold', () => {
    expect(blkBinding.support(blkConfig({ iodepth: 256 })).ok).toBe(true);
    expect(blkBinding.support(blkConfig({ iodepth: 257 })).ok).toBe(false);
    expect(blkBinding.support(blkConfig({ iodepth: 85 }, { indirect: 'off' })).ok).toBe(true);
    const refused = blkBinding.support(blkConfig({ iodepth: 86 }, { indirect: 'off' }));
    expect(refused.ok ? '' : refused.reason).toMatch(/86 exceeds 85/);
  });

  it('capacity above 2^32 sectors survives the two 32-bit config reads', () => {
    const s = makeBlkStack({ capacitySectors: 2 ** 33 + 5 });
    expect(s.driver.info.capacitySectors).toBe(2 ** 33 + 5);
  });

  it('GET_ID returns the backend serial, 20 bytes NUL-padded', () => {
    const s = makeBlkStack();
    const buf = s.m.guest.alloc.alloc(20, 16);
    s.m.guest.mem.fill(buf, 20, 0xff);
    expect(runOne(s, request('get-id', 0, 0, buf))).toBe('ok');
    expect(guestBytes(s, buf, 20)).toEqual(encodeSerial(s.backend.serial));
  });

  it('FLUSH reaches the backend', () => {
    const s = makeBlkStack();
    expect(runOne(s, request('flush', 0, 0, 0))).toBe('ok');
    expect(s.backend.stats.flushes).toBe(1);
  });

  for (const op of ['discard', 'write-zeroes'] as const) {
    it(`${op} zeroes exactly its range`, () => {
      const s = makeBlkStack();
      const w = patternBuffer(s, 8, 9);
      expect(runOne(s, request('write', 100, 8, w.addr))).toBe('ok');
      expect(runOne(s, request(op, 102, 3, 0))).toBe('ok');
      const r = s.m.guest.alloc.alloc(8 * 512, 4096);
      expect(runOne(s, request('read', 100, 8, r))).toBe('ok');
      const expected = w.bytes.slice();
      expected.fill(0, 2 * 512, 5 * 512);
      expect(guestBytes(s, r, 8 * 512)).toEqual(expected);
    });
  }

  it('a read-only backend is reported RO and fails writes without changing the disk', () => {
    const s = makeBlkStack({ readOnly: true });
    expect(s.driver.info.readOnly).toBe(true);
    const w = patternBuffer(s, 4, 1);
    expect(runOne(s, request('write', 0, 4, w.addr))).toBe('ioerr');
    expect(runOne(s, request('write-zeroes', 0, 4, 0))).toBe('ioerr');
    expect(runOne(s, request('discard', 0, 4, 0))).toBe('ioerr');
    const r = s.m.guest.alloc.alloc(4 * 512, 4096);
    s.m.guest.mem.fill(r, 4 * 512, 0x77);
    expect(runOne(s, request('read', 0, 4, r))).toBe('ok');
    expect(guestBytes(s, r, 4 * 512)).toEqual(new Uint8Array(4 * 512));
    expect(s.backend.stats.sectorsWritten).toBe(0);
  });

  it('requests past the end or not in whole sectors fail with ioerr and never reach the device', () => {
    const s = makeBlkStack({ capacitySectors: 100 });
    const buf = s.m.guest.alloc.alloc(8 * 512, 4096);
    const before = s.backend.stats.requests;
    expect(runOne(s, request('read', 96, 8, buf))).toBe('ioerr');
    expect(runOne(s, request('write', 100, 1, buf))).toBe('ioerr');
    expect(runOne(s, request('read', 0, 0, buf))).toBe('ioerr');
    expect(runOne(s, request('read', 1.5, 1, buf))).toBe('ioerr');
    expect(runOne(s, request('read', 0, 4096, buf))).toBe('ioerr'); // above maxSectorsPerRequest
    expect(runOne(s, request('discard', 99, 2, 0))).toBe('ioerr');
    expect(s.backend.stats.requests).toBe(before);
    // and the device is still fine afterwards
    expect(runOne(s, request('read', 96, 4, buf))).toBe('ok');
  });

  it('zerocopy maps the payload in place; copy mode moves it through the bounce buffer', () => {
    const bytesOf = (copy: 'copy' | 'zerocopy') => {
      const s = makeBlkStack({ knobs: { copy } });
      const w = patternBuffer(s, 8, 5);
      const r = s.m.guest.alloc.alloc(8 * 512, 4096);
      const before = counters(s.m);
      const hostBefore = s.m.hostMeter.copiedBy.host;
      expect(runOne(s, request('write', 8, 8, w.addr))).toBe('ok');
      expect(runOne(s, request('read', 8, 8, r))).toBe('ok');
      expect(guestBytes(s, r, 8 * 512)).toEqual(w.bytes);
      return { d: delta(counters(s.m), before), host: s.m.hostMeter.copiedBy.host - hostBefore };
    };
    const zc = bytesOf('zerocopy');
    const cp = bytesOf('copy');
    // Both modes copy the two 16-B headers privately (H21); only copy mode copies the 2 × 4 KiB payload.
    expect(zc.d.bytesZeroCopy).toBe(2 * 4096);
    expect(zc.d.bytesCopied).toBe(2 * 16);
    expect(cp.d.bytesZeroCopy).toBe(0);
    expect(cp.d.bytesCopied).toBe(2 * 16 + 2 * 4096);
    expect(cp.host).toBe(2 * 16 + 2 * 4096); // billed to the host side
  });

  it('copy mode bounds what one request may make the device allocate', () => {
    const s = makeBlkStack({ knobs: { copy: 'copy' }, capacitySectors: 1 << 16 });
    expect(BlkBounceLimit.requestBytes).toBe(s.driver.info.maxSectorsPerRequest * 512);
    const buf = s.m.guest.alloc.alloc(BlkBounceLimit.requestBytes, 4096);
    expect(runOne(s, request('write', 0, s.driver.info.maxSectorsPerRequest, buf))).toBe('ok');
  });

  it('keeps 32 requests in flight and verifies every block written', () => {
    const s = makeBlkStack({ knobs: { coalesce: { kind: 'event-idx' }, copy: 'copy' } });
    const res = closedLoop(s, 32, 1000, 'write', 8);
    expect(res.ok).toBe(1000);
    // Every write landed: re-read a few blocks through the port and compare with the backend store.
    const r = s.m.guest.alloc.alloc(8 * 512, 4096);
    for (const sector of [0, 56, 8 * 500]) {
      expect(runOne(s, request('read', sector, 8, r))).toBe('ok');
      const disk = new Uint8Array(8 * 512);
      s.backend.store.readBytes(sector * 512, disk, 0, disk.length);
      expect(guestBytes(s, r, 8 * 512)).toEqual(disk);
    }
    expect(s.logic.backendPending).toBe(0);
  });

  it('runs bit-identically for the same seed', () => {
    const run = () => {
      const s = makeBlkStack({ knobs: { coalesce: { kind: 'event-idx' } }, service: 'nvme', jitter: true, seed: 11 });
      const res = closedLoop(s, 16, 500);
      return { ...res.delta, now: s.m.nowNs() };
    };
    expect(run()).toEqual(run());
  });
});
