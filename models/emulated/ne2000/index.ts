/**
 * The net class of the trap-and-emulate model: an ISA NE2000 (DP8390) as QEMU's `ne2k_isa`
 * models it, and a Linux-style 8390 driver, meeting only through the 32-port window at 0x300
 * and ISA IRQ 9 (specs/trap-emulate.md §4, §6).
 */
import type { NetBackend } from '../../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../platform/machine.js';
import { type HostDevice, type ModelConfig, type Support, startDriverOnVcpu } from '../../platform/model.js';
import type { NetPort } from '../../platform/ports.js';
import { type EmulatedClassBinding, exitHandlerKind } from '../binding.js';
import { Ne2000Device } from './device.js';
import { Ne2000Driver } from './driver.js';

export { ethernetCrc32, multicastHashIndex } from './crc.js';
export { Ne2000Device, type Ne2000DeviceOptions } from './device.js';
export { Dp8390, type Dp8390Hooks, type Dp8390Stats } from './dp8390.js';
export { Ne2000Driver, type Ne2000DriverOptions, type Ne2000DriverStats, Ne2000ProbeError } from './driver.js';
export { Command, DriverLayout, DriverValues } from './driver-init.js';
export * from './registers.js';
export { Ne2000Window } from './window.js';

/** Build the device on the host face: window at 0x300, IRQ 9, handlers where `exits=` says. */
export function createNe2000Host(host: HostPlatform, backend: NetBackend, config: ModelConfig): Ne2000Device {
  return new Ne2000Device(host, backend, { kind: exitHandlerKind(config) });
}

export const ne2000Binding: EmulatedClassBinding<'net'> = {
  createHost(host: HostPlatform, backend: NetBackend, config: ModelConfig): HostDevice {
    return createNe2000Host(host, backend, config);
  },

  createGuest(
    guest: GuestPlatform,
    _config: ModelConfig,
    ready: (port: NetPort) => void,
    fail: (e: Error) => void,
  ): void {
    // Bring-up is driver code: it runs on the vCPU so its exits are priced there.
    startDriverOnVcpu(guest, () => Ne2000Driver.start(guest), ready, fail);
  },

  /** Knob mapping (trap-emulate.md §6, NE2000 column). */
  support(config: ModelConfig): Support {
    const { coalesce, iodepth, copy } = config.knobs;
    if (coalesce.kind !== 'none') {
      return {
        ok: false,
        reason:
          'the NE2000 has no interrupt moderation: its line is ISR & IMR and the handler drains the whole receive ring per interrupt (natural batching), so coalescing must be none',
      };
    }
    if (iodepth !== 1) {
      return {
        ok: false,
        reason: `iodepth ${iodepth}: the NE2000 transmits one frame at a time (one TPSR/TBCR pair), so one frame is in flight`,
      };
    }
    if (copy !== 'copy') {
      return {
        ok: false,
        reason:
          'zerocopy: an ISA NE2000 has no host DMA — every frame is copied backend ↔ card memory ↔ guest RAM through the data port; copy must be copy',
      };
    }
    return { ok: true };
  },
};
