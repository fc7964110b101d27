/**
 * Host half of the modern virtio-pci transport (virtio 1.2 §4.1): PCI identity and
 * capabilities, common_cfg, ISR (read-to-clear), device config window, per-queue
 * doorbells, MSI-X with INTx fallback, status/feature negotiation, reset and
 * NEEDS_RESET. Request semantics live in the VirtioDeviceLogic it carries.
 */
import type { AccessSize, IoHandler } from '../../platform/bus.js';
import type { Knobs } from '../../platform/knobs.js';
import type { HostPlatform } from '../../platform/machine.js';
import type { DirectGuestMemory } from '../../platform/memory.js';
import type { Meter } from '../../platform/meter.js';
import { Msix } from '../../platform/msix.js';
import { PciFunction } from '../../platform/pci.js';
import type { Scheduler, TimerId } from '../../platform/scheduler.js';
import type { ActiveDevice, VirtioDeviceLogic } from '../device-logic.js';
import { DeviceRing } from '../ring/device-ring.js';
import {
  BarLayout,
  CommonCfg,
  Isr,
  NO_VECTOR,
  PciCapField,
  PciCapType,
  Status,
  TransportFeature,
  VIRTIO_PCI_CLASS,
  VIRTIO_PCI_MODERN_DEVICE_BASE,
  VIRTIO_PCI_REVISION,
  VIRTIO_PCI_SUBSYSTEM_ID,
  VIRTIO_PCI_VENDOR_ID,
} from './regs.js';

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
  desc: number;
  driver: number;
  device: number;
}

const TWO32 = 4294967296;

export class VirtioPciDevice {
  readonly fn: PciFunction;
  private readonly msix: Msix;
  private readonly queues: QueueRegs[];
  private readonly sched: Scheduler;
  private status = 0;
  private isr = 0;
  private generation = 0;
  private deviceFeatureSelect = 0;
  private driverFeatureSelect = 0;
  private driverFeatures = 0n;
  private configVector = NO_VECTOR;
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
      (1n << BigInt(TransportFeature.version1)) |
      (1n << BigInt(TransportFeature.indirectDesc)) |
      (1n << BigInt(TransportFeature.eventIdx));
    this.queues = logic.queueMaxSizes.map((maxSize) => ({
      size: maxSize,
      maxSize,
      msixVector: NO_VECTOR,
      enabled: false,
      desc: 0,
      driver: 0,
      device: 0,
    }));
    this.fn = new PciFunction(`virtio-${logic.name}`, {
      vendorId: VIRTIO_PCI_VENDOR_ID,
      deviceId: VIRTIO_PCI_MODERN_DEVICE_BASE + logic.deviceType,
      revisionId: VIRTIO_PCI_REVISION,
      classCode: VIRTIO_PCI_CLASS[logic.deviceType] ?? 0xff0000,
      subsystemVendorId: VIRTIO_PCI_VENDOR_ID,
      subsystemId: VIRTIO_PCI_SUBSYSTEM_ID,
      interruptPin: 1,
    });
    this.addVirtioCaps();
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

  /** Capabilities added so the chain reads MSI-X → PCI_CFG → NOTIFY → DEVICE → ISR → COMMON, as QEMU's. */
  private addVirtioCaps(): void {
    const cap = (cfgType: number, offset: number, length: number, extra = 0): number => {
      const len = 16 + extra;
      const body = new Uint8Array(len);
      const v = new DataView(body.buffer);
      body[2] = len;
      body[PciCapField.cfgType] = cfgType;
      body[PciCapField.bar] = BarLayout.regsBar;
      v.setUint32(PciCapField.offset, offset, true);
      v.setUint32(PciCapField.length, length, true);
      if (cfgType === PciCapType.notify)
        v.setUint32(PciCapField.notifyOffMultiplier, BarLayout.notifyOffMultiplier, true);
      return this.fn.addCapability(0x09, len, body);
    };
    cap(PciCapType.common, BarLayout.commonOffset, BarLayout.regionSize);
    cap(PciCapType.isr, BarLayout.isrOffset, BarLayout.regionSize);
    cap(PciCapType.device, BarLayout.deviceOffset, BarLayout.regionSize);
    cap(PciCapType.notify, BarLayout.notifyOffset, BarLayout.regionSize, 4);
    this.addPciCfgCap();
  }

  /** VIRTIO_PCI_CAP_PCI_CFG (§4.1.4.9): a config-space window onto the BARs. */
  private addPciCfgCap(): void {
    const len = 20;
    const body = new Uint8Array(len);
    body[2] = len;
    body[PciCapField.cfgType] = PciCapType.pciCfg;
    const writable = new Uint8Array(len);
    writable[PciCapField.bar] = 0xff;
    writable.fill(0xff, PciCapField.offset, PciCapField.offset + 8);
    writable.fill(0xff, PciCapField.pciCfgData, PciCapField.pciCfgData + 4);
    const at = this.fn.addCapability(0x09, len, body, writable);
    const window = (): { handler: IoHandler; offset: number; size: AccessSize } | undefined => {
      const c = this.fn.config;
      const v = new DataView(c.buffer);
      const size = v.getUint32(at + PciCapField.length, true);
      if ((c[at + PciCapField.bar] as number) !== BarLayout.regsBar || (size !== 1 && size !== 2 && size !== 4))
        return undefined;
      return { handler: this.regsBarHandler(), offset: v.getUint32(at + PciCapField.offset, true), size };
    };
    this.fn.addHook({
      start: at + PciCapField.pciCfgData,
      length: 4,
      read: () => {
        const w = window();
        return w === undefined ? 0 : w.handler.read(w.offset, w.size);
      },
      afterWrite: (_o, _s, value) => {
        const w = window();
        if (w === undefined) return;
        if (w.offset >= BarLayout.notifyOffset && w.offset < BarLayout.notifyOffset + BarLayout.regionSize) {
          this.kickFromRegister(w.offset - BarLayout.notifyOffset);
          return;
        }
        w.handler.write(w.offset, w.size, value);
      },
    });
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
    switch (size === 4 ? off : -1) {
      case CommonCfg.deviceFeatureSelect:
        return this.deviceFeatureSelect;
      case CommonCfg.deviceFeature:
        return this.deviceFeatureSelect > 1
          ? 0
          : Number((this.offered >> BigInt(32 * this.deviceFeatureSelect)) & 0xffffffffn);
      case CommonCfg.driverFeatureSelect:
        return this.driverFeatureSelect;
      case CommonCfg.driverFeature:
        return this.driverFeatureSelect > 1
          ? 0
          : Number((this.driverFeatures >> BigInt(32 * this.driverFeatureSelect)) & 0xffffffffn);
      case CommonCfg.queueDescLo:
        return (q?.desc ?? 0) % TWO32;
      case CommonCfg.queueDescHi:
        return Math.floor((q?.desc ?? 0) / TWO32);
      case CommonCfg.queueDriverLo:
        return (q?.driver ?? 0) % TWO32;
      case CommonCfg.queueDriverHi:
        return Math.floor((q?.driver ?? 0) / TWO32);
      case CommonCfg.queueDeviceLo:
        return (q?.device ?? 0) % TWO32;
      case CommonCfg.queueDeviceHi:
        return Math.floor((q?.device ?? 0) / TWO32);
    }
    switch (size === 2 ? off : -1) {
      case CommonCfg.configMsixVector:
        return this.configVector;
      case CommonCfg.numQueues:
        return this.queues.length;
      case CommonCfg.queueSelect:
        return this.queueSelect;
      case CommonCfg.queueSize:
        return q?.size ?? 0;
      case CommonCfg.queueMsixVector:
        return q?.msixVector ?? NO_VECTOR;
      case CommonCfg.queueEnable:
        return q?.enabled ? 1 : 0;
      case CommonCfg.queueNotifyOff:
        return q === undefined ? 0 : this.queueSelect;
      case CommonCfg.queueNotifConfigData:
      case CommonCfg.queueReset:
        return 0;
    }
    if (size === 1 && off === CommonCfg.deviceStatus) return this.status;
    if (size === 1 && off === CommonCfg.configGeneration) return this.generation;
    return 0; // not a naturally sized field access (§4.1.3.1): reads 0
  }

  private commonWrite(off: number, size: AccessSize, v: number): void {
    const q = this.selected();
    // Queue registers are frozen once the queue is enabled (H22, Firecracker's rule).
    const qw = q !== undefined && !q.enabled;
    if (size === 4) {
      switch (off) {
        case CommonCfg.deviceFeatureSelect:
          this.deviceFeatureSelect = v;
          return;
        case CommonCfg.driverFeatureSelect:
          this.driverFeatureSelect = v;
          return;
        case CommonCfg.driverFeature:
          // No feature change after FEATURES_OK (§2.2.1); windows above 1 do not exist.
          if ((this.status & Status.featuresOk) === 0 && this.driverFeatureSelect <= 1) {
            const shift = BigInt(32 * this.driverFeatureSelect);
            this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(v >>> 0) << shift);
          }
          return;
        case CommonCfg.queueDescLo:
          if (qw) q.desc = Math.floor(q.desc / TWO32) * TWO32 + v;
          return;
        case CommonCfg.queueDescHi:
          if (qw) q.desc = (q.desc % TWO32) + v * TWO32;
          return;
        case CommonCfg.queueDriverLo:
          if (qw) q.driver = Math.floor(q.driver / TWO32) * TWO32 + v;
          return;
        case CommonCfg.queueDriverHi:
          if (qw) q.driver = (q.driver % TWO32) + v * TWO32;
          return;
        case CommonCfg.queueDeviceLo:
          if (qw) q.device = Math.floor(q.device / TWO32) * TWO32 + v;
          return;
        case CommonCfg.queueDeviceHi:
          if (qw) q.device = (q.device % TWO32) + v * TWO32;
          return;
      }
      return;
    }
    if (size === 2) {
      switch (off) {
        case CommonCfg.configMsixVector:
          this.configVector = v < this.msix.layout.vectors ? v : NO_VECTOR;
          return;
        case CommonCfg.queueSelect:
          this.queueSelect = v;
          return;
        case CommonCfg.queueSize:
          // Only a power of two ≤ the maximum (§4.1.4.3.2); 0 and others are refused (H17).
          if (qw && v !== 0 && (v & (v - 1)) === 0 && v <= q.maxSize) q.size = v;
          return;
        case CommonCfg.queueMsixVector:
          if (q !== undefined) q.msixVector = v < this.msix.layout.vectors ? v : NO_VECTOR;
          return;
        case CommonCfg.queueEnable:
          if (qw && v === 1 && q.maxSize > 0) q.enabled = true;
          return;
      }
      return;
    }
    if (size === 1 && off === CommonCfg.deviceStatus) this.writeStatus(v);
  }

  private writeStatus(v: number): void {
    if (v === 0) {
      this.reset();
      return;
    }
    const old = this.status;
    // Bits only accumulate until reset (§2.1.1); a write clearing bits is handled as a no-op for them (H22).
    let next = old | (v & (Status.acknowledge | Status.driver | Status.featuresOk | Status.driverOk | Status.failed));
    if ((next & Status.featuresOk) !== 0 && (old & Status.featuresOk) === 0 && !this.featuresAcceptable()) {
      next &= ~Status.featuresOk; // refused: the driver re-reads and sees it clear (§2.2.2, V2)
    }
    if ((next & Status.driverOk) !== 0 && (next & Status.featuresOk) === 0) next &= ~Status.driverOk;
    this.status = next;
    if ((next & Status.driverOk) !== 0 && (old & Status.driverOk) === 0) this.activate();
  }

  private featuresAcceptable(): boolean {
    const f = this.driverFeatures;
    if ((f & ~this.offered) !== 0n) return false; // unoffered bits (§2.2.1)
    if ((f & (1n << BigInt(TransportFeature.version1))) === 0n) return false; // VERSION_1 is mandatory for modern
    return this.logic.acceptsFeatures?.(f) ?? true;
  }

  private activate(): void {
    const features = this.driverFeatures;
    const eventIdx = (features & (1n << BigInt(TransportFeature.eventIdx))) !== 0n;
    const indirect = (features & (1n << BigInt(TransportFeature.indirectDesc))) !== 0n;
    const rings: (DeviceRing | undefined)[] = [];
    for (const q of this.queues) {
      if (!q.enabled) {
        rings.push(undefined);
        continue;
      }
      const addrs = { desc: q.desc, avail: q.driver, used: q.device };
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
    this.fn.setIntx(false);
    this.driverFeatures = 0n;
    this.deviceFeatureSelect = 0;
    this.driverFeatureSelect = 0;
    this.configVector = NO_VECTOR;
    this.queueSelect = 0;
    this.failure = undefined;
    for (const q of this.queues) {
      q.size = q.maxSize;
      q.msixVector = NO_VECTOR;
      q.enabled = false;
      q.desc = q.driver = q.device = 0;
    }
    this.logic.reset();
  }

  // ---- ISR, config, doorbells ---------------------------------------------------

  /** A read returns the bits, clears them and deasserts INTx (§4.1.4.5, V11). */
  private readIsr(): number {
    const v = this.isr;
    this.isr = 0;
    this.fn.setIntx(false);
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
    this.isr |= Isr.queue; // QEMU sets bit 0 even under MSI-X
    if (this.msix.enabled) {
      const v = this.queues[queue]?.msixVector ?? NO_VECTOR;
      if (v !== NO_VECTOR) this.msix.notify(v); // NO_VECTOR: never signalled (V12)
      return;
    }
    this.fn.setIntx(true);
  }

  /** Config-change notification (§4.1.5.3): QEMU sets ISR to 3 and bumps the generation. */
  interruptConfig(): void {
    this.generation = (this.generation + 1) & 0xff;
    this.isr |= Isr.queue | Isr.config;
    if (this.msix.enabled) {
      if (this.configVector !== NO_VECTOR) this.msix.notify(this.configVector);
      return;
    }
    this.fn.setIntx(true);
  }

  fail(reason: string): void {
    this.failure = reason;
    this.active?.kill();
    const wasRunning = (this.status & Status.driverOk) !== 0;
    this.status |= Status.deviceNeedsReset;
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

/** The running device's view of the transport: dead after reset or failure. */
class ActiveVirtio implements ActiveDevice {
  private live = true;
  private readonly holdTimers: (TimerId | undefined)[];
  private readonly holdNs: number;

  readonly mem: DirectGuestMemory;
  readonly meter: Meter;
  readonly sched: Scheduler;

  constructor(
    private readonly dev: VirtioPciDevice,
    host: HostPlatform,
    readonly features: bigint,
    readonly rings: readonly (DeviceRing | undefined)[],
  ) {
    this.mem = host.mem;
    this.meter = host.meter;
    this.sched = dev.deviceScheduler;
    this.holdTimers = rings.map(() => undefined);
    const c = dev.knobs.coalesce;
    this.holdNs = c.kind === 'time' ? c.us * 1000 : 0;
  }

  alive(): boolean {
    return this.live;
  }

  kill(): void {
    this.live = false;
    for (const t of this.holdTimers) if (t !== undefined) this.sched.cancel(t);
    this.holdTimers.fill(undefined);
  }

  publishUsed(queue: number): void {
    if (!this.live) return;
    const ring = this.rings[queue];
    if (ring === undefined) return;
    if (!ring.flushUsed()) {
      this.meter.interruptSuppressed();
      return;
    }
    if (this.holdNs === 0) {
      this.dev.interruptQueue(queue);
      return;
    }
    // time:US coalescing: the first completion arms a hold-off timer; completions
    // inside the window ride on the same interrupt (device-side, like NOTF_COAL usecs).
    if (this.holdTimers[queue] !== undefined) {
      this.meter.interruptSuppressed();
      return;
    }
    this.holdTimers[queue] = this.sched.after(this.holdNs, () => {
      this.holdTimers[queue] = undefined;
      if (this.live) this.dev.interruptQueue(queue);
    });
  }

  fail(reason: string): void {
    if (this.live) this.dev.fail(reason);
  }

  configChanged(): void {
    if (this.live) this.dev.interruptConfig();
  }
}
