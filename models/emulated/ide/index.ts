/**
 * The block class of the trap-and-emulate model: an ATA disk on a PIIX3-style IDE controller
 * with bus-master DMA (specs/trap-emulate.md §3), and its guest driver. The two halves meet only
 * through port I/O (legacy 0x1F0–0x1F7 / 0x3F6, BAR4), PCI configuration, IRQ 14 and guest RAM
 * (PRD tables and DMA buffers).
 */
import type { BlockBackend } from '../../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../platform/machine.js';
import { type HostDevice, type ModelConfig, type Support, startDriverOnVcpu } from '../../platform/model.js';
import type { BlockPort } from '../../platform/ports.js';
import { type EmulatedClassBinding, exitHandlerKind } from '../binding.js';
import { Piix3IdeController } from './controller.js';
import { bringUpIde } from './driver-setup.js';
import { ideSettings } from './knobs.js';

export { BusMasterChannel } from './bmdma.js';
export { IdeChannel } from './channel.js';
export { CommandKind, commandKind } from './commands.js';
export { PIIX3_IDE_FUNCTION, PIIX3_IDE_SLOT, Piix3IdeController, type Piix3IdeOptions } from './controller.js';
export { AtaDrive, type DriveStats } from './drive.js';
export { DRQ_POLL_LIMIT, IDE_MAX_SECTORS, type IdeDeviceFacts, IdeDriver, type IdeDriverStats } from './driver.js';
export { BRING_UP_POLL_LIMIT, bringUpIde, IdeProbeError } from './driver-setup.js';
export * from './identify.js';
export { createPiix3IsaBridge, Piix3IsaBridge } from './isa-bridge.js';
export { type IdeSettings, type IdeSettingsResult, ideSettings, MULTIPLE_COUNTS } from './knobs.js';
export { enableIoBar } from './pci-probe.js';
export * from './registers.js';
export { UnitRegisters } from './taskfile.js';

/** The host half: the PIIX3 IDE function with one disk, handlers where `exits=` says. */
export function createIdeHost(host: HostPlatform, backend: BlockBackend, config: ModelConfig): Piix3IdeController {
  return new Piix3IdeController(host, backend, { handlerKind: exitHandlerKind(config) });
}

export const ideBinding: EmulatedClassBinding<'block'> = {
  createHost(host: HostPlatform, backend: BlockBackend, config: ModelConfig): HostDevice {
    const controller = createIdeHost(host, backend, config);
    return { name: controller.name, describe: () => controller.describe() };
  },

  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: BlockPort) => void,
    fail: (e: Error) => void,
  ): void {
    const resolved = ideSettings(config);
    if (!resolved.ok) {
      guest.sched.after(0, () => fail(new Error(resolved.reason)));
      return;
    }
    // Bring-up is register I/O: run it on the vCPU so its exits are priced there.
    startDriverOnVcpu(guest, () => bringUpIde(guest, resolved.settings), ready, fail);
  },

  support(config: ModelConfig): Support {
    const resolved = ideSettings(config);
    return resolved.ok ? { ok: true } : { ok: false, reason: resolved.reason };
  },
};
