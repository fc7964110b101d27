/**
 * Test library: a hand-written guest for multi-queue virtio-pci devices (net, console). It pokes the
 * registers one by one and builds rings byte by byte (test/support/virtq-builder.ts), independently of
 * our guest driver, so conformance cases can post any chain a buggy or hostile driver could and read
 * back exactly what the device did. MSI-X: config → vector 0, queue q → vector 1 + q.
 */

import { MsixControl, MsixEntry } from '../../../models/platform/msix.js';
import { PciCapId } from '../../../models/platform/pci.js';
import { assignBars, PciConfigAccess, resourceWindows } from '../../../models/platform/pci-guest.js';
import { CommonCfg } from '../../../models/virtio/layout.js';
import type { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { BarLayout } from '../../../models/virtio/pci/regs.js';
import type { SimMachine } from '../../engine/sim/machine.js';
import { layoutRing, type RingAreas, VirtqBuilder } from './virtq-builder.js';

// Spec values written out on purpose (virtio 1.2 §2.1, §6): the rig shares no constants with the device.
export const STATUS_ACK = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_NEEDS_RESET = 0x40;
export const F_VERSION_1 = 1n << 32n;
export const F_INDIRECT_DESC = 1n << 28n;
export const F_EVENT_IDX = 1n << 29n;

export interface RawQueue {
  readonly index: number;
  readonly size: number;
  readonly areas: RingAreas;
  readonly q: VirtqBuilder;
}

export interface RawVirtio {
  readonly m: SimMachine;
  readonly dev: VirtioPciDevice;
  /** BAR4 base: COMMON @0, ISR @0x1000, DEVICE @0x2000, NOTIFY @0x3000. */
  readonly regs: number;
  /** MSI-X deliveries the guest took. */
  readonly taken: { config: number; queues: number[] };
  r(off: number, size: 1 | 2 | 4): number;
  w(off: number, size: 1 | 2 | 4, v: number): void;
  /** Device-specific config access. */
  readConfig(off: number, size: 1 | 2 | 4): number;
  writeConfig(off: number, size: 1 | 2 | 4, v: number): void;
  status(): number;
  generation(): number;
  /** Reset, ACK, DRIVER, features, FEATURES_OK; true when FEATURES_OK stuck. */
  negotiate(features: bigint): boolean;
  /** Program and enable queue `index` with a fresh ring of `size` entries. */
  setupQueue(index: number, size: number): RawQueue;
  driverOk(): void;
  kick(queue: number): void;
  settle(): void;
  /** A guest buffer of `len` bytes, filled with `fill`. */
  buffer(len: number, fill?: number): number;
  /** Guest bytes [addr, addr+len). */
  bytes(addr: number, len: number): Uint8Array;
}

export function makeRawVirtio(m: SimMachine, dev: VirtioPciDevice, queues: number, slot = 2): RawVirtio {
  const io = m.guest.io;
  const cfg = new PciConfigAccess(io);
  const bars = assignBars(cfg, slot, resourceWindows(io));
  const regs = bars.find((b) => b.index === BarLayout.regsBar)?.base as number;
  const msixBar = bars.find((b) => b.index === BarLayout.msixBar)?.base as number;
  const msixCap = cfg.capabilities(slot).find((c) => c.id === PciCapId.msix)?.offset as number;
  const table = msixBar + (cfg.read(slot, msixCap + 4, 4) & ~7);
  const taken = { config: 0, queues: new Array<number>(queues).fill(0) };
  const program = (entry: number, handler: () => void): void => {
    const msg = m.guest.irq.allocMsi(handler);
    const e = table + entry * MsixEntry.size;
    io.mmioWrite(e + MsixEntry.addrLo, 4, msg.address);
    io.mmioWrite(e + MsixEntry.addrHi, 4, 0);
    io.mmioWrite(e + MsixEntry.data, 4, msg.data);
    io.mmioWrite(e + MsixEntry.vectorControl, 4, 0);
  };
  program(0, () => taken.config++);
  for (let q = 0; q < queues; q++) {
    program(1 + q, () => {
      taken.queues[q] = (taken.queues[q] ?? 0) + 1;
    });
  }
  cfg.write(slot, msixCap + 2, 2, cfg.read(slot, msixCap + 2, 2) | MsixControl.enable);

  const r = (off: number, size: 1 | 2 | 4): number => io.mmioRead(regs + off, size);
  const w = (off: number, size: 1 | 2 | 4, v: number): void => io.mmioWrite(regs + off, size, v);
  const status = (): number => r(CommonCfg.device_status, 1);
  return {
    m,
    dev,
    regs,
    taken,
    r,
    w,
    readConfig: (off, size) => r(BarLayout.deviceOffset + off, size),
    writeConfig: (off, size, v) => w(BarLayout.deviceOffset + off, size, v),
    status,
    generation: () => r(CommonCfg.config_generation, 1),
    negotiate: (features) => {
      w(CommonCfg.device_status, 1, 0);
      w(CommonCfg.device_status, 1, STATUS_ACK);
      w(CommonCfg.device_status, 1, STATUS_ACK | STATUS_DRIVER);
      w(CommonCfg.driver_feature_select, 4, 0);
      w(CommonCfg.driver_feature, 4, Number(features & 0xffffffffn));
      w(CommonCfg.driver_feature_select, 4, 1);
      w(CommonCfg.driver_feature, 4, Number(features >> 32n));
      w(CommonCfg.device_status, 1, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
      w(CommonCfg.config_msix_vector, 2, 0);
      return (status() & STATUS_FEATURES_OK) !== 0;
    },
    setupQueue: (index, size) => {
      const footprint = 16 * size + 6 + 2 * size + 8 + 6 + 8 * size;
      const areas = layoutRing(m.guest.alloc.alloc(footprint, 4096), size);
      const q = new VirtqBuilder(m.guest.mem, size, areas).clear();
      w(CommonCfg.queue_select, 2, index);
      w(CommonCfg.queue_size, 2, size);
      w(CommonCfg.queue_desc, 4, areas.desc);
      w(CommonCfg.queue_desc + 4, 4, 0);
      w(CommonCfg.queue_driver, 4, areas.avail);
      w(CommonCfg.queue_driver + 4, 4, 0);
      w(CommonCfg.queue_device, 4, areas.used);
      w(CommonCfg.queue_device + 4, 4, 0);
      w(CommonCfg.queue_msix_vector, 2, 1 + index);
      w(CommonCfg.queue_enable, 2, 1);
      return { index, size, areas, q };
    },
    driverOk: () => w(CommonCfg.device_status, 1, status() | STATUS_DRIVER_OK),
    kick: (queue) => io.mmioWrite(regs + BarLayout.notifyOffset + queue * BarLayout.notifyOffMultiplier, 2, queue),
    settle: () => {
      m.run({ maxEvents: 1_000_000 });
    },
    buffer: (len, fill = 0) => {
      const a = m.guest.alloc.alloc(len, 64);
      m.guest.mem.fill(a, len, fill);
      return a;
    },
    bytes: (addr, len) => {
      const out = new Uint8Array(len);
      m.guest.mem.load(addr, len, out, 0);
      return out;
    },
  };
}
