/**
 * Test library: our virtio-net device on the sim engine, driven by the hand-written guest of
 * raw-virtio.ts (no driver of ours involved) over the reference backend, whose transmit is spied on.
 * Reused by the virtio-net conformance cases.
 */

import { createNetBackend, type NetBackendOptions, type ReferenceNetBackend } from '../../../models/backend/index.js';
import { DEFAULT_KNOBS, type Knobs } from '../../../models/platform/knobs.js';
import { VirtioNetDevice } from '../../../models/virtio/net/device.js';
import { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { createSimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';
import { F_VERSION_1, makeRawVirtio, type RawQueue, type RawVirtio } from './virtio-raw-guest.js';

// virtio 1.2 §5.1.3, written out so the rig shares no constants with the device.
export const F_NET_MTU = 1n << 3n;
export const F_NET_MAC = 1n << 5n;
export const F_NET_MRG_RXBUF = 1n << 15n;
export const F_NET_STATUS = 1n << 16n;
export const NET_HDR = 12;

export interface RawNetOptions {
  features?: bigint;
  queueSize?: number;
  knobs?: Partial<Knobs>;
  backend?: Partial<NetBackendOptions>;
  /** Stop before DRIVER_OK / queue setup (default: bring the device all the way up). */
  setup?: boolean;
}

export interface RawNet {
  readonly raw: RawVirtio;
  readonly backend: ReferenceNetBackend;
  readonly logic: VirtioNetDevice;
  readonly dev: VirtioPciDevice;
  readonly rx: RawQueue;
  readonly tx: RawQueue;
  readonly transmitted: Uint8Array[];
  /** Post `count` device-writable buffers of `len` bytes on the rx queue and publish them; returns their addresses. */
  postRx(len: number, count: number): number[];
  /** Put a chain of `segments` on queue `q` at descriptor indices from `first`, publish it. */
  offer(q: RawQueue, first: number, segments: { addr: number; len: number; write?: boolean }[]): void;
  /** Copy `bytes` into a fresh guest buffer. */
  put(bytes: Uint8Array): number;
}

export function makeRawNet(opts: RawNetOptions = {}): RawNet {
  const m = createSimMachine({ memBytes: 32 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 5 });
  const knobs = { ...DEFAULT_KNOBS, ...opts.knobs };
  const backend = createNetBackend(
    { peer: { mode: 'echo' }, ...opts.backend },
    m.host.actor('device'),
    m.host.meter,
    m.host.rng,
  );
  const transmitted: Uint8Array[] = [];
  const forward = backend.transmit.bind(backend);
  backend.transmit = (bytes, offset, length) => {
    transmitted.push(bytes.slice(offset, offset + length));
    forward(bytes, offset, length);
  };
  const size = opts.queueSize ?? 16;
  const logic = new VirtioNetDevice(backend, { queueSize: size, copy: knobs.copy });
  const dev = new VirtioPciDevice(m.host, logic, { notify: 'ioeventfd', knobs, slot: 2 });
  const raw = makeRawVirtio(m, dev, 2);
  let rx: RawQueue | undefined;
  let tx: RawQueue | undefined;
  if (opts.setup !== false) {
    if (!raw.negotiate(opts.features ?? F_VERSION_1 | F_NET_MAC | F_NET_STATUS))
      throw new Error('raw net: features refused');
    rx = raw.setupQueue(0, size);
    tx = raw.setupQueue(1, size);
    raw.driverOk();
  }
  let nextRx = 0;
  const put = (bytes: Uint8Array): number => {
    const a = m.guest.alloc.alloc(bytes.length, 64);
    m.guest.mem.store(a, bytes, 0, bytes.length);
    return a;
  };
  const offer = (q: RawQueue, first: number, segments: { addr: number; len: number; write?: boolean }[]): void => {
    const indices = segments.map((_, i) => (first + i) % q.size);
    q.q.offer(q.q.chain(indices, segments));
  };
  return {
    raw,
    backend,
    logic,
    dev,
    get rx(): RawQueue {
      if (rx === undefined) throw new Error('raw net: queues not set up');
      return rx;
    },
    get tx(): RawQueue {
      if (tx === undefined) throw new Error('raw net: queues not set up');
      return tx;
    },
    transmitted,
    postRx: (len, count) => {
      const q = rx as RawQueue;
      const addrs: number[] = [];
      for (let i = 0; i < count; i++) {
        const addr = raw.buffer(len, 0xee);
        offer(q, nextRx++, [{ addr, len, write: true }]);
        addrs.push(addr);
      }
      return addrs;
    },
    offer,
    put,
  };
}
