/**
 * virtio-blk device configuration space and feature offer (virtio 1.2 §5.2.3, §5.2.4;
 * specs/virtio.md §6.1). The layout is `struct virtio_blk_config` (../layout.ts BlkConfig) up to and
 * including write_zeroes_may_unmap and its 3 bytes of padding.
 */
import { ConfigSpace } from '../device/config-space.js';
import { featureBit } from '../features.js';
import { BlkConfig, BlkFeature, BlkSizes } from '../layout.js';

/** Bytes of config space we expose: through write_zeroes_may_unmap + unused[3] (virtio 1.2 §5.2.4). */
export const BLK_CONFIG_SIZE = BlkConfig.write_zeroes_may_unmap + 4;

/**
 * Limits the device advertises. Discard / write-zeroes take one 16-B segment per request (QEMU's
 * max_discard_seg = max_write_zeroes_seg = 1) of at most 2^22 − 1 sectors (QEMU's default,
 * BDRV_REQUEST_MAX_SECTORS).
 */
export const BlkDeviceLimit = {
  maxDiscardSectors: 4194303,
  maxDiscardSeg: 1,
  /** In 512-B sectors; 1 = any sector. */
  discardSectorAlignment: 1,
  maxWriteZeroesSectors: 4194303,
  maxWriteZeroesSeg: 1,
} as const;

/** SEG_MAX, BLK_SIZE, FLUSH, DISCARD, WRITE_ZEROES, plus RO for a read-only backend (virtio 1.2 §5.2.3). */
export function blkOfferedFeatures(readOnly: boolean): bigint {
  let f =
    featureBit(BlkFeature.SEG_MAX) |
    featureBit(BlkFeature.BLK_SIZE) |
    featureBit(BlkFeature.FLUSH) |
    featureBit(BlkFeature.DISCARD) |
    featureBit(BlkFeature.WRITE_ZEROES);
  if (readOnly) f |= featureBit(BlkFeature.RO);
  return f;
}

/** The config bytes of a disk of `capacitySectors` behind a queue of `queueSize`. */
export class BlkConfigSpace extends ConfigSpace {
  constructor(capacitySectors: number, queueSize: number) {
    super(BLK_CONFIG_SIZE);
    const v = this.view;
    v.setUint32(BlkConfig.capacity, capacitySectors >>> 0, true);
    v.setUint32(BlkConfig.capacity + 4, Math.floor(capacitySectors / 4294967296), true);
    // Header and status take one descriptor each; the rest of a full-ring chain is data (QEMU: QS − 2).
    v.setUint32(BlkConfig.seg_max, Math.max(1, queueSize - 2), true);
    v.setUint32(BlkConfig.blk_size, BlkSizes.SECTOR, true);
    v.setUint16(BlkConfig.num_queues, 1, true);
    v.setUint32(BlkConfig.max_discard_sectors, BlkDeviceLimit.maxDiscardSectors, true);
    v.setUint32(BlkConfig.max_discard_seg, BlkDeviceLimit.maxDiscardSeg, true);
    v.setUint32(BlkConfig.discard_sector_alignment, BlkDeviceLimit.discardSectorAlignment, true);
    v.setUint32(BlkConfig.max_write_zeroes_sectors, BlkDeviceLimit.maxWriteZeroesSectors, true);
    v.setUint32(BlkConfig.max_write_zeroes_seg, BlkDeviceLimit.maxWriteZeroesSeg, true);
    v.setUint8(BlkConfig.write_zeroes_may_unmap, 0);
  }
}
