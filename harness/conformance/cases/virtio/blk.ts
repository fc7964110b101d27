/**
 * virtio-blk conformance (specs/virtio.md §9 checklist, §10 hostile drivers; virtio 1.2 §2, §5.2).
 * Driver-side items run our driver against a strict recording device; end-to-end items run both halves
 * together. Device-side items against a raw guest are in virtio-blk-device.test.ts.
 */
import { parseCoalesce } from '../../../../models/platform/knobs.js';
import { MsixEntry } from '../../../../models/platform/msix.js';
import { PciCfg } from '../../../../models/platform/pci.js';
import { PciConfigAccess } from '../../../../models/platform/pci-guest.js';
import { VirtioPciDevice } from '../../../../models/virtio/pci/device.js';
import {
  expectAbove,
  expectAtLeast,
  expectAtMost,
  expectBelow,
  expectDeepEqual,
  expectEqual,
  expectMatch,
} from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { RecordingBlkDevice } from '../../support/virtio-blk-recording-device.js';
import {
  blkConfig,
  blkMachine,
  bootBlkDriver,
  closedLoop,
  guestBytes,
  makeBlkStack,
  patternBuffer,
  regsView,
  request,
  runOne,
} from '../../support/virtio-blk-stack.js';
import { STATUS_NEEDS_RESET } from '../../support/virtio-raw-rig.js';
import { VirtqBuilder } from '../../support/virtq-builder.js';

const cases: ConformanceCase[] = [];
function blkCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `virtio-blk.${id}`, title, ref, models: ['virtio'], run });
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

const F_NEXT = 1;

// virtio-blk driver (against a recording device)
blkCase(
  'D21',
  '512-B units, data %512 = 0, FLUSH sector 0 without data, never past capacity',
  virtio('§5.2.6', '512-B units, data %512 = 0, FLUSH sector 0 without data, never past capacity'),
  () => {
    const m = blkMachine();
    const capacity = 64;
    const mock = new RecordingBlkDevice(capacity);
    new VirtioPciDevice(m.host, mock, { notify: 'ioeventfd', knobs: blkConfig().knobs, slot: 2 });
    const driver = bootBlkDriver(m, blkConfig());
    const buf = m.guest.alloc.alloc(16 * 512, 4096);
    const run = (op: Parameters<typeof request>[0], sector: number, sectors: number): string => {
      const req = request(op, sector, sectors, buf);
      let done = false;
      driver.submit(req, () => {
        done = true;
      });
      m.run({ until: () => done, maxEvents: 100_000 });
      return req.status;
    };
    expectEqual(run('write', 0, 8), 'ok', "run('write', 0, 8)");
    expectEqual(run('read', 56, 8), 'ok', "run('read', 56, 8)");
    expectEqual(run('flush', 99, 3), 'ok', "run('flush', 99, 3)"); // caller junk in sector/sectors must not reach the wire
    expectEqual(run('discard', 8, 4), 'ok', "run('discard', 8, 4)");
    expectEqual(run('read', 60, 8), 'ioerr', "run('read', 60, 8)"); // would cross capacity
    expectEqual(run('write', 64, 1), 'ioerr', "run('write', 64, 1)");
    expectEqual(run('read', 0, 0), 'ioerr', "run('read', 0, 0)");
    expectDeepEqual(
      mock.seen.map((r) => r.type),
      [1, 0, 4, 11],
      'mock.seen.map((r) => r.type)',
    );
    for (const r of mock.seen) {
      expectEqual(r.readable[0], 16, 'r.readable[0]'); // header first, readable, 16 B
      expectEqual(r.writable[r.writable.length - 1], 1, 'r.writable[r.writable.length - 1]'); // status byte last, writable
      if (r.type === 0 || r.type === 1) {
        const data = r.type === 0 ? r.writable.slice(0, -1) : r.readable.slice(1);
        const bytes = data.reduce((a, b) => a + b, 0);
        expectEqual(bytes % 512, 0, 'bytes % 512');
        expectAtMost(r.sector + bytes / 512, capacity, 'r.sector + bytes / 512');
      }
    }
    const flush = mock.seen[2];
    expectEqual(flush?.sector, 0, 'flush?.sector');
    expectDeepEqual(flush?.readable, [16], 'flush?.readable');
    expectDeepEqual(flush?.writable, [1], 'flush?.writable');
    expectDeepEqual(mock.seen[3]?.segment, { sector: 8, sectors: 4, flags: 0 }, 'mock.seen[3]?.segment');
  },
);

blkCase(
  'D19',
  'recovery does not wait for in-flight requests and the device works afterwards',
  virtio('§2.1.1', 'recovery does not wait for in-flight requests and the device works afterwards'),
  () => {
    const s = makeBlkStack({ service: 'hdd' });
    const buf = s.m.guest.alloc.alloc(4096, 4096);
    const inflight = request('read', 0, 8, buf);
    let completions = 0;
    s.driver.submit(inflight, () => completions++);
    s.m.run({ until: () => s.logic.backendPending === 1 });
    // The device fails (as on a guest-caused ring fault) while the backend still holds the read.
    injectLoop(s.m, regsView(s.m));
    s.m.run({ until: () => completions === 1, maxEvents: 100_000 });
    expectEqual(inflight.status, 'ioerr', 'inflight.status');
    expectEqual(s.logic.backendPending, 1, 's.logic.backendPending'); // answered without waiting for the backend
    expectEqual(s.driver.session.recoveries, 1, 's.driver.session.recoveries');
    s.m.run({ maxEvents: 100_000 });
    expectEqual(completions, 1, 'completions'); // the late backend completion is dropped, not delivered twice
    const w = patternBuffer(s, 8, 4);
    expectEqual(runOne(s, request('write', 8, 8, w.addr)), 'ok', "runOne(s, request('write', 8, 8, w.addr))");
    expectEqual(runOne(s, request('read', 8, 8, buf)), 'ok', "runOne(s, request('read', 8, 8, buf))");
    expectDeepEqual(guestBytes(s, buf, 4096), w.bytes, 'guestBytes(s, buf, 4096)');
  },
);

/** Make a 2-cycle chain (H3) available on the live driver's queue 0 and kick: a buggy or hostile guest. */
function injectLoop(m: ReturnType<typeof blkMachine>, v: ReturnType<typeof regsView>): void {
  const q = new VirtqBuilder(m.guest.mem, v.size, { desc: v.desc, avail: v.avail, used: v.used });
  const a = v.size - 2;
  const b = v.size - 1;
  const buf = m.guest.alloc.alloc(16, 16);
  q.desc(a, { addr: buf, len: 16, flags: F_NEXT, next: b });
  q.desc(b, { addr: buf, len: 16, flags: F_NEXT, next: a });
  const idx = q.get(v.avail + 2, 2);
  q.availSlot(idx % v.size, a);
  q.availIdx(idx + 1);
  m.guest.io.mmioWrite(v.notify, 2, 0);
}

// virtio-blk end to end
blkCase(
  'V10',
  'a looping chain from the guest → 0x4F, config interrupt, generation++, used.idx kept; the driver recovers',
  sheet(
    '§9 V10',
    'a looping chain from the guest → 0x4F, config interrupt, generation++, used.idx kept; the driver recovers',
  ),
  () => {
    const s = makeBlkStack();
    const buf = s.m.guest.alloc.alloc(4096, 4096);
    expectEqual(runOne(s, request('read', 0, 8, buf)), 'ok', "runOne(s, request('read', 0, 8, buf))");
    const v = regsView(s.m);
    const gen = v.generation();
    const usedBefore = s.m.guest.mem.u16(v.used + 2);
    const interruptsBefore = s.m.guestMeter.counters.interrupts;
    injectLoop(s.m, v);
    s.m.run({ until: () => (s.dev.deviceStatus & STATUS_NEEDS_RESET) !== 0, maxEvents: 10_000 });
    expectEqual(s.dev.deviceStatus, 0x4f, 's.dev.deviceStatus');
    expectMatch(s.dev.failure, /H3/, 's.dev.failure');
    expectEqual(v.generation(), (gen + 1) & 0xff, 'v.generation()');
    expectEqual(s.m.guest.mem.u16(v.used + 2), usedBefore, 's.m.guest.mem.u16(v.used + 2)');
    s.m.run({ maxEvents: 100_000 });
    expectEqual(s.m.guestMeter.counters.interrupts, interruptsBefore + 1, 's.m.guestMeter.counters.interrupts'); // the config vector
    expectEqual(s.driver.session.recoveries, 1, 's.driver.session.recoveries');
    expectEqual(s.dev.deviceStatus, 0x0f, 's.dev.deviceStatus');
    const w = patternBuffer(s, 8, 2);
    expectEqual(runOne(s, request('write', 16, 8, w.addr)), 'ok', "runOne(s, request('write', 16, 8, w.addr))");
    expectEqual(runOne(s, request('read', 16, 8, buf)), 'ok', "runOne(s, request('read', 16, 8, buf))");
    expectDeepEqual(guestBytes(s, buf, 4096), w.bytes, 'guestBytes(s, buf, 4096)');
  },
);

blkCase(
  'D19-2',
  'a device that moves used.idx past what is in flight broke the ring: reset, re-init, I/O again',
  virtio('§2.7.8', 'a device that moves used.idx past what is in flight broke the ring: reset, re-init, I/O again'),
  () => {
    const s = makeBlkStack();
    const buf = s.m.guest.alloc.alloc(4096, 4096);
    expectEqual(runOne(s, request('read', 0, 8, buf)), 'ok', "runOne(s, request('read', 0, 8, buf))");
    const v = regsView(s.m);
    s.m.guest.mem.setU16(v.used + 2, (s.m.guest.mem.u16(v.used + 2) + 1) & 0xffff); // nothing is in flight
    // The queue's MSI-X vector (table entry 1 in BAR1) fires as if the device had signalled.
    const bar1 = (new PciConfigAccess(s.m.guest.io).read(2, PciCfg.bar0 + 4, 4) & ~0xf) >>> 0;
    const table = bar1 + MsixEntry.size;
    s.m.interrupts.msi(
      s.m.guest.io.mmioRead(table + MsixEntry.addrLo, 4),
      s.m.guest.io.mmioRead(table + MsixEntry.data, 4),
    );
    s.m.run({ until: () => s.driver.session.recoveries === 1, maxEvents: 100_000 });
    expectEqual(s.driver.session.recoveries, 1, 's.driver.session.recoveries');
    expectEqual(s.driver.session.broken, undefined, 's.driver.session.broken');
    expectEqual(s.dev.deviceStatus, 0x0f, 's.dev.deviceStatus');
    const w = patternBuffer(s, 8, 3);
    expectEqual(runOne(s, request('write', 24, 8, w.addr)), 'ok', "runOne(s, request('write', 24, 8, w.addr))");
    expectEqual(runOne(s, request('read', 24, 8, buf)), 'ok', "runOne(s, request('read', 24, 8, buf))");
    expectDeepEqual(guestBytes(s, buf, 4096), w.bytes, 'guestBytes(s, buf, 4096)');
  },
);

blkCase(
  'V10-2',
  'V10 + D19 under INTx: the ISR config bit drives the same recovery',
  sheet('§9 V10', 'V10 + D19 under INTx: the ISR config bit drives the same recovery'),
  () => {
    const s = makeBlkStack({ options: { irq: 'intx' } });
    injectLoop(s.m, regsView(s.m));
    s.m.run({ maxEvents: 100_000 });
    expectEqual(s.driver.session.recoveries, 1, 's.driver.session.recoveries');
    const buf = s.m.guest.alloc.alloc(512, 512);
    expectEqual(runOne(s, request('read', 0, 1, buf)), 'ok', "runOne(s, request('read', 0, 1, buf))");
  },
);

// per-op notifications and interrupts (specs/virtio.md §7)
for (const coalesce of ['none', 'event-idx'] as const) {
  blkCase(
    `7-${coalesce}`,
    `iodepth 1, ${coalesce}: exactly one kick and one interrupt per request`,
    sheet('§7', 'at iodepth 1 each request costs exactly one kick and one interrupt'),
    () => {
      const s = makeBlkStack({ knobs: { coalesce: parseCoalesce(coalesce) } });
      const res = closedLoop(s, 1, 200);
      expectEqual(res.ok, 200, 'res.ok');
      expectEqual(res.delta.notifications, 200, 'res.delta.notifications');
      expectEqual(res.delta.notificationsSuppressed, 0, 'res.delta.notificationsSuppressed');
      expectEqual(res.delta.interrupts, 200, 'res.delta.interrupts');
    },
  );
}

blkCase(
  '7-2',
  'iodepth 32: EVENT_IDX keeps interrupts per op well below 1; flags mode signals on every completion',
  sheet('§7', 'iodepth 32: EVENT_IDX keeps interrupts per op well below 1; flags mode signals on every completion'),
  () => {
    const n = 2000;
    const ev = closedLoop(makeBlkStack({ knobs: { coalesce: { kind: 'event-idx' } } }), 32, n);
    const flags = closedLoop(makeBlkStack({ knobs: { coalesce: { kind: 'none' } } }), 32, n);
    expectEqual(ev.ok, n, 'ev.ok');
    expectEqual(flags.ok, n, 'flags.ok');
    expectBelow(ev.delta.interrupts / n, 0.5, 'ev.delta.interrupts / n');
    expectAbove(ev.delta.interruptsSuppressed, 0, 'ev.delta.interruptsSuppressed');
    expectBelow(ev.sent / n, 0.5, 'ev.sent / n');
    // Without EVENT_IDX the device signals each completion (NO_INTERRUPT stays clear); signals that
    // find the vector still pending merge at the interrupt controller, as in the APIC IRR.
    expectEqual(flags.sent, n, 'flags.sent');
    expectAbove(flags.sent / n, ev.sent / n, 'flags.sent / n');
    expectEqual(flags.delta.interruptsSuppressed, 0, 'flags.delta.interruptsSuppressed');
    expectAtLeast(flags.delta.interrupts, ev.delta.interrupts, 'flags.delta.interrupts');
    // Kicks: one per burst that finds the device caught up, far below one per request.
    expectBelow(ev.delta.notifications / n, 0.5, 'ev.delta.notifications / n');
  },
);

blkCase(
  '4.1.5.4',
  '§4.1.5.4 interrupts sent vs taken, iodepth 32 flags mode: one MSI-X message per completion, fewer taken',
  virtio(
    '§4.1.5.4',
    '§4.1.5.4 interrupts sent vs taken, iodepth 32 flags mode: one MSI-X message per completion, fewer taken',
  ),
  () => {
    const n = 2000;
    const res = closedLoop(makeBlkStack({ knobs: { coalesce: { kind: 'none' } } }), 32, n);
    expectEqual(res.ok, n, 'res.ok');
    expectEqual(res.delta.interruptsSent, n, 'res.delta.interruptsSent'); // the device signalled every used-buffer notification…
    expectEqual(res.delta.interruptsSent, res.sent, 'res.delta.interruptsSent'); // …each one a message the controller received…
    expectBelow(res.delta.interrupts, n / 2, 'res.delta.interrupts'); // …and most merged while the vector was pending
  },
);

blkCase(
  '4.1.4.5',
  '§4.1.4.5 interrupts sent under INTx: an assert while the line is still up is no new signal',
  virtio('§4.1.4.5', '§4.1.4.5 interrupts sent under INTx: an assert while the line is still up is no new signal'),
  () => {
    const res = closedLoop(makeBlkStack({ knobs: { coalesce: { kind: 'none' } }, options: { irq: 'intx' } }), 32, 500);
    expectEqual(res.ok, 500, 'res.ok');
    expectEqual(res.delta.interruptsSent, res.sent, 'res.delta.interruptsSent'); // rising edges, as the controller counts them
    expectEqual(res.delta.interruptsSent, res.delta.interrupts, 'res.delta.interruptsSent'); // each edge taken once (the ISR read lowers it)
    expectBelow(res.delta.interruptsSent, 500, 'res.delta.interruptsSent');
  },
);

blkCase(
  '7-3',
  'iodepth 32, count:8 on a device whose completions trickle in: ≈ one interrupt per 8 requests',
  sheet('§7', 'iodepth 32, count:8 on a device whose completions trickle in: ≈ one interrupt per 8 requests'),
  () => {
    const n = 2000;
    const ev = closedLoop(makeBlkStack({ knobs: { coalesce: { kind: 'event-idx' } }, service: 'nvme' }), 32, n);
    const c8 = closedLoop(makeBlkStack({ knobs: { coalesce: { kind: 'count', n: 8 } }, service: 'nvme' }), 32, n);
    expectEqual(c8.ok, n, 'c8.ok');
    expectAbove(ev.delta.interrupts / n, 0.9, 'ev.delta.interrupts / n'); // each completion finds the guest idle
    expectAbove(c8.delta.interrupts / n, 1 / 8 - 0.01, 'c8.delta.interrupts / n');
    expectBelow(c8.delta.interrupts / n, 1 / 8 + 0.01, 'c8.delta.interrupts / n');
  },
);

export const VIRTIO_BLK_CASES: readonly ConformanceCase[] = cases;
