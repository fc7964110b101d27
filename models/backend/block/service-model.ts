/**
 * Block device service-time models for the sim engine. A device is `channels` parallel
 * servers (flash dies / NCQ slots / one actuator) plus one shared serial resource that
 * carries commands and data (the host link, or the media's sequential bandwidth —
 * whichever datasheets show as the ceiling). Every figure is a typical published
 * datasheet-class number or a labelled assumption; the models are for comparing I/O
 * paths, not for predicting a particular drive.
 */
import { type BlockOp, SECTOR_SIZE } from '../../platform/ports.js';
import type { Rng } from '../../platform/rng.js';

export type ServiceModelName = 'ram' | 'nvme' | 'sata-ssd' | 'hdd';
export const SERVICE_MODEL_NAMES: readonly ServiceModelName[] = ['ram', 'nvme', 'sata-ssd', 'hdd'];

/** Where the media was last accessed (an HDD's head position). Owned and advanced by the backend. */
export interface HeadState {
  /** Sector just past the last media access. */
  sector: number;
}

export interface ServiceModel {
  readonly name: ServiceModelName;
  /** Requests serviced in parallel. */
  readonly channels: number;
  /** Time the request holds one channel (controller + media), ns. `jitter` is set only when jitter is on. */
  serviceNs(op: BlockOp, sector: number, sectors: number, head: HeadState, jitter: Rng | undefined): number;
  /** Time the request holds the shared serial resource (command + data transfer), ns; 0 = not modelled. */
  transferNs(op: BlockOp, sectors: number): number;
}

type TimedOp = 'read' | 'write' | 'flush' | 'discard' | 'write-zeroes' | 'get-id';

interface SolidStateProfile {
  readonly channels: number;
  /** Fixed per-op channel time, ns. */
  readonly opNs: Readonly<Record<TimedOp, number>>;
  /** Per-channel copy rate (bytes/ns) added to read/write channel time; 0 = none. */
  readonly channelBytesPerNs: number;
  /** Shared resource: per-command time, ns. */
  readonly commandNs: number;
  /** Shared resource: sequential read / write bandwidth (bytes/ns); 0 = not modelled. */
  readonly readBytesPerNs: number;
  readonly writeBytesPerNs: number;
}

// A RAM disk: the cost is the request path plus memcpy. Assumptions: ≈ 0.5 µs per request
// (in-kernel RAM block drivers complete in a few hundred ns to ~1 µs), ≈ 10 GB/s
// single-core memcpy on current x86 servers, 8 host cores copying in parallel.
export const RAM_PROFILE: SolidStateProfile = {
  channels: 8,
  opNs: { read: 500, write: 500, flush: 100, discard: 300, 'write-zeroes': 300, 'get-id': 100 },
  channelBytesPerNs: 10,
  commandNs: 0,
  readBytesPerNs: 0,
  writeBytesPerNs: 0,
} as const;

// TLC data-centre NVMe drive, PCIe 3.0 ×4.
export const NVME_PROFILE: SolidStateProfile = {
  // Internal parallelism: 32 concurrently busy dies/planes (assumption; with 80 µs reads this
  // gives ≈ 390k IOPS at QD32, inside the 400–750k 4 KiB random-read range of such datasheets).
  channels: 32,
  opNs: {
    read: 80_000, // 4 KiB random read at QD1 ≈ 80–100 µs (TLC data-centre datasheets)
    write: 20_000, // QD1 write ≈ 15–30 µs: absorbed by the power-loss-protected DRAM cache
    flush: 5_000, // power-loss protection makes FLUSH nearly free (assumption: a few µs)
    discard: 10_000, // deallocate is a mapping-table update (assumption)
    'write-zeroes': 10_000, // implemented as deallocate (assumption)
    'get-id': 5_000, // Identify served from controller memory (assumption)
  },
  channelBytesPerNs: 0,
  commandNs: 0,
  readBytesPerNs: 3.5, // ≈ 3.5 GB/s sequential read (PCIe 3.0 ×4: 3.94 GB/s raw)
  writeBytesPerNs: 2.0, // ≈ 2 GB/s sequential write (same datasheet class)
} as const;

// Consumer SATA SSD behind a 6 Gb/s link with NCQ.
export const SATA_SSD_PROFILE: SolidStateProfile = {
  channels: 32, // NCQ: 32 command slots (SATA 3.x)
  opNs: {
    read: 90_000, // with the link below, 4 KiB QD1 read ≈ 100 µs (≈ 10k IOPS QD1 datasheet class)
    write: 15_000, // QD1 4 KiB write ≈ 25 µs in total, SLC-cached (≈ 40k IOPS QD1 datasheet class)
    flush: 1_000_000, // no power-loss protection: FLUSH CACHE programs cached pages, ms class (assumption)
    discard: 50_000, // DATA SET MANAGEMENT/TRIM (assumption)
    'write-zeroes': 50_000, // as TRIM with deterministic zeroes (assumption)
    'get-id': 10_000, // IDENTIFY DEVICE, one 512-byte data-in (assumption)
  },
  channelBytesPerNs: 0,
  // ≈ 2.5 µs of FIS/command handling per request (assumption), which with the transfer below caps
  // 4 KiB QD32 random reads at ≈ 100k IOPS, the figure SATA SSD datasheets quote.
  commandNs: 2_500,
  readBytesPerNs: 0.55, // ≈ 550 MB/s sequential read: the 6 Gb/s link after 8b/10b coding
  writeBytesPerNs: 0.52, // ≈ 520 MB/s sequential write (same datasheet class)
} as const;

// 7200 rpm 3.5" desktop drive, write cache off (every write reaches the platter).
export const HDD_PROFILE = {
  rpm: 7200, // one revolution 8.33 ms, average rotational latency 4.17 ms
  trackToTrackSeekNs: 1_000_000, // ≈ 1 ms (7200 rpm datasheet class)
  averageSeekNs: 8_500_000, // ≈ 8.5 ms average read seek (7200 rpm datasheet class)
  mediaBytesPerNs: 0.15, // ≈ 150 MB/s sustained transfer, mid-zone (datasheets: 100–220 MB/s inner–outer)
  commandNs: 20_000, // controller/command overhead per request (assumption)
} as const;

function solidState(name: ServiceModelName, p: SolidStateProfile): ServiceModel {
  return {
    name,
    channels: p.channels,
    serviceNs(op, _sector, sectors, _head, jitter) {
      let ns = p.opNs[op as TimedOp] ?? 0;
      // Flash and memory latency vary a little around the mean: ±10 % uniform (assumption).
      if (jitter !== undefined) ns *= 0.9 + 0.2 * jitter.float();
      if (p.channelBytesPerNs > 0 && (op === 'read' || op === 'write'))
        ns += (sectors * SECTOR_SIZE) / p.channelBytesPerNs;
      return ns;
    },
    transferNs(op, sectors) {
      const rate = op === 'read' ? p.readBytesPerNs : op === 'write' ? p.writeBytesPerNs : 0;
      const data = rate > 0 ? (sectors * SECTOR_SIZE) / rate : 0;
      return p.commandNs + data;
    },
  };
}

/**
 * Seek time over a distance `d` of `max` sectors: track-to-track plus a square-root
 * curve, scaled so that over uniformly random start and end positions (mean √(d/max) =
 * 8/15) it averages the datasheet's average seek.
 */
export function hddSeekNs(distance: number, maxDistance: number): number {
  if (distance <= 0 || maxDistance <= 0) return 0;
  const h = HDD_PROFILE;
  const fraction = Math.min(1, distance / maxDistance);
  return h.trackToTrackSeekNs + (h.averageSeekNs - h.trackToTrackSeekNs) * (15 / 8) * Math.sqrt(fraction);
}

export const HDD_REVOLUTION_NS = 60e9 / HDD_PROFILE.rpm;

function hdd(capacitySectors: number): ServiceModel {
  const h = HDD_PROFILE;
  return {
    name: 'hdd',
    channels: 1, // one actuator
    serviceNs(op, sector, sectors, head, jitter) {
      // Only media transfers position the head; flush (write cache off), discard (no
      // unmapping on rotating media) and identify cost a command.
      if (op !== 'read' && op !== 'write' && op !== 'write-zeroes') return h.commandNs;
      let ns = h.commandNs + (sectors * SECTOR_SIZE) / h.mediaBytesPerNs;
      // Continuing where the last access stopped costs no positioning (the drive's track
      // buffer / read-ahead; assumption). Anywhere else: seek, then wait for the sector to
      // come round — half a revolution on average, uniform over one revolution with jitter.
      if (sector !== head.sector) {
        const rotation = jitter !== undefined ? jitter.float() * HDD_REVOLUTION_NS : HDD_REVOLUTION_NS / 2;
        ns += hddSeekNs(Math.abs(sector - head.sector), capacitySectors) + rotation;
      }
      return ns;
    },
    transferNs: () => 0, // the media rate above is the bottleneck; the link is not modelled
  };
}

export function createServiceModel(name: ServiceModelName, capacitySectors: number): ServiceModel {
  switch (name) {
    case 'ram':
      return solidState(name, RAM_PROFILE);
    case 'nvme':
      return solidState(name, NVME_PROFILE);
    case 'sata-ssd':
      return solidState(name, SATA_SSD_PROFILE);
    case 'hdd':
      return hdd(capacitySectors);
    default:
      throw new RangeError(`unknown block service model "${String(name)}"`);
  }
}
