/**
 * Block workloads driven through the runner on the loopback test model: the closed loop,
 * the read/write mix, flushes, duration and open-loop runs, data verification (a faulty
 * backend must be caught), and the port-limit checks (reported as unsupported).
 */
import { describe, expect, it } from 'vitest';
import type { CellSpec } from '../../../harness/runner/cell.js';
import { type RunOptions, runCell } from '../../../harness/runner/run-cell.js';
import type { BackendBlockRequest, BlockBackend } from '../../../models/platform/backend-api.js';
import type { BlockOp, BlockPort, BlockRequest } from '../../../models/platform/ports.js';
import { loopbackModel } from '../../support/loopback-model.js';

function cell(over: Partial<CellSpec> & { slots?: number }): CellSpec {
  const { slots, ...rest } = over;
  return {
    model: 'loopback',
    device: 'block',
    workload: 'randread',
    params: { ops: 300, size: 1 << 20 },
    knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' },
    modelOptions: { slots: String(slots ?? 8) },
    seed: 1,
    profile: 'modern-2020s',
    engine: 'sim',
    ...rest,
  };
}

const base: RunOptions = { models: [loopbackModel] };

/** A port wrapper that counts requests in flight after every submit. */
function instrument() {
  let inflight = 0;
  const afterSubmit: number[] = [];
  const ops: string[] = [];
  const wrapPort: RunOptions['wrapPort'] = (cls, port) => {
    if (cls !== 'block') return port;
    const inner = port as BlockPort;
    const wrapped: BlockPort = {
      info: inner.info,
      submit(req: BlockRequest, done: (req: BlockRequest) => void): void {
        inflight++;
        afterSubmit.push(inflight);
        ops.push(req.op);
        inner.submit(req, (r) => {
          inflight--;
          done(r);
        });
      },
    };
    return wrapped as typeof port;
  };
  return { wrapPort, afterSubmit, ops, inflight: () => inflight };
}

describe('block closed loop', () => {
  for (const [workload, params, phases] of [
    ['randread', {}, 1],
    ['read', {}, 1],
    ['randread', { prefill: 1 }, 2],
    ['randwrite', {}, 2],
    ['write', {}, 2],
    ['randrw', {}, 2],
  ] as const) {
    it(`${workload} ${JSON.stringify(params)} keeps exactly iodepth requests in flight except while a phase ramps up`, () => {
      const iodepth = 5;
      const probe = instrument();
      const spec = cell({
        workload,
        params: { ops: 300, size: 1 << 20, ...params },
        knobs: { coalesce: { kind: 'none' }, iodepth, copy: 'zerocopy' },
      });
      const run = runCell(spec, { ...base, wrapPort: probe.wrapPort });
      expect(run.reason).toBeUndefined();
      expect(run.status).toBe('ok');
      expect(Math.max(...probe.afterSubmit)).toBe(iodepth);
      // Each phase through the port (prefill, measure, read-back) ramps 1, 2, …, iodepth-1 once;
      // the default prefill writes the store directly and takes no port requests.
      const belowDepth = probe.afterSubmit.filter((n) => n < iodepth);
      expect(belowDepth).toEqual(Array.from({ length: phases }, () => [1, 2, 3, 4]).flat());
      expect(probe.inflight()).toBe(0);
      expect(run.metrics?.ops).toBe(300);
      expect(run.metrics?.lat_ns.count).toBe(300);
    });
  }

  it('counts only the measured phase: loopback costs exactly 9 exits and 1 interrupt per request at iodepth 1', () => {
    const run = runCell(cell({ slots: 1 }), base);
    const m = run.metrics;
    if (m === undefined) throw new Error(run.reason);
    // 6 register writes + GO, then DONE and STATUS reads in the ISR; the prefill's requests are not counted.
    expect(m.counters.exitsUser).toBe(9 * 300);
    expect(m.perOp.exits).toBe(9);
    expect(m.counters.interrupts).toBe(300);
    expect(m.counters.bytesZeroCopy).toBe(300 * 4096);
    expect(m.bytes).toBe(300 * 4096);
    // Throughput is ops over the measured virtual time, not a mean of per-op rates.
    expect(m.iops).toBeCloseTo(300 / (m.virtualNs / 1e9), 6);
    expect(m.bw_bytes).toBeCloseTo(m.iops * 4096, 3);
    expect(m.workload.verifiedReads).toBe(300);
  });

  it('is deterministic: the same seed gives the same metrics (wall-clock speed aside)', () => {
    const strip = (r: ReturnType<typeof runCell>) => ({ ...r, metrics: { ...r.metrics, simOpsPerWallSec: 0 } });
    const spec = cell({ workload: 'randwrite', knobs: { coalesce: { kind: 'none' }, iodepth: 3, copy: 'zerocopy' } });
    expect(strip(runCell(spec, base))).toEqual(strip(runCell(spec, base)));
  });

  it('draws the same seeded offsets whatever the queue depth (reads never skip a busy block)', () => {
    const readSectors = (iodepth: number): number[] => {
      const seen: number[] = [];
      const wrapPort: RunOptions['wrapPort'] = (_cls, port) => {
        const inner = port as BlockPort;
        return {
          info: inner.info,
          submit: (req: BlockRequest, done: (r: BlockRequest) => void) => {
            if (req.op === 'read') seen.push(req.sector);
            inner.submit(req, done);
          },
        } as typeof port;
      };
      const spec = cell({ knobs: { coalesce: { kind: 'none' }, iodepth, copy: 'zerocopy' } });
      expect(runCell(spec, { ...base, wrapPort }).status).toBe('ok');
      return seen;
    };
    const one = readSectors(1);
    expect(one).toHaveLength(300);
    // 300 uniform draws over 256 blocks: many distinct blocks, every one aligned to bs.
    expect(new Set(one).size).toBeGreaterThan(150);
    expect(one.every((s) => s % 8 === 0 && s < 2048)).toBe(true);
    expect(readSectors(6)).toEqual(one);
    const otherSeed: number[] = [];
    const wrapPort: RunOptions['wrapPort'] = (_cls, port) => {
      const inner = port as BlockPort;
      return {
        info: inner.info,
        submit: (req: BlockRequest, done: (r: BlockRequest) => void) => {
          if (req.op === 'read') otherSeed.push(req.sector);
          inner.submit(req, done);
        },
      } as typeof port;
    };
    runCell(cell({ seed: 2 }), { ...base, wrapPort });
    expect(otherSeed).not.toEqual(one);
  });
});

/** Wrap a block backend so that one chosen request's data is corrupted. */
function corrupting(target: 'read' | 'write', nth: number, byte: number) {
  const hit: { sector: number; count: number } = { sector: -1, count: 0 };
  const wrapBackend: RunOptions['wrapBackend'] = (cls, backend) => {
    if (cls !== 'block') return backend;
    const inner = backend as BlockBackend;
    const wrapped: BlockBackend = {
      capacitySectors: inner.capacitySectors,
      readOnly: inner.readOnly,
      serial: inner.serial,
      submit(req: BackendBlockRequest, done: (r: BackendBlockRequest) => void): void {
        const flip = req.op === target && req.sectors === 8 && hit.count++ === nth;
        const seg = req.iov[0];
        if (flip && target === 'write' && seg !== undefined) {
          // Corrupt what reaches the store, then restore the guest's buffer.
          seg.bytes[seg.offset + byte] = (seg.bytes[seg.offset + byte] as number) ^ 0x5a;
          hit.sector = req.sector;
          inner.submit(req, (r) => {
            done(r);
          });
          return;
        }
        inner.submit(req, (r) => {
          if (flip && seg !== undefined) {
            seg.bytes[seg.offset + byte] = (seg.bytes[seg.offset + byte] as number) ^ 0x5a;
            hit.sector = r.sector;
          }
          done(r);
        });
      },
    };
    return wrapped as typeof backend;
  };
  return { wrapBackend, hit };
}

describe('block data verification', () => {
  it('randread fails loudly when the backend returns one flipped byte, naming sector, expected and actual', () => {
    const fault = corrupting('read', 17, 1000);
    const run = runCell(cell({}), { ...base, wrapBackend: fault.wrapBackend });
    expect(run.status).toBe('error');
    expect(run.metrics).toBeUndefined();
    // Byte 1000 of the block is byte 488 of its second sector.
    expect(run.reason).toContain(`sector ${fault.hit.sector + 1} byte 488`);
    expect(run.reason).toMatch(/expected 0x[0-9a-f]{2} got 0x[0-9a-f]{2}/);
    expect(run.reason).toContain('measure phase');
  });

  it('randwrite catches a byte corrupted on its way to the store in the read-back pass', () => {
    // The last measured write: no later write to the block can paper over the corruption.
    const fault = corrupting('write', 299, 3);
    const run = runCell(cell({ workload: 'randwrite' }), { ...base, wrapBackend: fault.wrapBackend });
    expect(run.status).toBe('error');
    expect(run.reason).toContain(`sector ${fault.hit.sector} byte 3`);
    expect(run.reason).toContain('readback phase');
  });

  it('passes with the same backend when nothing is corrupted (the fault hook itself is inert)', () => {
    const fault = corrupting('read', 1_000_000, 0);
    expect(runCell(cell({}), { ...base, wrapBackend: fault.wrapBackend }).status).toBe('ok');
  });
});

describe('block configuration checks', () => {
  it('reports iodepth beyond the port maximum in flight as unsupported', () => {
    const wrapPort: RunOptions['wrapPort'] = (_cls, port) => {
      const inner = port as BlockPort;
      return {
        info: { ...inner.info, maxInflight: 2 },
        submit: (r: BlockRequest, d: (r: BlockRequest) => void) => inner.submit(r, d),
      } as typeof port;
    };
    const run = runCell(cell({ knobs: { coalesce: { kind: 'none' }, iodepth: 4, copy: 'zerocopy' } }), {
      ...base,
      wrapPort,
    });
    expect(run.status).toBe('unsupported');
    expect(run.reason).toBe("iodepth 4 exceeds the port's maximum of 2 requests in flight");
  });

  it('reports bs beyond the port request limit as unsupported; a too-small working set is an error', () => {
    const big = runCell(cell({ params: { ops: 10, bs: 256 * 1024 } }), base);
    expect(big.status).toBe('unsupported');
    expect(big.reason).toBe("bs 262144 exceeds the port's maximum request of 256 sectors");
    const small = runCell(
      cell({
        workload: 'randwrite',
        params: { ops: 10, size: 8192 },
        knobs: { coalesce: { kind: 'none' }, iodepth: 4, copy: 'zerocopy' },
      }),
      base,
    );
    expect(small.status).toBe('error');
    expect(small.reason).toBe('size 8192 holds 2 blocks of 4096: fewer than iodepth 4');
  });

  it('reports flush on a port without flush as unsupported', () => {
    const wrapPort: RunOptions['wrapPort'] = (_cls, port) => {
      const inner = port as BlockPort;
      const withoutFlush: BlockPort = {
        info: { ...inner.info, supports: new Set<BlockOp>(['read', 'write']) },
        submit: (r, d) => inner.submit(r, d),
      };
      return withoutFlush as typeof port;
    };
    const run = runCell(cell({ workload: 'randwrite', params: { ops: 10, size: 1 << 20, flush: 4 } }), {
      ...base,
      wrapPort,
    });
    expect(run).toMatchObject({ status: 'unsupported', reason: 'flush requested but the port has no flush' });
  });
});

describe('block read/write mix, flushes and duration (fio rwmixread, fsync, runtime)', () => {
  it('randrw issues rwmixread % reads, each checked against the last write to its block', () => {
    const probe = instrument();
    const spec = cell({
      workload: 'randrw',
      params: { ops: 4000, size: 1 << 20, rwmixread: 70 },
      knobs: { coalesce: { kind: 'none' }, iodepth: 4, copy: 'zerocopy' },
    });
    const run = runCell(spec, { ...base, wrapPort: probe.wrapPort });
    expect(run.reason).toBeUndefined();
    const w = run.metrics?.workload ?? {};
    expect((w.reads ?? 0) + (w.writes ?? 0)).toBe(4000);
    expect((w.reads ?? 0) / 4000).toBeGreaterThan(0.67);
    expect((w.reads ?? 0) / 4000).toBeLessThan(0.73);
    // Direct prefill: every port write is a measured write; port reads are the measured ones
    // plus the read-back of each written block (256 blocks, nearly all written).
    expect(probe.ops.filter((o) => o === 'write')).toHaveLength(w.writes ?? -1);
    const readback = probe.ops.filter((o) => o === 'read').length - (w.reads ?? 0);
    expect(readback).toBeGreaterThan(200);
    expect(readback).toBeLessThanOrEqual(256);
    expect(w.verifiedReads).toBe((w.reads ?? 0) + readback);
  });

  it('rwmixread 0 and 100 give all writes and all reads', () => {
    const mix = (rwmixread: number) =>
      runCell(cell({ workload: 'randrw', params: { ops: 200, size: 1 << 20, rwmixread } }), base).metrics?.workload;
    expect(mix(0)).toMatchObject({ reads: 0, writes: 200 });
    expect(mix(100)).toMatchObject({ reads: 200, writes: 0 });
  });

  it('flush=N issues a flush after every N completed writes, outside the measured op count', () => {
    const probe = instrument();
    const run = runCell(cell({ workload: 'randwrite', params: { ops: 1000, size: 1 << 20, flush: 64 } }), {
      ...base,
      wrapPort: probe.wrapPort,
    });
    expect(run.reason).toBeUndefined();
    expect(run.metrics?.workload.flushes).toBe(15);
    expect(run.metrics?.ops).toBe(1000);
    expect(run.metrics?.lat_ns.count).toBe(1000);
    const measured = probe.ops.slice(0, 1000 + 15);
    expect(measured.filter((o) => o === 'flush')).toHaveLength(15);
    // At iodepth 1 the flush follows exactly every 64th write.
    expect(measured).toEqual(measured.map((_, i) => ((i + 1) % 65 === 0 ? 'flush' : 'write')));
  });

  it('duration bounds the measured phase by virtual time instead of ops', () => {
    const run = runCell(cell({ params: { ops: 1, duration: 2_000_000, size: 1 << 20 } }), base);
    const m = run.metrics;
    if (m === undefined) throw new Error(run.reason);
    expect(m.ops).toBeGreaterThan(10);
    expect(m.lat_ns.count).toBe(m.ops);
    // The last op starts before the 2 ms deadline, so the phase ends within one op of it.
    expect(m.virtualNs).toBeGreaterThanOrEqual(2_000_000);
    expect(m.virtualNs).toBeLessThan(2_000_000 + 2 * m.lat_ns.max);
  });

  it('an open-loop rate well under capacity is what the run delivers, with latency from the intended start', () => {
    const closed = runCell(cell({ params: { ops: 2000, size: 1 << 20 } }), base).metrics;
    const open = runCell(cell({ params: { ops: 2000, size: 1 << 20, rate: 20_000 } }), base).metrics;
    if (closed === undefined || open === undefined) throw new Error('run failed');
    expect(closed.iops).toBeGreaterThan(35_000);
    expect(open.iops).toBeGreaterThan(18_000);
    expect(open.iops).toBeLessThan(22_000);
    // Mostly idle device: typical latency is the service path, as in the closed loop…
    expect(open.lat_ns.p50).toBeLessThan(1.5 * closed.lat_ns.p50);
    // …but Poisson bursts queue behind the one slot, and that waiting is counted.
    expect(open.lat_ns.p999).toBeGreaterThan(closed.lat_ns.p999);
  });
});
