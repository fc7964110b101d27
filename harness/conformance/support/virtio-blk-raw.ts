/**
 * Test library: our virtio-blk device on the sim machine driven by the raw rig (no guest driver),
 * with helpers that lay out blk requests byte by byte (virtio 1.2 §5.2.6).
 */

import {
  createBlockBackend,
  type ReferenceBlockBackend,
  type ServiceModelName,
} from '../../../models/backend/index.js';
import { type CopyMode, DEFAULT_KNOBS } from '../../../models/platform/knobs.js';
import { blkBinding, type VirtioBlkDevice } from '../../../models/virtio/blk/index.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';
import { DEFAULT_OPTIONS } from './virtio-blk-stack.js';
import { F_VERSION_1, makeRawRig, type RawRig } from './virtio-raw-rig.js';
import type { Segment } from './virtq-builder.js';

// virtio 1.2 §5.2.6, written out here on purpose.
export const T_IN = 0;
export const T_OUT = 1;
export const T_FLUSH = 4;
export const T_GET_ID = 8;
export const T_DISCARD = 11;
export const T_WRITE_ZEROES = 13;
export const S_OK = 0;
export const S_IOERR = 1;
export const S_UNSUPP = 2;
export const F_DISCARD = 1n << 13n;
export const F_WRITE_ZEROES = 1n << 14n;
/** Written into status bytes before a request: still there afterwards = the device never wrote it. */
export const POISON = 0xee;

export interface RawBlk {
  readonly m: SimMachine;
  readonly backend: ReferenceBlockBackend;
  readonly logic: VirtioBlkDevice;
  readonly rig: RawRig;
  /** Lay out a chain over fresh descriptor indices, offer it and kick; returns the head. */
  send(segments: readonly Segment[]): number;
  /** A 16-B request header in guest memory. */
  header(type: number, sector: number): number;
  /** A status byte preset to POISON. */
  statusByte(): number;
  u8(addr: number): number;
  bytes(addr: number, len: number): Uint8Array;
  /** Backend contents (read straight from the store, no device involved). */
  disk(sector: number, sectors: number): Uint8Array;
}

export interface RawBlkOptions {
  readOnly?: boolean;
  copy?: CopyMode;
  service?: ServiceModelName;
  features?: bigint;
  capacitySectors?: number;
  queueSize?: number;
}

export function makeRawBlk(opts: RawBlkOptions = {}): RawBlk {
  const m = createSimMachine({ memBytes: 32 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 3 });
  const backend = createBlockBackend(
    {
      store: 'memory',
      capacitySectors: opts.capacitySectors ?? 1024,
      readOnly: opts.readOnly === true,
      service: opts.service ?? 'ram',
    },
    m.host.actor('device'),
    m.host.meter,
    m.host.rng,
  );
  const config = {
    knobs: { ...DEFAULT_KNOBS, copy: opts.copy ?? 'zerocopy' },
    options: { ...DEFAULT_OPTIONS, 'queue-size': String(opts.queueSize ?? 16) },
  };
  const host = blkBinding.createHost(m.host, backend, config);
  const rig = makeRawRig(m, host.transport, {
    features: opts.features ?? F_VERSION_1,
    queueSize: opts.queueSize ?? 16,
  });
  let nextDesc = 0;
  const mem = m.guest.mem;
  return {
    m,
    backend,
    logic: host.logic,
    rig,
    send(segments) {
      const indices = segments.map(() => {
        const i = nextDesc;
        nextDesc = (nextDesc + 1) % rig.size;
        return i;
      });
      const head = rig.q.chain(indices, segments);
      rig.q.offer(head);
      rig.kick();
      return head;
    },
    header(type, sector) {
      const a = m.guest.alloc.alloc(16, 16);
      rig.q
        .put(a, type, 4)
        .put(a + 4, 0, 4)
        .put(a + 8, sector, 8);
      return a;
    },
    statusByte() {
      const a = m.guest.alloc.alloc(1, 16);
      mem.setU8(a, POISON);
      return a;
    },
    u8: (addr) => mem.u8(addr),
    bytes(addr, len) {
      const out = new Uint8Array(len);
      mem.load(addr, len, out);
      return out;
    },
    disk(sector, sectors) {
      const out = new Uint8Array(sectors * 512);
      backend.store.readBytes(sector * 512, out, 0, out.length);
      return out;
    },
  };
}
