/**
 * A deliberately tiny virtio-blk driver used to make QEMU raise interrupts in the
 * platform adapter's tests: assign BARs, negotiate VERSION_1 only, set up queue 0,
 * and post single-sector reads. Written against GuestPlatform alone, from the spec
 * (virtio 1.2 §3.1.1, §4.1.4, §2.7, §5.2.6), independent of models/virtio.
 */
import type { GuestPlatform } from '../../../models/platform/machine.js';
import { PciCapId, PciCfg } from '../../../models/platform/pci.js';
import { pciConfigRead, pciConfigWrite } from './piix-routing.js';

/** virtio_pci_cap field offsets (virtio 1.2 §4.1.4). */
export const VirtioPciCap = { cfgType: 3, bar: 4, offset: 8, length: 12, notifyOffMultiplier: 16 } as const;
/** cfg_type values (virtio 1.2 §4.1.4). */
export const VirtioCfgType = { common: 1, notify: 2, isr: 3, device: 4, pciCfg: 5 } as const;

/** common_cfg offsets (virtio 1.2 §4.1.4.3). */
const Common = {
  deviceFeatureSelect: 0,
  deviceFeature: 4,
  driverFeatureSelect: 8,
  driverFeature: 12,
  msixConfig: 16,
  deviceStatus: 20,
  queueSelect: 22,
  queueSize: 24,
  queueMsixVector: 26,
  queueEnable: 28,
  queueNotifyOff: 30,
  queueDesc: 32,
  queueDriver: 40,
  queueDevice: 48,
} as const;

/** Device status bits (virtio 1.2 §2.1). */
const Status = { acknowledge: 1, driver: 2, driverOk: 4, featuresOk: 8 } as const;
/** VIRTIO_F_VERSION_1 is feature bit 32: bit 0 of feature window 1 (virtio 1.2 §6). */
const VERSION_1_IN_WINDOW_1 = 1;
/** Descriptor flags (virtio 1.2 §2.7.5). */
const Desc = { next: 1, write: 2 } as const;
/** virtio-blk request type VIRTIO_BLK_T_IN (virtio 1.2 §5.2.6). */
const BLK_T_IN = 0;
export const NO_VECTOR = 0xffff;
/** MSI-X capability Message Control enable bit and table entry layout (PCI 3.0 §6.8.2). */
const MSIX_ENABLE = 0x8000;
const MsixEntry = { addrLo: 0, addrHi: 4, data: 8, control: 12, size: 16 } as const;

export interface CapInfo {
  readonly at: number;
  readonly id: number;
  readonly cfgType: number | undefined;
  readonly bar: number;
  readonly offset: number;
  /** notify_off_multiplier (NOTIFY caps only). */
  readonly multiplier: number;
}

/** Walk the capability list of bus 0 function `dev`.0 from config 0x34. */
export function walkCapabilities(g: GuestPlatform, dev: number): CapInfo[] {
  const caps: CapInfo[] = [];
  let at = pciConfigRead(g.io, dev, 0, PciCfg.capabilitiesPointer, 1) & 0xfc;
  while (at !== 0 && caps.length < 48) {
    const id = pciConfigRead(g.io, dev, 0, at, 1);
    const vendor = id === PciCapId.vendor;
    caps.push({
      at,
      id,
      cfgType: vendor ? pciConfigRead(g.io, dev, 0, at + VirtioPciCap.cfgType, 1) : undefined,
      bar: vendor ? pciConfigRead(g.io, dev, 0, at + VirtioPciCap.bar, 1) : 0,
      offset: vendor ? pciConfigRead(g.io, dev, 0, at + VirtioPciCap.offset, 4) : 0,
      multiplier: vendor ? pciConfigRead(g.io, dev, 0, at + VirtioPciCap.notifyOffMultiplier, 4) : 0,
    });
    at = pciConfigRead(g.io, dev, 0, at + 1, 1) & 0xfc;
  }
  return caps;
}

export class VirtioBlkProbe {
  private common = 0;
  private isr = 0;
  private notify = 0;
  private notifyMultiplier = 0;
  private doorbell = 0;
  private msixCap = 0;
  private queueSize = 0;
  private desc = 0;
  private avail = 0;
  private used = 0;
  private header = 0;
  private statusByte = 0;
  private availIdx = 0;

  /** BAR4 (64-bit) and BAR1 (MSI-X table) go where the caller says (virtio.md §11.2). */
  constructor(
    private readonly g: GuestPlatform,
    readonly dev: number,
    readonly bar4: number,
    readonly bar1: number,
  ) {}

  /** Assign BAR1/BAR4, enable memory decoding and bus mastering (MSI-X writes are DMA). */
  assignBars(): void {
    const { io } = this.g;
    pciConfigWrite(io, this.dev, 0, PciCfg.bar0 + 4, 4, this.bar1);
    pciConfigWrite(io, this.dev, 0, PciCfg.bar0 + 16, 4, this.bar4);
    pciConfigWrite(io, this.dev, 0, PciCfg.bar0 + 20, 4, 0);
    pciConfigWrite(io, this.dev, 0, PciCfg.command, 2, 0x0006);
    const barBase = (bar: number): number => (bar === 4 ? this.bar4 : bar === 1 ? this.bar1 : Number.NaN);
    for (const cap of walkCapabilities(this.g, this.dev)) {
      if (cap.id === PciCapId.msix) this.msixCap = cap.at;
      if (cap.cfgType === VirtioCfgType.common) this.common = barBase(cap.bar) + cap.offset;
      if (cap.cfgType === VirtioCfgType.isr) this.isr = barBase(cap.bar) + cap.offset;
      if (cap.cfgType === VirtioCfgType.notify) {
        this.notify = barBase(cap.bar) + cap.offset;
        this.notifyMultiplier = cap.multiplier;
      }
    }
  }

  /** §3.1.1 steps 1–8 with VERSION_1 only and queue 0 of `size` entries; `vector` for the queue. */
  init(size = 8, vector = NO_VECTOR): void {
    const { io, alloc } = this.g;
    const c = this.common;
    io.mmioWrite(c + Common.deviceStatus, 1, 0);
    io.mmioWrite(c + Common.deviceStatus, 1, Status.acknowledge | Status.driver);
    io.mmioWrite(c + Common.deviceFeatureSelect, 4, 1);
    if ((io.mmioRead(c + Common.deviceFeature, 4) & VERSION_1_IN_WINDOW_1) === 0) throw new Error('no VERSION_1');
    io.mmioWrite(c + Common.driverFeatureSelect, 4, 0);
    io.mmioWrite(c + Common.driverFeature, 4, 0);
    io.mmioWrite(c + Common.driverFeatureSelect, 4, 1);
    io.mmioWrite(c + Common.driverFeature, 4, VERSION_1_IN_WINDOW_1);
    io.mmioWrite(c + Common.deviceStatus, 1, Status.acknowledge | Status.driver | Status.featuresOk);
    if ((io.mmioRead(c + Common.deviceStatus, 1) & Status.featuresOk) === 0) throw new Error('FEATURES_OK refused');
    io.mmioWrite(c + Common.msixConfig, 2, NO_VECTOR);
    io.mmioWrite(c + Common.queueSelect, 2, 0);
    this.queueSize = Math.min(size, io.mmioRead(c + Common.queueSize, 2));
    io.mmioWrite(c + Common.queueSize, 2, this.queueSize);
    // Doorbell = notify cap offset + queue_notify_off × notify_off_multiplier (§4.1.4.4).
    this.doorbell = this.notify + io.mmioRead(c + Common.queueNotifyOff, 2) * this.notifyMultiplier;
    // Split ring areas (virtio 1.2 §2.7): descriptors 16-aligned, driver area 2, device area 4.
    this.desc = alloc.alloc(16 * this.queueSize, 16);
    this.avail = alloc.alloc(6 + 2 * this.queueSize, 2);
    this.used = alloc.alloc(6 + 8 * this.queueSize, 4);
    this.g.mem.fill(this.avail, 6 + 2 * this.queueSize, 0);
    this.g.mem.fill(this.used, 6 + 8 * this.queueSize, 0);
    this.writeAddress(c + Common.queueDesc, this.desc);
    this.writeAddress(c + Common.queueDriver, this.avail);
    this.writeAddress(c + Common.queueDevice, this.used);
    this.setQueueVector(vector);
    io.mmioWrite(c + Common.queueEnable, 2, 1);
    io.mmioWrite(c + Common.deviceStatus, 1, Status.acknowledge | Status.driver | Status.featuresOk | Status.driverOk);
    this.header = alloc.alloc(16, 16);
    this.statusByte = alloc.alloc(1, 1);
  }

  private writeAddress(at: number, addr: number): void {
    this.g.io.mmioWrite(at, 4, addr >>> 0);
    this.g.io.mmioWrite(at + 4, 4, Math.floor(addr / 4294967296));
  }

  /** Set queue 0's MSI-X vector; returns the read-back (NO_VECTOR if the device refused). */
  setQueueVector(vector: number): number {
    const { io } = this.g;
    io.mmioWrite(this.common + Common.queueSelect, 2, 0);
    io.mmioWrite(this.common + Common.queueMsixVector, 2, vector);
    return io.mmioRead(this.common + Common.queueMsixVector, 2);
  }

  /** Program MSI-X table entry `index` (unmasked) and set Message Control enable. */
  enableMsix(index: number, address: number, data: number): void {
    const { io } = this.g;
    const entry = this.bar1 + index * MsixEntry.size;
    io.mmioWrite(entry + MsixEntry.addrLo, 4, address);
    io.mmioWrite(entry + MsixEntry.addrHi, 4, 0);
    io.mmioWrite(entry + MsixEntry.data, 4, data);
    io.mmioWrite(entry + MsixEntry.control, 4, 0);
    const control = pciConfigRead(io, this.dev, 0, this.msixCap + 2, 2);
    pciConfigWrite(io, this.dev, 0, this.msixCap + 2, 2, control | MSIX_ENABLE);
  }

  /** Post a read of `sector` into `buffer` (512 bytes of guest RAM) and notify queue 0. */
  submitRead(sector: number, buffer: number): void {
    const { mem, io } = this.g;
    mem.setU32(this.header, BLK_T_IN);
    mem.setU32(this.header + 4, 0);
    mem.setU64(this.header + 8, sector);
    mem.setU8(this.statusByte, 0xff);
    const chain: readonly [number, number, number][] = [
      [this.header, 16, Desc.next],
      [buffer, 512, Desc.next | Desc.write],
      [this.statusByte, 1, Desc.write],
    ];
    chain.forEach(([addr, len, flags], i) => {
      const d = this.desc + 16 * i;
      mem.setU64(d, addr);
      mem.setU32(d + 8, len);
      mem.setU16(d + 12, flags);
      mem.setU16(d + 14, i + 1 < chain.length ? i + 1 : 0);
    });
    const slot = this.availIdx % this.queueSize;
    mem.setU16(this.avail + 4 + 2 * slot, 0);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    // Device sees the descriptors and ring entry before avail.idx (§2.7.13).
    mem.setU16(this.avail + 2, this.availIdx);
    io.mmioWrite(this.doorbell, 2, 0);
  }

  usedIdx(): number {
    return this.g.mem.u16(this.used + 2);
  }

  /** The status byte the device wrote for the last request (0 = VIRTIO_BLK_S_OK). */
  requestStatus(): number {
    return this.g.mem.u8(this.statusByte);
  }

  /** Read (and so clear) the ISR status byte; deasserts INTx (virtio 1.2 §4.1.4.5). */
  readIsr(): number {
    return this.g.io.mmioRead(this.isr, 1);
  }
}
