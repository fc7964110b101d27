/**
 * Test library: a hand-written guest that drives a virtio-pci device register by register and
 * builds its ring byte by byte (test/support/virtq-builder.ts), so conformance cases can send any
 * chain a buggy or hostile driver could and read back exactly what the device did. Independent of
 * our guest driver; reused by the blk and rng conformance cases.
 */

import { MsixControl, MsixEntry } from '../../../models/platform/msix.js';
import { PciCapId } from '../../../models/platform/pci.js';
import { assignBars, PciConfigAccess, resourceWindows } from '../../../models/platform/pci-guest.js';
import { CommonCfg } from '../../../models/virtio/layout.js';
import type { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { BarLayout } from '../../../models/virtio/pci/regs.js';
import type { SimMachine } from '../../engine/sim/machine.js';
import { layoutRing, type RingAreas, VirtqBuilder } from './virtq-builder.js';

// Spec values written out on purpose (virtio 1.2 §2.1, §6): the rig must not share constants with the device.
export const STATUS_ACK = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_NEEDS_RESET = 0x40;
export const F_VERSION_1 = 1n << 32n;
export const F_INDIRECT_DESC = 1n << 28n;
export const F_EVENT_IDX = 1n << 29n;

export interface RawRig {
  readonly m: SimMachine;
  readonly dev: VirtioPciDevice;
  readonly regs: number;
  readonly notify: number;
  readonly size: number;
  readonly areas: RingAreas;
  readonly q: VirtqBuilder;
  /** MSI-X deliveries the guest took: vector 0 = config, vector 1 = queue 0. */
  readonly taken: { config: number; queue: number };
  r(off: number, size: 1 | 2 | 4): number;
  w(off: number, size: 1 | 2 | 4, v: number): void;
  status(): number;
  generation(): number;
  /** Ring queue 0's doorbell. */
  kick(): void;
  /** Run the machine until nothing is left to do. */
  settle(): void;
  /** Reset (status ← 0) and bring the device up again with a fresh ring at the same place. */
  reinit(): void;
  /** A guest buffer of `len` bytes (4 KiB aligned). */
  buffer(len: number, fill?: number): number;
}

export interface RawRigOptions {
  readonly features?: bigint;
  readonly queueSize?: number;
  readonly slot?: number;
}

/**
 * Find the function at `slot`, assign BARs, program MSI-X (config → vector 0, queue 0 → vector 1),
 * negotiate `features` (VERSION_1 by default) and enable queue 0 with a ring of `queueSize`.
 */
export function makeRawRig(m: SimMachine, dev: VirtioPciDevice, opts: RawRigOptions = {}): RawRig {
  const io = m.guest.io;
  const cfg = new PciConfigAccess(io);
  const slot = opts.slot ?? 2;
  const bars = assignBars(cfg, slot, resourceWindows(io));
  const regs = bars.find((b) => b.index === BarLayout.regsBar)?.base as number;
  const msixBar = bars.find((b) => b.index === BarLayout.msixBar)?.base as number;
  const msixCap = cfg.capabilities(slot).find((c) => c.id === PciCapId.msix)?.offset as number;
  const table = msixBar + (cfg.read(slot, msixCap + 4, 4) & ~7);
  const taken = { config: 0, queue: 0 };
  const program = (entry: number, handler: () => void): void => {
    const msg = m.guest.irq.allocMsi(handler);
    const e = table + entry * MsixEntry.size;
    io.mmioWrite(e + MsixEntry.addrLo, 4, msg.address);
    io.mmioWrite(e + MsixEntry.addrHi, 4, 0);
    io.mmioWrite(e + MsixEntry.data, 4, msg.data);
    io.mmioWrite(e + MsixEntry.vectorControl, 4, 0);
  };
  program(0, () => taken.config++);
  program(1, () => taken.queue++);
  cfg.write(slot, msixCap + 2, 2, cfg.read(slot, msixCap + 2, 2) | MsixControl.enable);

  const r = (off: number, size: 1 | 2 | 4): number => io.mmioRead(regs + off, size);
  const w = (off: number, size: 1 | 2 | 4, v: number): void => io.mmioWrite(regs + off, size, v);
  const size = opts.queueSize ?? 16;
  const features = opts.features ?? F_VERSION_1;
  const areas = layoutRing(m.guest.alloc.alloc(16 * size + 6 + 2 * size + 8 + 6 + 8 * size, 4096), size);
  const q = new VirtqBuilder(m.guest.mem, size, areas);

  const bringUp = (): void => {
    w(CommonCfg.device_status, 1, 0);
    w(CommonCfg.device_status, 1, STATUS_ACK);
    w(CommonCfg.device_status, 1, STATUS_ACK | STATUS_DRIVER);
    w(CommonCfg.driver_feature_select, 4, 0);
    w(CommonCfg.driver_feature, 4, Number(features & 0xffffffffn));
    w(CommonCfg.driver_feature_select, 4, 1);
    w(CommonCfg.driver_feature, 4, Number(features >> 32n));
    w(CommonCfg.device_status, 1, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
    if ((r(CommonCfg.device_status, 1) & STATUS_FEATURES_OK) === 0) throw new Error('raw rig: features refused');
    w(CommonCfg.config_msix_vector, 2, 0);
    q.clear();
    w(CommonCfg.queue_select, 2, 0);
    w(CommonCfg.queue_size, 2, size);
    w(CommonCfg.queue_desc, 4, areas.desc);
    w(CommonCfg.queue_desc + 4, 4, 0);
    w(CommonCfg.queue_driver, 4, areas.avail);
    w(CommonCfg.queue_driver + 4, 4, 0);
    w(CommonCfg.queue_device, 4, areas.used);
    w(CommonCfg.queue_device + 4, 4, 0);
    w(CommonCfg.queue_msix_vector, 2, 1);
    w(CommonCfg.queue_enable, 2, 1);
    w(CommonCfg.device_status, 1, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
  };
  bringUp();
  w(CommonCfg.queue_select, 2, 0);
  const notify = regs + BarLayout.notifyOffset + r(CommonCfg.queue_notify_off, 2) * BarLayout.notifyOffMultiplier;

  return {
    m,
    dev,
    regs,
    notify,
    size,
    areas,
    q,
    taken,
    r,
    w,
    status: () => r(CommonCfg.device_status, 1),
    generation: () => r(CommonCfg.config_generation, 1),
    kick: () => io.mmioWrite(notify, 2, 0),
    settle: () => {
      m.run({ maxEvents: 1_000_000 });
    },
    reinit: bringUp,
    buffer: (len, fill = 0) => {
      const a = m.guest.alloc.alloc(len, 4096);
      m.guest.mem.fill(a, len, fill);
      return a;
    },
  };
}
