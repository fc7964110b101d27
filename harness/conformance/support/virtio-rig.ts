/**
 * A test rig for the virtio-pci transport: a sim machine with one VirtioPciDevice
 * carrying a recording device logic, and a raw guest-side register accessor that pokes
 * the device the way a (possibly hostile) driver would. Library code for the
 * transport conformance cases.
 */

import { DEFAULT_KNOBS, type Knobs } from '../../../models/platform/knobs.js';
import { PciCapId } from '../../../models/platform/pci.js';
import { type AssignedBar, assignBars, PciConfigAccess, resourceWindows } from '../../../models/platform/pci-guest.js';
import type { ActiveDevice, VirtioDeviceLogic } from '../../../models/virtio/device-logic.js';
import { CommonCfg, modernPciDeviceId, VirtioPciId } from '../../../models/virtio/layout.js';
import { VirtioPciDevice } from '../../../models/virtio/pci/device.js';
import { BarLayout } from '../../../models/virtio/pci/regs.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';

/** A device logic that records what the transport asks of it. */
export class RecordingLogic implements VirtioDeviceLogic {
  readonly deviceType = 4;
  readonly name = 'probe';
  readonly queueMaxSizes: readonly number[];
  readonly features = 0n;
  readonly configSize = 8;
  readonly config = new DataView(new ArrayBuffer(8));
  kicks: number[] = [];
  activations: ActiveDevice[] = [];
  resets = 0;

  constructor(queueMaxSizes: readonly number[] = [256, 0, 64]) {
    this.queueMaxSizes = queueMaxSizes;
  }
  readConfig(offset: number, size: 1 | 2 | 4): number {
    return size === 1
      ? this.config.getUint8(offset)
      : size === 2
        ? this.config.getUint16(offset, true)
        : this.config.getUint32(offset, true);
  }
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size === 4) this.config.setUint32(offset, value, true);
  }
  activate(ctx: ActiveDevice): void {
    this.activations.push(ctx);
  }
  kick(queue: number): void {
    this.kicks.push(queue);
  }
  reset(): void {
    this.resets++;
  }
  get active(): ActiveDevice | undefined {
    return this.activations[this.activations.length - 1];
  }
}

export interface Rig {
  readonly m: SimMachine;
  readonly logic: RecordingLogic;
  readonly dev: VirtioPciDevice;
  readonly cfg: PciConfigAccess;
  readonly slot: number;
  readonly bars: AssignedBar[];
  /** BAR4 base (COMMON @0, ISR @0x1000, DEVICE @0x2000, NOTIFY @0x3000). */
  readonly regs: number;
  readonly msixTable: number;
  r(off: number, size: 1 | 2 | 4): number;
  w(off: number, size: 1 | 2 | 4, v: number): void;
  /** Run the engine until idle. */
  settle(): void;
}

export function makeRig(
  opts: { knobs?: Knobs; notify?: 'ioeventfd' | 'userspace'; queues?: readonly number[] } = {},
): Rig {
  const m = createSimMachine({ memBytes: 16 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 1 });
  const logic = new RecordingLogic(opts.queues);
  const dev = new VirtioPciDevice(m.host, logic, {
    notify: opts.notify ?? 'ioeventfd',
    knobs: opts.knobs ?? DEFAULT_KNOBS,
    slot: 2,
  });
  const cfg = new PciConfigAccess(m.guest.io);
  const at = cfg.find(VirtioPciId.VENDOR, modernPciDeviceId(logic.deviceType));
  // Attached above as function 0 of its slot, so `slot` alone addresses it.
  if (at === undefined || at.func !== 0) throw new Error('rig: device not found at function 0');
  const slot = at.slot;
  const bars = assignBars(cfg, slot, resourceWindows(m.guest.io));
  const regs = bars.find((b) => b.index === BarLayout.regsBar)?.base as number;
  const msixBar = bars.find((b) => b.index === BarLayout.msixBar)?.base as number;
  const io = m.guest.io;
  const msixCap = cfg.capabilities(slot).find((c) => c.id === PciCapId.msix)?.offset as number;
  const tableOffset = cfg.read(slot, msixCap + 4, 4) & ~7;
  return {
    m,
    logic,
    dev,
    cfg,
    slot,
    bars,
    regs,
    msixTable: msixBar + tableOffset,
    r: (off, size) => io.mmioRead(regs + off, size),
    w: (off, size, v) => io.mmioWrite(regs + off, size, v),
    settle: () => {
      m.run({ maxEvents: 1_000_000 });
    },
  };
}

/** Drive the common_cfg through ACK, DRIVER, features, FEATURES_OK; returns the status read back. */
export function negotiateRaw(rig: Rig, features: bigint): number {
  rig.w(CommonCfg.device_status, 1, 0);
  rig.w(CommonCfg.device_status, 1, 1);
  rig.w(CommonCfg.device_status, 1, 3);
  rig.w(CommonCfg.driver_feature_select, 4, 0);
  rig.w(CommonCfg.driver_feature, 4, Number(features & 0xffffffffn));
  rig.w(CommonCfg.driver_feature_select, 4, 1);
  rig.w(CommonCfg.driver_feature, 4, Number(features >> 32n));
  rig.w(CommonCfg.device_status, 1, 0x0b);
  return rig.r(CommonCfg.device_status, 1);
}

/** Program queue `q` with rings from the guest allocator (or the given addresses) and enable it. */
export function setupQueueRaw(
  rig: Rig,
  q: number,
  size: number,
  addrs?: { desc: number; avail: number; used: number },
): { desc: number; avail: number; used: number } {
  const a = rig.m.guest.alloc;
  const ring = addrs ?? {
    desc: a.alloc(16 * size, 4096),
    avail: a.alloc(6 + 2 * size, 2),
    used: a.alloc(6 + 8 * size, 4),
  };
  rig.w(CommonCfg.queue_select, 2, q);
  rig.w(CommonCfg.queue_size, 2, size);
  rig.w(CommonCfg.queue_desc, 4, ring.desc);
  rig.w(CommonCfg.queue_desc + 4, 4, 0);
  rig.w(CommonCfg.queue_driver, 4, ring.avail);
  rig.w(CommonCfg.queue_driver + 4, 4, 0);
  rig.w(CommonCfg.queue_device, 4, ring.used);
  rig.w(CommonCfg.queue_device + 4, 4, 0);
  rig.w(CommonCfg.queue_enable, 2, 1);
  return ring;
}
