/**
 * virtio-rng conformance (specs/virtio.md §9 D24, V18, V4, V10; virtio 1.2 §5.4).
 * Driver-side items run our driver against a recording device that under-fills on purpose;
 * device-side items run our device against a hand-written raw guest.
 */
import { describe, expect, it } from 'vitest';
import { createEntropyBackend, type EntropyBackendOptions } from '../../models/backend/index.js';
import { DEFAULT_KNOBS } from '../../models/platform/knobs.js';
import { Rng } from '../../models/platform/rng.js';
import type { ActiveDevice, VirtioDeviceLogic } from '../../models/virtio/device-logic.js';
import { VirtioPciDevice } from '../../models/virtio/pci/device.js';
import { DescriptorChain } from '../../models/virtio/ring/descriptor-chain.js';
import { rngBinding } from '../../models/virtio/rng/index.js';
import { VirtqBuilder } from '../support/virtq-builder.js';
import { blkConfig, regsView } from '../unit/virtio-blk/blk-stack.js';
import { makeRawRig, STATUS_NEEDS_RESET } from '../unit/virtio-blk/raw-rig.js';
import { bootRngDriver, firstDifference, makeRngStack, readOnce, rngMachine } from '../unit/virtio-rng/rng-stack.js';

/** A device that writes `min(len, fill)` bytes of 0xA5 per buffer and records each chain's shape. */
class UnderfillingRng implements VirtioDeviceLogic {
  readonly deviceType = 4;
  readonly name = 'rng-recorder';
  readonly queueMaxSizes = [8];
  readonly features = 0n;
  readonly configSize = 0;
  readonly chains: { readable: number; writable: number; bytes: number }[] = [];
  private readonly chain = new DescriptorChain(8);
  private ctx: ActiveDevice | undefined;
  constructor(readonly fill: number) {}
  readConfig(): number {
    return 0;
  }
  writeConfig(): void {}
  activate(ctx: ActiveDevice): void {
    this.ctx = ctx;
  }
  reset(): void {
    this.ctx = undefined;
  }
  kick(): void {
    const ctx = this.ctx;
    const ring = ctx?.rings[0];
    if (ctx === undefined || ring === undefined) return;
    while (ring.pop(this.chain)) {
      const c = this.chain;
      this.chains.push({ readable: c.readableCount, writable: c.writableCount, bytes: c.writableBytes });
      const n = Math.min(this.fill, c.len[0] as number);
      ctx.mem.fill(c.addr[0] as number, n, 0xa5);
      ring.pushUsed(c.head, n);
    }
    ctx.publishUsed(0);
  }
}

function rawRng(entropy: EntropyBackendOptions = {}) {
  const m = rngMachine();
  const backend = createEntropyBackend(entropy, m.host.actor('device'), m.host.meter, new Rng(9));
  const config = blkConfig({ copy: 'zerocopy' }, { 'queue-size': '16' });
  const host = rngBinding.createHost(m.host, backend, config);
  const rig = makeRawRig(m, host.transport, { queueSize: 16 });
  return { m, backend, dev: host.transport, rig, logic: host.logic };
}

describe('virtio-rng driver (against a recording device)', () => {
  it('D24 §5.4.6: posts device-writable buffers only and takes the count from used len', () => {
    const m = rngMachine();
    const mock = new UnderfillingRng(3);
    new VirtioPciDevice(m.host, mock, { notify: 'ioeventfd', knobs: DEFAULT_KNOBS, slot: 2 });
    const driver = bootRngDriver(m, blkConfig());
    const addr = m.guest.alloc.alloc(64, 16);
    m.guest.mem.fill(addr, 64, 0);
    let got = -1;
    driver.read(addr, 64, (n) => {
      got = n;
    });
    m.run({ maxEvents: 10_000 });
    expect(mock.chains).toEqual([{ readable: 0, writable: 1, bytes: 64 }]);
    expect(got).toBe(3); // not the 64 bytes of the buffer
    const bytes = new Uint8Array(4);
    m.guest.mem.load(addr, 4, bytes);
    expect([...bytes]).toEqual([0xa5, 0xa5, 0xa5, 0]);
  });
});

describe('virtio-rng device (against a raw guest)', () => {
  it('V18 §5.4.6: every used entry carries ≥ 1 byte, even from a starved backend', () => {
    const r = rawRng({ bytesPerSecond: 20_000, burstBytes: 10 });
    const bufs: number[] = [];
    for (let i = 0; i < 8; i++) {
      const a = r.rig.buffer(64);
      bufs.push(a);
      r.rig.q.chain([i], [{ addr: a, len: 64, write: true }]);
      r.rig.q.offer(i);
    }
    r.rig.kick();
    r.rig.settle();
    expect(r.rig.q.usedIdx()).toBe(8);
    let total = 0;
    for (let i = 0; i < 8; i++) {
      const e = r.rig.q.usedElem(i);
      expect(e.id).toBe(i); // served in order
      expect(e.len).toBeGreaterThanOrEqual(1);
      expect(e.len).toBeLessThanOrEqual(64);
      total += e.len;
    }
    expect(r.logic.parks).toBeGreaterThan(0);
    expect(total).toBe(r.backend.stats.bytes);
  });

  it('D24 §5.4.6 / V10 §2.1.2: a chain with a device-readable buffer → NEEDS_RESET, config interrupt, nothing used', () => {
    const r = rawRng();
    const a = r.rig.buffer(16);
    const b = r.rig.buffer(16);
    r.rig.q.chain(
      [0, 1],
      [
        { addr: a, len: 16 },
        { addr: b, len: 16, write: true },
      ],
    );
    r.rig.q.offer(0);
    r.rig.kick();
    expect(() => r.rig.settle()).not.toThrow();
    expect(r.rig.status()).toBe(0x0f | STATUS_NEEDS_RESET);
    expect(r.rig.taken.config).toBe(1);
    expect(r.rig.generation()).toBe(1);
    expect(r.rig.q.usedIdx()).toBe(0);
    expect(r.backend.stats.reads).toBe(0);
  });

  it('V4 §2.4: a request parked for entropy is dropped at reset; its timer writes nothing later', () => {
    const r = rawRng({ bytesPerSecond: 1000, burstBytes: 4 });
    const a = r.rig.buffer(8, 0x33);
    const b = r.rig.buffer(8, 0x33);
    r.rig.q.chain([0], [{ addr: a, len: 8, write: true }]);
    r.rig.q.chain([1], [{ addr: b, len: 8, write: true }]);
    r.rig.q.offer(0).offer(1);
    r.rig.kick();
    r.m.run({ until: () => r.rig.q.usedIdx() === 1 });
    expect(r.logic.waiting).toBe(1); // head 1 parked: the bucket is empty
    r.rig.w(20, 1, 0); // device_status ← 0
    r.rig.settle();
    expect(r.rig.q.usedIdx()).toBe(1);
    expect(r.logic.waiting).toBe(0);
    const after = new Uint8Array(8);
    r.m.guest.mem.load(b, 8, after);
    expect(after).toEqual(new Uint8Array(8).fill(0x33));
  });

  it('V10 §2.1.2 / H3: a looping chain → 0x4F without an exception', () => {
    const r = rawRng();
    r.rig.q.desc(0, { addr: r.rig.buffer(8), len: 8, flags: 3, next: 1 });
    r.rig.q.desc(1, { addr: r.rig.buffer(8), len: 8, flags: 3, next: 0 });
    r.rig.q.offer(0);
    r.rig.kick();
    expect(() => r.rig.settle()).not.toThrow();
    expect(r.rig.status()).toBe(0x4f);
    expect(r.rig.q.usedIdx()).toBe(0);
  });
});

describe('virtio-rng end to end', () => {
  it('V10 + D19: a guest-made loop → 0x4F, config interrupt, generation++; reads in flight get 0, then work again', () => {
    const s = makeRngStack({ entropy: { bytesPerSecond: 1000, burstBytes: 8 } });
    expect(readOnce(s, 8).n).toBe(8); // empty the bucket
    const parked = s.m.guest.alloc.alloc(32, 16);
    let parkedN = -1;
    s.driver.read(parked, 32, (n) => {
      parkedN = n;
    });
    s.m.run({ until: () => s.logic.waiting === 1 });
    const v = regsView(s.m);
    const gen = v.generation();
    const used = s.m.guest.mem.u16(v.used + 2);
    const q = new VirtqBuilder(s.m.guest.mem, v.size, { desc: v.desc, avail: v.avail, used: v.used });
    const buf = s.m.guest.alloc.alloc(8, 8);
    q.desc(v.size - 2, { addr: buf, len: 8, flags: 3, next: v.size - 1 });
    q.desc(v.size - 1, { addr: buf, len: 8, flags: 3, next: v.size - 2 });
    const idx = q.get(v.avail + 2, 2);
    q.availSlot(idx % v.size, v.size - 2);
    q.availIdx(idx + 1);
    s.m.guest.io.mmioWrite(v.notify, 2, 0);
    s.m.run({ until: () => (s.dev.deviceStatus & STATUS_NEEDS_RESET) !== 0, maxEvents: 10_000 });
    expect(s.dev.deviceStatus).toBe(0x4f);
    expect(v.generation()).toBe((gen + 1) & 0xff);
    expect(s.m.guest.mem.u16(v.used + 2)).toBe(used);
    s.m.run({ until: () => parkedN >= 0, maxEvents: 10_000 });
    expect(parkedN).toBe(0); // failed by the recovery, not answered by the dead device
    expect(s.driver.session.recoveries).toBe(1);
    expect(s.dev.deviceStatus).toBe(0x0f);
    const again = readOnce(s, 4);
    expect(again.n).toBeGreaterThanOrEqual(1);
    expect(firstDifference(again.bytes, s.expected(8 + again.n).subarray(8))).toBe(-1);
  });

  for (const coalesce of ['none', 'event-idx'] as const) {
    it(`iodepth 1, ${coalesce}: one kick and one interrupt per read (specs/virtio.md §7 "rng n")`, () => {
      const s = makeRngStack({ knobs: { coalesce: { kind: coalesce } } });
      const k0 = s.m.guestMeter.counters.notifications;
      const i0 = s.m.guestMeter.counters.interrupts;
      const addr = s.m.guest.alloc.alloc(32, 16);
      let left = 50;
      const again = (): void => {
        if (--left > 0) s.driver.read(addr, 32, again);
      };
      s.driver.read(addr, 32, again);
      s.m.run({ until: () => left === 0, maxEvents: 100_000 });
      expect(s.m.guestMeter.counters.notifications - k0).toBe(50);
      expect(s.m.guestMeter.counters.interrupts - i0).toBe(50);
    });
  }
});
