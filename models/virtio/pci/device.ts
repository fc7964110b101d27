/**
 * Host half of the modern virtio-pci transport (virtio 1.2 §4.1): PCI identity and
 * capabilities, common_cfg, ISR (read-to-clear), device config window, per-queue
 * doorbells, MSI-X with INTx fallback, status/feature negotiation, reset and
 * NEEDS_RESET. Request semantics live in the VirtioDeviceLogic it carries.
 */
import type { AccessSize, IoHandler } from '../../platform/bus.js';
import type { Knobs } from '../../platform/knobs.js';
import type { HostPlatform } from '../../platform/machine.js';
import { Msix } from '../../platform/msix.js';
import { PciCommand, PciFunction } from '../../platform/pci.js';
import type { Scheduler } from '../../platform/scheduler.js';
import type { VirtioDeviceLogic } from '../device-logic.js';
import { featureBit, hasFeature } from '../features.js';
import {
  CommonCfg,
  DeviceStatus,
  IsrBit,
  modernPciDeviceId,
  VIRTIO_MSI_NO_VECTOR,
  VirtioFeature,
  VirtioPciId,
} from '../layout.js';
import { DeviceRing } from '../ring/device-ring.js';
import { ActiveVirtio } from './active-device.js';
import { addVirtioCapabilities } from './capabilities.js';
import { BarLayout, VIRTIO_PCI_CLASS, VIRTIO_PCI_SUBSYSTEM_ID } from './regs.js';

export interface VirtioPciOptions {
  /** `ioeventfd`: kicks are kernel-completed doorbells served on the device actor; `userspace`: a user exit served inline. */
  readonly notify: 'ioeventfd' | 'userspace';
  readonly knobs: Knobs;
  /** PCI slot (QEMU tests use addr=2). */
  readonly slot?: number;
}

interface QueueRegs {
  size: number;
  readonly maxSize: number;
  msixVector: number;
  enabled: boolean;
  /** queue_desc, queue_driver, queue_device (virtio 1.2 §4.1.4.3), by AREA index. */
  readonly area: Float64Array;
}

/** The three 64-bit ring-area registers sit 8 bytes apart from queue_desc (§4.1.4.3). */
const AREA = { desc: 0, driver: 1, device: 2, count: 3 } as const;

/** For a 32-bit access at `off`: 2 · area + 1 for the high half, 2 · area for the low one, −1 for none. */
function areaRegister(off: number): number {
  const rel = off - CommonCfg.queue_desc;
  return rel >= 0 && rel < 8 * AREA.count && rel % 4 === 0 ? rel / 4 : -1;
}

const TWO32 = 4294967296;

export class VirtioPciDevice {
  readonly fn: PciFunction;
  private readonly msix: Msix;
  private readonly queues: QueueRegs[];
  private readonly sched: Scheduler;
  private status = 0;
  private isr = 0;
  /** INTx as this device drives it (lowered by an ISR read or reset). */
  private intxAsserted = false;
  private generation = 0;
  private deviceFeatureSelect = 0;
  private driverFeatureSelect = 0;
  private driverFeatures = 0n;
  private configVector = VIRTIO_MSI_NO_VECTOR;
  private queueSelect = 0;
  private readonly offered: bigint;
  private active: ActiveVirtio | undefined;
  /** Why the device entered NEEDS_RESET (diagnostics). */
  failure: string | undefined;

  constructor(
    private readonly host: HostPlatform,
    readonly logic: VirtioDeviceLogic,
    private readonly options: VirtioPciOptions,
  ) {
    this.sched = host.actor('device');
    this.offered =
      logic.features |
      featureBit(VirtioFeature.VERSION_1) |
      featureBit(VirtioFeature.INDIRECT_DESC) |
      featureBit(VirtioFeature.EVENT_IDX);
    this.queues = logic.queueMaxSizes.map((maxSize) => ({
      size: maxSize,
      maxSize,
      msixVector: VIRTIO_MSI_NO_VECTOR,
      enabled: false,
      area: new Float64Array(AREA.count),
    }));
    this.fn = new PciFunction(`virtio-${logic.name}`, {
      vendorId: VirtioPciId.VENDOR,
      deviceId: modernPciDeviceId(logic.deviceType),
      revisionId: VirtioPciId.MODERN_REVISION,
      classCode: VIRTIO_PCI_CLASS[logic.deviceType] ?? 0xff0000,
      subsystemVendorId: VirtioPciId.VENDOR,
      subsystemId: VIRTIO_PCI_SUBSYSTEM_ID,
      interruptPin: 1,
    });
    addVirtioCapabilities(this.fn, this.regsBarHandler(), (offset) => this.kickFromRegister(offset));
    this.msix = new Msix(this.fn, host.irq, {
      vectors: this.queues.length + 1,
      bar: BarLayout.msixBar,
      tableOffset: BarLayout.msixTableOffset,
      pbaOffset: BarLayout.msixPbaOffset,
    });
    this.fn.addBar({
      index: BarLayout.msixBar,
      kind: 'mem32',
      size: BarLayout.msixBarSize,
      handler: this.msixBarHandler(),
      handlerKind: 'user',
    });
    const doorbells =
      options.notify === 'ioeventfd'
        ? this.queues.map((_, q) => ({
            offset: BarLayout.notifyOffset + q * BarLayout.notifyOffMultiplier,
            length: 2,
            onRing: () => this.kick(q),
          }))
        : [];
    this.fn.addBar({
      index: BarLayout.regsBar,
      kind: 'mem64',
      prefetchable: true,
      size: BarLayout.regsBarSize,
      handler: this.regsBarHandler(),
      handlerKind: 'user',
      doorbells,
    });
    host.pci.attach(this.fn, options.slot);
  }

  private msixBarHandler(): IoHandler {
    return {
      read: (o, s) =>
        o >= BarLayout.msixPbaOffset ? this.msix.pbaRead(o - BarLayout.msixPbaOffset, s) : this.msix.tableRead(o, s),
      write: (o, s, v) => {
        if (o < BarLayout.msixPbaOffset) this.msix.tableWrite(o, s, v);
      },
    };
  }

  private regsBarHandler(): IoHandler {
    return {
      read: (o, s) => {
        if (o < BarLayout.isrOffset) return this.commonRead(o, s);
        if (o < BarLayout.deviceOffset) return o === BarLayout.isrOffset ? this.readIsr() : 0;
        if (o < BarLayout.notifyOffset) return this.configRead(o - BarLayout.deviceOffset, s);
        return 0;
      },
      write: (o, s, v) => {
        if (o < BarLayout.isrOffset) this.commonWrite(o, s, v);
        else if (o >= BarLayout.deviceOffset && o < BarLayout.notifyOffset)
          this.configWrite(o - BarLayout.deviceOffset, s, v);
        else if (o >= BarLayout.notifyOffset) this.kickFromRegister(o - BarLayout.notifyOffset);
      },
    };
  }

  // ---- common_cfg (§4.1.4.3) ----------------------------------------------------

  private selected(): QueueRegs | undefined {
    return this.queues[this.queueSelect];
  }

  private commonRead(off: number, size: AccessSize): number {
    const q = this.selected();
    const areaReg = size === 4 ? areaRegister(off) : -1;
    if (areaReg >= 0) {
      const addr = q?.area[areaReg >> 1] ?? 0;
      return (areaReg & 1) === 1 ? Math.floor(addr / TWO32) : addr % TWO32; // 64-bit as lo, hi (§4.1.3.1)
    }
    switch (size === 4 ? off : -1) {
      case CommonCfg.device_feature_select:
        return this.deviceFeatureSelect;
      case CommonCfg.device_feature:
        return this.deviceFeatureSelect > 1
          ? 0
          : Number((this.offered >> BigInt(32 * this.deviceFeatureSelect)) & 0xffffffffn);
      case CommonCfg.driver_feature_select:
        return this.driverFeatureSelect;
      case CommonCfg.driver_feature:
        return this.driverFeatureSelect > 1
          ? 0
          : Number((this.driverFeatures >> BigInt(32 * this.driverFeatureSelect)) & 0xffffffffn);
    }
    switch (size === 2 ? off : -1) {
      case CommonCfg.config_msix_vector:
        return this.configVector;
      case CommonCfg.num_queues:
        return this.queues.length;
      case CommonCfg.queue_select:
        return this.queueSelect;
      case CommonCfg.queue_size:
        return q?.size ?? 0;
      case CommonCfg.queue_msix_vector:
        return q?.msixVector ?? VIRTIO_MSI_NO_VECTOR;
      case CommonCfg.queue_enable:
        return q?.enabled ? 1 : 0;
      case CommonCfg.queue_notify_off:
        return q === undefined ? 0 : this.queueSelect;
      case CommonCfg.queue_notif_config_data:
      case CommonCfg.queue_reset:
        return 0;
    }
    if (size === 1 && off === CommonCfg.device_status) return this.status;
    if (size === 1 && off === CommonCfg.config_generation) return this.generation;
    return 0; // not a naturally sized field access (§4.1.3.1): reads 0
  }

  private commonWrite(off: number, size: AccessSize, v: number): void {
    const q = this.selected();
    // Queue registers are frozen once the queue is enabled (H22, Firecracker's rule).
    const qw = q !== undefined && !q.enabled;
    if (size === 4) {
      const areaReg = areaRegister(off);
      if (areaReg >= 0) {
        if (!qw) return;
        const old = q.area[areaReg >> 1] as number;
        q.area[areaReg >> 1] =
          (areaReg & 1) === 1 ? (old % TWO32) + v * TWO32 : Math.floor(old / TWO32) * TWO32 + (v >>> 0);
        return;
      }
      switch (off) {
        case CommonCfg.device_feature_select:
          this.deviceFeatureSelect = v;
          return;
        case CommonCfg.driver_feature_select:
          this.driverFeatureSelect = v;
          return;
        case CommonCfg.driver_feature:
          // No feature change after FEATURES_OK (§2.2.1); windows above 1 do not exist.
          if ((this.status & DeviceStatus.FEATURES_OK) === 0 && this.driverFeatureSelect <= 1) {
            const shift = BigInt(32 * this.driverFeatureSelect);
            this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(v >>> 0) << shift);
          }
          return;
      }
      return;
    }
    if (size === 2) {
      switch (off) {
        case CommonCfg.config_msix_vector:
          this.configVector = v < this.msix.layout.vectors ? v : VIRTIO_MSI_NO_VECTOR;
          return;
        case CommonCfg.queue_select:
          this.queueSelect = v;
          return;
        case CommonCfg.queue_size:
          // Only a power of two ≤ the maximum (§4.1.4.3.2); 0 and others are refused (H17).
          if (qw && v !== 0 && (v & (v - 1)) === 0 && v <= q.maxSize) q.size = v;
          return;
        case CommonCfg.queue_msix_vector:
          if (q !== undefined) q.msixVector = v < this.msix.layout.vectors ? v : VIRTIO_MSI_NO_VECTOR;
          return;
        case CommonCfg.queue_enable:
          if (qw && v === 1 && q.maxSize > 0) q.enabled = true;
          return;
      }
      return;
    }
    if (size === 1 && off === CommonCfg.device_status) this.writeStatus(v);
  }

  private writeStatus(v: number): void {
    if (v === 0) {
      this.reset();
      return;
    }
    const old = this.status;
    // Bits only accumulate until reset (§2.1.1); a write clearing bits is handled as a no-op for them (H22).
    let next =
      old |
      (v &
        (DeviceStatus.ACKNOWLEDGE |
          DeviceStatus.DRIVER |
          DeviceStatus.FEATURES_OK |
          DeviceStatus.DRIVER_OK |
          DeviceStatus.FAILED));
    if (
      (next & DeviceStatus.FEATURES_OK) !== 0 &&
      (old & DeviceStatus.FEATURES_OK) === 0 &&
      !this.featuresAcceptable()
    ) {
      next &= ~DeviceStatus.FEATURES_OK; // refused: the driver re-reads and sees it clear (§2.2.2, V2)
    }
    if ((next & DeviceStatus.DRIVER_OK) !== 0 && (next & DeviceStatus.FEATURES_OK) === 0)
      next &= ~DeviceStatus.DRIVER_OK;
    this.status = next;
    if ((next & DeviceStatus.DRIVER_OK) !== 0 && (old & DeviceStatus.DRIVER_OK) === 0) this.activate();
  }

  private featuresAcceptable(): boolean {
    const f = this.driverFeatures;
    if ((f & ~this.offered) !== 0n) return false; // unoffered bits (§2.2.1)
    if (!hasFeature(f, VirtioFeature.VERSION_1)) return false; // VERSION_1 is mandatory for modern
    return this.logic.acceptsFeatures?.(f) ?? true;
  }

  private activate(): void {
    const features = this.driverFeatures;
    const eventIdx = hasFeature(features, VirtioFeature.EVENT_IDX);
    const indirect = hasFeature(features, VirtioFeature.INDIRECT_DESC);
    const rings: (DeviceRing | undefined)[] = [];
    for (const q of this.queues) {
      if (!q.enabled) {
        rings.push(undefined);
        continue;
      }
      const area = q.area;
      const addrs = {
        desc: area[AREA.desc] as number,
        avail: area[AREA.driver] as number,
        used: area[AREA.device] as number,
      };
      const problem = DeviceRing.validateConfig(this.host.mem, q.size, addrs);
      if (problem !== undefined) {
        this.active = new ActiveVirtio(this, this.host, features, []);
        this.fail(`queue ${rings.length}: ${problem}`);
        return;
      }
      rings.push(new DeviceRing(this.host.mem, q.size, addrs, { eventIdx, indirect }));
    }
    this.active = new ActiveVirtio(this, this.host, features, rings);
    this.logic.activate(this.active);
  }

  private reset(): void {
    this.active?.kill();
    this.active = undefined;
    this.status = 0;
    this.isr = 0;
    this.lowerIntx();
    this.driverFeatures = 0n;
    this.deviceFeatureSelect = 0;
    this.driverFeatureSelect = 0;
    this.configVector = VIRTIO_MSI_NO_VECTOR;
    this.queueSelect = 0;
    this.failure = undefined;
    for (const q of this.queues) {
      q.size = q.maxSize;
      q.msixVector = VIRTIO_MSI_NO_VECTOR;
      q.enabled = false;
      q.area.fill(0);
    }
    this.logic.reset();
  }

  // ---- ISR, config, doorbells ---------------------------------------------------

  private lowerIntx(): void {
    this.intxAsserted = false;
    this.fn.setIntx(false);
  }

  /** A read returns the bits, clears them and deasserts INTx (§4.1.4.5, V11). */
  private readIsr(): number {
    const v = this.isr;
    this.isr = 0;
    this.lowerIntx();
    return v;
  }

  private configRead(off: number, size: AccessSize): number {
    // QEMU answers accesses past the config length with all-ones (specs/virtio.md §11.2).
    if (off + size > this.logic.configSize) return size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    return this.logic.readConfig(off, size);
  }

  private configWrite(off: number, size: AccessSize, v: number): void {
    if (off + size <= this.logic.configSize) this.logic.writeConfig(off, size, v);
  }

  /** A notify register written through a user exit (notify=userspace or the PCI_CFG window). */
  private kickFromRegister(offset: number): void {
    if (offset % BarLayout.notifyOffMultiplier !== 0) return;
    this.kick(offset / BarLayout.notifyOffMultiplier);
  }

  private kick(queue: number): void {
    // Spurious kicks, kicks to absent or disabled queues and kicks before DRIVER_OK are
    // ignored without indexing anything (H16, V3, V14).
    const a = this.active;
    if (a === undefined || !a.alive() || a.rings[queue] === undefined) return;
    this.logic.kick(queue);
  }

  // ---- interrupts -----------------------------------------------------------------

  /** Used-buffer notification for `queue` (§4.1.5.4). */
  interruptQueue(queue: number): void {
    this.isr |= IsrBit.QUEUE; // QEMU sets bit 0 even under MSI-X
    this.signal(this.queues[queue]?.msixVector ?? VIRTIO_MSI_NO_VECTOR);
  }

  /** Config-change notification (§4.1.5.3): QEMU sets ISR to 3 and bumps the generation. */
  interruptConfig(): void {
    this.generation = (this.generation + 1) & 0xff;
    this.isr |= IsrBit.QUEUE | IsrBit.CONFIG;
    this.signal(this.configVector);
  }

  /**
   * Send `vector` under MSI-X (never VIRTIO_MSI_NO_VECTOR, V12), or assert INTx without it, metering `interruptSent` only for a signal
   * that leaves the device: a message not latched by a mask, an INTx edge (the line stays up until the
   * ISR read, so a second assert is no new signal).
   */
  private signal(vector: number): void {
    if (this.msix.enabled) {
      if (vector !== VIRTIO_MSI_NO_VECTOR && this.msix.notify(vector)) this.host.meter.interruptSent();
      return;
    }
    const rising = !this.intxAsserted && (this.fn.command & PciCommand.intxDisable) === 0;
    this.intxAsserted = true;
    this.fn.setIntx(true);
    if (rising) this.host.meter.interruptSent();
  }

  fail(reason: string): void {
    this.failure = reason;
    this.active?.kill();
    const wasRunning = (this.status & DeviceStatus.DRIVER_OK) !== 0;
    this.status |= DeviceStatus.DEVICE_NEEDS_RESET;
    if (wasRunning) this.interruptConfig();
  }

  get deviceStatus(): number {
    return this.status;
  }

  get knobs(): Knobs {
    return this.options.knobs;
  }

  get deviceScheduler(): Scheduler {
    return this.sched;
  }
}
