/**
 * Net, console and entropy workloads over the `hcall` test transport: they run to the end,
 * report what they moved, and fail loudly when the backend loses or corrupts data.
 */
import { describe, expect, it } from 'vitest';
import type { CellSpec } from '../../../harness/runner/cell.js';
import { type RunOptions, runCell } from '../../../harness/runner/run-cell.js';
import type { ConsoleBackend, FrameReceiver, NetBackend } from '../../../models/platform/backend-api.js';
import type { DeviceClass } from '../../../models/platform/ports.js';
import { hypercallModel } from './hypercall-model.js';

const base: RunOptions = { models: [hypercallModel] };

function cell(device: DeviceClass, workload: string, params: Record<string, number>, iodepth = 1, seed = 1): CellSpec {
  return {
    model: 'hcall',
    device,
    workload,
    params,
    knobs: { coalesce: { kind: 'none' }, iodepth, copy: 'zerocopy' },
    modelOptions: {},
    seed,
    profile: 'modern-2020s',
    engine: 'sim',
  };
}

/** A net backend whose `n`-th frame toward the guest has one payload byte flipped. */
function corruptNthRx(n: number, payloadByte: number): RunOptions['wrapBackend'] {
  return (cls, backend) => {
    if (cls !== 'net') return backend;
    const inner = backend as NetBackend;
    let seen = 0;
    const wrapped: NetBackend = {
      guestMac: inner.guestMac,
      mtu: inner.mtu,
      transmit: (b, o, l) => inner.transmit(b, o, l),
      rxReady: () => inner.rxReady(),
      setReceiver(rx: FrameReceiver) {
        inner.setReceiver({
          canReceive: () => rx.canReceive(),
          receive(bytes, offset, length) {
            if (seen++ === n) {
              const copy = bytes.slice(offset, offset + length);
              copy[14 + payloadByte] = (copy[14 + payloadByte] as number) ^ 0xff;
              rx.receive(copy, 0, length);
              return;
            }
            rx.receive(bytes, offset, length);
          },
        });
      },
    };
    return wrapped as typeof backend;
  };
}

describe('net rr (netperf TCP_RR style)', () => {
  it('completes every transaction with iodepth outstanding and verifies every echo', () => {
    const run = runCell(cell('net', 'rr', { ops: 400, request: 100, response: 300 }, 4), base);
    expect(run.reason).toBeUndefined();
    const m = run.metrics;
    expect(m?.ops).toBe(400);
    expect(m?.bytes).toBe(400 * (100 + 300));
    expect(m?.lat_ns.count).toBe(400);
    expect(m?.workload).toMatchObject({ requestBytes: 100, responseBytes: 300 });
    // One transmit and one rx re-arm hypercall per transaction; the last re-arm follows the
    // final response, after the measured phase has closed, so it is not counted.
    expect(m?.counters.hypercalls).toBe(799);
    expect(run.backend).toMatchObject({ peer: 'echo', responseBytes: 300 });
  });

  it('fails on an echo with one corrupted byte, naming the transaction and byte', () => {
    const run = runCell(cell('net', 'rr', { ops: 50, request: 64 }, 2), { ...base, wrapBackend: corruptNthRx(10, 20) });
    expect(run.status).toBe('error');
    expect(run.reason).toMatch(
      /^VerificationError: response to transaction 10: payload byte 20: expected 0x[0-9a-f]{2} got 0x/,
    );
  });

  it('fails when the response carries the wrong sequence number', () => {
    const run = runCell(cell('net', 'rr', { ops: 50, request: 64 }), { ...base, wrapBackend: corruptNthRx(3, 0) });
    expect(run.status).toBe('error');
    expect(run.reason).toMatch(/^VerificationError: unexpected response: sequence \d+ on slot 0$/);
  });

  it('fails clearly when iodepth exceeds the port transmit queue', () => {
    const run = runCell(cell('net', 'rr', { ops: 10 }, 65), base);
    expect(run.reason).toBe("iodepth 65 exceeds the port's maximum of 64 frames queued");
  });
});

describe('net stream', () => {
  it('sends every frame and waits until the peer has counted them all', () => {
    const run = runCell(cell('net', 'stream', { ops: 300, bs: 1000 }, 8), base);
    expect(run.reason).toBeUndefined();
    expect(run.metrics?.workload.framesAtPeer).toBe(300);
    expect(run.metrics?.bytes).toBe(300_000);
    expect(run.backend).toMatchObject({ peer: 'sink' });
  });

  it('fails when frames never reach the peer', () => {
    const dropEvery10th: RunOptions['wrapBackend'] = (cls, backend) => {
      if (cls !== 'net') return backend;
      const inner = backend as NetBackend;
      let n = 0;
      const wrapped: NetBackend = {
        guestMac: inner.guestMac,
        mtu: inner.mtu,
        setReceiver: (rx) => inner.setReceiver(rx),
        rxReady: () => inner.rxReady(),
        transmit: (b, o, l) => {
          if (n++ % 10 !== 9) inner.transmit(b, o, l);
        },
      };
      return wrapped as typeof backend;
    };
    const run = runCell(cell('net', 'stream', { ops: 100, bs: 200 }), { ...base, wrapBackend: dropEvery10th });
    expect(run.status).toBe('error');
    expect(run.reason).toBe(
      'peer received 90 of 100 frames from 52:54:00:12:34:56 10 ms after the last transmit completed',
    );
  });

  it('rejects frames larger than the MTU', () => {
    expect(runCell(cell('net', 'stream', { ops: 1, bs: 1515 }), base).reason).toBe(
      "bs 1515 exceeds the port's MTU 1500 + 14-byte header",
    );
  });
});

/** A console backend that mangles its input: drops or alters byte `at` of the stream. */
function mangleConsole(at: number, how: 'drop' | 'flip'): RunOptions['wrapBackend'] {
  return (cls, backend) => {
    if (cls !== 'console') return backend;
    const inner = backend as ConsoleBackend;
    let total = 0;
    // The runner's probe reads the reference backend itself, i.e. what reached `inner`.
    const wrapped: ConsoleBackend = {
      setReceiver: (rx) => inner.setReceiver(rx),
      rxReady: () => inner.rxReady(),
      write(bytes: Uint8Array, offset: number, length: number) {
        const copy = bytes.slice(offset, offset + length);
        const i = at - total;
        total += length;
        if (i >= 0 && i < length) {
          if (how === 'flip') copy[i] = (copy[i] as number) ^ 1;
          else {
            inner.write(copy, 0, i);
            inner.write(copy, i + 1, length - i - 1);
            return;
          }
        }
        inner.write(copy, 0, length);
      },
    };
    return wrapped as typeof backend;
  };
}

describe('console bulk', () => {
  it('writes size bytes in bs chunks and finds them, in order, in the backend output', () => {
    const run = runCell(cell('console', 'bulk', { size: 10_000, bs: 300 }), base);
    expect(run.reason).toBeUndefined();
    expect(run.metrics?.ops).toBe(34); // ⌈10000 / 300⌉ writes
    expect(run.metrics?.bytes).toBe(10_000);
    expect(run.metrics?.workload.verifiedBytes).toBe(10_000);
  });

  it('fails on a flipped byte, naming its position', () => {
    const run = runCell(cell('console', 'bulk', { size: 5000, bs: 256 }), {
      ...base,
      wrapBackend: mangleConsole(1234, 'flip'),
    });
    expect(run.status).toBe('error');
    expect(run.reason).toMatch(/^VerificationError: console output byte 1234: expected 0x[0-9a-f]{2} got 0x/);
  });

  it('fails on a lost byte', () => {
    const run = runCell(cell('console', 'bulk', { size: 5000, bs: 256 }), {
      ...base,
      wrapBackend: mangleConsole(77, 'drop'),
    });
    expect(run.status).toBe('error');
    expect(run.reason).toBe('VerificationError: console backend received 4999 of 5000 bytes written');
  });

  it('refuses iodepth > 1 (a console port carries one write at a time)', () => {
    expect(runCell(cell('console', 'bulk', { size: 10 }, 2), base).reason).toBe(
      'console ports carry one write at a time: iodepth must be 1, got 2',
    );
  });
});

describe('entropy drain', () => {
  it('counts the bytes returned and hashes them: same seed, same digest; other seed, other digest', () => {
    const a = runCell(cell('entropy', 'drain', { ops: 200, bs: 32 }), base);
    const b = runCell(cell('entropy', 'drain', { ops: 200, bs: 32 }), base);
    const c = runCell(cell('entropy', 'drain', { ops: 200, bs: 32 }, 1, 2), base);
    expect(a.reason).toBeUndefined();
    expect(a.metrics?.bytes).toBe(6400);
    expect(a.metrics?.workload).toMatchObject({ bytes: 6400, shortReads: 0 });
    expect(a.metrics?.workload.digest).toBe(b.metrics?.workload.digest);
    expect(a.metrics?.workload.digest).not.toBe(c.metrics?.workload.digest);
    expect(a.metrics?.bw_bytes).toBeCloseTo(6400 / ((a.metrics?.virtualNs ?? 1) / 1e9), 3);
  });
});
