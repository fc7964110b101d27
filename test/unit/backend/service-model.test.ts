import { describe, expect, it } from 'vitest';
import {
  createBlockBackend,
  createServiceModel,
  HDD_PROFILE,
  HDD_REVOLUTION_NS,
  hddSeekNs,
  NVME_PROFILE,
  RAM_PROFILE,
  SATA_SSD_PROFILE,
  type ServiceModelName,
} from '../../../models/backend/index.js';
import type { BlockOp } from '../../../models/platform/ports.js';
import { SECTOR_SIZE } from '../../../models/platform/ports.js';
import { Rng } from '../../../models/platform/rng.js';
import { Completions, env, request, segment } from './helpers.js';

const CAPACITY = 1 << 24; // 8 GiB

function device(service: ServiceModelName, opts: { jitter?: boolean; seed?: number } = {}) {
  const e = env(opts.seed ?? 1);
  const backend = createBlockBackend(
    { store: 'memory', capacitySectors: CAPACITY, service, jitter: opts.jitter ?? false },
    e.sched,
    e.meter,
    e.rng,
  );
  const completions = new Completions(e.sched);
  const submit = (op: BlockOp, sector: number, sectors: number): void => {
    const iov = op === 'read' || op === 'write' ? [segment(new Uint8Array(sectors * SECTOR_SIZE))] : [];
    backend.submit(request(op, sector, sectors, iov), completions.done);
  };
  return { ...e, backend, completions, submit };
}

describe('block service models', () => {
  it('gives a QD1 4 KiB read its channel time plus its link transfer (nvme)', () => {
    const { sched, completions, submit } = device('nvme');
    submit('read', 0, 8);
    sched.run();
    expect(completions.at(0).at).toBeCloseTo(NVME_PROFILE.opNs.read + 4096 / NVME_PROFILE.readBytesPerNs, 6);
  });

  it('services up to `channels` requests in parallel, then queues for the first free channel (nvme)', () => {
    const { sched, completions, submit } = device('nvme');
    const n = NVME_PROFILE.channels;
    for (let i = 0; i <= n; i++) submit('read', i * 1000, 8);
    sched.run();
    const transfer = 4096 / NVME_PROFILE.readBytesPerNs;
    const service = NVME_PROFILE.opNs.read;
    // The first `channels` requests overlap: only the shared transfer staggers them.
    for (let i = 0; i < n; i++) expect(completions.at(i).at).toBeCloseTo((i + 1) * transfer + service, 6);
    // One more waits for channel 0, which frees at transfer + service.
    expect(completions.at(n).at).toBeCloseTo(transfer + 2 * service, 6);
    expect(completions.at(n).at).toBeGreaterThan(completions.at(n - 1).at);
  });

  it('lets the shared link cap sata-ssd random reads near 100k IOPS at QD32', () => {
    const { sched, completions, submit } = device('sata-ssd');
    const total = 3200;
    let issued = 0;
    const rng = new Rng(3);
    const issue = (): void => {
      if (issued++ < total) submit('read', rng.below(CAPACITY / 8) * 8, 8);
    };
    for (let i = 0; i < 32; i++) issue();
    // Keep 32 in flight: each completion issues the next request.
    const log = completions.log;
    let seen = 0;
    while (sched.step()) {
      while (seen < log.length) {
        seen++;
        issue();
      }
    }
    expect(log).toHaveLength(total);
    const iops = total / (sched.now() / 1e9);
    const linkPerOp = SATA_SSD_PROFILE.commandNs + 4096 / SATA_SSD_PROFILE.readBytesPerNs;
    expect(iops).toBeLessThanOrEqual(1e9 / linkPerOp + 1);
    expect(iops).toBeGreaterThan(0.95 * (1e9 / linkPerOp));
    expect(iops).toBeGreaterThan(90_000);
    expect(iops).toBeLessThan(110_000);
  });

  it('runs one request at a time on an hdd, in submission order', () => {
    const { sched, completions, submit } = device('hdd');
    const sectors = [5_000_000, 100, 9_000_000, 2_000_000];
    for (const s of sectors) submit('read', s, 8);
    sched.run();
    expect(completions.log.map((c) => c.req.sector)).toEqual(sectors);
    // Each completion is one full service time after the previous one.
    let head = 0;
    let t = 0;
    const model = createServiceModel('hdd', CAPACITY);
    for (let i = 0; i < sectors.length; i++) {
      t += model.serviceNs('read', sectors[i]!, 8, { sector: head }, undefined);
      head = sectors[i]! + 8;
      expect(completions.at(i).at).toBeCloseTo(t, 3);
    }
  });

  it('charges an hdd seek and rotation for a jump but not for the next sequential sector', () => {
    const { sched, completions, submit } = device('hdd');
    submit('read', 1000, 8); // from the initial head at 0: positioning needed
    submit('read', 1008, 8); // sequential
    submit('read', 8_000_000, 8); // long seek
    sched.run();
    const transfer = HDD_PROFILE.commandNs + 4096 / HDD_PROFILE.mediaBytesPerNs;
    const t0 = completions.at(0).at;
    const sequential = completions.at(1).at - t0;
    const far = completions.at(2).at - completions.at(1).at;
    expect(sequential).toBeCloseTo(transfer, 6);
    expect(t0).toBeCloseTo(transfer + hddSeekNs(1000, CAPACITY) + HDD_REVOLUTION_NS / 2, 6);
    expect(far).toBeCloseTo(transfer + hddSeekNs(8_000_000 - 1016, CAPACITY) + HDD_REVOLUTION_NS / 2, 6);
    expect(far).toBeGreaterThan(t0);
    expect(HDD_REVOLUTION_NS / 2).toBeCloseTo(4.1667e6, -2); // 7200 rpm
  });

  it('grows hdd seek time with distance and averages the datasheet seek over random positions', () => {
    let last = 0;
    for (const d of [1, 10, 1000, 1e5, 1e6, 1e7, CAPACITY]) {
      const s = hddSeekNs(d, CAPACITY);
      expect(s).toBeGreaterThan(last);
      last = s;
    }
    expect(hddSeekNs(0, CAPACITY)).toBe(0);
    expect(hddSeekNs(1, CAPACITY)).toBeCloseTo(HDD_PROFILE.trackToTrackSeekNs, -4); // within 5 µs
    const rng = new Rng(42);
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) sum += hddSeekNs(Math.abs(rng.float() - rng.float()) * CAPACITY, CAPACITY);
    expect(sum / n / HDD_PROFILE.averageSeekNs).toBeGreaterThan(0.98);
    expect(sum / n / HDD_PROFILE.averageSeekNs).toBeLessThan(1.02);
  });

  it('orders per-request latency ram < nvme < sata-ssd < hdd for a random 4 KiB read', () => {
    const latency = (name: ServiceModelName): number => {
      const { sched, completions, submit } = device(name);
      submit('read', 777_777, 8);
      sched.run();
      return completions.at(0).at;
    };
    const ram = latency('ram');
    expect(ram).toBeCloseTo(RAM_PROFILE.opNs.read + 4096 / RAM_PROFILE.channelBytesPerNs, 6);
    expect(ram).toBeLessThan(latency('nvme'));
    expect(latency('nvme')).toBeLessThan(latency('sata-ssd'));
    expect(latency('sata-ssd')).toBeLessThan(latency('hdd'));
  });

  it('is deterministic without jitter, and reproducible per seed with jitter', () => {
    const times = (jitter: boolean, seed: number): number[] => {
      const { sched, completions, submit } = device('hdd', { jitter, seed });
      for (let i = 0; i < 20; i++) submit('read', (i * 7919 * 8) % CAPACITY, 8);
      sched.run();
      return completions.log.map((c) => c.at);
    };
    expect(times(false, 1)).toEqual(times(false, 2));
    expect(times(true, 5)).toEqual(times(true, 5));
    expect(times(true, 5)).not.toEqual(times(true, 6));
    expect(times(true, 5)).not.toEqual(times(false, 5));
  });

  it('keeps flash jitter within ±10 % of the mean service time', () => {
    const model = createServiceModel('nvme', CAPACITY);
    const rng = new Rng(9);
    for (let i = 0; i < 1000; i++) {
      const ns = model.serviceNs('read', 0, 8, { sector: 0 }, rng);
      expect(ns).toBeGreaterThanOrEqual(0.9 * NVME_PROFILE.opNs.read);
      expect(ns).toBeLessThanOrEqual(1.1 * NVME_PROFILE.opNs.read);
    }
  });

  it('meters device time (transfer + service), not queueing delay', () => {
    const { sched, meter, completions, submit } = device('hdd');
    submit('read', 1000, 8);
    submit('read', 1008, 8);
    sched.run();
    // On one channel the second request waited for the first: completion time = sum of services.
    expect(meter.counters.backendServiceNs).toBeCloseTo(completions.at(1).at, 3);
    expect(completions.at(1).at - completions.at(0).at).toBeLessThan(completions.at(0).at);
  });
});
