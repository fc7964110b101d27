/**
 * Build the reference backend (DESIGN §5) for a device class on the host's `device`
 * actor, set up for what the workload needs, plus the probe through which the workload
 * may observe it for verification.
 */
import {
  createBlockBackend,
  createConsoleBackend,
  createEntropyBackend,
  createNetBackend,
} from '../../models/backend/index.js';
import type { BackendFor } from '../../models/platform/backend-api.js';
import type { HostPlatform } from '../../models/platform/machine.js';
import { type DeviceClass, SECTOR_SIZE } from '../../models/platform/ports.js';
import type { Scheduler } from '../../models/platform/scheduler.js';
import type { BackendNeeds, ProbeFor } from '../../workloads/workload.js';
import type { BackendSpec } from './cell.js';

export interface ReferenceBackend<C extends DeviceClass> {
  readonly backend: BackendFor[C];
  readonly probe: ProbeFor[C];
}

/** Console output kept by default when the workload states no need (the backend's own default is 1 MiB). */
const DEFAULT_CONSOLE_OUTPUT_CAP = 1 << 20;

export function createReferenceBackend<C extends DeviceClass>(
  cls: C,
  host: HostPlatform,
  device: Scheduler,
  spec: Required<BackendSpec>,
  needs: BackendNeeds,
): ReferenceBackend<C> {
  // Each backend draws from its own stream of the host Rng.
  const rng = host.rng.fork();
  const meter = host.meter;
  let built: ReferenceBackend<DeviceClass>;
  switch (cls) {
    case 'block': {
      const backend = createBlockBackend(
        { store: 'memory', capacitySectors: spec.capacitySectors, service: spec.service },
        device,
        meter,
        rng,
      );
      const store = backend.store;
      const probe = {
        preload: (sector: number, bytes: Uint8Array, offset: number, length: number) =>
          store.writeBytes(sector * SECTOR_SIZE, bytes, offset, length),
      };
      built = { backend, probe } satisfies ReferenceBackend<'block'>;
      break;
    }
    case 'net': {
      const net = needs.net ?? { peer: 'echo' };
      const peer =
        net.peer === 'sink'
          ? { mode: 'sink' as const }
          : { mode: 'echo' as const, ...(net.responseBytes === undefined ? {} : { responseBytes: net.responseBytes }) };
      const backend = createNetBackend({ peer }, device, meter, rng);
      built = { backend, probe: { framesAtPeer: () => backend.stats.framesToPeer } } satisfies ReferenceBackend<'net'>;
      break;
    }
    case 'console': {
      const cap = Math.max(DEFAULT_CONSOLE_OUTPUT_CAP, needs.consoleOutputBytes ?? 0);
      const backend = createConsoleBackend({ outputCap: cap, echo: needs.consoleEcho === true }, device, meter);
      built = { backend, probe: { output: () => backend.output() } } satisfies ReferenceBackend<'console'>;
      break;
    }
    case 'entropy': {
      const backend = createEntropyBackend({ source: 'seeded' }, device, meter, rng);
      built = { backend, probe: {} } satisfies ReferenceBackend<'entropy'>;
      break;
    }
    default:
      throw new Error(`no reference backend for class ${String(cls)}`);
  }
  return built as unknown as ReferenceBackend<C>;
}
