/**
 * The entropy class of the trap-and-emulate model: the port-I/O RNG (specs/trap-emulate.md §5)
 * and its polled driver, meeting only through the 8-port window at RNG_BASE.
 */
import type { EntropyBackend } from '../../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../platform/machine.js';
import { type HostDevice, type ModelConfig, type Support, startDriverOnVcpu } from '../../platform/model.js';
import type { EntropyPort } from '../../platform/ports.js';
import { type EmulatedClassBinding, exitHandlerKind } from '../binding.js';
import { RngDevice } from './device.js';
import { RngDriver } from './driver.js';
import { RNG_BASE, RNG_LATENCY_OPTION, RNG_PORT_COUNT } from './registers.js';

export { RngDevice, type RngDeviceState, type RngDeviceStats } from './device.js';
export { RNG_MAX_READ, RngDriver, type RngDriverStats, RngProbeError } from './driver.js';
export * from './registers.js';

/** The host actor the device's clock and the backend live on (the runner builds the backend there). */
const DEVICE_ACTOR = 'device';

/** `--model-opt rng-latency-ns=N`: ns from an RNGDATA read to the next word; absent = 0. NaN when malformed. */
export function rngLatencyNs(config: ModelConfig): number {
  const text = config.options[RNG_LATENCY_OPTION];
  if (text === undefined || text === '') return 0;
  const ns = Number(text);
  return Number.isFinite(ns) && ns >= 0 ? ns : Number.NaN;
}

/** Map the device window on the host bus; its handlers run where `exits=` says (user by default). */
export function createRngHost(host: HostPlatform, backend: EntropyBackend, config: ModelConfig): RngDevice {
  const device = new RngDevice(backend, host.actor(DEVICE_ACTOR), rngLatencyNs(config));
  host.bus.map('pio', RNG_BASE, RNG_PORT_COUNT, device, exitHandlerKind(config), 'rng');
  return device;
}

export const rngBinding: EmulatedClassBinding<'entropy'> = {
  createHost(host: HostPlatform, backend: EntropyBackend, config: ModelConfig): HostDevice {
    const device = createRngHost(host, backend, config);
    return {
      name: 'port-io-rng',
      describe: () => ({ ...device.state(), ...device.stats }),
    };
  },

  createGuest(
    guest: GuestPlatform,
    _config: ModelConfig,
    ready: (port: EntropyPort) => void,
    fail: (e: Error) => void,
  ): void {
    // Bring-up runs on the vCPU so its exit is priced there.
    startDriverOnVcpu(guest, () => RngDriver.probe(guest), ready, fail);
  },

  /** Knob mapping (trap-emulate.md §6, RNG column): polled, one word register, data through registers. */
  support(config: ModelConfig): Support {
    const { coalesce, iodepth, copy } = config.knobs;
    if (coalesce.kind !== 'none') {
      return {
        ok: false,
        reason: 'the port-I/O RNG has no interrupt (the driver polls RNGDONE): interrupt coalescing must be none',
      };
    }
    if (iodepth !== 1) {
      return {
        ok: false,
        reason: `iodepth ${iodepth}: the port-I/O RNG has one word register, so one read is in flight at a time`,
      };
    }
    if (copy !== 'copy') {
      return {
        ok: false,
        reason: 'zerocopy: every RNG word crosses in a register read and is stored by the driver; copy must be copy',
      };
    }
    if (Number.isNaN(rngLatencyNs(config))) {
      return {
        ok: false,
        reason: `${RNG_LATENCY_OPTION}=${config.options[RNG_LATENCY_OPTION]}: expected a number of ns ≥ 0`,
      };
    }
    return { ok: true };
  },
};
