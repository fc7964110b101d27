/**
 * Guest half of the modern virtio-pci transport: finds the function, assigns its BARs, walks the
 * vendor capabilities, and performs device initialisation exactly in the order of virtio 1.2 §3.1.1
 * (checklist D1–D8, D17, D18, D20 of specs/virtio.md §9). `reinitialize` repeats that sequence on the
 * resources the first one set up — same BARs, MSI-X messages, ring memory and rings — so recovering from
 * DEVICE_NEEDS_RESET (D19) takes nothing new from the guest.
 */
import type { AccessSize } from '../../platform/bus.js';
import type { MsiMessage } from '../../platform/interrupts.js';
import type { GuestPlatform } from '../../platform/machine.js';
import { MsixControl, MsixEntry } from '../../platform/msix.js';
import { PciCapId, PciCfg } from '../../platform/pci.js';
import {
  type AssignedBar,
  assignBars,
  type PciAddress,
  PciConfigAccess,
  resourceWindows,
} from '../../platform/pci-guest.js';
import { featureBit, hasFeature } from '../features.js';
import {
  availRingSize,
  CommonCfg,
  DeviceStatus,
  descTableSize,
  IsrBit,
  modernPciDeviceId,
  usedRingSize,
  VIRTIO_MSI_NO_VECTOR,
  VirtioFeature,
  VirtioPciCap,
  VirtioPciCapType,
  VirtioPciId,
  VirtioPciNotifyCap,
  VirtqAlign,
} from '../layout.js';
import { DriverRing, type DriverRingOptions } from '../ring/driver-ring.js';
import type { IndirectPool } from '../ring/indirect-tables.js';
import type { RingAddresses } from '../ring/ring-config.js';

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

/** A queue as step 7 set it up: what re-initialisation programs again. */
interface ProgrammedQueue {
  readonly index: number;
  readonly size: number;
  readonly areas: RingAddresses;
  readonly pool: IndirectPool | undefined;
  readonly msix: boolean;
  /** Laid out in `areas`; re-initialisation resets it in place. */
  readonly ring: DriverRing;
}

const TWO32 = 4294967296;

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
  /** What the first initialisation used, for `reinitialize`. */
  private negotiated: TransportConfig | undefined;
  private interruptMode: 'msix' | 'intx' | undefined;
  private msixTable = 0;
  /** Message per MSI-X table entry: 0 = config, 1 + q = queue q. */
  private readonly msixMessages: MsiMessage[] = [];
  private readonly programmed: ProgrammedQueue[] = [];
  features = 0n;

  private constructor(
    readonly guest: GuestPlatform,
    readonly cfg: PciConfigAccess,
    /** Where the function sits on bus 0. */
    readonly at: PciAddress,
  ) {}

  /** Find the first modern virtio function of `deviceType`, assign its BARs and parse its capabilities. */
  static probe(guest: GuestPlatform, deviceType: number): VirtioPciTransport {
    const cfg = new PciConfigAccess(guest.io);
    const at = cfg.find(VirtioPciId.VENDOR, modernPciDeviceId(deviceType));
    if (at === undefined) throw new VirtioInitError(`no virtio device of type ${deviceType} on PCI bus 0`);
    const t = new VirtioPciTransport(guest, cfg, at);
    t.bars = assignBars(cfg, at.slot, resourceWindows(guest.io), at.func);
    t.parseCaps();
    return t;
  }

  private configRead(reg: number, size: AccessSize): number {
    return this.cfg.read(this.at.slot, reg, size, this.at.func);
  }

  private configWrite(reg: number, size: AccessSize, value: number): void {
    this.cfg.write(this.at.slot, reg, size, value, this.at.func);
  }

  private barBase(index: number): number | undefined {
    return this.bars.find((b) => b.index === index && b.space === 'mmio')?.base;
  }

  /** Take the first capability of each type we understand, skipping unknown types and BARs (§4.1.4). */
  private parseCaps(): void {
    const found = new Map<number, Region>();
    for (const cap of this.cfg.capabilities(this.at.slot, this.at.func)) {
      if (cap.id === PciCapId.msix) {
        this.msixCap = cap.offset;
        continue;
      }
      if (cap.id !== PciCapId.vendor) continue;
      const type = this.configRead(cap.offset + VirtioPciCap.cfg_type, 1);
      if (found.has(type) || type === VirtioPciCapType.PCI_CFG) continue;
      const barIndex = this.configRead(cap.offset + VirtioPciCap.bar, 1);
      const base = this.barBase(barIndex);
      if (base === undefined) continue;
      const offset = this.configRead(cap.offset + VirtioPciCap.offset, 4);
      const length = this.configRead(cap.offset + VirtioPciCap.length, 4);
      found.set(type, { base: base + offset, length });
      if (type === VirtioPciCapType.NOTIFY_CFG) {
        this.notifyMultiplier = this.configRead(cap.offset + VirtioPciNotifyCap.notify_off_multiplier, 4);
      }
    }
    const need = (type: number, what: string): Region => {
      const r = found.get(type);
      if (r === undefined) throw new VirtioInitError(`virtio device lacks the ${what} capability`);
      return r;
    };
    this.common = need(VirtioPciCapType.COMMON_CFG, 'COMMON');
    this.isr = need(VirtioPciCapType.ISR_CFG, 'ISR');
    this.notify = need(VirtioPciCapType.NOTIFY_CFG, 'NOTIFY');
    this.device = found.get(VirtioPciCapType.DEVICE_CFG);
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
    this.w32(lo, v % TWO32);
    this.w32(lo + 4, Math.floor(v / TWO32));
  }

  status(): number {
    return this.r8(CommonCfg.device_status);
  }

  private setStatus(bits: number): void {
    this.w8(CommonCfg.device_status, this.status() | bits);
  }

  /** Give up on the device (§3.1.1: FAILED) and report why. */
  private fail(message: string): VirtioInitError {
    this.setStatus(DeviceStatus.FAILED);
    return new VirtioInitError(message);
  }

  /** Write 0 and wait until the device reads 0 (§4.1.4.3.2, D1). */
  reset(): void {
    this.w8(CommonCfg.device_status, 0);
    for (let i = 0; i < 1000; i++) if (this.status() === 0) return;
    throw new VirtioInitError('device did not complete reset');
  }

  /** Steps 1–6 of §3.1.1: reset, ACKNOWLEDGE, DRIVER, feature negotiation, FEATURES_OK re-check. */
  negotiate(config: TransportConfig): bigint {
    this.reset();
    this.setStatus(DeviceStatus.ACKNOWLEDGE);
    this.setStatus(DeviceStatus.DRIVER);
    this.w32(CommonCfg.device_feature_select, 0);
    const lo = BigInt(this.r32(CommonCfg.device_feature));
    this.w32(CommonCfg.device_feature_select, 1);
    const hi = BigInt(this.r32(CommonCfg.device_feature));
    const offered = (hi << 32n) | lo;
    if (!hasFeature(offered, VirtioFeature.VERSION_1)) {
      throw this.fail('device does not offer VERSION_1 (legacy devices are not supported)');
    }
    let wanted = config.driverFeatures | featureBit(VirtioFeature.VERSION_1);
    if (config.eventIdx) wanted |= featureBit(VirtioFeature.EVENT_IDX);
    if (config.indirect) wanted |= featureBit(VirtioFeature.INDIRECT_DESC);
    const accepted = offered & wanted; // only offered features (§2.2.1, D4)
    this.w32(CommonCfg.driver_feature_select, 0);
    this.w32(CommonCfg.driver_feature, Number(accepted & 0xffffffffn));
    this.w32(CommonCfg.driver_feature_select, 1);
    this.w32(CommonCfg.driver_feature, Number(accepted >> 32n));
    this.setStatus(DeviceStatus.FEATURES_OK);
    if ((this.status() & DeviceStatus.FEATURES_OK) === 0) {
      // The device refused this subset (§3.1.1 step 6, D3).
      throw this.fail(`device refused features 0x${accepted.toString(16)}`);
    }
    this.negotiated = config;
    this.features = accepted;
    return accepted;
  }

  has(bit: number): boolean {
    return hasFeature(this.features, bit);
  }

  /** Interrupt routing: MSI-X (vector 0 = config, 1+q = queue q) or INTx with ISR decoding. */
  setupInterrupts(mode: 'msix' | 'intx', queues: number, onQueue: (q: number) => void, onConfig: () => void): void {
    this.queueHandlers = Array.from({ length: queues }, (_, q) => () => onQueue(q));
    this.configHandler = onConfig;
    this.interruptMode = mode;
    if (mode === 'msix') {
      if (this.msixCap < 0) throw new VirtioInitError('device has no MSI-X capability');
      const tableReg = this.configRead(this.msixCap + 4, 4);
      const tableBase = this.barBase(tableReg & 7);
      if (tableBase === undefined) throw new VirtioInitError('MSI-X table BAR not assigned');
      this.msixTable = tableBase + (tableReg & ~7);
      this.msixMessages.length = 0;
      this.msixMessages.push(this.guest.irq.allocMsi(() => this.configHandler()));
      for (const handler of this.queueHandlers) this.msixMessages.push(this.guest.irq.allocMsi(handler));
      this.programMsix();
      return;
    }
    const gsi = this.configRead(PciCfg.interruptLine, 1);
    this.guest.irq.onLine(gsi, 'level', () => {
      // INTx: the ISR read tells queue from config interrupts and lowers the line (§4.1.4.5).
      const isr = this.guest.io.mmioRead(this.isr.base, 1);
      if ((isr & IsrBit.CONFIG) !== 0) this.configHandler();
      if ((isr & IsrBit.QUEUE) !== 0) for (const h of this.queueHandlers) h();
    });
  }

  /** Write the messages into the MSI-X table, enable MSI-X and route config changes to entry 0 (D18). */
  private programMsix(): void {
    const io = this.guest.io;
    for (let entry = 0; entry < this.msixMessages.length; entry++) {
      const msg = this.msixMessages[entry] as MsiMessage;
      const e = this.msixTable + entry * MsixEntry.size;
      io.mmioWrite(e + MsixEntry.addrLo, 4, msg.address % TWO32);
      io.mmioWrite(e + MsixEntry.addrHi, 4, Math.floor(msg.address / TWO32));
      io.mmioWrite(e + MsixEntry.data, 4, msg.data);
      io.mmioWrite(e + MsixEntry.vectorControl, 4, 0);
    }
    const ctl = this.configRead(this.msixCap + 2, 2);
    this.configWrite(this.msixCap + 2, 2, (ctl | MsixControl.enable) & ~MsixControl.functionMask);
    this.w16(CommonCfg.config_msix_vector, 0);
    if (this.r16(CommonCfg.config_msix_vector) !== 0) throw new VirtioInitError('config MSI-X vector refused (D18)');
  }

  /** Step 7 for one queue; returns undefined for a queue the device does not have (size 0). */
  setupQueue(q: QueueSetup, msix: boolean): DriverRing | undefined {
    this.w16(CommonCfg.queue_select, q.index);
    const max = this.r16(CommonCfg.queue_size);
    if (max === 0) return undefined;
    let size = 1;
    while (size * 2 <= Math.min(q.size, max)) size *= 2; // a power of two ≤ max (D6)
    const a = this.guest.alloc;
    const desc = a.alloc(descTableSize(size), VirtqAlign.desc); // alignments of §2.7.1 (D7)
    const avail = a.alloc(availRingSize(size), VirtqAlign.avail);
    const used = a.alloc(usedRingSize(size), VirtqAlign.used);
    const tables = q.indirectTables ?? 0;
    const entries = q.indirectEntries ?? 0;
    const pool =
      tables > 0 && entries > 0
        ? { addr: a.alloc(descTableSize(tables * entries), VirtqAlign.desc), entriesPerTable: entries, tables }
        : undefined;
    const areas = { desc, avail, used };
    const ring = new DriverRing(this.guest.mem, size, areas, this.ringOptions(pool));
    const queue: ProgrammedQueue = { index: q.index, size, areas, pool, msix, ring };
    this.programmed.push(queue);
    this.programQueue(queue);
    return ring;
  }

  /** The ring features this negotiation gave. */
  private ringOptions(pool: IndirectPool | undefined): DriverRingOptions {
    return {
      eventIdx: this.has(VirtioFeature.EVENT_IDX),
      indirect: this.has(VirtioFeature.INDIRECT_DESC) && pool !== undefined,
      ...(pool === undefined ? {} : { indirectPool: pool }),
    };
  }

  /** Hand the queue's (freshly laid out) ring to the selected queue and enable it. */
  private programQueue(q: ProgrammedQueue): void {
    this.w16(CommonCfg.queue_size, q.size);
    this.w64(CommonCfg.queue_desc, q.areas.desc);
    this.w64(CommonCfg.queue_driver, q.areas.avail);
    this.w64(CommonCfg.queue_device, q.areas.used);
    if (q.msix) {
      this.w16(CommonCfg.queue_msix_vector, 1 + q.index);
      const got = this.r16(CommonCfg.queue_msix_vector);
      if (got === VIRTIO_MSI_NO_VECTOR) throw new VirtioInitError(`queue ${q.index}: MSI-X vector refused (D18)`);
    }
    const off = this.r16(CommonCfg.queue_notify_off);
    this.notifyAddr[q.index] = this.notify.base + off * this.notifyMultiplier;
    this.w16(CommonCfg.queue_enable, 1); // written last, never 0 (D6)
  }

  /** Step 8. */
  driverOk(): void {
    this.setStatus(DeviceStatus.DRIVER_OK);
  }

  /**
   * Reset and initialise again (§3.1.1) with the first initialisation's features, MSI-X messages and
   * ring memory: each ring is reset in place (DriverRing.reset), so the same ring objects come back,
   * in set-up order. Throws
   * VirtioInitError (with FAILED set) when the device no longer matches: other features or smaller queues.
   */
  reinitialize(): DriverRing[] {
    const config = this.negotiated;
    if (config === undefined || this.interruptMode === undefined) {
      throw new VirtioInitError('reinitialize() before the device was initialised');
    }
    const before = this.features;
    if (this.negotiate(config) !== before) throw this.fail('device negotiated other features after reset');
    if (this.interruptMode === 'msix') this.programMsix(); // INTx: the line handler stays installed
    const rings: DriverRing[] = [];
    for (const q of this.programmed) {
      this.w16(CommonCfg.queue_select, q.index);
      const max = this.r16(CommonCfg.queue_size);
      if (max < q.size) throw this.fail(`queue ${q.index}: device maximum ${max} is below ${q.size} after reset`);
      q.ring.reset(this.ringOptions(q.pool));
      this.programQueue(q);
      rings.push(q.ring);
    }
    this.driverOk();
    return rings;
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
      const before = this.r8(CommonCfg.config_generation);
      const v = read(
        (o) => io.mmioRead(dev.base + o, 1),
        (o) => io.mmioRead(dev.base + o, 2),
        (o) => io.mmioRead(dev.base + o, 4),
      );
      if (this.r8(CommonCfg.config_generation) === before) return v;
    }
    throw new VirtioInitError('config generation never settled');
  }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    const dev = this.device;
    if (dev === undefined) throw new VirtioInitError('device has no DEVICE capability');
    this.guest.io.mmioWrite(dev.base + offset, size, value);
  }

  needsReset(): boolean {
    return (this.status() & DeviceStatus.DEVICE_NEEDS_RESET) !== 0;
  }
}
