/**
 * The NE2000 guest driver on the sim engine (trap-emulate.md §4 "Driver sequences"): padding and
 * odd lengths on transmit, the one-frame-in-flight rule, receive backpressure through the ring,
 * sends issued from the receive handler, transmit backpressure, ring resynchronisation.
 */
import { describe, expect, it } from 'vitest';
import { HOST_DEVICE } from '../../../harness/engine/sim/machine.js';
import { createNetBackend } from '../../../models/backend/index.js';
import { Ne2000ProbeError, ne2000Binding } from '../../../models/emulated/ne2000/index.js';
import { bringUp, ne2000Config, referenceStack, stackMachine } from './ne2000-stack.js';
import { CARD_MAC, makeFrame, OTHER_MAC, ScriptedNetBackend } from './raw-card.js';

function scriptedStack() {
  const m = stackMachine();
  const backend = new ScriptedNetBackend(CARD_MAC);
  return bringUp(m, backend);
}

describe('NE2000 driver: transmit', () => {
  it('pads a runt to 60 bytes from a zeroed bounce buffer and leaves the caller’s buffer alone', () => {
    const { m, backend, driver } = scriptedStack();
    const frame = makeFrame(OTHER_MAC, CARD_MAC, 22, 3);
    const addr = m.guest.alloc.alloc(64, 64);
    m.guest.mem.fill(addr, 64, 0xee);
    m.guest.mem.store(addr, frame);
    let done = 0;
    m.guest.sched.after(0, () => driver.send(addr, 22, () => done++));
    m.run({ maxEvents: 1000 });
    expect(done).toBe(1);
    expect(Array.from(backend.sent[0] ?? [])).toEqual([...Array.from(frame), ...new Array(38).fill(0)]);
    const after = new Uint8Array(64);
    m.guest.mem.load(addr, 64, after);
    expect(Array.from(after.subarray(22))).toEqual(new Array(42).fill(0xee));
  });

  it('sends an odd-length frame that ends at the last byte of guest RAM without reading past it', () => {
    const { m, backend, driver } = scriptedStack();
    const frame = makeFrame(OTHER_MAC, CARD_MAC, 61, 4);
    const addr = m.guest.mem.size - 61;
    m.guest.mem.store(addr, frame);
    let done = false;
    m.guest.sched.after(0, () =>
      driver.send(addr, 61, () => {
        done = true;
      }),
    );
    m.run({ maxEvents: 1000 });
    expect(done).toBe(true);
    expect(Array.from(backend.sent[0] ?? [])).toEqual(Array.from(frame));
  });

  it('refuses a second frame while one is in flight, and impossible lengths', () => {
    const { m, driver } = scriptedStack();
    const addr = m.guest.alloc.alloc(2048, 64);
    const errors: unknown[] = [];
    m.guest.sched.after(0, () => {
      driver.send(addr, 100, () => {});
      for (const len of [100, 0, 1515]) {
        try {
          driver.send(addr, len, () => {});
        } catch (e) {
          errors.push(e);
        }
      }
    });
    m.run({ maxEvents: 1000 });
    expect(errors).toHaveLength(3);
    for (const e of errors) expect(e).toBeInstanceOf(RangeError);
    expect(driver.stats.txFrames).toBe(1);
  });

  it('a refused transmit (backend link full) completes only once the backend is ready', () => {
    const { m, backend, driver, device } = scriptedStack();
    const addr = m.guest.alloc.alloc(128, 64);
    m.guest.mem.store(addr, makeFrame(OTHER_MAC, CARD_MAC, 100));
    backend.linkOpen = false;
    let done = false;
    m.guest.sched.after(0, () =>
      driver.send(addr, 100, () => {
        done = true;
      }),
    );
    m.run({ maxEvents: 1000 });
    expect([done, device.card.transmitHeld, backend.sent.length]).toEqual([false, true, 0]);
    m.host.actor(HOST_DEVICE).after(1000, () => backend.openLink());
    m.run({ maxEvents: 1000 });
    expect([done, device.card.transmitHeld, backend.sent.length]).toEqual([true, false, 1]);
  });
});

describe('NE2000 driver: receive', () => {
  it('takes 40 back-to-back 1,514-byte frames through a 52-page ring in order, none lost (backpressure)', () => {
    const s = referenceStack({ mode: 'source', frameBytes: 1514, count: 40 });
    const seqs: number[] = [];
    s.driver.onReceive((addr, len) => {
      expect(len).toBe(1514);
      // The source peer numbers its frames big-endian right after the header.
      seqs.push(s.m.guest.mem.u8(addr + 17) | (s.m.guest.mem.u8(addr + 16) << 8));
    });
    s.m.run({ until: () => seqs.length === 40, maxEvents: 100_000 });
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(s.backend.stats.dropped).toBe(0);
    expect(s.device.card.stats.rxDroppedFull).toBe(0);
    // The ring held at most 8 maximum frames at a time, so the backend had to wait.
    expect(s.driver.stats.interrupts).toBeLessThan(40);
  });

  it('counts frames that arrive before a handler is installed and still frees the ring', () => {
    const { m, backend, driver, device } = scriptedStack();
    m.host.actor(HOST_DEVICE).after(0, () => backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 100)));
    m.run({ maxEvents: 1000 });
    expect(driver.stats.rxUnclaimed).toBe(1);
    expect(device.card.bnry).toBe((device.card.curr - 1) & 0xff);
  });

  it('a send from the receive handler starts after the interrupt returns', () => {
    const { m, backend, driver } = scriptedStack();
    const reply = m.guest.alloc.alloc(128, 64);
    m.guest.mem.store(reply, makeFrame(OTHER_MAC, CARD_MAC, 80));
    let sent = false;
    driver.onReceive(() =>
      driver.send(reply, 80, () => {
        sent = true;
      }),
    );
    m.host.actor(HOST_DEVICE).after(0, () => backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 64)));
    m.run({ maxEvents: 1000 });
    expect([sent, driver.stats.deferredSends, backend.sent.length, driver.stats.interrupts]).toEqual([true, 1, 1, 2]);
  });

  it('an inconsistent ring header resynchronises to CURR and later frames arrive intact', () => {
    const { m, backend, driver, device } = scriptedStack();
    const got: number[] = [];
    driver.onReceive((_addr, len) => got.push(len));
    const card = device.card;
    // A header whose next-page pointer disagrees with its length, as a glitching card might write.
    card.memory.bytes.set([0x01, 0x70, 100, 0], 0x4d00);
    card.curr = 0x4e;
    card.isr |= 0x01;
    card.updateIrq();
    m.run({ maxEvents: 1000 });
    expect([driver.stats.rxErrors, card.bnry, got.length]).toEqual([1, 0x4d, 0]);
    m.host.actor(HOST_DEVICE).after(0, () => backend.offer(makeFrame(CARD_MAC, OTHER_MAC, 300)));
    m.run({ maxEvents: 1000 });
    expect(got).toEqual([300]);
  });

  it('brings up against the reference backend’s MAC and rejects a port with no card', () => {
    const m = stackMachine();
    const backend = createNetBackend(
      { peer: { mode: 'sink' }, guestMac: '02:00:00:00:00:07' },
      m.host.actor(HOST_DEVICE),
      m.host.meter,
      m.host.rng,
    );
    expect(Array.from(bringUp(m, backend).driver.info.mac)).toEqual([2, 0, 0, 0, 0, 7]);
    // No device mapped: CR reads all-ones and bring-up fails through `fail`, not an exception.
    const empty = stackMachine();
    let error: Error | undefined;
    ne2000Binding.createGuest(
      empty.guest,
      ne2000Config(),
      () => {},
      (e) => {
        error = e;
      },
    );
    empty.run({ maxEvents: 100 });
    expect(error).toBeInstanceOf(Ne2000ProbeError);
    expect(error?.message).toMatch(/0x300.*0xFF/);
  });
});
