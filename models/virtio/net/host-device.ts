/** What `createHost` returns for a virtio class: the transport and the device logic, for tests and traces. */
import type { HostDevice } from '../../platform/model.js';
import type { VirtioDeviceLogic } from '../device-logic.js';
import type { VirtioPciDevice } from '../pci/device.js';

export interface DescribedLogic extends VirtioDeviceLogic {
  describe(): Record<string, unknown>;
}

export class VirtioHostDevice<L extends DescribedLogic> implements HostDevice {
  readonly name: string;

  constructor(
    readonly transport: VirtioPciDevice,
    readonly logic: L,
  ) {
    this.name = `virtio-${logic.name}`;
  }

  describe(): Record<string, unknown> {
    return { status: this.transport.deviceStatus, failure: this.transport.failure, ...this.logic.describe() };
  }
}
