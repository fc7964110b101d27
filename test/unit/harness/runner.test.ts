/** The runner: statuses (ok / unsupported / error), safety limits, configuration errors. */
import { describe, expect, it } from 'vitest';
import { collectEnv } from '../../../harness/results/env.js';
import { validateResults } from '../../../harness/results/io.js';
import { type CellSpec, ConfigError, resolveCell } from '../../../harness/runner/cell.js';
import { type RunOptions, runCell } from '../../../harness/runner/run-cell.js';
import type { BlockBackend } from '../../../models/platform/backend-api.js';
import type { Model } from '../../../models/platform/model.js';
import { loopbackModel } from '../../support/loopback-model.js';

function cell(over: Partial<CellSpec> = {}): CellSpec {
  return {
    model: 'loopback',
    device: 'block',
    workload: 'randread',
    params: { ops: 200, size: 1 << 20 },
    knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' },
    modelOptions: {},
    seed: 3,
    profile: 'modern-2020s',
    engine: 'sim',
    ...over,
  };
}

// Tests never shell out to git: the commit is recorded as null.
process.env.RINGSIDE_NO_GIT = '1';

const base: RunOptions = { models: [loopbackModel] };

describe('runCell statuses', () => {
  it('ok: a full record that validates against the result schema', () => {
    const run = runCell(cell({ modelOptions: { irq: 'intx' } }), base);
    expect(run.status).toBe('ok');
    expect(run).toMatchObject({
      model: 'loopback',
      device: 'block',
      workload: 'randread',
      params: { bs: 4096, ops: 200, size: 1 << 20 },
      knobs: { coalesce: 'none', iodepth: 1, copy: 'zerocopy' },
      modelOptions: { slots: '1', irq: 'intx' },
      engine: 'sim',
      profile: { id: 'modern-2020s' },
      seed: 3,
    });
    expect(run.profile.sha256).toMatch(/^[0-9a-f]{64}$/);
    const doc = validateResults({ schemaVersion: 1, tool: 'ringside', env: collectEnv(), runs: [run] }, 'mem');
    expect(doc.runs[0]?.metrics?.ops).toBe(200);
    // INTx: the ISR's DONE read drops the line, so each completion is taken exactly once.
    expect(run.metrics?.counters.interrupts).toBe(200);
    const names = run.metrics?.actors.map((a) => a.name) ?? [];
    expect(names).toContain('vcpu0');
    expect(names).toContain('device');
    for (const a of run.metrics?.actors ?? []) expect(a.util).toBeLessThanOrEqual(1);
  });

  it('unsupported: a knob the model cannot honour is reported, and nothing runs', () => {
    let backendsBuilt = 0;
    const run = runCell(cell({ knobs: { coalesce: { kind: 'event-idx' }, iodepth: 1, copy: 'zerocopy' } }), {
      ...base,
      wrapBackend: (_cls, b) => {
        backendsBuilt++;
        return b;
      },
    });
    expect(run.status).toBe('unsupported');
    expect(run.reason).toBe('loopback has no interrupt coalescing (coalesce must be none)');
    expect(run.metrics).toBeUndefined();
    expect(backendsBuilt).toBe(0);
    expect(runCell(cell({ knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy: 'copy' } }), base).status).toBe(
      'unsupported',
    );
  });

  it('error: a device that never completes ends as "went idle", not a hang', () => {
    const run = runCell(cell(), {
      ...base,
      wrapBackend: (cls, b) => {
        if (cls !== 'block') return b;
        const inner = b as BlockBackend;
        return { ...inner, capacitySectors: inner.capacitySectors, submit: () => {} } as BlockBackend as typeof b;
      },
    });
    expect(run.status).toBe('error');
    expect(run.reason).toMatch(
      /^the simulation went idle before the workload finished \(after \d+ events .* during the measured phase\)$/,
    );
  });

  it('error: safety limits on events and virtual time', () => {
    const events = runCell(cell(), { ...base, maxEvents: 100 });
    expect(events.status).toBe('error');
    expect(events.reason).toMatch(/^safety limit: 100 events reached before the workload finished/);
    const time = runCell(cell({ params: { ops: 5000, size: 1 << 20 } }), { ...base, maxVirtualNs: 1e6 });
    expect(time.status).toBe('error');
    expect(time.reason).toMatch(
      /^safety limit: 0\.001 s of virtual time reached \(after \d+ events at [\d.]+ ms virtual, during the measured phase\)$/,
    );
  });

  it('error: a failed bring-up and an exception inside the model become records', () => {
    const broken: Model = {
      ...loopbackModel,
      id: 'broken',
      createGuest: (_cls, _guest, _config, _ready, fail) => fail(new Error('no device found')),
    };
    const run = runCell(cell({ model: 'broken' }), { models: [broken] });
    expect(run).toMatchObject({ status: 'error', reason: 'device bring-up failed: no device found' });
    const throwing: Model = {
      ...loopbackModel,
      id: 'throwing',
      createHost: () => {
        throw new RangeError('BAR too small');
      },
    };
    expect(runCell(cell({ model: 'throwing' }), { models: [throwing] })).toMatchObject({
      status: 'error',
      reason: 'RangeError: BAR too small',
    });
  });
});

describe('resolveCell configuration errors', () => {
  const bad = (over: Partial<CellSpec>): string => {
    try {
      resolveCell(cell(over), base);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('names unknown models, classes and workloads with the alternatives', () => {
    expect(bad({ model: 'nope' })).toBe('unknown model "nope" (models: loopback)');
    expect(bad({ device: 'net', workload: 'rr' })).toBe('model loopback has no net device (classes: block)');
    expect(bad({ workload: 'rr' })).toBe(
      'unknown block workload "rr" (block workloads: randread, randwrite, randrw, read, write)',
    );
  });

  it('rejects model options the model does not declare or values it does not accept', () => {
    expect(bad({ modelOptions: { bogus: '1' } })).toBe('model loopback has no option "bogus" (options: slots, irq)');
    expect(bad({ modelOptions: { irq: 'nmi' } })).toBe('model loopback option irq=nmi: expected one of msi, intx');
    expect(bad({ modelOptions: { slots: 'many' } })).toBe('model loopback option slots=many: expected a number');
  });

  it('rejects workload parameters, seeds and profiles', () => {
    expect(bad({ params: { bs: 1000 } })).toBe('workload randread bs=1000: must be a multiple of 512');
    expect(bad({ params: { depth: 1 } })).toBe(
      'workload randread has no parameter "depth" (parameters: bs, ops, duration, rate, verify, size, prefill)',
    );
    expect(bad({ params: { ops: 0 } })).toBe('workload randread ops=0: must be ≥ 1');
    expect(bad({ seed: -1 })).toBe('seed -1: expected an integer 0..4294967295');
    expect(bad({ profile: '/nonexistent/profile.json' })).toMatch(/^\/nonexistent\/profile\.json: file not found/);
  });

  it('a model option out of the model’s own range is a clear unsupported record', () => {
    const run = runCell(cell({ modelOptions: { slots: '99' } }), base);
    expect(run).toMatchObject({ status: 'unsupported', reason: 'slots=99 must be an integer 1..32' });
  });
});
