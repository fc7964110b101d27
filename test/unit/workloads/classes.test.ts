/**
 * Net, console and entropy workloads over the `hcall` test transport: they run to the end,
 * report what they moved, honour the queue depth a port declares (and report more as
 * unsupported), and fail loudly when the backend loses or corrupts data.
 */
import { describe, expect, it } from 'vitest';
import type { CellSpec } from '../../../harness/runner/cell.js';
import { type RunOptions, runCell } from '../../../harness/runner/run-cell.js';
import type { ConsoleBackend, FrameReceiver, NetBackend } from '../../../models/platform/backend-api.js';
import type { DeviceClass } from '../../../models/platform/ports.js';
import { HCALL_ENTROPY_DEPTH, hypercallModel } from './hypercall-model.js';

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
      canTransmit: () => inner.canTransmit(),
      setTransmitReady: (ready) => inner.setTransmitReady(ready),
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

  it('reports iodepth beyond the port transmit queue as unsupported', () => {
    const run = runCell(cell('net', 'rr', { ops: 10 }, 65), base);
    expect(run.status).toBe('unsupported');
    expect(run.reason).toBe("iodepth 65 exceeds the port's maximum of 64 frames queued");
  });

  it('an open-loop rate paces the transactions; latency is counted from each arrival', () => {
    const run = runCell(cell('net', 'rr', { ops: 2000, rate: 50_000 }, 4), base);
    const m = run.metrics;
    if (m === undefined) throw new Error(run.reason);
    expect(m.ops).toBe(2000);
    expect(m.iops).toBeGreaterThan(45_000);
    expect(m.iops).toBeLessThan(55_000);
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
        canTransmit: () => inner.canTransmit(),
        setTransmitReady: (ready) => inner.setTransmitReady(ready),
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
  it('writes ops chunks of bs bytes and finds them, in order, in the backend output', () => {
    const run = runCell(cell('console', 'bulk', { ops: 34, bs: 300 }), base);
    expect(run.reason).toBeUndefined();
    expect(run.metrics?.ops).toBe(34);
    expect(run.metrics?.bytes).toBe(10_200);
    expect(run.metrics?.workload.verifiedBytes).toBe(10_200);
  });

  it('fails on a flipped byte, naming its position', () => {
    const run = runCell(cell('console', 'bulk', { ops: 20, bs: 250 }), {
      ...base,
      wrapBackend: mangleConsole(1234, 'flip'),
    });
    expect(run.status).toBe('error');
    expect(run.reason).toMatch(/^VerificationError: console output byte 1234: expected 0x[0-9a-f]{2} got 0x/);
  });

  it('fails on a lost byte', () => {
    const run = runCell(cell('console', 'bulk', { ops: 20, bs: 250 }), {
      ...base,
      wrapBackend: mangleConsole(77, 'drop'),
    });
    expect(run.status).toBe('error');
    expect(run.reason).toBe('VerificationError: console backend received 4999 of 5000 bytes written');
  });

  it('reports iodepth > 1 as unsupported on a port that declares no queue (one write at a time)', () => {
    const run = runCell(cell('console', 'bulk', { ops: 10 }, 2), base);
    expect(run.status).toBe('unsupported');
    expect(run.reason).toBe('console ports carry one operation at a time: iodepth must be 1, got 2');
  });
});

describe('console echo (round-trip latency through the echoing backend)', () => {
  it('completes each message when its last byte comes back, checking every echoed byte', () => {
    const run = runCell(cell('console', 'echo', { ops: 300, bs: 8 }), base);
    expect(run.reason).toBeUndefined();
    const m = run.metrics;
    expect(m?.ops).toBe(300);
    expect(m?.lat_ns.count).toBe(300);
    expect(m?.workload.echoedBytes).toBe(2400);
    expect(run.backend).toMatchObject({ echo: 'on' });
    // One write hypercall and one re-arm hypercall per message (the last re-arm is after the end).
    expect(m?.counters.hypercalls).toBe(599);
    // A round trip costs more than the one-way write of bulk.
    const bulk = runCell(cell('console', 'bulk', { ops: 300, bs: 8 }), base).metrics;
    expect(m?.lat_ns.p50).toBeGreaterThan(bulk?.lat_ns.p50 ?? Number.POSITIVE_INFINITY);
  });

  it('fails when an echoed byte comes back altered', () => {
    const flipInput: RunOptions['wrapBackend'] = (cls, backend) => {
      if (cls !== 'console') return backend;
      const inner = backend as ConsoleBackend;
      let seen = 0;
      const wrapped: ConsoleBackend = {
        write: (b, o, l) => inner.write(b, o, l),
        rxReady: () => inner.rxReady(),
        setReceiver: (rx) =>
          inner.setReceiver({
            room: () => rx.room(),
            receive(bytes, offset, length) {
              const copy = bytes.slice(offset, offset + length);
              for (let i = 0; i < length; i++) if (seen++ === 100) copy[i] = (copy[i] as number) ^ 0x20;
              rx.receive(copy, 0, length);
            },
          }),
      };
      return wrapped as typeof backend;
    };
    const run = runCell(cell('console', 'echo', { ops: 50, bs: 4 }), { ...base, wrapBackend: flipInput });
    expect(run.status).toBe('error');
    expect(run.reason).toMatch(/^VerificationError: echo byte 100: expected 0x[0-9a-f]{2} got 0x[0-9a-f]{2}$/);
  });
});

describe('net pps (minimum-size frames)', () => {
  it('sends 60-byte frames by default and counts packets per second as iops', () => {
    const run = runCell(cell('net', 'pps', { ops: 500 }, 8), base);
    expect(run.reason).toBeUndefined();
    expect(run.params.bs).toBe(60);
    expect(run.metrics?.bytes).toBe(500 * 60);
    expect(run.metrics?.workload.framesAtPeer).toBe(500);
  });
});

describe('entropy small and queue depth', () => {
  it('small reads 32 bytes at a time', () => {
    const run = runCell(cell('entropy', 'small', { ops: 100 }), base);
    expect(run.metrics?.bytes).toBe(3200);
    expect(run.metrics?.workload.readBytes).toBe(32);
  });

  it('drain defaults to 4 KiB reads', () => {
    const run = runCell(cell('entropy', 'drain', { ops: 10 }), base);
    expect(run.metrics?.bytes).toBe(40_960);
  });

  it('keeps iodepth reads in flight on a port that declares a queue, and refuses more', () => {
    const run = runCell(cell('entropy', 'small', { ops: 200 }, HCALL_ENTROPY_DEPTH), base);
    expect(run.reason).toBeUndefined();
    expect(run.metrics?.bytes).toBe(6400);
    const over = runCell(cell('entropy', 'small', { ops: 10 }, HCALL_ENTROPY_DEPTH + 1), base);
    expect(over).toMatchObject({
      status: 'unsupported',
      reason: `iodepth ${HCALL_ENTROPY_DEPTH + 1} exceeds the port's maximum of ${HCALL_ENTROPY_DEPTH} entropy operations in flight`,
    });
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
