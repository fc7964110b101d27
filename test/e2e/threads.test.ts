/**
 * The threads engine end to end (DESIGN §7): real worker threads running the compiled models from
 * dist/ (built by the global setup). Every model × class completes a small verified workload; the
 * signals each half sent are the signals the other half received (no lost wake-up); every notify
 * mode works; no worker outlives its run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NOTIFY_MODES } from '../../harness/engine/threads/notify.js';
import { runCellThreads, type ThreadsRunRecord } from '../../harness/engine/threads/run-threads.js';
import { allWorkersExited, liveWorkers } from '../../harness/engine/threads/workers.js';
import { packageRoot } from '../../harness/profiles/load.js';
import { MODELS } from '../../harness/registry.js';
import { type CellSpec, resolveCell } from '../../harness/runner/cell.js';
import type { CopyMode } from '../../models/platform/knobs.js';
import type { Model } from '../../models/platform/model.js';
import type { DeviceClass } from '../../models/platform/ports.js';
import { DEFAULT_WORKLOAD } from '../../workloads/index.js';

process.env.RINGSIDE_NO_GIT = '1';

const ALL_MODELS: readonly Model[] = MODELS;

/** Small runs: trap-and-emulate pays an exit per register access, so its runs are shorter. */
function smallParams(model: Model, cls: DeviceClass): Record<string, number> {
  const slow = model.id === 'emulated';
  switch (cls) {
    case 'block':
      return { ops: slow ? 16 : 200 };
    case 'net':
      return { ops: slow ? 16 : 200 };
    case 'console':
      return { ops: slow ? 8 : 100, bs: slow ? 16 : 0 };
    case 'entropy':
      return { ops: slow ? 4 : 100, bs: slow ? 16 : 0 };
  }
}

function spec(
  model: string,
  device: DeviceClass,
  params: Record<string, number>,
  copy: CopyMode,
  over: Partial<CellSpec> = {},
): CellSpec {
  return {
    model,
    device,
    workload: DEFAULT_WORKLOAD[device],
    params,
    knobs: { coalesce: { kind: 'none' }, iodepth: 1, copy },
    modelOptions: {},
    seed: 5,
    profile: 'modern-2020s',
    engine: 'sim',
    ...over,
  };
}

/** The first copy mode the model supports for this class with the other knobs at their defaults. */
function supportedCopy(model: Model, cls: DeviceClass): CopyMode {
  for (const copy of ['zerocopy', 'copy'] as const) {
    const cell = resolveCell(spec(model.id, cls, smallParams(model, cls), copy));
    if (cell.model.support(cls, cell.config).ok) return copy;
  }
  throw new Error(`${model.id} supports neither copy mode for ${cls}`);
}

function run(s: CellSpec, notify: 'futex' | 'poll' | 'hybrid' = 'hybrid'): ThreadsRunRecord {
  return runCellThreads(resolveCell(s), { notify, stallMs: 20_000 });
}

function expectBalanced(r: ThreadsRunRecord): void {
  const s = r.threads?.signals;
  expect(s).toBeDefined();
  if (s === undefined) return;
  // Every doorbell the guest posted reached the device (or was still pending when both stopped).
  expect(s.doorbells.delivered + s.doorbells.pendingAtEnd).toBe(s.doorbells.posted);
  expect(s.doorbells.rung).toBeGreaterThanOrEqual(s.doorbells.posted);
}

afterAll(async () => {
  await allWorkersExited();
});

describe('every model × class completes a small verified workload on threads', () => {
  for (const model of ALL_MODELS) {
    for (const cls of Object.keys(model.classes) as DeviceClass[]) {
      it(`${model.id} ${cls} (${DEFAULT_WORKLOAD[cls]})`, { timeout: 120_000 }, () => {
        const params = smallParams(model, cls);
        const r = run(spec(model.id, cls, params, supportedCopy(model, cls)));
        expect(r.reason).toBeUndefined();
        expect(r.status).toBe('ok');
        expect(r.engine).toBe('threads');
        expect(r.metrics?.ops).toBe(params.ops);
        expect(r.metrics?.lat_ns.count).toBe(params.ops);
        expect(r.metrics?.counters.exits).toBeGreaterThan(0);
        expect(r.metrics?.iops).toBeGreaterThan(0);
        expectBalanced(r);
      });
    }
  }
});

describe('signals delivered equal signals sent (DESIGN §3 doorbell / interrupt crossings)', () => {
  const cases = [
    {
      name: 'qd 1, no coalescing',
      knobs: { coalesce: { kind: 'none' as const }, iodepth: 1, copy: 'zerocopy' as const },
    },
    {
      name: 'qd 16, EVENT_IDX',
      knobs: { coalesce: { kind: 'event-idx' as const }, iodepth: 16, copy: 'zerocopy' as const },
    },
  ];
  for (const notify of ['futex', 'poll'] as const) {
    for (const c of cases) {
      it(`virtio block, MSI-X, ${c.name}, ${notify}`, { timeout: 120_000 }, () => {
        const r = run(spec('virtio', 'block', { ops: 400 }, 'zerocopy', { knobs: c.knobs }), notify);
        expect(r.reason).toBeUndefined();
        const s = r.threads?.signals;
        if (s === undefined) throw new Error('no signal account');
        expectBalanced(r);
        // Every MSI the device posted was taken by the guest (none lost, none invented).
        expect(s.interrupts.taken + s.interrupts.unhandled + s.interrupts.msiPendingAtEnd).toBe(s.interrupts.posted);
        expect(s.interrupts.sent).toBe(s.interrupts.posted + s.interrupts.coalesced + s.interrupts.dropped);
        expect(s.interrupts.taken).toBeGreaterThan(0);
        // The device meters what it sent and suppressed; the guest meters what it took.
        const window = r.threads?.window;
        expect(r.metrics?.counters.interrupts).toBe(window?.guest.irqTaken);
        expect(r.metrics?.counters.notifications).toBeGreaterThan(0);
      });
    }
  }
});

describe('notify modes', () => {
  for (const notify of NOTIFY_MODES) {
    it(`${notify}: a virtio net request/response run completes`, { timeout: 120_000 }, () => {
      const r = run(spec('virtio', 'net', { ops: 300 }, 'zerocopy'), notify);
      expect(r.reason).toBeUndefined();
      expect(r.threads?.notify).toBe(notify);
      const w = r.threads?.window;
      if (notify === 'poll') {
        // poll never sleeps: no futex waits, so no real wake-ups on either thread.
        expect([w?.guest.sleeps, w?.host.sleeps, r.metrics?.counters.wakeups]).toEqual([0, 0, 0]);
      } else {
        // Wake-ups are sleeps a peer's notify ended: never more than the sleeps.
        expect(w?.guest.wakeups).toBeLessThanOrEqual(w?.guest.sleeps ?? 0);
        expect(r.metrics?.counters.wakeups).toBe((w?.guest.wakeups ?? 0) + (w?.host.wakeups ?? 0));
      }
    });
  }

  it('unsupported knobs are reported without starting a worker', () => {
    const before = liveWorkers();
    const r = run(
      spec('virtio', 'block', { ops: 10 }, 'zerocopy', {
        knobs: { coalesce: { kind: 'count', n: 4096 }, iodepth: 1, copy: 'zerocopy' },
      }),
    );
    expect(r.status).toBe('unsupported');
    expect(liveWorkers()).toBe(before);
  });
});

describe('models outside the registry', () => {
  it('run when given to the workers as a model module (models cross threads by id only)', {
    timeout: 120_000,
  }, async () => {
    // A plug-in: a compiled module exporting a model the registry does not list.
    const dir = mkdtempSync(join(tmpdir(), 'ringside-plugin-'));
    const virtio = pathToFileURL(join(packageRoot(), 'dist', 'models', 'virtio', 'index.js')).href;
    const file = join(dir, 'plugin.mjs');
    writeFileSync(
      file,
      `import { virtioModel } from ${JSON.stringify(virtio)};\nexport const plugged = { ...virtioModel, id: 'virtio-plugged' };\n`,
    );
    try {
      const url = pathToFileURL(file).href;
      const plugged = ((await import(url)) as { plugged: Model }).plugged;
      const cell = resolveCell(spec('virtio-plugged', 'entropy', { ops: 50 }, 'zerocopy'), { models: [plugged] });
      expect(runCellThreads(cell).reason).toMatch(/not registered/);
      const r = runCellThreads(cell, { modelModules: [{ url, export: 'plugged' }] });
      expect(r.reason).toBeUndefined();
      expect(r.model).toBe('virtio-plugged');
      expect(r.metrics?.ops).toBe(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('clean shutdown', () => {
  it('no worker is left running once the runs are over', async () => {
    run(spec('virtio', 'entropy', { ops: 20 }, 'zerocopy'));
    await allWorkersExited();
    expect(liveWorkers()).toBe(0);
  });
});
