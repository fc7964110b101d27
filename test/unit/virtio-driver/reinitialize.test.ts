/**
 * D19 (specs/virtio.md §9; virtio 1.2 §2.1.1): every driver recovers from DEVICE_NEEDS_RESET through
 * `VirtioPciTransport.reinitialize`, which reuses the BARs, MSI-X messages and ring memory of the first
 * initialisation. Hundreds of recoveries in a row must take no guest memory and no interrupt vector,
 * and leave a device that still does I/O after each one.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SimMachine } from '../../../harness/engine/sim/machine.js';
import type { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { makeBlkStack, patternBuffer, request } from '../virtio-blk/blk-stack.js';
import { ascii, makeConsoleStack } from '../virtio-console/console-stack.js';
import { frameTo, makeNetStack, PEER_MAC } from '../virtio-net/net-stack.js';
import { makeRngStack } from '../virtio-rng/rng-stack.js';

const RECOVERIES = 500;
const STATUS_RUNNING = 0x0f; // ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK

/** A class under test: its machine, device, driver recovery count, and one I/O that reports success. */
interface Subject {
  readonly m: SimMachine;
  readonly dev: VirtioPciDevice;
  recoveries(): number;
  /** Start one I/O on buffers allocated up front; `done(ok)` when it completes. */
  io(done: (ok: boolean) => void): void;
}

function blk(options: Record<string, string>): Subject {
  const s = makeBlkStack({ options });
  const w = patternBuffer(s, 8, 1);
  const req = request('write', 0, 8, w.addr);
  return {
    m: s.m,
    dev: s.dev,
    recoveries: () => s.driver.session.recoveries,
    io: (done) => s.driver.submit(req, (r) => done(r.status === 'ok')),
  };
}

function rng(): Subject {
  const s = makeRngStack();
  const buf = s.m.guest.alloc.alloc(16, 16);
  return {
    m: s.m,
    dev: s.dev,
    recoveries: () => s.driver.session.recoveries,
    io: (done) => s.driver.read(buf, 16, (n) => done(n >= 1)),
  };
}

function net(): Subject {
  const s = makeNetStack();
  const frame = frameTo(PEER_MAC, s.driver.info.mac, 100, 7);
  const buf = s.m.guest.alloc.alloc(frame.length, 64);
  s.m.guest.mem.store(buf, frame);
  return {
    m: s.m,
    dev: s.dev,
    recoveries: () => s.driver.session.recoveries,
    // The echo peer answers: the frame went out and a received one came back through the fresh rx ring.
    io: (done) => {
      const before = s.received.length;
      s.driver.send(buf, frame.length, () => {});
      const wait = (): void => {
        if (s.received.length > before) done(s.received[before]?.length === frame.length);
        else s.m.guest.sched.after(1000, wait);
      };
      wait();
    },
  };
}

function consoleSubject(): Subject {
  const s = makeConsoleStack();
  const text = ascii('x');
  const buf = s.put(text);
  return {
    m: s.m,
    dev: s.dev,
    recoveries: () => s.driver.session.recoveries,
    io: (done) => {
      const before = s.backend.output().length;
      s.driver.write(buf, text.length, () => done(s.backend.output().length === before + 1));
    },
  };
}

const subjects: [string, () => Subject][] = [
  ['virtio-blk, MSI-X', () => blk({})],
  ['virtio-blk, INTx', () => blk({ irq: 'intx' })],
  ['virtio-rng', rng],
  ['virtio-net', net],
  ['virtio-console', consoleSubject],
];

describe('D19 §2.1.1: recovery re-initialises in place', () => {
  for (const [name, make] of subjects) {
    it(`${name}: ${RECOVERIES} NEEDS_RESET recoveries take no guest memory and no vector; I/O works after each`, () => {
      const s = make();
      const allocMsi = vi.spyOn(s.m.guest.irq, 'allocMsi');
      const freeBytes = s.m.guest.alloc.freeBytes();
      for (let i = 1; i <= RECOVERIES; i++) {
        s.dev.fail('test: injected device error'); // NEEDS_RESET + config interrupt, as on a ring fault
        s.m.run({ until: () => s.recoveries() === i, maxEvents: 100_000 });
        expect(s.recoveries()).toBe(i);
        expect(s.dev.deviceStatus).toBe(STATUS_RUNNING);
        let ok: boolean | undefined;
        s.io((result) => {
          ok = result;
        });
        s.m.run({ until: () => ok !== undefined, maxEvents: 100_000 });
        expect(ok).toBe(true);
      }
      expect(s.m.guest.alloc.freeBytes()).toBe(freeBytes);
      expect(allocMsi).not.toHaveBeenCalled();
    });
  }
});
