/**
 * Test library: the NE2000 device + driver brought up on the sim engine over the reference net
 * backend (or a scripted one), as the runner builds a cell. Reused by the conformance and
 * end-to-end exit-count cases.
 */

import { createNetBackend, type NetPeer, type ReferenceNetBackend } from '../../../models/backend/index.js';
import { type Ne2000Device, Ne2000Driver, ne2000Binding } from '../../../models/emulated/ne2000/index.js';
import type { NetBackend } from '../../../models/platform/backend-api.js';
import { DEFAULT_KNOBS, type Knobs } from '../../../models/platform/knobs.js';
import type { ModelConfig } from '../../../models/platform/model.js';
import type { NetPort } from '../../../models/platform/ports.js';
import { createSimMachine, HOST_DEVICE, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';

/** Knobs the NE2000 honours: no coalescing, depth 1, copy. */
export const NE2000_KNOBS: Knobs = { ...DEFAULT_KNOBS, copy: 'copy' };

export function ne2000Config(options: Record<string, string> = {}, knobs: Partial<Knobs> = {}): ModelConfig {
  return { knobs: { ...NE2000_KNOBS, ...knobs }, options: { 'ide-mode': 'pio-string', exits: 'user', ...options } };
}

export interface Ne2000Stack<B extends NetBackend> {
  readonly m: SimMachine;
  readonly backend: B;
  readonly device: Ne2000Device;
  readonly driver: Ne2000Driver;
  readonly config: ModelConfig;
}

export function stackMachine(seed = 11): SimMachine {
  return createSimMachine({ memBytes: 16 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed });
}

/** Bring the driver up through the binding (on the vCPU) and return once `ready` ran. */
export function bringUp<B extends NetBackend>(
  m: SimMachine,
  backend: B,
  config: ModelConfig = ne2000Config(),
): Ne2000Stack<B> {
  const device = ne2000Binding.createHost(m.host, backend, config) as Ne2000Device;
  let port: NetPort | undefined;
  let error: Error | undefined;
  ne2000Binding.createGuest(
    m.guest,
    config,
    (p) => {
      port = p;
    },
    (e) => {
      error = e;
    },
  );
  m.run({ until: () => port !== undefined || error !== undefined, maxEvents: 1000 });
  if (error !== undefined) throw error;
  if (!(port instanceof Ne2000Driver)) throw new Error('NE2000 bring-up did not finish');
  return { m, backend, device, driver: port, config };
}

export function referenceStack(
  peer: NetPeer,
  config: ModelConfig = ne2000Config(),
  seed = 11,
): Ne2000Stack<ReferenceNetBackend> {
  const m = stackMachine(seed);
  const backend = createNetBackend({ peer }, m.host.actor(HOST_DEVICE), m.host.meter, m.host.rng.fork());
  return bringUp(m, backend, config);
}

/** Guest meter counters, for before/after differences. */
export function exitCounts(m: SimMachine): { user: number; kernel: number; interrupts: number } {
  const c = m.guestMeter.counters;
  return { user: c.exitsUser, kernel: c.exitsKernel, interrupts: c.interrupts };
}
