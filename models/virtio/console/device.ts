/**
 * virtio-console device logic, port 0 only (virtio 1.2 §5.3; specs/virtio.md §6.3, §7): transmitq
 * chains (device-readable only) go to the ConsoleBackend with used len 0; receiveq lives in
 * receiver.ts. EMERG_WRITE: a write to `emerg_wr` outputs its low byte at once, configured or not (V17).
 */
import type { ConsoleBackend } from '../../platform/backend-api.js';
import type { CopyMode } from '../../platform/knobs.js';
import { ChainCursor } from '../device/chain-bytes.js';
import { ConfigSpace } from '../device/config-space.js';
import { DeviceQueue } from '../device/device-queue.js';
import type { DescribedLogic, DeviceOptions } from '../device/host-device.js';
import type { ActiveDevice } from '../device-logic.js';
import { ConsoleConfig, VirtioDeviceId } from '../layout.js';
import type { DescriptorChain } from '../ring/descriptor-chain.js';
import { CONSOLE_CONFIG_BYTES, CONSOLE_DEVICE_FEATURES, CONSOLE_SIZE, ConsolePortQueue } from './constants.js';
import { ConsoleReceiver } from './receiver.js';

/** Scatter-gather entries one transmit chain may have (QEMU's VIRTQUEUE_MAX_SIZE). */
export const CONSOLE_TX_CHAIN_SEGMENTS = 1024;

/** Bounce buffer for copy mode; longer segments go through it in pieces. */
const TX_BOUNCE_BYTES = 65536;

export interface ConsoleTxStats {
  txBytes: number;
  txBuffers: number;
  emergencyBytes: number;
}

export class VirtioConsoleDevice implements DescribedLogic {
  readonly deviceType = VirtioDeviceId.CONSOLE;
  readonly name = 'console';
  readonly queueMaxSizes: readonly number[];
  readonly features = CONSOLE_DEVICE_FEATURES;
  readonly configSize = CONSOLE_CONFIG_BYTES;
  readonly rx: ConsoleReceiver;
  readonly stats: ConsoleTxStats = { txBytes: 0, txBuffers: 0, emergencyBytes: 0 };
  private readonly config = new ConfigSpace(CONSOLE_CONFIG_BYTES);
  private readonly copy: CopyMode;
  private readonly tx: DeviceQueue;
  private readonly cursor = new ChainCursor();
  private readonly txBounce = new Uint8Array(TX_BOUNCE_BYTES);
  private readonly emergencyByte = new Uint8Array(1);

  constructor(
    private readonly backend: ConsoleBackend,
    opts: DeviceOptions,
  ) {
    this.queueMaxSizes = [opts.queueSize, opts.queueSize];
    this.copy = opts.copy;
    this.tx = new DeviceQueue(ConsolePortQueue.TX, CONSOLE_TX_CHAIN_SEGMENTS, this.handleTx);
    const v = this.config.view;
    v.setUint16(ConsoleConfig.cols, CONSOLE_SIZE.cols, true);
    v.setUint16(ConsoleConfig.rows, CONSOLE_SIZE.rows, true);
    v.setUint32(ConsoleConfig.max_nr_ports, 1, true);
    this.rx = new ConsoleReceiver(opts.queueSize, opts.copy);
    backend.setReceiver(this.rx);
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  /** Only emerg_wr is writable; it reads back 0 (virtio 1.2 §5.3.4). */
  writeConfig(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (offset !== ConsoleConfig.emerg_wr) return;
    this.emergencyByte[0] = value & 0xff;
    this.stats.emergencyBytes++;
    this.backend.write(this.emergencyByte, 0, 1);
  }

  activate(ctx: ActiveDevice): void {
    this.tx.start(ctx);
    this.rx.start(ctx);
    this.backend.rxReady(); // input held while the device was down may flow once buffers arrive
  }

  kick(queue: number): void {
    if (queue === ConsolePortQueue.RX)
      this.backend.rxReady(); // new receive buffers
    else if (queue === ConsolePortQueue.TX) {
      this.tx.serve();
      this.tx.publish();
    }
  }

  reset(): void {
    this.tx.stop();
    this.rx.stop();
  }

  describe(): Record<string, unknown> {
    return { ...this.stats, ...this.rx.stats };
  }

  private readonly handleTx = (chain: DescriptorChain, ctx: ActiveDevice): void => {
    // transmitq buffers are device-readable only (virtio 1.2 §5.3.6.1, D23).
    if (chain.writableCount > 0) {
      ctx.fail('virtio-console transmitq chain has a device-writable descriptor');
      return;
    }
    const mem = ctx.mem;
    const cursor = this.cursor;
    cursor.start(chain, 'readable', 0, chain.readableBytes);
    while (cursor.next()) {
      const { addr, len } = cursor;
      if (this.copy === 'zerocopy') {
        this.backend.write(mem.bytes, mem.zeroCopy(addr, len), len);
        continue;
      }
      for (let done = 0; done < len; ) {
        const take = Math.min(len - done, TX_BOUNCE_BYTES);
        mem.read(addr + done, take, this.txBounce, 0);
        this.backend.write(this.txBounce, 0, take);
        done += take;
      }
    }
    this.stats.txBytes += chain.readableBytes;
    this.stats.txBuffers++;
    // Nothing is written to a transmit buffer: used len 0 (specs/virtio.md §7).
    this.tx.pushUsed(chain.head, 0);
  };
}
