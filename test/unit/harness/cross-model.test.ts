/**
 * DESIGN §5: the same seeded workload must leave the same backend trace under every model.
 * Checked here between the loopback test model and virtio, and every workload is run once
 * over virtio (a real transport) through the runner.
 */
import { describe, expect, it } from 'vitest';
import { type CellSpec, DEFAULT_BACKEND } from '../../../harness/runner/cell.js';
import { type RunOptions, runCell } from '../../../harness/runner/run-cell.js';
import { RecordingBlockBackend } from '../../../models/backend/index.js';
import type { BlockBackend } from '../../../models/platform/backend-api.js';
import type { DeviceClass } from '../../../models/platform/ports.js';
import { virtioModel } from '../../../models/virtio/index.js';
import { loopbackModel } from '../../support/loopback-model.js';

const models = [loopbackModel, virtioModel];

function cell(
  model: string,
  device: DeviceClass,
  workload: string,
  params: Record<string, number>,
  iodepth = 1,
): CellSpec {
  return {
    model,
    device,
    workload,
    params,
    knobs: { coalesce: { kind: 'none' }, iodepth, copy: 'zerocopy' },
    modelOptions: {},
    seed: 11,
    profile: 'modern-2020s',
    engine: 'sim',
  };
}

function recordedRun(model: string): { status: string; trace: string[] } {
  let recorder: RecordingBlockBackend | undefined;
  const wrapBackend: RunOptions['wrapBackend'] = (cls, backend) => {
    if (cls !== 'block') return backend;
    recorder = new RecordingBlockBackend(backend as BlockBackend);
    return recorder as BlockBackend as typeof backend;
  };
  const run = runCell(cell(model, 'block', 'randwrite', { ops: 300, size: 2 << 20 }), { models, wrapBackend });
  // Device bring-up may add its own requests (e.g. get-id); the workload's are reads and writes.
  const trace = (recorder?.trace() ?? [])
    .filter((e) => e.op === 'read' || e.op === 'write')
    .map((e) => `${e.op} ${e.sector}+${e.sectors} ${e.status} ${e.dataHash.toString(16)}`);
  return { status: run.status, trace };
}

describe('cross-model backend traces', () => {
  it('randwrite at iodepth 1 leaves the identical read/write trace under loopback and virtio', () => {
    const loop = recordedRun('loopback');
    const virtio = recordedRun('virtio');
    expect(loop.status).toBe('ok');
    expect(virtio.status).toBe('ok');
    // 300 measured writes, then one verifying read per distinct written block.
    expect(loop.trace.filter((t) => t.startsWith('write'))).toHaveLength(300);
    expect(loop.trace.length).toBeGreaterThan(300 + 200);
    expect(virtio.trace).toEqual(loop.trace);
  });
});

describe('every workload over virtio', () => {
  it.each([
    ['block', 'randread', { ops: 500, size: 1 << 20 }, 8],
    ['block', 'randwrite', { ops: 500, size: 1 << 20 }, 8],
    ['block', 'read', { ops: 500, size: 1 << 20, bs: 16384 }, 4],
    ['block', 'write', { ops: 500, size: 1 << 20, bs: 512 }, 2],
    ['net', 'rr', { ops: 500, request: 200, response: 90 }, 4],
    ['net', 'stream', { ops: 500, bs: 1514 }, 16],
    ['block', 'randrw', { ops: 500, size: 1 << 20, rwmixread: 30, flush: 16 }, 8],
    ['block', 'randread', { ops: 500, size: 1 << 20, rate: 100_000 }, 8],
    ['net', 'pps', { ops: 500 }, 16],
    ['net', 'rr', { ops: 300, rate: 20_000 }, 2],
    ['console', 'bulk', { ops: 40, bs: 512 }, 1],
    ['console', 'echo', { ops: 100, bs: 16 }, 1],
    ['entropy', 'drain', { ops: 300, bs: 100 }, 1],
    ['entropy', 'small', { ops: 300 }, 4],
  ] as const)('%s %s %j at iodepth %i', (device, workload, params, iodepth) => {
    const run = runCell(cell('virtio', device, workload, { ...params }, iodepth), { models });
    expect(run.reason).toBeUndefined();
    expect(run.status).toBe('ok');
    const m = run.metrics;
    expect(m?.lat_ns.count).toBe(m?.ops);
    expect(m?.iops).toBeGreaterThan(0);
    expect(m?.virtualNs).toBeGreaterThan(0);
    if (device === 'block') expect(run.backend).toMatchObject({ capacitySectors: DEFAULT_BACKEND.capacitySectors });
  });
});
