/**
 * Port-I/O RNG conformance (specs/trap-emulate.md §5, §7 items 22 and 24). The part is our own,
 * modelled on the AMD 768 as Linux drivers/char/hw_random/amd-rng.c drives it; QEMU has no such
 * device, so the register contract of §5 is the oracle. Device cases drive the registers the way a
 * raw guest would; driver cases run our driver against our device on the sim engine.
 */
import { describe, expect, it } from 'vitest';
import {
  RNG_BASE,
  RNG_DATASHEET_LATENCY_NS,
  RNG_MAX_READ,
  RNG_POLL_WAIT_NS,
  RngDevice,
  RngProbeError,
  RngRegister,
  rngBinding,
} from '../../models/emulated/rng/index.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import {
  bootRngDriver,
  makeRngStack,
  RNG_KNOBS,
  readOnce,
  rngConfig,
  rngMachine,
  ScriptedEntropy,
} from '../unit/emulated-model/rng-stack.js';

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

describe('RNG registers (§5, §7 item 22: DONE/DATA handshake — amd-rng.c RNGDONE/RNGDATA)', () => {
  it('§7.22: RNGDONE reads 1 with a word available and RNGDATA returns the next 4 backend bytes little-endian', () => {
    const s = makeRngStack();
    const io = s.m.guest.io;
    expect(io.in(DONE, 4)).toBe(1);
    const expected = s.expected(12);
    // latency 0: the next word is ready at once, each read walks the backend stream.
    for (let i = 0; i < 3; i++) {
      expect(io.in(DONE, 4)).toBe(1);
      expect(io.in(DATA, 4)).toBe(le32(expected, i * 4));
    }
    expect(s.device.stats.words).toBe(3);
  });

  it('§7.22: with a word latency, RNGDONE reads 0 until the latency has passed after the RNGDATA read', () => {
    const { clock, backend, dev } = bareDevice(RNG_DATASHEET_LATENCY_NS);
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(1);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(word(backend, 0));
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(0);
    clock.advance(RNG_DATASHEET_LATENCY_NS - 1);
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(0);
    clock.advance(1);
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(1);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(word(backend, 1));
  });

  it('§7.22: a not-ready RNGDATA read returns 0 without side effect (no word consumed, readiness not delayed)', () => {
    const { clock, backend, dev } = bareDevice(1000);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(word(backend, 0));
    clock.advance(500);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(0);
    expect(dev.read(RngRegister.RNGDATA, 2)).toBe(0);
    clock.advance(500); // 1000 ns after the first read, not after the not-ready ones
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(1);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(word(backend, 1));
    expect(dev.stats.notReadyDataReads).toBe(2);
    expect(dev.stats.words).toBe(2);
  });

  it('§5: narrower RNGDATA reads return the low bytes and consume the whole word', () => {
    const { backend, dev } = bareDevice();
    expect(dev.read(RngRegister.RNGDATA, 1)).toBe(word(backend, 0) & 0xff);
    expect(dev.read(RngRegister.RNGDATA, 2)).toBe(word(backend, 1) & 0xffff);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(word(backend, 2));
    expect(backend.served).toBe(12); // 3 whole words; the 4th is drawn at the next access
    expect(dev.stats.words).toBe(3);
  });

  it('§5: RNGDONE reads narrower than 32 bits give the same 0/1', () => {
    const { clock, dev } = bareDevice(100);
    expect(dev.read(RngRegister.RNGDONE, 1)).toBe(1);
    expect(dev.read(RngRegister.RNGDONE, 2)).toBe(1);
    dev.read(RngRegister.RNGDATA, 4);
    expect(dev.read(RngRegister.RNGDONE, 1)).toBe(0);
    clock.advance(100);
    expect(dev.read(RngRegister.RNGDONE, 2)).toBe(1);
  });

  it('§5: writes to any port are ignored and the other ports of the window read 0 without side effect', () => {
    const { backend, dev } = bareDevice();
    for (let off = 0; off < 8; off++) dev.write(off, 4, 0xdeadbeef);
    for (const off of [1, 2, 3, 5, 6, 7]) {
      for (const size of [1, 2, 4] as const) expect(dev.read(off, size)).toBe(0);
    }
    expect(dev.stats.words).toBe(0);
    expect(dev.stats.ignoredWrites).toBe(8);
    // The stream is untouched: the first word is still the first 4 bytes.
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(word(backend, 0));
  });

  it('§5 / H13: an empty backend keeps the device not ready; bytes trickling in assemble whole words in stream order', () => {
    const { backend, dev } = bareDevice(0, 0);
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(0);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(0);
    backend.supply(3);
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(0); // 3 bytes kept, still not a word
    expect(dev.state().bufferedBytes).toBe(3);
    backend.supply(6);
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(1);
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(word(backend, 0));
    expect(dev.read(RngRegister.RNGDATA, 4)).toBe(word(backend, 1));
    expect(dev.read(RngRegister.RNGDONE, 4)).toBe(0); // 1 byte left over, kept
    expect(dev.state().bufferedBytes).toBe(1);
    expect(backend.largestRequest).toBeLessThanOrEqual(4);
  });

  it('§5: the window is 8 ports at RNG_BASE, with no interrupt line', () => {
    const s = makeRngStack();
    const io = s.m.guest.io;
    expect(io.in(RNG_BASE - 1, 1)).toBe(0xff); // unmapped neighbours read all-ones
    expect(io.in(RNG_BASE + 8, 1)).toBe(0xff);
    expect(io.in(RNG_BASE + 7, 1)).toBe(0);
    expect(s.m.interrupts.sent).toBe(0);
  });
});

describe('RNG driver (§5 driver loop, §7 item 24 exit counts — amd-rng.c amd_rng_read)', () => {
  it('§7.24: 2 user exits per 4 bytes — a 32-byte read is 16 exits and delivers the backend stream', () => {
    const s = makeRngStack();
    const driver = bootRngDriver(s);
    const r = readOnce(s, driver, 32);
    expect(r.n).toBe(32);
    expect(r.exitsUser).toBe(16);
    expect(r.exitsKernel).toBe(0);
    expect([...r.bytes]).toEqual([...s.expected(32)]);
    // Every word went through a register and was stored by the guest: 32 bytes copied.
    expect(s.m.guestMeter.copiedBy.guest).toBe(32);
  });

  it('exits=kernel: the same accesses are handled in the kernel (trap-emulate.md §1 exit classes)', () => {
    const s = makeRngStack({ options: { exits: 'kernel' } });
    const driver = bootRngDriver(s);
    const r = readOnce(s, driver, 32);
    expect(r.n).toBe(32);
    expect(r.exitsKernel).toBe(16);
    expect(r.exitsUser).toBe(0);
  });

  it('§5: a tail shorter than a word costs a whole word (2 exits) and keeps its low bytes; the rest is consumed', () => {
    const s = makeRngStack();
    const driver = bootRngDriver(s);
    const first = readOnce(s, driver, 6);
    const stream = s.expected(12);
    expect(first.n).toBe(6);
    expect(first.exitsUser).toBe(4);
    expect([...first.bytes]).toEqual([...stream.subarray(0, 6)]);
    const second = readOnce(s, driver, 4);
    expect([...second.bytes]).toEqual([...stream.subarray(8, 12)]);
  });

  it('§5: with the datasheet latency, each further word costs one not-ready poll and one 128 µs wait', () => {
    const s = makeRngStack({ options: { 'rng-latency-ns': String(RNG_DATASHEET_LATENCY_NS) } });
    const driver = bootRngDriver(s);
    const r = readOnce(s, driver, 16);
    expect(r.n).toBe(16);
    // word 1: DONE, DATA; words 2–4: DONE (0), wait, DONE, DATA.
    expect(r.exitsUser).toBe(2 + 3 * 3);
    expect(driver.stats.waits).toBe(3);
    expect(r.virtualNs).toBeGreaterThanOrEqual(3 * RNG_POLL_WAIT_NS);
    expect([...r.bytes]).toEqual([...s.expected(16)]);
  });

  it('§5 / H13: a starved backend ends the read after len/4 + 1 waits with 0 bytes — bounded, never blocking', () => {
    const backend = new ScriptedEntropy();
    const s = makeRngStack({ backend });
    const driver = bootRngDriver(s);
    const r = readOnce(s, driver, 8);
    expect(r.n).toBe(0);
    expect(driver.stats.waits).toBe(3); // 8/4 + 1
    expect(r.exitsUser).toBe(4); // one RNGDONE poll per wait + the final one
    expect(driver.stats.shortReads).toBe(1);
  });

  it('§5: a rate-limited backend gives whole words as they arrive; the read returns what came within the wait budget', () => {
    const backend = new ScriptedEntropy();
    const s = makeRngStack({ backend });
    const driver = bootRngDriver(s);
    backend.supply(10); // 2 words and 2 stray bytes
    const r = readOnce(s, driver, 32);
    expect(r.n).toBe(8);
    expect([...r.bytes]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    backend.supply(2);
    const next = readOnce(s, driver, 4);
    expect([...next.bytes]).toEqual([8, 9, 10, 11]); // the stray bytes were kept, not lost
  });

  it('bring-up fails with a clear error when no RNG answers at RNG_BASE (unmapped ports read all-ones)', () => {
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
    expect(ready).toBe(false);
    expect(error).toBeInstanceOf(RngProbeError);
    expect(error?.message).toBe('no RNG at port 0xe00: RNGDONE read 0xffffffff (expected 0 or 1)');
  });

  it('one read at a time; sizes are checked before any exit', () => {
    const s = makeRngStack();
    const driver = bootRngDriver(s);
    const addr = s.m.guest.alloc.alloc(64, 16);
    driver.read(addr, 8, () => {});
    expect(() => driver.read(addr, 8, () => {})).toThrow(/one read at a time/);
    s.m.run({ maxEvents: 100 });
    expect(() => driver.read(addr, RNG_MAX_READ + 1, () => {})).toThrow(RangeError);
    expect(() => driver.read(s.m.guest.mem.size - 2, 8, () => {})).toThrow(/outside guest memory/);
    const zero = readOnce(s, driver, 0);
    expect(zero.n).toBe(0);
    expect(zero.exitsUser).toBe(0);
  });
});

describe('RNG knob mapping (trap-emulate.md §6, RNG column)', () => {
  it('honours coalescing none, iodepth 1, copy — and only those, each with its reason', () => {
    expect(rngBinding.support(rngConfig())).toEqual({ ok: true });
    const coalesce = rngBinding.support(rngConfig({}, { coalesce: { kind: 'count', n: 4 } }));
    expect(coalesce).toEqual({
      ok: false,
      reason: 'the port-I/O RNG has no interrupt (the driver polls RNGDONE): interrupt coalescing must be none',
    });
    const depth = rngBinding.support(rngConfig({}, { iodepth: 2 }));
    expect(depth.ok).toBe(false);
    expect(depth.ok ? '' : depth.reason).toMatch(/^iodepth 2: .*one read is in flight/);
    const zero = rngBinding.support(rngConfig({}, { copy: 'zerocopy' }));
    expect(zero.ok ? '' : zero.reason).toMatch(/^zerocopy: .*copy must be copy$/);
    const latency = rngBinding.support(rngConfig({ 'rng-latency-ns': '-5' }));
    expect(latency).toEqual({ ok: false, reason: 'rng-latency-ns=-5: expected a number of ns ≥ 0' });
    expect(RNG_KNOBS.copy).toBe('copy');
  });
});
