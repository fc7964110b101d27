/**
 * The host worker (DESIGN §7): the real platform Bus and PCI root, the reference backend and the
 * model's device, built from the registry inside this thread, with a host event loop that serves
 * exits, delivers doorbells and runs device and backend callbacks in wall-clock time. Guest memory
 * is the shared buffer; interrupts go out as pending words (host-interrupts.ts).
 */
import { Bus } from '../../../models/platform/bus.js';
import type { HostPlatform } from '../../../models/platform/machine.js';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { PciRoot } from '../../../models/platform/pci.js';
import { mapPicPorts } from '../../../models/platform/pic.js';
import { Rng } from '../../../models/platform/rng.js';
import { createReferenceBackend } from '../../runner/backends.js';
import { resolveCell } from '../../runner/cell.js';
import { HOST_DEVICE } from '../sim/machine.js';
import { ExitServer } from './exit-server.js';
import { hang, injectedFault } from './faults.js';
import { SharedDoorbells } from './host-bus.js';
import { SharedHostInterrupts } from './host-interrupts.js';
import { SideState, type ThreadLink, Word } from './link.js';
import { type LoopSide, ThreadLoop } from './loop.js';
import type { HostReport, WorkerInit } from './protocol.js';
import { type SideSnapshot, takeSnapshot, waitStatsInto, zeroThreadStats } from './snapshot.js';

const HOST_WORDS = {
  attention: Word.hostAttention,
  sleeping: Word.hostSleeping,
  progress: Word.hostProgress,
  activity: Word.hostActivity,
} as const;

/** Build the host half, announce it ready, serve until stopped; returns the host's final figures. */
export function runHostHalf(init: WorkerInit, link: ThreadLink): HostReport {
  const cell = resolveCell(init.spec);
  const { model, workload, params, config, spec } = cell;
  const cls = spec.device;
  const ctl = link.ctl;
  const stats = zeroThreadStats();
  const meter = new Meter();
  const mem = new SabGuestMemory(init.ram, meter, 'host', { concurrent: true, fenceWord: link.fenceWord });
  const loop = new ThreadLoop(link, HOST_WORDS, init.policy, meter, HOST_DEVICE);
  const device = loop.scheduler(HOST_DEVICE);
  // Doorbells are served by SharedDoorbells; the Bus's own doorbell path stays unused.
  const bus = new Bus(meter, (ring) => device.after(0, ring));
  const doorbells = new SharedDoorbells(bus, link, stats);
  const irq = new SharedHostInterrupts(link, stats);
  const pci = new PciRoot(doorbells, irq);
  mapPicPorts(doorbells);
  // The same streams as the sim machine: the guest takes the first fork, the host the second.
  const rng = new Rng(spec.seed);
  rng.fork();
  const host: HostPlatform = {
    mem,
    bus: doorbells,
    pci,
    irq,
    registerHypercall: (op, handler) => bus.registerHypercall(op, handler),
    actor: (name) => loop.scheduler(name),
    meter,
    rng: rng.fork(),
  };
  const needs = workload.backendNeeds?.(params) ?? {};
  const reference = createReferenceBackend(cls, host, device, cell.backend, needs);
  model.createHost(cls, host, reference.backend, config);

  const fault = init.fault?.side === 'host' ? init.fault : undefined;
  if (fault?.at === 'start') {
    if (fault.kind === 'hang') hang();
    throw injectedFault('host', 'start');
  }

  const snapshot = (): SideSnapshot => {
    stats.busyNs = loop.busyNs();
    stats.events = loop.eventsRun;
    waitStatsInto(stats, loop.waitStats);
    return takeSnapshot(meter, stats);
  };
  let failure: unknown;
  const side: LoopSide & { finished: boolean } = {
    finished: false,
    onAttention(): void {
      if (server.pending()) server.serve();
      if (Atomics.load(ctl, Word.doorbellPending) !== 0) doorbells.deliver();
      if (link.stopRequested()) side.finished = true;
    },
  };
  const server = new ExitServer(
    link,
    bus,
    mem,
    reference.probe,
    snapshot,
    () => stats.exits++,
    (error) => {
      failure = error;
      side.finished = true;
    },
    () => {
      if (fault?.at === 'measured') {
        device.after(0, () => {
          if (fault.kind === 'hang') hang();
          throw injectedFault('host', 'measured');
        });
      }
    },
  );

  Atomics.store(ctl, Word.hostState, SideState.ready);
  Atomics.notify(ctl, Word.hostState);
  link.alertMain();
  loop.run(side);
  if (failure !== undefined) throw failure;
  return { kind: 'host-report', total: snapshot() };
}
