/**
 * Test library: a recording virtio-blk device logic to check a guest driver against (the other side
 * of the protocol, mocked). It pops every chain, records what the driver put in it, and answers at
 * once: status OK (or UNSUPP for a type it does not know), IN/GET_ID data filled with `fillByte`,
 * used len = bytes written. It offers the same features and config as our device.
 */

import { BLK_CONFIG_SIZE, BlkConfigSpace, blkOfferedFeatures } from '../../../models/virtio/blk/config-space.js';
import type { ActiveDevice, VirtioDeviceLogic } from '../../../models/virtio/device-logic.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';

export interface SeenRequest {
  readonly type: number;
  readonly sector: number;
  /** Lengths of the readable and writable segments, in chain order. */
  readonly readable: readonly number[];
  readonly writable: readonly number[];
  /** The 16-B discard / write-zeroes segment after the header, when there is one. */
  readonly segment?: { sector: number; sectors: number; flags: number };
}

export class RecordingBlkDevice implements VirtioDeviceLogic {
  readonly deviceType = 2;
  readonly name = 'blk-recorder';
  readonly queueMaxSizes: readonly number[];
  readonly features: bigint;
  readonly configSize = BLK_CONFIG_SIZE;
  readonly seen: SeenRequest[] = [];
  fillByte = 0x5a;
  private readonly config: BlkConfigSpace;
  private readonly chain: DescriptorChain;
  private ctx: ActiveDevice | undefined;

  constructor(capacitySectors: number, queueSize = 256, readOnly = false) {
    this.queueMaxSizes = [queueSize];
    this.features = blkOfferedFeatures(readOnly);
    this.config = new BlkConfigSpace(capacitySectors, queueSize);
    this.chain = new DescriptorChain(queueSize);
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }
  writeConfig(): void {}
  activate(ctx: ActiveDevice): void {
    this.ctx = ctx;
  }
  reset(): void {
    this.ctx = undefined;
  }

  kick(): void {
    const ctx = this.ctx;
    const ring = ctx?.rings[0];
    if (ctx === undefined || ring === undefined) return;
    const mem = ctx.mem;
    const c = this.chain;
    while (ring.pop(c)) {
      const readable: number[] = [];
      const writable: number[] = [];
      for (let i = 0; i < c.count; i++) (c.writable[i] === 1 ? writable : readable).push(c.len[i] as number);
      const h = c.addr[0] as number;
      const type = mem.u32(h);
      const seen: SeenRequest = { type, sector: mem.u64(h + 8), readable, writable };
      if ((type === 11 || type === 13) && c.readableCount > 1) {
        const s = c.addr[1] as number;
        this.seen.push({ ...seen, segment: { sector: mem.u64(s), sectors: mem.u32(s + 8), flags: mem.u32(s + 12) } });
      } else {
        this.seen.push(seen);
      }
      let written = 0;
      if (type === 0 || type === 8) {
        // Fill every writable byte but the status byte.
        for (let i = c.readableCount; i < c.count; i++) {
          const len = (c.len[i] as number) - (i === c.count - 1 ? 1 : 0);
          mem.fill(c.addr[i] as number, len, this.fillByte);
          written += len;
        }
      }
      const last = c.count - 1;
      const known = type === 0 || type === 1 || type === 4 || type === 8 || type === 11 || type === 13;
      mem.setU8((c.addr[last] as number) + (c.len[last] as number) - 1, known ? 0 : 2);
      ring.pushUsed(c.head, written + 1);
    }
    ctx.publishUsed(0);
  }
}
