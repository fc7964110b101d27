/**
 * The rig of the hostile-driver cases (specs/virtio.md §10): a DeviceRing over recorded guest
 * memory, a byte-level ring builder playing the driver, and the check every refusal must pass —
 * a typed VirtqueueError, no state change, no write, no read outside the described ranges.
 */
import { SabGuestMemory } from '../../../../models/platform/memory.js';
import { Meter } from '../../../../models/platform/meter.js';
import { DescriptorChain } from '../../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing, type DeviceRingOptions } from '../../../../models/virtio/ring/device-ring.js';
import { VirtqueueError, type VirtqueueErrorCode } from '../../../../models/virtio/ring/errors.js';
import { expectDeepEqual, expectEqual, expectThrows } from '../../assert.js';
import type { ConformanceCase, SpecRef } from '../../case.js';
import { layoutRing, type Range, RecordingMemory, type RingAreas, VirtqBuilder } from '../../support/virtq-builder.js';

// Descriptor flags written out here, not imported: the builder must not share constants with the code under test.
export const NEXT = 1;
export const WRITE = 2;
export const RING_BASE = 0x1000;
export const BUF = 0x20000;
export const TABLE = 0x40000;

export interface Memories {
  readonly guest: SabGuestMemory;
  readonly host: SabGuestMemory;
}

export function memories(bytes = 1 << 20): Memories {
  const sab = SabGuestMemory.allocate(bytes);
  return { guest: new SabGuestMemory(sab, new Meter(), 'guest'), host: new SabGuestMemory(sab, new Meter(), 'host') };
}

export interface HostileRig {
  readonly size: number;
  readonly areas: RingAreas;
  readonly b: VirtqBuilder;
  readonly rec: RecordingMemory;
  readonly device: DeviceRing;
  readonly chain: DescriptorChain;
}

export function rig(
  size = 8,
  opts: Partial<DeviceRingOptions> & { capacity?: number; memoryBytes?: number; memory?: RecordingMemory } = {},
): HostileRig {
  const m = memories(opts.memoryBytes);
  const rec = opts.memory ?? new RecordingMemory(m.host);
  const areas = layoutRing(RING_BASE, size);
  const b = new VirtqBuilder(opts.memory ?? m.guest, size, areas).clear();
  const device = new DeviceRing(rec, size, areas, { eventIdx: opts.eventIdx ?? true, indirect: opts.indirect ?? true });
  return { size, areas, b, rec, device, chain: new DescriptorChain(opts.capacity ?? size) };
}

export function ringRanges(r: HostileRig): Range[] {
  return [
    { addr: r.areas.desc, len: 16 * r.size },
    { addr: r.areas.avail, len: 6 + 2 * r.size },
    { addr: r.areas.used, len: 6 + 8 * r.size },
  ];
}

/** Pop must throw `code`, change nothing, write nothing and read only the ring and `tables`. */
export function expectRejected(r: HostileRig, code: VirtqueueErrorCode, tables: Range[] = []): VirtqueueError {
  const before = [r.device.lastAvail, r.device.usedIdx, r.device.inFlight];
  r.rec.clear();
  const err = expectThrows(() => r.device.pop(r.chain), VirtqueueError, `pop of a ${code} ring`);
  expectEqual(err.code, code, 'error code');
  expectDeepEqual(r.rec.writes(), [], 'guest memory writes');
  expectDeepEqual(r.rec.outside('read', [...ringRanges(r), ...tables]), [], 'reads outside the described ranges');
  expectDeepEqual([r.device.lastAvail, r.device.usedIdx, r.device.inFlight], before, '[lastAvail, usedIdx, inFlight]');
  return err;
}

export function descriptorReads(r: HostileRig): number {
  return r.rec.accesses.filter((a) => a.op === 'read' && a.addr >= r.areas.desc && a.addr < r.areas.desc + 16 * r.size)
    .length;
}

/** 16 GiB of address space over a small buffer: only the ring (low memory) is ever read. */
export class WideMemory extends RecordingMemory {
  override get size(): number {
    return 2 ** 34;
  }
  override inRange(addr: number, len: number): boolean {
    return Number.isInteger(addr) && Number.isInteger(len) && addr >= 0 && len >= 0 && addr <= this.size - len;
  }
}

export function hostile(item: string, virtioSection: string, paraphrase: string): SpecRef {
  return { doc: 'specs/virtio.md', section: `§10 ${item} (virtio 1.2 ${virtioSection})`, level: 'MUST', paraphrase };
}

export function ringCase(id: string, title: string, ref: SpecRef, run: () => void): ConformanceCase {
  return { id: `virtio-ring.${id}`, title, ref, models: ['virtio'], run };
}
