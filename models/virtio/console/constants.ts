/**
 * The slice of virtio-console (virtio 1.2 §5.3) this device and driver implement: port 0 only
 * (no MULTIPORT), EMERG_WRITE, the 12-byte config.
 */
import { ConsoleConfig, ConsoleFeature, ConsoleQueue } from '../layout.js';

/** Port 0: receiveq 0, transmitq 1. virtio 1.2 §5.3.2. */
export const ConsolePortQueue = { RX: ConsoleQueue.PORT0_RX, TX: ConsoleQueue.PORT0_TX } as const;

/** Device-specific features offered. virtio 1.2 §5.3.3. */
export const CONSOLE_DEVICE_FEATURES: bigint = 1n << BigInt(ConsoleFeature.EMERG_WRITE);

/** cols, rows, max_nr_ports, emerg_wr. virtio 1.2 §5.3.4. */
export const CONSOLE_CONFIG_BYTES = ConsoleConfig.size;

/** Terminal size reported (the classic 80×25 text console). */
export const CONSOLE_SIZE = { cols: 80, rows: 25 } as const;

/** Receive buffer per rx slot and the largest single write (Linux posts PAGE_SIZE console buffers). */
export const CONSOLE_BUFFER_BYTES = 4096;
