/**
 * What models/virtio/layout.ts claims for every name the C oracle prints, keyed `kind:name` as in its
 * output. `optional` entries are newer than the Debian 12 headers (linux-libc-dev 6.1): compared when
 * present, not required.
 */
import * as L from '../../../models/virtio/layout.js';

export interface Expectation {
  readonly value: number;
  readonly optional?: boolean;
}

const table = new Map<string, Expectation>();

function put(kind: string, name: string, value: number, optional = false): void {
  if (table.has(`${kind}:${name}`)) throw new Error(`duplicate expectation ${kind}:${name}`);
  table.set(`${kind}:${name}`, optional ? { value, optional } : { value });
}
const konst = (name: string, value: number, optional = false) => put('const', name, value, optional);
const size = (type: string, value: number) => put('sizeof', `struct ${type}`, value);
/** Field offsets of `struct type`; the key is the C field name, which may differ from ours. */
const fields = (type: string, offsets: Record<string, number>) => {
  for (const [field, off] of Object.entries(offsets)) put('offsetof', `struct ${type}.${field}`, off);
};

// ---- virtio_ring.h ----
konst('VRING_DESC_F_NEXT', L.VirtqDescFlag.NEXT);
konst('VRING_DESC_F_WRITE', L.VirtqDescFlag.WRITE);
konst('VRING_DESC_F_INDIRECT', L.VirtqDescFlag.INDIRECT);
konst('VRING_USED_F_NO_NOTIFY', L.VirtqUsedFlag.NO_NOTIFY);
konst('VRING_AVAIL_F_NO_INTERRUPT', L.VirtqAvailFlag.NO_INTERRUPT);
konst('VRING_DESC_ALIGN_SIZE', L.VirtqAlign.desc);
konst('VRING_AVAIL_ALIGN_SIZE', L.VirtqAlign.avail);
konst('VRING_USED_ALIGN_SIZE', L.VirtqAlign.used);
konst('VRING_PACKED_DESC_F_AVAIL', L.PvirtqDescFlagShift.AVAIL);
konst('VRING_PACKED_DESC_F_USED', L.PvirtqDescFlagShift.USED);
konst('VRING_PACKED_EVENT_FLAG_ENABLE', L.PvirtqEventFlag.ENABLE);
konst('VRING_PACKED_EVENT_FLAG_DISABLE', L.PvirtqEventFlag.DISABLE);
konst('VRING_PACKED_EVENT_FLAG_DESC', L.PvirtqEventFlag.DESC);
konst('VRING_PACKED_EVENT_F_WRAP_CTR', L.PvirtqEvent.wrapShift);
konst('VIRTIO_RING_F_INDIRECT_DESC', L.VirtioFeature.INDIRECT_DESC);
konst('VIRTIO_RING_F_EVENT_IDX', L.VirtioFeature.EVENT_IDX);
size('vring_desc', L.VirtqDesc.size);
fields('vring_desc', {
  addr: L.VirtqDesc.addr,
  len: L.VirtqDesc.len,
  flags: L.VirtqDesc.flags,
  next: L.VirtqDesc.next,
});
size('vring_avail', L.VirtqAvail.header);
fields('vring_avail', { flags: L.VirtqAvail.flags, idx: L.VirtqAvail.idx, ring: L.VirtqAvail.ring });
size('vring_used_elem', L.VirtqUsedElem.size);
fields('vring_used_elem', { id: L.VirtqUsedElem.id, len: L.VirtqUsedElem.len });
size('vring_used', L.VirtqUsed.header);
fields('vring_used', { flags: L.VirtqUsed.flags, idx: L.VirtqUsed.idx, ring: L.VirtqUsed.ring });
size('vring_packed_desc', L.PvirtqDesc.size);
fields('vring_packed_desc', {
  addr: L.PvirtqDesc.addr,
  len: L.PvirtqDesc.len,
  id: L.PvirtqDesc.id,
  flags: L.PvirtqDesc.flags,
});
size('vring_packed_desc_event', L.PvirtqEvent.size);
fields('vring_packed_desc_event', { off_wrap: L.PvirtqEvent.offWrap, flags: L.PvirtqEvent.flags });

// ---- virtio_config.h, virtio_ids.h ----
konst('VIRTIO_CONFIG_S_ACKNOWLEDGE', L.DeviceStatus.ACKNOWLEDGE);
konst('VIRTIO_CONFIG_S_DRIVER', L.DeviceStatus.DRIVER);
konst('VIRTIO_CONFIG_S_DRIVER_OK', L.DeviceStatus.DRIVER_OK);
konst('VIRTIO_CONFIG_S_FEATURES_OK', L.DeviceStatus.FEATURES_OK);
konst('VIRTIO_CONFIG_S_NEEDS_RESET', L.DeviceStatus.DEVICE_NEEDS_RESET);
konst('VIRTIO_CONFIG_S_FAILED', L.DeviceStatus.FAILED);
for (const name of [
  'NOTIFY_ON_EMPTY',
  'ANY_LAYOUT',
  'VERSION_1',
  'ACCESS_PLATFORM',
  'RING_PACKED',
  'IN_ORDER',
  'ORDER_PLATFORM',
  'SR_IOV',
  'RING_RESET',
] as const) {
  konst(`VIRTIO_F_${name}`, L.VirtioFeature[name]);
}
konst('VIRTIO_F_NOTIFICATION_DATA', L.VirtioFeature.NOTIFICATION_DATA, true);
konst('VIRTIO_F_NOTIF_CONFIG_DATA', L.VirtioFeature.NOTIF_CONFIG_DATA, true);
konst('VIRTIO_F_ADMIN_VQ', L.VirtioFeature.ADMIN_VQ, true);
konst('VIRTIO_ID_NET', L.VirtioDeviceId.NET);
konst('VIRTIO_ID_BLOCK', L.VirtioDeviceId.BLOCK);
konst('VIRTIO_ID_CONSOLE', L.VirtioDeviceId.CONSOLE);
konst('VIRTIO_ID_RNG', L.VirtioDeviceId.RNG);
konst('VIRTIO_TRANS_ID_NET', L.VirtioPciId.TRANSITIONAL_NET);
konst('VIRTIO_TRANS_ID_BLOCK', L.VirtioPciId.TRANSITIONAL_BLOCK);
konst('VIRTIO_TRANS_ID_CONSOLE', L.VirtioPciId.TRANSITIONAL_CONSOLE);
konst('VIRTIO_TRANS_ID_RNG', L.VirtioPciId.TRANSITIONAL_RNG);

// ---- virtio_pci.h ----
konst('VIRTIO_PCI_HOST_FEATURES', L.LegacyPci.HOST_FEATURES);
konst('VIRTIO_PCI_GUEST_FEATURES', L.LegacyPci.GUEST_FEATURES);
konst('VIRTIO_PCI_QUEUE_PFN', L.LegacyPci.QUEUE_PFN);
konst('VIRTIO_PCI_QUEUE_NUM', L.LegacyPci.QUEUE_NUM);
konst('VIRTIO_PCI_QUEUE_SEL', L.LegacyPci.QUEUE_SEL);
konst('VIRTIO_PCI_QUEUE_NOTIFY', L.LegacyPci.QUEUE_NOTIFY);
konst('VIRTIO_PCI_STATUS', L.LegacyPci.STATUS);
konst('VIRTIO_PCI_ISR', L.LegacyPci.ISR);
konst('VIRTIO_MSI_CONFIG_VECTOR', L.LegacyPci.MSI_CONFIG_VECTOR);
konst('VIRTIO_MSI_QUEUE_VECTOR', L.LegacyPci.MSI_QUEUE_VECTOR);
konst('VIRTIO_PCI_CONFIG_OFF(0)', L.LegacyPci.CONFIG_OFF_NO_MSIX);
konst('VIRTIO_PCI_CONFIG_OFF(1)', L.LegacyPci.CONFIG_OFF_MSIX);
konst('VIRTIO_PCI_QUEUE_ADDR_SHIFT', L.LegacyPci.QUEUE_ADDR_SHIFT);
konst('VIRTIO_PCI_VRING_ALIGN', L.LegacyPci.VRING_ALIGN);
konst('VIRTIO_PCI_ISR_CONFIG', L.IsrBit.CONFIG);
konst('VIRTIO_MSI_NO_VECTOR', L.VIRTIO_MSI_NO_VECTOR);
konst('VIRTIO_PCI_CAP_COMMON_CFG', L.VirtioPciCapType.COMMON_CFG);
konst('VIRTIO_PCI_CAP_NOTIFY_CFG', L.VirtioPciCapType.NOTIFY_CFG);
konst('VIRTIO_PCI_CAP_ISR_CFG', L.VirtioPciCapType.ISR_CFG);
konst('VIRTIO_PCI_CAP_DEVICE_CFG', L.VirtioPciCapType.DEVICE_CFG);
konst('VIRTIO_PCI_CAP_PCI_CFG', L.VirtioPciCapType.PCI_CFG);
konst('VIRTIO_PCI_CAP_SHARED_MEMORY_CFG', L.VirtioPciCapType.SHARED_MEMORY_CFG);
konst('VIRTIO_PCI_CAP_VENDOR_CFG', L.VirtioPciCapType.VENDOR_CFG, true);
konst('VIRTIO_PCI_CAP_VNDR', L.VirtioPciCap.cap_vndr);
konst('VIRTIO_PCI_CAP_NEXT', L.VirtioPciCap.cap_next);
konst('VIRTIO_PCI_CAP_LEN', L.VirtioPciCap.cap_len);
konst('VIRTIO_PCI_CAP_CFG_TYPE', L.VirtioPciCap.cfg_type);
konst('VIRTIO_PCI_CAP_BAR', L.VirtioPciCap.bar);
konst('VIRTIO_PCI_CAP_OFFSET', L.VirtioPciCap.offset);
konst('VIRTIO_PCI_CAP_LENGTH', L.VirtioPciCap.length);
konst('VIRTIO_PCI_NOTIFY_CAP_MULT', L.VirtioPciNotifyCap.notify_off_multiplier);
size('virtio_pci_cap', L.VirtioPciCap.size);
fields('virtio_pci_cap', {
  cap_vndr: L.VirtioPciCap.cap_vndr,
  cap_next: L.VirtioPciCap.cap_next,
  cap_len: L.VirtioPciCap.cap_len,
  cfg_type: L.VirtioPciCap.cfg_type,
  bar: L.VirtioPciCap.bar,
  id: L.VirtioPciCap.id,
  padding: L.VirtioPciCap.padding,
  offset: L.VirtioPciCap.offset,
  length: L.VirtioPciCap.length,
});
size('virtio_pci_cap64', L.VirtioPciCap64.size);
fields('virtio_pci_cap64', { offset_hi: L.VirtioPciCap64.offset_hi, length_hi: L.VirtioPciCap64.length_hi });
size('virtio_pci_notify_cap', L.VirtioPciNotifyCap.size);
fields('virtio_pci_notify_cap', { notify_off_multiplier: L.VirtioPciNotifyCap.notify_off_multiplier });
size('virtio_pci_cfg_cap', L.VirtioPciCfgCap.size);
fields('virtio_pci_cfg_cap', { pci_cfg_data: L.VirtioPciCfgCap.pci_cfg_data });
const C = L.CommonCfg;
// The Linux 6.1 struct stops before queue_notif_config_data (56 B); Q_NDATA/Q_RESET exist only as offsets.
size('virtio_pci_common_cfg', C.queue_notif_config_data);
fields('virtio_pci_common_cfg', {
  device_feature_select: C.device_feature_select,
  device_feature: C.device_feature,
  guest_feature_select: C.driver_feature_select,
  guest_feature: C.driver_feature,
  msix_config: C.config_msix_vector,
  num_queues: C.num_queues,
  device_status: C.device_status,
  config_generation: C.config_generation,
  queue_select: C.queue_select,
  queue_size: C.queue_size,
  queue_msix_vector: C.queue_msix_vector,
  queue_enable: C.queue_enable,
  queue_notify_off: C.queue_notify_off,
  queue_desc_lo: C.queue_desc,
  queue_desc_hi: C.queue_desc + 4,
  queue_avail_lo: C.queue_driver,
  queue_avail_hi: C.queue_driver + 4,
  queue_used_lo: C.queue_device,
  queue_used_hi: C.queue_device + 4,
});
konst('VIRTIO_PCI_COMMON_DFSELECT', C.device_feature_select);
konst('VIRTIO_PCI_COMMON_DF', C.device_feature);
konst('VIRTIO_PCI_COMMON_GFSELECT', C.driver_feature_select);
konst('VIRTIO_PCI_COMMON_GF', C.driver_feature);
konst('VIRTIO_PCI_COMMON_MSIX', C.config_msix_vector);
konst('VIRTIO_PCI_COMMON_NUMQ', C.num_queues);
konst('VIRTIO_PCI_COMMON_STATUS', C.device_status);
konst('VIRTIO_PCI_COMMON_CFGGENERATION', C.config_generation);
konst('VIRTIO_PCI_COMMON_Q_SELECT', C.queue_select);
konst('VIRTIO_PCI_COMMON_Q_SIZE', C.queue_size);
konst('VIRTIO_PCI_COMMON_Q_MSIX', C.queue_msix_vector);
konst('VIRTIO_PCI_COMMON_Q_ENABLE', C.queue_enable);
konst('VIRTIO_PCI_COMMON_Q_NOFF', C.queue_notify_off);
konst('VIRTIO_PCI_COMMON_Q_DESCLO', C.queue_desc);
konst('VIRTIO_PCI_COMMON_Q_DESCHI', C.queue_desc + 4);
konst('VIRTIO_PCI_COMMON_Q_AVAILLO', C.queue_driver);
konst('VIRTIO_PCI_COMMON_Q_AVAILHI', C.queue_driver + 4);
konst('VIRTIO_PCI_COMMON_Q_USEDLO', C.queue_device);
konst('VIRTIO_PCI_COMMON_Q_USEDHI', C.queue_device + 4);
konst('VIRTIO_PCI_COMMON_Q_NDATA', C.queue_notif_config_data);
konst('VIRTIO_PCI_COMMON_Q_RESET', C.queue_reset);
konst('VIRTIO_PCI_COMMON_ADM_Q_IDX', C.admin_queue_index, true);
konst('VIRTIO_PCI_COMMON_ADM_Q_NUM', C.admin_queue_num, true);

// ---- virtio_blk.h ----
for (const [name, bit] of Object.entries(L.BlkFeature)) {
  konst(`VIRTIO_BLK_F_${name}`, bit, name === 'LIFETIME' || name === 'ZONED');
}
konst('VIRTIO_BLK_ID_BYTES', L.BlkSizes.ID_BYTES);
for (const [name, type] of Object.entries(L.BlkReqType)) konst(`VIRTIO_BLK_T_${name}`, type, name === 'GET_LIFETIME');
konst('VIRTIO_BLK_S_OK', L.BlkStatus.OK);
konst('VIRTIO_BLK_S_IOERR', L.BlkStatus.IOERR);
konst('VIRTIO_BLK_S_UNSUPP', L.BlkStatus.UNSUPP);
konst('VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP', L.BlkDiscardSegment.FLAG_UNMAP);
const B = L.BlkConfig;
size('virtio_blk_config', B.size);
fields('virtio_blk_config', {
  capacity: B.capacity,
  size_max: B.size_max,
  seg_max: B.seg_max,
  'geometry.cylinders': B.geometry_cylinders,
  'geometry.heads': B.geometry_heads,
  'geometry.sectors': B.geometry_sectors,
  blk_size: B.blk_size,
  physical_block_exp: B.physical_block_exp,
  alignment_offset: B.alignment_offset,
  min_io_size: B.min_io_size,
  opt_io_size: B.opt_io_size,
  wce: B.writeback,
  num_queues: B.num_queues,
  max_discard_sectors: B.max_discard_sectors,
  max_discard_seg: B.max_discard_seg,
  discard_sector_alignment: B.discard_sector_alignment,
  max_write_zeroes_sectors: B.max_write_zeroes_sectors,
  max_write_zeroes_seg: B.max_write_zeroes_seg,
  write_zeroes_may_unmap: B.write_zeroes_may_unmap,
  max_secure_erase_sectors: B.max_secure_erase_sectors,
  max_secure_erase_seg: B.max_secure_erase_seg,
  secure_erase_sector_alignment: B.secure_erase_sector_alignment,
});
size('virtio_blk_outhdr', L.BlkOutHdr.size);
fields('virtio_blk_outhdr', { type: L.BlkOutHdr.type, ioprio: L.BlkOutHdr.reserved, sector: L.BlkOutHdr.sector });
size('virtio_blk_discard_write_zeroes', L.BlkDiscardSegment.size);
fields('virtio_blk_discard_write_zeroes', {
  sector: L.BlkDiscardSegment.sector,
  num_sectors: L.BlkDiscardSegment.num_sectors,
  flags: L.BlkDiscardSegment.flags,
});

// ---- virtio_net.h ----
for (const [name, bit] of Object.entries(L.NetFeature)) konst(`VIRTIO_NET_F_${name}`, bit);
konst('VIRTIO_NET_S_LINK_UP', L.NetStatus.LINK_UP);
konst('VIRTIO_NET_S_ANNOUNCE', L.NetStatus.ANNOUNCE);
for (const [name, v] of Object.entries(L.NetHdrFlag)) konst(`VIRTIO_NET_HDR_F_${name}`, v);
for (const [name, v] of Object.entries(L.NetHdrGso)) konst(`VIRTIO_NET_HDR_GSO_${name}`, v, name === 'UDP_L4');
konst('VIRTIO_NET_OK', L.NetCtrlAck.OK);
konst('VIRTIO_NET_ERR', L.NetCtrlAck.ERR);
for (const [name, v] of Object.entries(L.NetCtrlClass)) konst(`VIRTIO_NET_CTRL_${name}`, v);
konst('VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET', L.NetCtrlMq.VQ_PAIRS_SET);
konst('VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN', L.NetCtrlMq.VQ_PAIRS_MIN);
konst('VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX', L.NetCtrlMq.VQ_PAIRS_MAX);
konst('VIRTIO_NET_CTRL_NOTF_COAL_TX_SET', L.NetCtrlNotfCoal.TX_SET);
konst('VIRTIO_NET_CTRL_NOTF_COAL_RX_SET', L.NetCtrlNotfCoal.RX_SET);
const N = L.NetConfig;
size('virtio_net_config', N.size);
fields('virtio_net_config', {
  mac: N.mac,
  status: N.status,
  max_virtqueue_pairs: N.max_virtqueue_pairs,
  mtu: N.mtu,
  speed: N.speed,
  duplex: N.duplex,
  rss_max_key_size: N.rss_max_key_size,
  rss_max_indirection_table_length: N.rss_max_indirection_table_length,
  supported_hash_types: N.supported_hash_types,
});
const H = L.NetHdr;
size('virtio_net_hdr_v1', H.size);
fields('virtio_net_hdr_v1', {
  flags: H.flags,
  gso_type: H.gso_type,
  hdr_len: H.hdr_len,
  gso_size: H.gso_size,
  csum_start: H.csum_start,
  csum_offset: H.csum_offset,
  num_buffers: H.num_buffers,
});
size('virtio_net_hdr', H.legacySize);
size('virtio_net_hdr_mrg_rxbuf', H.size);
size('virtio_net_hdr_v1_hash', H.hashSize);
size('virtio_net_ctrl_hdr', L.NetCtrlHdr.size);
fields('virtio_net_ctrl_hdr', { class: L.NetCtrlHdr.class, cmd: L.NetCtrlHdr.cmd });
for (const dir of ['tx', 'rx'] as const) {
  size(`virtio_net_ctrl_coal_${dir}`, L.NetCtrlNotfCoal.size);
  fields(`virtio_net_ctrl_coal_${dir}`, {
    [`${dir}_max_packets`]: L.NetCtrlNotfCoal.max_packets,
    [`${dir}_usecs`]: L.NetCtrlNotfCoal.usecs,
  });
}

// ---- virtio_console.h ----
konst('VIRTIO_CONSOLE_F_SIZE', L.ConsoleFeature.SIZE);
konst('VIRTIO_CONSOLE_F_MULTIPORT', L.ConsoleFeature.MULTIPORT);
konst('VIRTIO_CONSOLE_F_EMERG_WRITE', L.ConsoleFeature.EMERG_WRITE);
konst('VIRTIO_CONSOLE_BAD_ID', L.CONSOLE_BAD_ID);
const E = L.ConsoleEvent;
konst('VIRTIO_CONSOLE_DEVICE_READY', E.DEVICE_READY);
konst('VIRTIO_CONSOLE_PORT_ADD', E.DEVICE_ADD);
konst('VIRTIO_CONSOLE_PORT_REMOVE', E.DEVICE_REMOVE);
konst('VIRTIO_CONSOLE_PORT_READY', E.PORT_READY);
konst('VIRTIO_CONSOLE_CONSOLE_PORT', E.CONSOLE_PORT);
konst('VIRTIO_CONSOLE_RESIZE', E.RESIZE);
konst('VIRTIO_CONSOLE_PORT_OPEN', E.PORT_OPEN);
konst('VIRTIO_CONSOLE_PORT_NAME', E.PORT_NAME);
size('virtio_console_config', L.ConsoleConfig.size);
fields('virtio_console_config', {
  cols: L.ConsoleConfig.cols,
  rows: L.ConsoleConfig.rows,
  max_nr_ports: L.ConsoleConfig.max_nr_ports,
  emerg_wr: L.ConsoleConfig.emerg_wr,
});
size('virtio_console_control', L.ConsoleControl.size);
fields('virtio_console_control', {
  id: L.ConsoleControl.id,
  event: L.ConsoleControl.event,
  value: L.ConsoleControl.value,
});

export const layoutExpectations: ReadonlyMap<string, Expectation> = table;
