/**
 * The guest worker (DESIGN §7): the model's guest driver and the workload, built from the registries
 * inside this thread, on a guest face whose port and MMIO accesses are mailbox round trips
 * (guest-io.ts) and whose interrupts are pending words the host posts (guest-interrupts.ts). The
 * guest event loop runs until the workload finishes or fails, then the guest stops the host.
 */
import { GuestAllocator } from '../../../models/platform/alloc.js';
import { type GuestPlatform, MEMORY_MAP } from '../../../models/platform/machine.js';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { picEoiVia } from '../../../models/platform/pic.js';
import type { DeviceClass, PortFor } from '../../../models/platform/ports.js';
import { Rng } from '../../../models/platform/rng.js';
import { LatencyRecorder } from '../../../workloads/latency.js';
import type { WorkloadContext } from '../../../workloads/workload.js';
import { resolveCell } from '../../runner/cell.js';
import { GUEST_VCPU } from '../sim/machine.js';
import { hang, injectedFault } from './faults.js';
import { SharedGuestInterrupts } from './guest-interrupts.js';
import { MailboxGuestIo } from './guest-io.js';
import { wallLatency } from './latency-histogram.js';
import { MailboxOp, SideState, Slot, SnapshotPoint, type ThreadLink, Word } from './link.js';
import { type LoopSide, ThreadLoop } from './loop.js';
import { clockNs } from './notify.js';
import { guestProbe } from './probes.js';
import { errorText, type GuestReport, type MeasuredPhaseState, type WorkerInit } from './protocol.js';
import {
  diffSnapshots,
  readSnapshot,
  type SideSnapshot,
  takeSnapshot,
  waitStatsInto,
  zeroThreadStats,
} from './snapshot.js';

const GUEST_WORDS = {
  attention: Word.guestAttention,
  sleeping: Word.guestSleeping,
  progress: Word.guestProgress,
  activity: Word.guestActivity,
} as const;

/** Largest latency buffer preallocated up front (as the sim runner); more samples grow it. */
const MAX_PREALLOCATED_SAMPLES = 1 << 20;
/** How long the guest waits for the host half to come up before giving up. */
const HOST_START_TIMEOUT_MS = 60_000;

interface MeasuredWindow {
  phase: MeasuredPhaseState;
  ops: number;
  bytes: number;
  beganAt: number;
  endedAt: number;
  begin: { guest: SideSnapshot; host: SideSnapshot } | undefined;
  window: { guest: SideSnapshot; host: SideSnapshot } | undefined;
}

type Outcome =
  | { readonly kind: 'running' }
  | { readonly kind: 'finished' }
  | { readonly kind: 'failed'; readonly reason: string };

function waitForHost(link: ThreadLink): void {
  const ctl = link.ctl;
  const deadline = Date.now() + HOST_START_TIMEOUT_MS;
  for (;;) {
    const state = Atomics.load(ctl, Word.hostState);
    if (state === SideState.ready) return;
    if (state !== SideState.starting || link.stopRequested()) throw new Error('the host half did not come up');
    if (Date.now() > deadline) throw new Error(`the host half was not ready after ${HOST_START_TIMEOUT_MS} ms`);
    Atomics.wait(ctl, Word.hostState, SideState.starting, 100);
  }
}

/** Build the guest half, run the workload to its end; returns the guest's account of the run. */
export function runGuestHalf(init: WorkerInit, link: ThreadLink): GuestReport {
  const cell = resolveCell(init.spec);
  const { model, workload, params, config, spec } = cell;
  const cls = spec.device;
  const stats = zeroThreadStats();
  const meter = new Meter();
  const mem = new SabGuestMemory(init.ram, meter, 'guest', { concurrent: true, fenceWord: link.fenceWord });
  const loop = new ThreadLoop(link, GUEST_WORDS, init.policy, meter, GUEST_VCPU);
  const vcpu = loop.scheduler(GUEST_VCPU);
  const fault = init.fault?.side === 'guest' ? init.fault : undefined;
  if (fault?.at === 'start') {
    if (fault.kind === 'hang') hang();
    throw injectedFault('guest', 'start');
  }
  waitForHost(link);
  Atomics.store(link.ctl, Word.guestState, SideState.running);
  const io = new MailboxGuestIo(link, meter, init.policy, loop.waitStats, stats, GUEST_VCPU);
  const irq = new SharedGuestInterrupts(link, vcpu, meter, stats);
  irq.picEoi = picEoiVia(io);
  const rng = new Rng(spec.seed);
  const guest: GuestPlatform = {
    mem,
    io,
    irq,
    sched: vcpu,
    alloc: new GuestAllocator(MEMORY_MAP.allocBase, init.ram.byteLength),
    meter,
    rng: rng.fork(),
  };

  const snapshot = (): SideSnapshot => {
    stats.busyNs = loop.busyNs();
    stats.events = loop.eventsRun;
    waitStatsInto(stats, loop.waitStats);
    return takeSnapshot(meter, stats);
  };
  const hostSnapshot = (point: number): SideSnapshot => {
    io.harness(MailboxOp.snapshot, point);
    return readSnapshot(link.f64, Slot.snapshot);
  };

  let outcome: Outcome = { kind: 'running' };
  const settle = (next: Outcome): void => {
    if (outcome.kind === 'running') outcome = next;
  };
  const side: LoopSide = {
    onAttention: () => {
      irq.collect();
      if (link.stopRequested()) settle({ kind: 'failed', reason: 'the run was stopped' });
    },
    get finished() {
      return outcome.kind !== 'running';
    },
  };

  const latency = new LatencyRecorder(Math.min(MAX_PREALLOCATED_SAMPLES, workload.expectedOps(params)));
  const notes: Record<string, number> = {};
  // Written by the workload's measured-phase callbacks.
  const m: MeasuredWindow = {
    phase: 'before',
    ops: 0,
    bytes: 0,
    beganAt: 0,
    endedAt: 0,
    begin: undefined,
    window: undefined,
  };

  const startWorkload = (port: PortFor[DeviceClass]): void => {
    const ctx: WorkloadContext<DeviceClass> = {
      port,
      guest,
      params,
      knobs: config.knobs,
      seed: spec.seed,
      latency,
      probe: guestProbe(cls, io, link),
      measured: {
        begin: () => {
          if (m.phase !== 'before') throw new Error('measured phase begun twice');
          const host = hostSnapshot(SnapshotPoint.measuredBegin);
          m.begin = { guest: snapshot(), host };
          m.phase = 'measuring';
          if (fault?.at === 'measured') {
            vcpu.after(0, () => {
              if (fault.kind === 'hang') hang();
              throw injectedFault('guest', 'measured');
            });
          }
          m.beganAt = clockNs();
        },
        end: (n, b) => {
          m.endedAt = clockNs();
          const begin = m.begin;
          if (m.phase !== 'measuring' || begin === undefined) throw new Error(`measured phase ended while ${m.phase}`);
          if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(b) || b < 0) {
            throw new Error(`measured phase ended with ops=${n} bytes=${b}`);
          }
          const guestEnd = snapshot();
          const hostEnd = hostSnapshot(SnapshotPoint.measuredEnd);
          m.window = { guest: diffSnapshots(guestEnd, begin.guest), host: diffSnapshots(hostEnd, begin.host) };
          m.phase = 'measured';
          m.ops = n;
          m.bytes = b;
        },
      },
      note: (key, value) => {
        notes[key] = value;
      },
      finish: () => settle({ kind: 'finished' }),
      fail: (error) => settle({ kind: 'failed', reason: errorText(error) }),
    };
    try {
      workload.start(ctx);
    } catch (error) {
      settle({ kind: 'failed', reason: errorText(error) });
    }
  };
  model.createGuest(cls, guest, config, startWorkload as (port: PortFor[typeof cls]) => void, (error) =>
    settle({ kind: 'failed', reason: `device bring-up failed: ${errorText(error)}` }),
  );
  loop.run(side);
  // Tell the host to stop; its final figures follow on its own port.
  link.requestStop();
  const final = outcome as Outcome;
  return {
    kind: 'guest-report',
    outcome:
      final.kind === 'finished'
        ? { kind: 'finished' }
        : { kind: 'failed', reason: final.kind === 'failed' ? final.reason : 'stopped' },
    phase: m.phase,
    ops: m.ops,
    bytes: m.bytes,
    wallNs: m.phase === 'measured' ? m.endedAt - m.beganAt : 0,
    window: m.window,
    latency: wallLatency(latency.values()),
    notes,
    total: snapshot(),
  };
}
