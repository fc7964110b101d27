/** Shared set-up for the ring tests: one guest memory seen by a driver (guest side) and a device (host side). */

import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { DriverRing, type IndirectPool } from '../../../models/virtio/ring/driver-ring.js';
import { layoutRing, type RingAreas, ringFootprint } from '../../support/virtq-builder.js';

export const RING_BASE = 0x1000;

export interface Memories {
  readonly guest: SabGuestMemory;
  readonly host: SabGuestMemory;
}

export function memories(bytes = 1 << 20): Memories {
  const sab = SabGuestMemory.allocate(bytes);
  return { guest: new SabGuestMemory(sab, new Meter(), 'guest'), host: new SabGuestMemory(sab, new Meter(), 'host') };
}

export interface PairOptions {
  readonly size: number;
  readonly eventIdx?: boolean;
  readonly indirect?: boolean;
  /** Indirect tables in the pool (default 4 when `indirect`). */
  readonly tables?: number;
  readonly entriesPerTable?: number;
  readonly memoryBytes?: number;
}

export interface Pair extends Memories {
  readonly size: number;
  readonly areas: RingAreas;
  readonly pool: IndirectPool | undefined;
  readonly driver: DriverRing;
  readonly device: DeviceRing;
  readonly chain: DescriptorChain;
  /** First byte free for buffers. */
  readonly bufferBase: number;
}

export function pair(opts: PairOptions): Pair {
  const mems = memories(opts.memoryBytes);
  const { size } = opts;
  const eventIdx = opts.eventIdx ?? false;
  const indirect = opts.indirect ?? false;
  const areas = layoutRing(RING_BASE, size);
  let next = Math.ceil((areas.desc + ringFootprint(areas, size)) / 16) * 16;
  let pool: IndirectPool | undefined;
  if (indirect) {
    const entriesPerTable = opts.entriesPerTable ?? 8;
    const tables = opts.tables ?? 4;
    pool = { addr: next, entriesPerTable, tables };
    next += entriesPerTable * tables * 16;
  }
  const driver = new DriverRing(mems.guest, size, areas, {
    eventIdx,
    indirect,
    ...(pool === undefined ? {} : { indirectPool: pool }),
  });
  const device = new DeviceRing(mems.host, size, areas, { eventIdx, indirect });
  const chain = new DescriptorChain(Math.max(size, opts.entriesPerTable ?? 0));
  return { ...mems, size, areas, pool, driver, device, chain, bufferBase: Math.ceil(next / 4096) * 4096 };
}

/** Submit one chain of `readable` then `writable` segments of `len` bytes each; returns the head or −1. */
export function submit(p: Pair, token: number, readable: number, writable: number, len = 64): number {
  p.driver.begin();
  let addr = p.bufferBase + (token % 64) * 0x1000;
  for (let i = 0; i < readable; i++, addr += len) p.driver.addReadable(addr, len);
  for (let i = 0; i < writable; i++, addr += len) p.driver.addWritable(addr, len);
  return p.driver.commit(token);
}

/** Pop everything available and return it all with `len` written; returns the heads in pop order. */
export function serveAll(p: Pair, len: (chain: DescriptorChain) => number = (c) => c.writableBytes): number[] {
  const heads: number[] = [];
  while (p.device.pop(p.chain)) {
    heads.push(p.chain.head);
    p.device.pushUsed(p.chain.head, len(p.chain));
  }
  return heads;
}

/** Reclaim everything used; returns the tokens in order. */
export function reapAll(driver: DriverRing): number[] {
  const tokens: number[] = [];
  for (let t = driver.getUsed(); t !== -1; t = driver.getUsed()) tokens.push(t);
  return tokens;
}
