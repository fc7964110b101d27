/**
 * virtio hot paths: the split-ring cycle (harness/micro/virtio-ring.ts) and the device's
 * virtio-blk request header parse — copy the 16-byte header out of the chain privately (H21,
 * through the device-side chain cursor) and decode type and sector, as the blk device does for
 * every request.
 */
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { Meter } from '../../../models/platform/meter.js';
import { Rng } from '../../../models/platform/rng.js';
import { ChainCursor, readChain } from '../../../models/virtio/device/chain-bytes.js';
import {
  availRingSize,
  BlkOutHdr,
  BlkReqType,
  BlkSizes,
  descTableSize,
  usedRingSize,
} from '../../../models/virtio/layout.js';
import { DescriptorChain } from '../../../models/virtio/ring/descriptor-chain.js';
import { DeviceRing } from '../../../models/virtio/ring/device-ring.js';
import { DriverRing } from '../../../models/virtio/ring/driver-ring.js';
import { type BatchTask, type MicroBenchmark, measureBatched } from '../measure.js';
import { benchSplitRingCycle } from '../virtio-ring.js';

/** Three descriptors per request: the ring holds all REQUESTS at once. */
const QUEUE_SIZE = 256;
const REQUESTS = 64;
const RING_BASE = 0x1000;
const TWO32 = 4294967296;
const REQUEST_TYPES = [BlkReqType.IN, BlkReqType.OUT, BlkReqType.FLUSH] as const;

/** Pops REQUESTS requests (header | 4 KiB data | status) with seeded headers, then parses them round-robin. */
export function blkHeaderParseTask(seed: number): BatchTask {
  const desc = RING_BASE;
  const avail = desc + descTableSize(QUEUE_SIZE);
  const used = Math.ceil((avail + availRingSize(QUEUE_SIZE)) / 4) * 4;
  const buffers = Math.ceil((used + usedRingSize(QUEUE_SIZE)) / 4096) * 4096;
  const requestBytes = 2 * 4096;
  const sab = SabGuestMemory.allocate(buffers + REQUESTS * requestBytes);
  const guest = new SabGuestMemory(sab, new Meter(), 'guest');
  const host = new SabGuestMemory(sab, new Meter(), 'host');
  const areas = { desc, avail, used };
  const driver = new DriverRing(guest, QUEUE_SIZE, areas, { eventIdx: false, indirect: false });
  const device = new DeviceRing(host, QUEUE_SIZE, areas, { eventIdx: false, indirect: false });
  const rng = new Rng(seed);
  for (let i = 0; i < REQUESTS; i++) {
    const hdr = buffers + i * requestBytes;
    const type = REQUEST_TYPES[rng.below(REQUEST_TYPES.length)] as number;
    guest.setU32(hdr + BlkOutHdr.type, type);
    guest.setU32(hdr + BlkOutHdr.reserved, 0);
    guest.setU64(hdr + BlkOutHdr.sector, rng.below(1 << 20) * 8);
    driver.begin();
    driver.addReadable(hdr, BlkOutHdr.size);
    driver.addWritable(hdr + 4096, 4096);
    driver.addWritable(hdr + BlkOutHdr.size, BlkSizes.STATUS);
    if (driver.commit(i) < 0) throw new Error('blk header parse: ring full during set-up');
  }
  driver.publish();
  const chains: DescriptorChain[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const chain = new DescriptorChain(4);
    if (!device.pop(chain)) throw new Error('blk header parse: ring set-up failed');
    chains.push(chain);
  }
  const cursor = new ChainCursor();
  const hdr = new Uint8Array(BlkOutHdr.size);
  const view = new DataView(hdr.buffer);
  let next = 0;
  return {
    run(n) {
      let sink = 0;
      for (let i = 0; i < n; i++) {
        const chain = chains[next] as DescriptorChain;
        next = (next + 1) & (REQUESTS - 1);
        readChain(host, cursor, chain, 0, BlkOutHdr.size, hdr);
        const type = view.getUint32(BlkOutHdr.type, true);
        const sector = view.getUint32(BlkOutHdr.sector, true) + view.getUint32(BlkOutHdr.sector + 4, true) * TWO32;
        const dataIn = chain.writableBytes - BlkSizes.STATUS;
        sink += type + (sector % 4093) + (dataIn & 0xff);
      }
      return sink;
    },
  };
}

export const VIRTIO_MICRO: readonly MicroBenchmark[] = [
  {
    id: 'virtio/split-ring-cycle',
    model: 'virtio',
    title: 'split virtqueue cycle: add, publish, kick check, pop, push, flush, interrupt check, get',
    params: { queueSize: 256, readable: 1, writable: 0, eventIdx: false, indirect: false },
    measure: async (o) => {
      const r = await benchSplitRingCycle({ timeMs: o.timeMs, warmupMs: o.warmupMs });
      return {
        nsPerOp: r.nsPerCycleP50,
        samples: r.samples,
        opsPerSample: r.options.cyclesPerSample,
        checksum: r.checksum,
        warnings: [],
      };
    },
  },
  {
    id: 'virtio/blk-header-parse',
    model: 'virtio',
    title: 'virtio-blk request header parse: copy 16 B out of the chain, decode type and sector',
    params: { queueSize: QUEUE_SIZE, requests: REQUESTS, headerBytes: BlkOutHdr.size },
    measure: (o) => measureBatched(blkHeaderParseTask(o.seed), o),
  },
];
