/**
 * The console class of the trap-and-emulate model: a 16550A at COM1 (0x3F8, IRQ 4) over the
 * reference ConsoleBackend, and its driver offering the ConsolePort (specs/trap-emulate.md §2).
 */
import type { ConsoleBackend } from '../../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../platform/machine.js';
import { type HostDevice, type ModelConfig, type Support, startDriverOnVcpu } from '../../platform/model.js';
import type { ConsolePort } from '../../platform/ports.js';
import { type EmulatedClassBinding, exitHandlerKind } from '../binding.js';
import { fifoModeFor, type UartFifoMode, uartMode, uartSupport } from './config.js';
import { Uart16550Device } from './device.js';
import { UartDriver, type UartDriverOptions } from './driver.js';
import { COM1_BASE, COM1_IRQ, UART_PORT_COUNT } from './registers.js';

export * from './config.js';
export { Uart16550Device, type UartDeviceOptions, type UartDeviceStats, type UartState } from './device.js';
export {
  ISR_PASS_LIMIT,
  UART_MAX_WRITE,
  UartDriver,
  type UartDriverOptions,
  type UartDriverStats,
  UartProbeError,
} from './driver.js';
export { INPUT_CHUNK_BYTES } from './input-stage.js';
export { UartReceiver, type UartReceiverStats } from './receiver.js';
export * from './registers.js';

/** The host actor the device's timer and the backend live on (the runner builds the backend there). */
const DEVICE_ACTOR = 'device';

/** Build the device, map COM1 on the host bus (handlers where `exits=` says) and attach the backend. */
export function createUartHost(host: HostPlatform, backend: ConsoleBackend, config: ModelConfig): Uart16550Device {
  const device = new Uart16550Device(host.irq, host.actor(DEVICE_ACTOR), backend, { gsi: COM1_IRQ });
  host.bus.map('pio', COM1_BASE, UART_PORT_COUNT, device, exitHandlerKind(config), 'uart-16550a');
  backend.setReceiver(device);
  return device;
}

/** Driver settings for a supported config (`uartSupport(config).ok`). */
export function uartDriverOptions(config: ModelConfig): UartDriverOptions {
  const mapped = fifoModeFor(config.knobs.coalesce);
  const fifo: UartFifoMode = 'unsupported' in mapped ? { kind: 'off' } : mapped;
  return { mode: uartMode(config), fifo };
}

export const uartBinding: EmulatedClassBinding<'console'> = {
  createHost(host: HostPlatform, backend: ConsoleBackend, config: ModelConfig): HostDevice {
    const device = createUartHost(host, backend, config);
    return { name: 'uart-16550a', describe: () => ({ ...device.state(), ...device.stats }) };
  },

  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: ConsolePort) => void,
    fail: (e: Error) => void,
  ): void {
    // Bring-up runs on the vCPU so its exits are priced there.
    startDriverOnVcpu(guest, () => UartDriver.start(guest, uartDriverOptions(config)), ready, fail);
  },

  support(config: ModelConfig): Support {
    return uartSupport(config);
  },
};
