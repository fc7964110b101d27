/**
 * The host half of a virtio class: its device logic behind the modern virtio-pci transport, at PCI
 * slot 2 as in the QEMU peer tests, with the options every class derives from the model config.
 */
import type { CopyMode } from '../../platform/knobs.js';
import type { HostPlatform } from '../../platform/machine.js';
import type { HostDevice, ModelConfig } from '../../platform/model.js';
import type { VirtioDeviceLogic } from '../device-logic.js';
import { notifyMechanism, queueSizeOption } from '../options.js';
import { VirtioPciDevice, type VirtioPciOptions } from '../pci/device.js';

/** A device logic that can report its own counters (merged into `describe()`). */
export interface DescribedLogic extends VirtioDeviceLogic {
  describe(): Record<string, unknown>;
}

/** What every device logic is built with: its queues' maximum size and the copy knob. */
export interface DeviceOptions {
  /** Maximum size of each queue (power of two). */
  readonly queueSize: number;
  readonly copy: CopyMode;
}

export function deviceOptions(config: ModelConfig): DeviceOptions {
  return { queueSize: queueSizeOption(config), copy: config.knobs.copy };
}

/** The transport options of the model config: the kick path, the knobs, slot 2. */
export function transportOptions(config: ModelConfig): VirtioPciOptions {
  return { notify: notifyMechanism(config) === 'exit' ? 'userspace' : 'ioeventfd', knobs: config.knobs, slot: 2 };
}

/** What `createHost` returns for a virtio class: the transport and the device logic, for tests and traces. */
export class VirtioHostDevice<L extends DescribedLogic> implements HostDevice {
  readonly name: string;
  readonly transport: VirtioPciDevice;

  constructor(
    host: HostPlatform,
    readonly logic: L,
    config: ModelConfig,
  ) {
    this.name = `virtio-${logic.name}`;
    this.transport = new VirtioPciDevice(host, logic, transportOptions(config));
  }

  describe(): Record<string, unknown> {
    return { status: this.transport.deviceStatus, failure: this.transport.failure, ...this.logic.describe() };
  }
}
