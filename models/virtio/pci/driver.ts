/**
 * Guest half of the modern virtio-pci transport: finds the function, assigns its BARs,
 * walks the vendor capabilities, and performs device initialisation exactly in the
 * order of virtio 1.2 §3.1.1 (checklist D1–D8, D17, D18, D20 of specs/virtio.md §9).
 */
import type { GuestPlatform } from '../../platform/machine.js';
import { MsixControl, MsixEntry } from '../../platform/msix.js';
import { PciCapId, PciCfg } from '../../platform/pci.js';
import { type AssignedBar, assignBars, PciConfigAccess, resourceWindows } from '../../platform/pci-guest.js';
import { DriverRing } from '../ring/driver-ring.js';
import {
  CommonCfg,
  Isr,
  NO_VECTOR,
  PciCapField,
  PciCapType,
  Status,
  TransportFeature,
  VIRTIO_PCI_MODERN_DEVICE_BASE,
  VIRTIO_PCI_VENDOR_ID,
} from './regs.js';

export class VirtioInitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VirtioInitError';
  }
}

export interface QueueSetup {
  readonly index: number;
  /** Requested size; the driver uses min(requested, device maximum), a power of two. */
  readonly size: number;
  /** Indirect tables to preallocate (0 = none), each of `indirectEntries` descriptors. */
  readonly indirectTables?: number;
  readonly indirectEntries?: number;
}

export interface TransportConfig {
  readonly deviceType: number;
  /** Device-specific features the driver understands. */
  readonly driverFeatures: bigint;
  readonly eventIdx: boolean;
  readonly indirect: boolean;
  readonly interrupts: 'msix' | 'intx';
}

interface Region {
  readonly base: number;
  readonly length: number;
}

const bit = (n: number): bigint => 1n << BigInt(n);

export class VirtioPciTransport {
  private common!: Region;
  private isr!: Region;
  private device: Region | undefined;
  private notify!: Region;
  private notifyMultiplier = 0;
  private msixCap = -1;
  private bars: AssignedBar[] = [];
  private readonly notifyAddr: number[] = [];
  private queueHandlers: (() => void)[] = [];
  private configHandler: () => void = () => {};
  features = 0n;

  private constructor(
    readonly guest: GuestPlatform,
    readonly cfg: PciConfigAccess,
    readonly slot: number,
  ) {}

  /** Find the first modern virtio function of `deviceType`, assign its BARs and parse its capabilities. */
  static probe(guest: GuestPlatform, deviceType: number): VirtioPciTransport {
    const cfg = new PciConfigAccess(guest.io);
    const slot = cfg.find(VIRTIO_PCI_VENDOR_ID, VIRTIO_PCI_MODERN_DEVICE_BASE + deviceType);
    if (slot === undefined) throw new VirtioInitError(`no virtio device of type ${deviceType} on PCI bus 0`);
    const t = new VirtioPciTransport(guest, cfg, slot);
    t.bars = assignBars(cfg, slot, resourceWindows(guest.io));
    t.parseCaps();
    return t;
  }

  private barBase(index: number): number | undefined {
    return this.bars.find((b) => b.index === index && b.space === 'mmio')?.base;
  }

  /** Take the first capability of each type we understand, skipping unknown types and BARs (§4.1.4). */
  private parseCaps(): void {
    const found = new Map<number, Region>();
    for (const cap of this.cfg.capabilities(this.slot)) {
      if (cap.id === PciCapId.msix) {
        this.msixCap = cap.offset;
        continue;
      }
      if (cap.id !== PciCapId.vendor) continue;
      const type = this.cfg.read(this.slot, cap.offset + PciCapField.cfgType, 1);
      if (found.has(type) || type === PciCapType.pciCfg) continue;
      const barIndex = this.cfg.read(this.slot, cap.offset + PciCapField.bar, 1);
      const base = this.barBase(barIndex);
      if (base === undefined) continue;
      const offset = this.cfg.read(this.slot, cap.offset + PciCapField.offset, 4);
      const length = this.cfg.read(this.slot, cap.offset + PciCapField.length, 4);
      found.set(type, { base: base + offset, length });
      if (type === PciCapType.notify) {
        this.notifyMultiplier = this.cfg.read(this.slot, cap.offset + PciCapField.notifyOffMultiplier, 4);
      }
    }
    const need = (type: number, what: string): Region => {
      const r = found.get(type);
      if (r === undefined) throw new VirtioInitError(`virtio device lacks the ${what} capability`);
      return r;
    };
    this.common = need(PciCapType.common, 'COMMON');
    this.isr = need(PciCapType.isr, 'ISR');
    this.notify = need(PciCapType.notify, 'NOTIFY');
    this.device = found.get(PciCapType.device);
  }

  // ---- register access (naturally sized; 64-bit as lo then hi, §4.1.3.1) -------------

  private r8(o: number): number {
    return this.guest.io.mmioRead(this.common.base + o, 1);
  }
  private r16(o: number): number {
    return this.guest.io.mmioRead(this.common.base + o, 2);
  }
  private r32(o: number): number {
    return this.guest.io.mmioRead(this.common.base + o, 4);
  }
  private w8(o: number, v: number): void {
    this.guest.io.mmioWrite(this.common.base + o, 1, v);
  }
  private w16(o: number, v: number): void {
    this.guest.io.mmioWrite(this.common.base + o, 2, v);
  }
  private w32(o: number, v: number): void {
    this.guest.io.mmioWrite(this.common.base + o, 4, v);
  }
  private w64(lo: number, v: number): void {
    this.w32(lo, v % 4294967296);
    this.w32(lo + 4, Math.floor(v / 4294967296));
  }

  status(): number {
    return this.r8(CommonCfg.deviceStatus);
  }

  private setStatus(bits: number): void {
    this.w8(CommonCfg.deviceStatus, this.status() | bits);
  }

  /** Write 0 and wait until the device reads 0 (§4.1.4.3.2, D1). */
  reset(): void {
    this.w8(CommonCfg.deviceStatus, 0);
    for (let i = 0; i < 1000; i++) if (this.status() === 0) return;
    throw new VirtioInitError('device did not complete reset');
  }

  /** Steps 1–6 of §3.1.1: reset, ACKNOWLEDGE, DRIVER, feature negotiation, FEATURES_OK re-check. */
  negotiate(config: TransportConfig): bigint {
    this.reset();
    this.setStatus(Status.acknowledge);
    this.setStatus(Status.driver);
    this.w32(CommonCfg.deviceFeatureSelect, 0);
    const lo = BigInt(this.r32(CommonCfg.deviceFeature));
    this.w32(CommonCfg.deviceFeatureSelect, 1);
    const hi = BigInt(this.r32(CommonCfg.deviceFeature));
    const offered = (hi << 32n) | lo;
    if ((offered & bit(TransportFeature.version1)) === 0n) {
      this.setStatus(Status.failed);
      throw new VirtioInitError('device does not offer VERSION_1 (legacy devices are not supported)');
    }
    let wanted = config.driverFeatures | bit(TransportFeature.version1);
    if (config.eventIdx) wanted |= bit(TransportFeature.eventIdx);
    if (config.indirect) wanted |= bit(TransportFeature.indirectDesc);
    const accepted = offered & wanted; // only offered features (§2.2.1, D4)
    this.w32(CommonCfg.driverFeatureSelect, 0);
    this.w32(CommonCfg.driverFeature, Number(accepted & 0xffffffffn));
    this.w32(CommonCfg.driverFeatureSelect, 1);
    this.w32(CommonCfg.driverFeature, Number(accepted >> 32n));
    this.setStatus(Status.featuresOk);
    if ((this.status() & Status.featuresOk) === 0) {
      // The device refused this subset (§3.1.1 step 6, D3).
      this.setStatus(Status.failed);
      throw new VirtioInitError(`device refused features 0x${accepted.toString(16)}`);
    }
    this.features = accepted;
    return accepted;
  }

  has(featureBit: number): boolean {
    return (this.features & bit(featureBit)) !== 0n;
  }

  /** Interrupt routing: MSI-X (vector 0 = config, 1+q = queue q) or INTx with ISR decoding. */
  setupInterrupts(mode: 'msix' | 'intx', queues: number, onQueue: (q: number) => void, onConfig: () => void): void {
    this.queueHandlers = Array.from({ length: queues }, (_, q) => () => onQueue(q));
    this.configHandler = onConfig;
    if (mode === 'msix') {
      if (this.msixCap < 0) throw new VirtioInitError('device has no MSI-X capability');
      const tableReg = this.cfg.read(this.slot, this.msixCap + 4, 4);
      const tableBase = this.barBase(tableReg & 7);
      if (tableBase === undefined) throw new VirtioInitError('MSI-X table BAR not assigned');
      const table = tableBase + (tableReg & ~7);
      const program = (entry: number, handler: () => void): void => {
        const msg = this.guest.irq.allocMsi(handler);
        const e = table + entry * MsixEntry.size;
        this.guest.io.mmioWrite(e + MsixEntry.addrLo, 4, msg.address % 4294967296);
        this.guest.io.mmioWrite(e + MsixEntry.addrHi, 4, Math.floor(msg.address / 4294967296));
        this.guest.io.mmioWrite(e + MsixEntry.data, 4, msg.data);
        this.guest.io.mmioWrite(e + MsixEntry.vectorControl, 4, 0);
      };
      program(0, () => this.configHandler());
      for (let q = 0; q < queues; q++) program(1 + q, this.queueHandlers[q] as () => void);
      const ctl = this.cfg.read(this.slot, this.msixCap + 2, 2);
      this.cfg.write(this.slot, this.msixCap + 2, 2, (ctl | MsixControl.enable) & ~MsixControl.functionMask);
      this.w16(CommonCfg.configMsixVector, 0);
      if (this.r16(CommonCfg.configMsixVector) !== 0) throw new VirtioInitError('config MSI-X vector refused (D18)');
      return;
    }
    const gsi = this.cfg.read(this.slot, PciCfg.interruptLine, 1);
    this.guest.irq.onLine(gsi, 'level', () => {
      // INTx: the ISR read tells queue from config interrupts and lowers the line (§4.1.4.5).
      const isr = this.guest.io.mmioRead(this.isr.base, 1);
      if ((isr & Isr.config) !== 0) this.configHandler();
      if ((isr & Isr.queue) !== 0) for (const h of this.queueHandlers) h();
    });
  }

  /** Step 7 for one queue; returns undefined for a queue the device does not have (size 0). */
  setupQueue(q: QueueSetup, msix: boolean): DriverRing | undefined {
    this.w16(CommonCfg.queueSelect, q.index);
    const max = this.r16(CommonCfg.queueSize);
    if (max === 0) return undefined;
    let size = 1;
    while (size * 2 <= Math.min(q.size, max)) size *= 2; // a power of two ≤ max (D6)
    const a = this.guest.alloc;
    const desc = a.alloc(16 * size, 16); // alignments of §2.7.1 (D7)
    const avail = a.alloc(6 + 2 * size, 2);
    const used = a.alloc(6 + 8 * size, 4);
    const tables = q.indirectTables ?? 0;
    const entries = q.indirectEntries ?? 0;
    const pool =
      tables > 0 && entries > 0
        ? { addr: a.alloc(tables * entries * 16, 16), entriesPerTable: entries, tables }
        : undefined;
    const ring = new DriverRing(
      this.guest.mem,
      size,
      { desc, avail, used },
      {
        eventIdx: this.has(TransportFeature.eventIdx),
        indirect: this.has(TransportFeature.indirectDesc) && pool !== undefined,
        ...(pool === undefined ? {} : { indirectPool: pool }),
      },
    );
    this.w16(CommonCfg.queueSize, size);
    this.w64(CommonCfg.queueDescLo, desc);
    this.w64(CommonCfg.queueDriverLo, avail);
    this.w64(CommonCfg.queueDeviceLo, used);
    if (msix) {
      this.w16(CommonCfg.queueMsixVector, 1 + q.index);
      const got = this.r16(CommonCfg.queueMsixVector);
      if (got === NO_VECTOR) throw new VirtioInitError(`queue ${q.index}: MSI-X vector refused (D18)`);
    }
    const off = this.r16(CommonCfg.queueNotifyOff);
    this.notifyAddr[q.index] = this.notify.base + off * this.notifyMultiplier;
    this.w16(CommonCfg.queueEnable, 1); // written last, never 0 (D6)
    return ring;
  }

  /** Step 8. */
  driverOk(): void {
    this.setStatus(Status.driverOk);
  }

  /** Available-buffer notification: a 16-bit write of the queue index to its doorbell (§4.1.5.2). */
  kick(queue: number): void {
    const addr = this.notifyAddr[queue];
    if (addr === undefined) throw new Error(`queue ${queue} not set up`);
    this.guest.io.mmioWrite(addr, 2, queue);
  }

  /**
   * Read device-specific config with the generation loop (§2.5.1, D17): `read` performs
   * the field reads; it is retried while config_generation changes under it.
   */
  readConfig<T>(read: (r8: (o: number) => number, r16: (o: number) => number, r32: (o: number) => number) => T): T {
    const dev = this.device;
    if (dev === undefined) throw new VirtioInitError('device has no DEVICE capability');
    const io = this.guest.io;
    for (let attempt = 0; attempt < 100; attempt++) {
      const before = this.r8(CommonCfg.configGeneration);
      const v = read(
        (o) => io.mmioRead(dev.base + o, 1),
        (o) => io.mmioRead(dev.base + o, 2),
        (o) => io.mmioRead(dev.base + o, 4),
      );
      if (this.r8(CommonCfg.configGeneration) === before) return v;
    }
    throw new VirtioInitError('config generation never settled');
  }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    const dev = this.device;
    if (dev === undefined) throw new VirtioInitError('device has no DEVICE capability');
    this.guest.io.mmioWrite(dev.base + offset, size, value);
  }

  needsReset(): boolean {
    return (this.status() & Status.deviceNeedsReset) !== 0;
  }
}
