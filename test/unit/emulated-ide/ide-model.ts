/**
 * A model exposing only the emulated block class (the IDE binding) with the options of
 * models/emulated/index.ts, so runner tests of the disk do not depend on the other classes.
 */
import { ideBinding } from '../../../models/emulated/ide/index.js';
import type { BackendFor } from '../../../models/platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../../models/platform/machine.js';
import type { HostDevice, Model, ModelConfig, Support } from '../../../models/platform/model.js';
import type { DeviceClass, PortFor } from '../../../models/platform/ports.js';

export const ideOnlyModel: Model = {
  id: 'emulated',
  title: 'trap-and-emulate, block class only: PIIX3 IDE with bus-master DMA',
  classes: { block: 'native' },
  options: [
    {
      key: 'ide-mode',
      values: ['pio-word', 'pio-string', 'pio-multiple', 'dma'],
      default: 'pio-string',
      description: 'IDE driver transfer mode',
    },
    { key: 'exits', values: ['user', 'kernel'], default: 'user', description: 'where exits are handled' },
  ],
  support(cls: DeviceClass, config: ModelConfig): Support {
    return cls === 'block' ? ideBinding.support(config) : { ok: false, reason: `no ${cls} class here` };
  },
  createHost<C extends DeviceClass>(
    cls: C,
    host: HostPlatform,
    backend: BackendFor[C],
    config: ModelConfig,
  ): HostDevice {
    if (cls !== 'block') throw new Error(`no ${cls} class here`);
    return ideBinding.createHost(host, backend as BackendFor['block'], config);
  },
  createGuest<C extends DeviceClass>(
    cls: C,
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: PortFor[C]) => void,
    fail: (error: Error) => void,
  ): void {
    if (cls !== 'block') throw new Error(`no ${cls} class here`);
    ideBinding.createGuest(guest, config, ready as (port: PortFor['block']) => void, fail);
  },
};
