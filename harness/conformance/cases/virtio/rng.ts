/**
 * virtio-rng conformance (specs/virtio.md §9 D24, V18, V4, V10; virtio 1.2 §5.4).
 * Driver-side items run our driver against a recording device that under-fills on purpose;
 * device-side items run our device against a hand-written raw guest.
 */
import { createEntropyBackend, type EntropyBackendOptions } from '../../../../models/backend/index.js';
import { DEFAULT_KNOBS } from '../../../../models/platform/knobs.js';
import { Rng } from '../../../../models/platform/rng.js';
import type { ActiveDevice, VirtioDeviceLogic } from '../../../../models/virtio/device-logic.js';
import { VirtioPciDevice } from '../../../../models/virtio/pci/device.js';
import { DescriptorChain } from '../../../../models/virtio/ring/descriptor-chain.js';
import { rngBinding } from '../../../../models/virtio/rng/index.js';
import { expectAbove, expectAtLeast, expectAtMost, expectDeepEqual, expectEqual, expectNoThrow } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { blkConfig, regsView } from '../../support/virtio-blk-stack.js';
import { makeRawRig, STATUS_NEEDS_RESET } from '../../support/virtio-raw-rig.js';
import { bootRngDriver, firstDifference, makeRngStack, readOnce, rngMachine } from '../../support/virtio-rng-stack.js';
import { VirtqBuilder } from '../../support/virtq-builder.js';

const cases: ConformanceCase[] = [];
function rngCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `virtio-rng.${id}`, title, ref, models: ['virtio'], run });
}
const virtio = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'virtio 1.2',
  section,
  level,
  paraphrase,
});
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/virtio.md',
  section,
  level,
  paraphrase,
});

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

// virtio-rng driver (against a recording device)
rngCase(
  'D24',
  'posts device-writable buffers only and takes the count from used len',
  virtio('§5.4.6', 'posts device-writable buffers only and takes the count from used len'),
  () => {
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
    expectDeepEqual(mock.chains, [{ readable: 0, writable: 1, bytes: 64 }], 'mock.chains');
    expectEqual(got, 3, 'got'); // not the 64 bytes of the buffer
    const bytes = new Uint8Array(4);
    m.guest.mem.load(addr, 4, bytes);
    expectDeepEqual([...bytes], [0xa5, 0xa5, 0xa5, 0], '[...bytes]');
  },
);

// virtio-rng device (against a raw guest)
rngCase(
  'V18',
  'every used entry carries ≥ 1 byte, even from a starved backend',
  virtio('§5.4.6', 'every used entry carries ≥ 1 byte, even from a starved backend'),
  () => {
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
    expectEqual(r.rig.q.usedIdx(), 8, 'r.rig.q.usedIdx()');
    let total = 0;
    for (let i = 0; i < 8; i++) {
      const e = r.rig.q.usedElem(i);
      expectEqual(e.id, i, 'e.id'); // served in order
      expectAtLeast(e.len, 1, 'e.len');
      expectAtMost(e.len, 64, 'e.len');
      total += e.len;
    }
    expectAbove(r.logic.parks, 0, 'r.logic.parks');
    expectEqual(total, r.backend.stats.bytes, 'total');
  },
);

rngCase(
  'D24-2',
  'a chain with a device-readable buffer → NEEDS_RESET, config interrupt, nothing used',
  virtio('§5.4.6, §2.1.2', 'a chain with a device-readable buffer → NEEDS_RESET, config interrupt, nothing used'),
  () => {
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
    expectNoThrow(() => r.rig.settle(), '() => r.rig.settle()');
    expectEqual(r.rig.status(), 0x0f | STATUS_NEEDS_RESET, 'r.rig.status()');
    expectEqual(r.rig.taken.config, 1, 'r.rig.taken.config');
    expectEqual(r.rig.generation(), 1, 'r.rig.generation()');
    expectEqual(r.rig.q.usedIdx(), 0, 'r.rig.q.usedIdx()');
    expectEqual(r.backend.stats.reads, 0, 'r.backend.stats.reads');
  },
);

rngCase(
  'V4',
  'a request parked for entropy is dropped at reset; its timer writes nothing later',
  virtio('§2.4', 'a request parked for entropy is dropped at reset; its timer writes nothing later'),
  () => {
    const r = rawRng({ bytesPerSecond: 1000, burstBytes: 4 });
    const a = r.rig.buffer(8, 0x33);
    const b = r.rig.buffer(8, 0x33);
    r.rig.q.chain([0], [{ addr: a, len: 8, write: true }]);
    r.rig.q.chain([1], [{ addr: b, len: 8, write: true }]);
    r.rig.q.offer(0).offer(1);
    r.rig.kick();
    r.m.run({ until: () => r.rig.q.usedIdx() === 1 });
    expectEqual(r.logic.waiting, 1, 'r.logic.waiting'); // head 1 parked: the bucket is empty
    r.rig.w(20, 1, 0); // device_status ← 0
    r.rig.settle();
    expectEqual(r.rig.q.usedIdx(), 1, 'r.rig.q.usedIdx()');
    expectEqual(r.logic.waiting, 0, 'r.logic.waiting');
    const after = new Uint8Array(8);
    r.m.guest.mem.load(b, 8, after);
    expectDeepEqual(after, new Uint8Array(8).fill(0x33), 'after');
  },
);

rngCase(
  'V10',
  'a looping chain → 0x4F without an exception',
  virtio('§2.1.2', 'a looping chain → 0x4F without an exception'),
  () => {
    const r = rawRng();
    r.rig.q.desc(0, { addr: r.rig.buffer(8), len: 8, flags: 3, next: 1 });
    r.rig.q.desc(1, { addr: r.rig.buffer(8), len: 8, flags: 3, next: 0 });
    r.rig.q.offer(0);
    r.rig.kick();
    expectNoThrow(() => r.rig.settle(), '() => r.rig.settle()');
    expectEqual(r.rig.status(), 0x4f, 'r.rig.status()');
    expectEqual(r.rig.q.usedIdx(), 0, 'r.rig.q.usedIdx()');
  },
);

// virtio-rng end to end
rngCase(
  'V10-2',
  'a guest-made loop → 0x4F, config interrupt, generation++; reads in flight get 0, then work again',
  sheet('§9 V10', 'a guest-made loop → 0x4F, config interrupt, generation++; reads in flight get 0, then work again'),
  () => {
    const s = makeRngStack({ entropy: { bytesPerSecond: 1000, burstBytes: 8 } });
    expectEqual(readOnce(s, 8).n, 8, 'readOnce(s, 8).n'); // empty the bucket
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
    expectEqual(s.dev.deviceStatus, 0x4f, 's.dev.deviceStatus');
    expectEqual(v.generation(), (gen + 1) & 0xff, 'v.generation()');
    expectEqual(s.m.guest.mem.u16(v.used + 2), used, 's.m.guest.mem.u16(v.used + 2)');
    s.m.run({ until: () => parkedN >= 0, maxEvents: 10_000 });
    expectEqual(parkedN, 0, 'parkedN'); // failed by the recovery, not answered by the dead device
    expectEqual(s.driver.session.recoveries, 1, 's.driver.session.recoveries');
    expectEqual(s.dev.deviceStatus, 0x0f, 's.dev.deviceStatus');
    const again = readOnce(s, 4);
    expectAtLeast(again.n, 1, 'again.n');
    expectEqual(
      firstDifference(again.bytes, s.expected(8 + again.n).subarray(8)),
      -1,
      'firstDifference(again.bytes, s.expected(8 + again.n).subarray(8))',
    );
  },
);

for (const coalesce of ['none', 'event-idx'] as const) {
  rngCase(
    `7-${coalesce}`,
    `iodepth 1, ${coalesce}: one kick and one interrupt per read (specs/virtio.md §7 "rng n")`,
    sheet('§7 "rng n"', 'at iodepth 1 each read costs one kick and one interrupt'),
    () => {
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
      expectEqual(s.m.guestMeter.counters.notifications - k0, 50, 's.m.guestMeter.counters.notifications - k0');
      expectEqual(s.m.guestMeter.counters.interrupts - i0, 50, 's.m.guestMeter.counters.interrupts - i0');
    },
  );
}

export const VIRTIO_RNG_CASES: readonly ConformanceCase[] = cases;
