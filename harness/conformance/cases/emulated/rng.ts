/**
 * Port-I/O RNG conformance (specs/trap-emulate.md §5, §7 items 22 and 24). The part is our own,
 * modelled on the AMD 768 as Linux drivers/char/hw_random/amd-rng.c drives it; QEMU has no such
 * device, so the register contract of §5 is the oracle. Device cases drive the registers the way a
 * raw guest would; driver cases run our driver against our device on the sim engine.
 */
import {
  RNG_BASE,
  RNG_DATASHEET_LATENCY_NS,
  RNG_MAX_READ,
  RNG_POLL_WAIT_NS,
  RngDevice,
  RngProbeError,
  RngRegister,
  rngBinding,
} from '../../../../models/emulated/rng/index.js';
import {
  ensure,
  expectAtLeast,
  expectAtMost,
  expectDeepEqual,
  expectEqual,
  expectMatch,
  expectThrows,
  expectThrowsMessage,
} from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import {
  bootRngDriver,
  makeRngStack,
  RNG_KNOBS,
  readOnce,
  rngConfig,
  rngMachine,
  ScriptedEntropy,
} from '../../support/emulated-rng-stack.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';

const cases: ConformanceCase[] = [];
function rngCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `emulated-rng.${id}`, title, ref, models: ['emulated'], run });
}
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/trap-emulate.md',
  section,
  level,
  paraphrase,
});

const DATA = RNG_BASE + RngRegister.RNGDATA;
const DONE = RNG_BASE + RngRegister.RNGDONE;

function le32(b: Uint8Array, at: number): number {
  return (
    ((b[at] as number) |
      ((b[at + 1] as number) << 8) |
      ((b[at + 2] as number) << 16) |
      ((b[at + 3] as number) << 24)) >>>
    0
  );
}

/** A device on a manual clock over a scripted backend: register semantics without a machine. */
function bareDevice(latencyNs = 0, supply = 1 << 20) {
  const clock = new ManualScheduler('device');
  const backend = new ScriptedEntropy(0x10);
  backend.supply(supply);
  return { clock, backend, dev: new RngDevice(backend, clock, latencyNs) };
}

function word(backend: ScriptedEntropy, index: number): number {
  const k = index * 4;
  return (
    (backend.byteAt(k) |
      (backend.byteAt(k + 1) << 8) |
      (backend.byteAt(k + 2) << 16) |
      (backend.byteAt(k + 3) << 24)) >>>
    0
  );
}

// RNG registers (§5, §7 item 22: DONE/DATA handshake — amd-rng.c RNGDONE/RNGDATA)
rngCase(
  '7.22',
  'RNGDONE reads 1 with a word available and RNGDATA returns the next 4 backend bytes little-endian',
  sheet('§7.22', 'RNGDONE reads 1 with a word available and RNGDATA returns the next 4 backend bytes little-endian'),
  () => {
    const s = makeRngStack();
    const io = s.m.guest.io;
    expectEqual(io.in(DONE, 4), 1, 'io.in(DONE, 4)');
    const expected = s.expected(12);
    // latency 0: the next word is ready at once, each read walks the backend stream.
    for (let i = 0; i < 3; i++) {
      expectEqual(io.in(DONE, 4), 1, 'io.in(DONE, 4)');
      expectEqual(io.in(DATA, 4), le32(expected, i * 4), 'io.in(DATA, 4)');
    }
    expectEqual(s.device.stats.words, 3, 's.device.stats.words');
  },
);

rngCase(
  '7.22-2',
  'with a word latency, RNGDONE reads 0 until the latency has passed after the RNGDATA read',
  sheet('§7.22', 'with a word latency, RNGDONE reads 0 until the latency has passed after the RNGDATA read'),
  () => {
    const { clock, backend, dev } = bareDevice(RNG_DATASHEET_LATENCY_NS);
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 1, 'dev.read(RngRegister.RNGDONE, 4)');
    expectEqual(dev.read(RngRegister.RNGDATA, 4), word(backend, 0), 'dev.read(RngRegister.RNGDATA, 4)');
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 0, 'dev.read(RngRegister.RNGDONE, 4)');
    clock.advance(RNG_DATASHEET_LATENCY_NS - 1);
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 0, 'dev.read(RngRegister.RNGDONE, 4)');
    clock.advance(1);
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 1, 'dev.read(RngRegister.RNGDONE, 4)');
    expectEqual(dev.read(RngRegister.RNGDATA, 4), word(backend, 1), 'dev.read(RngRegister.RNGDATA, 4)');
  },
);

rngCase(
  '7.22-3',
  'a not-ready RNGDATA read returns 0 without side effect (no word consumed, readiness not delayed)',
  sheet('§7.22', 'a not-ready RNGDATA read returns 0 without side effect (no word consumed, readiness not delayed)'),
  () => {
    const { clock, backend, dev } = bareDevice(1000);
    expectEqual(dev.read(RngRegister.RNGDATA, 4), word(backend, 0), 'dev.read(RngRegister.RNGDATA, 4)');
    clock.advance(500);
    expectEqual(dev.read(RngRegister.RNGDATA, 4), 0, 'dev.read(RngRegister.RNGDATA, 4)');
    expectEqual(dev.read(RngRegister.RNGDATA, 2), 0, 'dev.read(RngRegister.RNGDATA, 2)');
    clock.advance(500); // 1000 ns after the first read, not after the not-ready ones
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 1, 'dev.read(RngRegister.RNGDONE, 4)');
    expectEqual(dev.read(RngRegister.RNGDATA, 4), word(backend, 1), 'dev.read(RngRegister.RNGDATA, 4)');
    expectEqual(dev.stats.notReadyDataReads, 2, 'dev.stats.notReadyDataReads');
    expectEqual(dev.stats.words, 2, 'dev.stats.words');
  },
);

rngCase(
  '5',
  'narrower RNGDATA reads return the low bytes and consume the whole word',
  sheet('§5', 'narrower RNGDATA reads return the low bytes and consume the whole word'),
  () => {
    const { backend, dev } = bareDevice();
    expectEqual(dev.read(RngRegister.RNGDATA, 1), word(backend, 0) & 0xff, 'dev.read(RngRegister.RNGDATA, 1)');
    expectEqual(dev.read(RngRegister.RNGDATA, 2), word(backend, 1) & 0xffff, 'dev.read(RngRegister.RNGDATA, 2)');
    expectEqual(dev.read(RngRegister.RNGDATA, 4), word(backend, 2), 'dev.read(RngRegister.RNGDATA, 4)');
    expectEqual(backend.served, 12, 'backend.served'); // 3 whole words; the 4th is drawn at the next access
    expectEqual(dev.stats.words, 3, 'dev.stats.words');
  },
);

rngCase(
  '5-2',
  'RNGDONE reads narrower than 32 bits give the same 0/1',
  sheet('§5', 'RNGDONE reads narrower than 32 bits give the same 0/1'),
  () => {
    const { clock, dev } = bareDevice(100);
    expectEqual(dev.read(RngRegister.RNGDONE, 1), 1, 'dev.read(RngRegister.RNGDONE, 1)');
    expectEqual(dev.read(RngRegister.RNGDONE, 2), 1, 'dev.read(RngRegister.RNGDONE, 2)');
    dev.read(RngRegister.RNGDATA, 4);
    expectEqual(dev.read(RngRegister.RNGDONE, 1), 0, 'dev.read(RngRegister.RNGDONE, 1)');
    clock.advance(100);
    expectEqual(dev.read(RngRegister.RNGDONE, 2), 1, 'dev.read(RngRegister.RNGDONE, 2)');
  },
);

rngCase(
  '5-3',
  'writes to any port are ignored and the other ports of the window read 0 without side effect',
  sheet('§5', 'writes to any port are ignored and the other ports of the window read 0 without side effect'),
  () => {
    const { backend, dev } = bareDevice();
    for (let off = 0; off < 8; off++) dev.write(off, 4, 0xdeadbeef);
    for (const off of [1, 2, 3, 5, 6, 7]) {
      for (const size of [1, 2, 4] as const) expectEqual(dev.read(off, size), 0, 'dev.read(off, size)');
    }
    expectEqual(dev.stats.words, 0, 'dev.stats.words');
    expectEqual(dev.stats.ignoredWrites, 8, 'dev.stats.ignoredWrites');
    // The stream is untouched: the first word is still the first 4 bytes.
    expectEqual(dev.read(RngRegister.RNGDATA, 4), word(backend, 0), 'dev.read(RngRegister.RNGDATA, 4)');
  },
);

rngCase(
  'H13',
  'an empty backend keeps the device not ready; bytes trickling in assemble whole words in stream order',
  sheet(
    '§5 H13',
    'an empty backend keeps the device not ready; bytes trickling in assemble whole words in stream order',
  ),
  () => {
    const { backend, dev } = bareDevice(0, 0);
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 0, 'dev.read(RngRegister.RNGDONE, 4)');
    expectEqual(dev.read(RngRegister.RNGDATA, 4), 0, 'dev.read(RngRegister.RNGDATA, 4)');
    backend.supply(3);
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 0, 'dev.read(RngRegister.RNGDONE, 4)'); // 3 bytes kept, still not a word
    expectEqual(dev.state().bufferedBytes, 3, 'dev.state().bufferedBytes');
    backend.supply(6);
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 1, 'dev.read(RngRegister.RNGDONE, 4)');
    expectEqual(dev.read(RngRegister.RNGDATA, 4), word(backend, 0), 'dev.read(RngRegister.RNGDATA, 4)');
    expectEqual(dev.read(RngRegister.RNGDATA, 4), word(backend, 1), 'dev.read(RngRegister.RNGDATA, 4)');
    expectEqual(dev.read(RngRegister.RNGDONE, 4), 0, 'dev.read(RngRegister.RNGDONE, 4)'); // 1 byte left over, kept
    expectEqual(dev.state().bufferedBytes, 1, 'dev.state().bufferedBytes');
    expectAtMost(backend.largestRequest, 4, 'backend.largestRequest');
  },
);

rngCase(
  '5-4',
  'the window is 8 ports at RNG_BASE, with no interrupt line',
  sheet('§5', 'the window is 8 ports at RNG_BASE, with no interrupt line'),
  () => {
    const s = makeRngStack();
    const io = s.m.guest.io;
    expectEqual(io.in(RNG_BASE - 1, 1), 0xff, 'io.in(RNG_BASE - 1, 1)'); // unmapped neighbours read all-ones
    expectEqual(io.in(RNG_BASE + 8, 1), 0xff, 'io.in(RNG_BASE + 8, 1)');
    expectEqual(io.in(RNG_BASE + 7, 1), 0, 'io.in(RNG_BASE + 7, 1)');
    expectEqual(s.m.interrupts.sent, 0, 's.m.interrupts.sent');
  },
);

// RNG driver (§5 driver loop, §7 item 24 exit counts — amd-rng.c amd_rng_read)
rngCase(
  '7.24',
  '2 user exits per 4 bytes — a 32-byte read is 16 exits and delivers the backend stream',
  sheet('§7.24', '2 user exits per 4 bytes — a 32-byte read is 16 exits and delivers the backend stream'),
  () => {
    const s = makeRngStack();
    const driver = bootRngDriver(s);
    const r = readOnce(s, driver, 32);
    expectEqual(r.n, 32, 'r.n');
    expectEqual(r.exitsUser, 16, 'r.exitsUser');
    expectEqual(r.exitsKernel, 0, 'r.exitsKernel');
    expectDeepEqual([...r.bytes], [...s.expected(32)], '[...r.bytes]');
    // Every word went through a register and was stored by the guest: 32 bytes copied.
    expectEqual(s.m.guestMeter.copiedBy.guest, 32, 's.m.guestMeter.copiedBy.guest');
  },
);

rngCase(
  '1',
  'exits=kernel: the same accesses are handled in the kernel (trap-emulate.md §1 exit classes)',
  sheet('§1', 'exits=kernel: the same accesses are handled in the kernel (trap-emulate.md §1 exit classes)'),
  () => {
    const s = makeRngStack({ options: { exits: 'kernel' } });
    const driver = bootRngDriver(s);
    const r = readOnce(s, driver, 32);
    expectEqual(r.n, 32, 'r.n');
    expectEqual(r.exitsKernel, 16, 'r.exitsKernel');
    expectEqual(r.exitsUser, 0, 'r.exitsUser');
  },
);

rngCase(
  '5-5',
  'a tail shorter than a word costs a whole word (2 exits) and keeps its low bytes; the rest is consumed',
  sheet('§5', 'a tail shorter than a word costs a whole word (2 exits) and keeps its low bytes; the rest is consumed'),
  () => {
    const s = makeRngStack();
    const driver = bootRngDriver(s);
    const first = readOnce(s, driver, 6);
    const stream = s.expected(12);
    expectEqual(first.n, 6, 'first.n');
    expectEqual(first.exitsUser, 4, 'first.exitsUser');
    expectDeepEqual([...first.bytes], [...stream.subarray(0, 6)], '[...first.bytes]');
    const second = readOnce(s, driver, 4);
    expectDeepEqual([...second.bytes], [...stream.subarray(8, 12)], '[...second.bytes]');
  },
);

rngCase(
  '5-6',
  'with the datasheet latency, each further word costs one not-ready poll and one 128 µs wait',
  sheet('§5', 'with the datasheet latency, each further word costs one not-ready poll and one 128 µs wait'),
  () => {
    const s = makeRngStack({ options: { 'rng-latency-ns': String(RNG_DATASHEET_LATENCY_NS) } });
    const driver = bootRngDriver(s);
    const r = readOnce(s, driver, 16);
    expectEqual(r.n, 16, 'r.n');
    // word 1: DONE, DATA; words 2–4: DONE (0), wait, DONE, DATA.
    expectEqual(r.exitsUser, 2 + 3 * 3, 'r.exitsUser');
    expectEqual(driver.stats.waits, 3, 'driver.stats.waits');
    expectAtLeast(r.virtualNs, 3 * RNG_POLL_WAIT_NS, 'r.virtualNs');
    expectDeepEqual([...r.bytes], [...s.expected(16)], '[...r.bytes]');
  },
);

rngCase(
  'H13-2',
  'a starved backend ends the read after len/4 + 1 waits with 0 bytes — bounded, never blocking',
  sheet('§5 H13', 'a starved backend ends the read after len/4 + 1 waits with 0 bytes — bounded, never blocking'),
  () => {
    const backend = new ScriptedEntropy();
    const s = makeRngStack({ backend });
    const driver = bootRngDriver(s);
    const r = readOnce(s, driver, 8);
    expectEqual(r.n, 0, 'r.n');
    expectEqual(driver.stats.waits, 3, 'driver.stats.waits'); // 8/4 + 1
    expectEqual(r.exitsUser, 4, 'r.exitsUser'); // one RNGDONE poll per wait + the final one
    expectEqual(driver.stats.shortReads, 1, 'driver.stats.shortReads');
  },
);

rngCase(
  '5-7',
  'a rate-limited backend gives whole words as they arrive; the read returns what came within the wait budget',
  sheet(
    '§5',
    'a rate-limited backend gives whole words as they arrive; the read returns what came within the wait budget',
  ),
  () => {
    const backend = new ScriptedEntropy();
    const s = makeRngStack({ backend });
    const driver = bootRngDriver(s);
    backend.supply(10); // 2 words and 2 stray bytes
    const r = readOnce(s, driver, 32);
    expectEqual(r.n, 8, 'r.n');
    expectDeepEqual([...r.bytes], [0, 1, 2, 3, 4, 5, 6, 7], '[...r.bytes]');
    backend.supply(2);
    const next = readOnce(s, driver, 4);
    expectDeepEqual([...next.bytes], [8, 9, 10, 11], '[...next.bytes]'); // the stray bytes were kept, not lost
  },
);

rngCase(
  '5-8',
  'bring-up fails with a clear error when no RNG answers at RNG_BASE (unmapped ports read all-ones)',
  sheet('§5, §7', 'bring-up fails with a clear error when no RNG answers at RNG_BASE (unmapped ports read all-ones)'),
  () => {
    const m = rngMachine();
    let error: Error | undefined;
    let ready = false;
    rngBinding.createGuest(
      m.guest,
      rngConfig(),
      () => {
        ready = true;
      },
      (e) => {
        error = e;
      },
    );
    m.run({ maxEvents: 100 });
    expectEqual(ready, false, 'ready');
    ensure(error instanceof RngProbeError, 'instance of RngProbeError: error');
    expectEqual(error?.message, 'no RNG at port 0xe00: RNGDONE read 0xffffffff (expected 0 or 1)', 'error?.message');
  },
);

rngCase(
  '5-9',
  'one read at a time; sizes are checked before any exit',
  sheet('§5, §7', 'one read at a time; sizes are checked before any exit'),
  () => {
    const s = makeRngStack();
    const driver = bootRngDriver(s);
    const addr = s.m.guest.alloc.alloc(64, 16);
    driver.read(addr, 8, () => {});
    expectThrowsMessage(
      () => driver.read(addr, 8, () => {}),
      /one read at a time/,
      '() => driver.read(addr, 8, () => {})',
    );
    s.m.run({ maxEvents: 100 });
    expectThrows(
      () => driver.read(addr, RNG_MAX_READ + 1, () => {}),
      RangeError,
      '() => driver.read(addr, RNG_MAX_READ + 1, () => {})',
    );
    expectThrowsMessage(
      () => driver.read(s.m.guest.mem.size - 2, 8, () => {}),
      /outside guest memory/,
      '() => driver.read(s.m.guest.mem.size - 2, 8, () => {})',
    );
    const zero = readOnce(s, driver, 0);
    expectEqual(zero.n, 0, 'zero.n');
    expectEqual(zero.exitsUser, 0, 'zero.exitsUser');
  },
);

// RNG knob mapping (trap-emulate.md §6, RNG column)
rngCase(
  '6',
  'honours coalescing none, iodepth 1, copy — and only those, each with its reason',
  sheet('§6', 'honours coalescing none, iodepth 1, copy — and only those, each with its reason'),
  () => {
    expectDeepEqual(rngBinding.support(rngConfig()), { ok: true }, 'rngBinding.support(rngConfig())');
    const coalesce = rngBinding.support(rngConfig({}, { coalesce: { kind: 'count', n: 4 } }));
    expectDeepEqual(
      coalesce,
      {
        ok: false,
        reason: 'the port-I/O RNG has no interrupt (the driver polls RNGDONE): interrupt coalescing must be none',
      },
      'coalesce',
    );
    const depth = rngBinding.support(rngConfig({}, { iodepth: 2 }));
    expectEqual(depth.ok, false, 'depth.ok');
    expectMatch(depth.ok ? '' : depth.reason, /^iodepth 2: .*one read is in flight/, "depth.ok ? '' : depth.reason");
    const zero = rngBinding.support(rngConfig({}, { copy: 'zerocopy' }));
    expectMatch(zero.ok ? '' : zero.reason, /^zerocopy: .*copy must be copy$/, "zero.ok ? '' : zero.reason");
    const latency = rngBinding.support(rngConfig({ 'rng-latency-ns': '-5' }));
    expectDeepEqual(latency, { ok: false, reason: 'rng-latency-ns=-5: expected a number of ns ≥ 0' }, 'latency');
    expectEqual(RNG_KNOBS.copy, 'copy', 'RNG_KNOBS.copy');
  },
);

export const EMULATED_RNG_CASES: readonly ConformanceCase[] = cases;
