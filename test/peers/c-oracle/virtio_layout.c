/*
 * Byte-layout and arithmetic oracle for models/virtio/layout.ts: prints, as JSON lines, the sizes, field
 * offsets and constants of the Linux uapi virtio headers, Linux vring_size()/vring_init() placement for
 * many ring sizes and alignments, and vring_need_event() over a grid. virtio-layout.test.ts compares every
 * line with the TypeScript values.
 *
 * The legacy guards stay off on purpose: VIRTIO_BLK_F_FLUSH / CONFIG_WCE and vring_size() live behind them.
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

static void emit(const char *kind, const char *name, unsigned long long value) {
  printf("{\"kind\":\"%s\",\"name\":\"%s\",\"value\":%llu}\n", kind, name, value);
}

#define CONST(name) emit("const", #name, (unsigned long long)(name))
#define SIZE(type) emit("sizeof", #type, (unsigned long long)sizeof(type))
#define OFF(type, field) emit("offsetof", #type "." #field, (unsigned long long)offsetof(type, field))

static void ring(void) {
  CONST(VRING_DESC_F_NEXT);
  CONST(VRING_DESC_F_WRITE);
  CONST(VRING_DESC_F_INDIRECT);
  CONST(VRING_USED_F_NO_NOTIFY);
  CONST(VRING_AVAIL_F_NO_INTERRUPT);
  CONST(VRING_DESC_ALIGN_SIZE);
  CONST(VRING_AVAIL_ALIGN_SIZE);
  CONST(VRING_USED_ALIGN_SIZE);
  CONST(VRING_PACKED_DESC_F_AVAIL);
  CONST(VRING_PACKED_DESC_F_USED);
  CONST(VRING_PACKED_EVENT_FLAG_ENABLE);
  CONST(VRING_PACKED_EVENT_FLAG_DISABLE);
  CONST(VRING_PACKED_EVENT_FLAG_DESC);
  CONST(VRING_PACKED_EVENT_F_WRAP_CTR);
  CONST(VIRTIO_RING_F_INDIRECT_DESC);
  CONST(VIRTIO_RING_F_EVENT_IDX);

  SIZE(struct vring_desc);
  OFF(struct vring_desc, addr);
  OFF(struct vring_desc, len);
  OFF(struct vring_desc, flags);
  OFF(struct vring_desc, next);
  SIZE(struct vring_avail);
  OFF(struct vring_avail, flags);
  OFF(struct vring_avail, idx);
  OFF(struct vring_avail, ring);
  SIZE(struct vring_used_elem);
  OFF(struct vring_used_elem, id);
  OFF(struct vring_used_elem, len);
  SIZE(struct vring_used);
  OFF(struct vring_used, flags);
  OFF(struct vring_used, idx);
  OFF(struct vring_used, ring);
  SIZE(struct vring_packed_desc);
  OFF(struct vring_packed_desc, addr);
  OFF(struct vring_packed_desc, len);
  OFF(struct vring_packed_desc, id);
  OFF(struct vring_packed_desc, flags);
  SIZE(struct vring_packed_desc_event);
  OFF(struct vring_packed_desc_event, off_wrap);
  OFF(struct vring_packed_desc_event, flags);
}

static void config(void) {
  CONST(VIRTIO_CONFIG_S_ACKNOWLEDGE);
  CONST(VIRTIO_CONFIG_S_DRIVER);
  CONST(VIRTIO_CONFIG_S_DRIVER_OK);
  CONST(VIRTIO_CONFIG_S_FEATURES_OK);
  CONST(VIRTIO_CONFIG_S_NEEDS_RESET);
  CONST(VIRTIO_CONFIG_S_FAILED);
  CONST(VIRTIO_F_NOTIFY_ON_EMPTY);
  CONST(VIRTIO_F_ANY_LAYOUT);
  CONST(VIRTIO_F_VERSION_1);
  CONST(VIRTIO_F_ACCESS_PLATFORM);
  CONST(VIRTIO_F_RING_PACKED);
  CONST(VIRTIO_F_IN_ORDER);
  CONST(VIRTIO_F_ORDER_PLATFORM);
  CONST(VIRTIO_F_SR_IOV);
  CONST(VIRTIO_F_RING_RESET);
#ifdef VIRTIO_F_NOTIFICATION_DATA
  CONST(VIRTIO_F_NOTIFICATION_DATA);
#endif
#ifdef VIRTIO_F_NOTIF_CONFIG_DATA
  CONST(VIRTIO_F_NOTIF_CONFIG_DATA);
#endif
#ifdef VIRTIO_F_ADMIN_VQ
  CONST(VIRTIO_F_ADMIN_VQ);
#endif
  CONST(VIRTIO_ID_NET);
  CONST(VIRTIO_ID_BLOCK);
  CONST(VIRTIO_ID_CONSOLE);
  CONST(VIRTIO_ID_RNG);
  CONST(VIRTIO_TRANS_ID_NET);
  CONST(VIRTIO_TRANS_ID_BLOCK);
  CONST(VIRTIO_TRANS_ID_CONSOLE);
  CONST(VIRTIO_TRANS_ID_RNG);
}

static void pci(void) {
  CONST(VIRTIO_PCI_HOST_FEATURES);
  CONST(VIRTIO_PCI_GUEST_FEATURES);
  CONST(VIRTIO_PCI_QUEUE_PFN);
  CONST(VIRTIO_PCI_QUEUE_NUM);
  CONST(VIRTIO_PCI_QUEUE_SEL);
  CONST(VIRTIO_PCI_QUEUE_NOTIFY);
  CONST(VIRTIO_PCI_STATUS);
  CONST(VIRTIO_PCI_ISR);
  CONST(VIRTIO_MSI_CONFIG_VECTOR);
  CONST(VIRTIO_MSI_QUEUE_VECTOR);
  emit("const", "VIRTIO_PCI_CONFIG_OFF(0)", VIRTIO_PCI_CONFIG_OFF(0));
  emit("const", "VIRTIO_PCI_CONFIG_OFF(1)", VIRTIO_PCI_CONFIG_OFF(1));
  CONST(VIRTIO_PCI_QUEUE_ADDR_SHIFT);
  CONST(VIRTIO_PCI_VRING_ALIGN);
  CONST(VIRTIO_PCI_ISR_CONFIG);
  CONST(VIRTIO_MSI_NO_VECTOR);
  CONST(VIRTIO_PCI_CAP_COMMON_CFG);
  CONST(VIRTIO_PCI_CAP_NOTIFY_CFG);
  CONST(VIRTIO_PCI_CAP_ISR_CFG);
  CONST(VIRTIO_PCI_CAP_DEVICE_CFG);
  CONST(VIRTIO_PCI_CAP_PCI_CFG);
  CONST(VIRTIO_PCI_CAP_SHARED_MEMORY_CFG);
#ifdef VIRTIO_PCI_CAP_VENDOR_CFG
  CONST(VIRTIO_PCI_CAP_VENDOR_CFG);
#endif
  CONST(VIRTIO_PCI_CAP_VNDR);
  CONST(VIRTIO_PCI_CAP_NEXT);
  CONST(VIRTIO_PCI_CAP_LEN);
  CONST(VIRTIO_PCI_CAP_CFG_TYPE);
  CONST(VIRTIO_PCI_CAP_BAR);
  CONST(VIRTIO_PCI_CAP_OFFSET);
  CONST(VIRTIO_PCI_CAP_LENGTH);
  CONST(VIRTIO_PCI_NOTIFY_CAP_MULT);

  SIZE(struct virtio_pci_cap);
  OFF(struct virtio_pci_cap, cap_vndr);
  OFF(struct virtio_pci_cap, cap_next);
  OFF(struct virtio_pci_cap, cap_len);
  OFF(struct virtio_pci_cap, cfg_type);
  OFF(struct virtio_pci_cap, bar);
  OFF(struct virtio_pci_cap, id);
  OFF(struct virtio_pci_cap, padding);
  OFF(struct virtio_pci_cap, offset);
  OFF(struct virtio_pci_cap, length);
  SIZE(struct virtio_pci_cap64);
  OFF(struct virtio_pci_cap64, offset_hi);
  OFF(struct virtio_pci_cap64, length_hi);
  SIZE(struct virtio_pci_notify_cap);
  OFF(struct virtio_pci_notify_cap, notify_off_multiplier);
  SIZE(struct virtio_pci_cfg_cap);
  OFF(struct virtio_pci_cfg_cap, pci_cfg_data);

  SIZE(struct virtio_pci_common_cfg);
  OFF(struct virtio_pci_common_cfg, device_feature_select);
  OFF(struct virtio_pci_common_cfg, device_feature);
  OFF(struct virtio_pci_common_cfg, guest_feature_select);
  OFF(struct virtio_pci_common_cfg, guest_feature);
  OFF(struct virtio_pci_common_cfg, msix_config);
  OFF(struct virtio_pci_common_cfg, num_queues);
  OFF(struct virtio_pci_common_cfg, device_status);
  OFF(struct virtio_pci_common_cfg, config_generation);
  OFF(struct virtio_pci_common_cfg, queue_select);
  OFF(struct virtio_pci_common_cfg, queue_size);
  OFF(struct virtio_pci_common_cfg, queue_msix_vector);
  OFF(struct virtio_pci_common_cfg, queue_enable);
  OFF(struct virtio_pci_common_cfg, queue_notify_off);
  OFF(struct virtio_pci_common_cfg, queue_desc_lo);
  OFF(struct virtio_pci_common_cfg, queue_desc_hi);
  OFF(struct virtio_pci_common_cfg, queue_avail_lo);
  OFF(struct virtio_pci_common_cfg, queue_avail_hi);
  OFF(struct virtio_pci_common_cfg, queue_used_lo);
  OFF(struct virtio_pci_common_cfg, queue_used_hi);
  CONST(VIRTIO_PCI_COMMON_DFSELECT);
  CONST(VIRTIO_PCI_COMMON_DF);
  CONST(VIRTIO_PCI_COMMON_GFSELECT);
  CONST(VIRTIO_PCI_COMMON_GF);
  CONST(VIRTIO_PCI_COMMON_MSIX);
  CONST(VIRTIO_PCI_COMMON_NUMQ);
  CONST(VIRTIO_PCI_COMMON_STATUS);
  CONST(VIRTIO_PCI_COMMON_CFGGENERATION);
  CONST(VIRTIO_PCI_COMMON_Q_SELECT);
  CONST(VIRTIO_PCI_COMMON_Q_SIZE);
  CONST(VIRTIO_PCI_COMMON_Q_MSIX);
  CONST(VIRTIO_PCI_COMMON_Q_ENABLE);
  CONST(VIRTIO_PCI_COMMON_Q_NOFF);
  CONST(VIRTIO_PCI_COMMON_Q_DESCLO);
  CONST(VIRTIO_PCI_COMMON_Q_DESCHI);
  CONST(VIRTIO_PCI_COMMON_Q_AVAILLO);
  CONST(VIRTIO_PCI_COMMON_Q_AVAILHI);
  CONST(VIRTIO_PCI_COMMON_Q_USEDLO);
  CONST(VIRTIO_PCI_COMMON_Q_USEDHI);
  CONST(VIRTIO_PCI_COMMON_Q_NDATA);
  CONST(VIRTIO_PCI_COMMON_Q_RESET);
#ifdef VIRTIO_PCI_COMMON_ADM_Q_IDX
  CONST(VIRTIO_PCI_COMMON_ADM_Q_IDX);
  CONST(VIRTIO_PCI_COMMON_ADM_Q_NUM);
#endif
}

static void blk(void) {
  CONST(VIRTIO_BLK_F_BARRIER);
  CONST(VIRTIO_BLK_F_SIZE_MAX);
  CONST(VIRTIO_BLK_F_SEG_MAX);
  CONST(VIRTIO_BLK_F_GEOMETRY);
  CONST(VIRTIO_BLK_F_RO);
  CONST(VIRTIO_BLK_F_BLK_SIZE);
  CONST(VIRTIO_BLK_F_SCSI);
  CONST(VIRTIO_BLK_F_FLUSH);
  CONST(VIRTIO_BLK_F_TOPOLOGY);
  CONST(VIRTIO_BLK_F_CONFIG_WCE);
  CONST(VIRTIO_BLK_F_MQ);
  CONST(VIRTIO_BLK_F_DISCARD);
  CONST(VIRTIO_BLK_F_WRITE_ZEROES);
  CONST(VIRTIO_BLK_F_SECURE_ERASE);
#ifdef VIRTIO_BLK_F_LIFETIME
  CONST(VIRTIO_BLK_F_LIFETIME);
#endif
#ifdef VIRTIO_BLK_F_ZONED
  CONST(VIRTIO_BLK_F_ZONED);
#endif
  CONST(VIRTIO_BLK_ID_BYTES);
  CONST(VIRTIO_BLK_T_IN);
  CONST(VIRTIO_BLK_T_OUT);
  CONST(VIRTIO_BLK_T_FLUSH);
  CONST(VIRTIO_BLK_T_GET_ID);
#ifdef VIRTIO_BLK_T_GET_LIFETIME
  CONST(VIRTIO_BLK_T_GET_LIFETIME);
#endif
  CONST(VIRTIO_BLK_T_DISCARD);
  CONST(VIRTIO_BLK_T_WRITE_ZEROES);
  CONST(VIRTIO_BLK_T_SECURE_ERASE);
  CONST(VIRTIO_BLK_S_OK);
  CONST(VIRTIO_BLK_S_IOERR);
  CONST(VIRTIO_BLK_S_UNSUPP);
  CONST(VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);

  SIZE(struct virtio_blk_config);
  OFF(struct virtio_blk_config, capacity);
  OFF(struct virtio_blk_config, size_max);
  OFF(struct virtio_blk_config, seg_max);
  OFF(struct virtio_blk_config, geometry.cylinders);
  OFF(struct virtio_blk_config, geometry.heads);
  OFF(struct virtio_blk_config, geometry.sectors);
  OFF(struct virtio_blk_config, blk_size);
  OFF(struct virtio_blk_config, physical_block_exp);
  OFF(struct virtio_blk_config, alignment_offset);
  OFF(struct virtio_blk_config, min_io_size);
  OFF(struct virtio_blk_config, opt_io_size);
  OFF(struct virtio_blk_config, wce);
  OFF(struct virtio_blk_config, num_queues);
  OFF(struct virtio_blk_config, max_discard_sectors);
  OFF(struct virtio_blk_config, max_discard_seg);
  OFF(struct virtio_blk_config, discard_sector_alignment);
  OFF(struct virtio_blk_config, max_write_zeroes_sectors);
  OFF(struct virtio_blk_config, max_write_zeroes_seg);
  OFF(struct virtio_blk_config, write_zeroes_may_unmap);
  OFF(struct virtio_blk_config, max_secure_erase_sectors);
  OFF(struct virtio_blk_config, max_secure_erase_seg);
  OFF(struct virtio_blk_config, secure_erase_sector_alignment);
  SIZE(struct virtio_blk_outhdr);
  OFF(struct virtio_blk_outhdr, type);
  OFF(struct virtio_blk_outhdr, ioprio);
  OFF(struct virtio_blk_outhdr, sector);
  SIZE(struct virtio_blk_discard_write_zeroes);
  OFF(struct virtio_blk_discard_write_zeroes, sector);
  OFF(struct virtio_blk_discard_write_zeroes, num_sectors);
  OFF(struct virtio_blk_discard_write_zeroes, flags);
}

static void net(void) {
  CONST(VIRTIO_NET_F_CSUM);
  CONST(VIRTIO_NET_F_GUEST_CSUM);
  CONST(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS);
  CONST(VIRTIO_NET_F_MTU);
  CONST(VIRTIO_NET_F_MAC);
  CONST(VIRTIO_NET_F_GUEST_TSO4);
  CONST(VIRTIO_NET_F_GUEST_TSO6);
  CONST(VIRTIO_NET_F_GUEST_ECN);
  CONST(VIRTIO_NET_F_GUEST_UFO);
  CONST(VIRTIO_NET_F_HOST_TSO4);
  CONST(VIRTIO_NET_F_HOST_TSO6);
  CONST(VIRTIO_NET_F_HOST_ECN);
  CONST(VIRTIO_NET_F_HOST_UFO);
  CONST(VIRTIO_NET_F_MRG_RXBUF);
  CONST(VIRTIO_NET_F_STATUS);
  CONST(VIRTIO_NET_F_CTRL_VQ);
  CONST(VIRTIO_NET_F_CTRL_RX);
  CONST(VIRTIO_NET_F_CTRL_VLAN);
  CONST(VIRTIO_NET_F_CTRL_RX_EXTRA);
  CONST(VIRTIO_NET_F_GUEST_ANNOUNCE);
  CONST(VIRTIO_NET_F_MQ);
  CONST(VIRTIO_NET_F_CTRL_MAC_ADDR);
  CONST(VIRTIO_NET_F_NOTF_COAL);
  CONST(VIRTIO_NET_F_HASH_REPORT);
  CONST(VIRTIO_NET_F_RSS);
  CONST(VIRTIO_NET_F_RSC_EXT);
  CONST(VIRTIO_NET_F_STANDBY);
  CONST(VIRTIO_NET_F_SPEED_DUPLEX);
  CONST(VIRTIO_NET_S_LINK_UP);
  CONST(VIRTIO_NET_S_ANNOUNCE);
  CONST(VIRTIO_NET_HDR_F_NEEDS_CSUM);
  CONST(VIRTIO_NET_HDR_F_DATA_VALID);
  CONST(VIRTIO_NET_HDR_F_RSC_INFO);
  CONST(VIRTIO_NET_HDR_GSO_NONE);
  CONST(VIRTIO_NET_HDR_GSO_TCPV4);
  CONST(VIRTIO_NET_HDR_GSO_UDP);
  CONST(VIRTIO_NET_HDR_GSO_TCPV6);
#ifdef VIRTIO_NET_HDR_GSO_UDP_L4
  CONST(VIRTIO_NET_HDR_GSO_UDP_L4);
#endif
  CONST(VIRTIO_NET_HDR_GSO_ECN);
  CONST(VIRTIO_NET_OK);
  CONST(VIRTIO_NET_ERR);
  CONST(VIRTIO_NET_CTRL_RX);
  CONST(VIRTIO_NET_CTRL_MAC);
  CONST(VIRTIO_NET_CTRL_VLAN);
  CONST(VIRTIO_NET_CTRL_ANNOUNCE);
  CONST(VIRTIO_NET_CTRL_MQ);
  CONST(VIRTIO_NET_CTRL_GUEST_OFFLOADS);
  CONST(VIRTIO_NET_CTRL_NOTF_COAL);
  CONST(VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET);
  CONST(VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN);
  CONST(VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX);
  CONST(VIRTIO_NET_CTRL_NOTF_COAL_TX_SET);
  CONST(VIRTIO_NET_CTRL_NOTF_COAL_RX_SET);

  SIZE(struct virtio_net_config);
  OFF(struct virtio_net_config, mac);
  OFF(struct virtio_net_config, status);
  OFF(struct virtio_net_config, max_virtqueue_pairs);
  OFF(struct virtio_net_config, mtu);
  OFF(struct virtio_net_config, speed);
  OFF(struct virtio_net_config, duplex);
  OFF(struct virtio_net_config, rss_max_key_size);
  OFF(struct virtio_net_config, rss_max_indirection_table_length);
  OFF(struct virtio_net_config, supported_hash_types);
  SIZE(struct virtio_net_hdr_v1);
  OFF(struct virtio_net_hdr_v1, flags);
  OFF(struct virtio_net_hdr_v1, gso_type);
  OFF(struct virtio_net_hdr_v1, hdr_len);
  OFF(struct virtio_net_hdr_v1, gso_size);
  OFF(struct virtio_net_hdr_v1, csum_start);
  OFF(struct virtio_net_hdr_v1, csum_offset);
  OFF(struct virtio_net_hdr_v1, num_buffers);
  SIZE(struct virtio_net_hdr);
  SIZE(struct virtio_net_hdr_mrg_rxbuf);
  SIZE(struct virtio_net_hdr_v1_hash);
  SIZE(struct virtio_net_ctrl_hdr);
  OFF(struct virtio_net_ctrl_hdr, class);
  OFF(struct virtio_net_ctrl_hdr, cmd);
  SIZE(struct virtio_net_ctrl_coal_tx);
  OFF(struct virtio_net_ctrl_coal_tx, tx_max_packets);
  OFF(struct virtio_net_ctrl_coal_tx, tx_usecs);
  SIZE(struct virtio_net_ctrl_coal_rx);
  OFF(struct virtio_net_ctrl_coal_rx, rx_max_packets);
  OFF(struct virtio_net_ctrl_coal_rx, rx_usecs);
}

static void console(void) {
  CONST(VIRTIO_CONSOLE_F_SIZE);
  CONST(VIRTIO_CONSOLE_F_MULTIPORT);
  CONST(VIRTIO_CONSOLE_F_EMERG_WRITE);
  CONST(VIRTIO_CONSOLE_BAD_ID);
  CONST(VIRTIO_CONSOLE_DEVICE_READY);
  CONST(VIRTIO_CONSOLE_PORT_ADD);
  CONST(VIRTIO_CONSOLE_PORT_REMOVE);
  CONST(VIRTIO_CONSOLE_PORT_READY);
  CONST(VIRTIO_CONSOLE_CONSOLE_PORT);
  CONST(VIRTIO_CONSOLE_RESIZE);
  CONST(VIRTIO_CONSOLE_PORT_OPEN);
  CONST(VIRTIO_CONSOLE_PORT_NAME);
  SIZE(struct virtio_console_config);
  OFF(struct virtio_console_config, cols);
  OFF(struct virtio_console_config, rows);
  OFF(struct virtio_console_config, max_nr_ports);
  OFF(struct virtio_console_config, emerg_wr);
  SIZE(struct virtio_console_control);
  OFF(struct virtio_console_control, id);
  OFF(struct virtio_console_control, event);
  OFF(struct virtio_console_control, value);
}

/* vring_size() and the vring_init() placement, relative to a 4096-aligned block (vring_init aligns the
 * absolute used address, so the block must be aligned at least as much as `align`). */
static int rings(void) {
  static const unsigned aligns[] = {4096, 64, 4};
  void *block = NULL;
  if (posix_memalign(&block, 4096, vring_size(32768, 4096)) != 0) return 1;
  for (unsigned n = 1; n <= 32768; n = (n == 1024) ? 32768 : n + 1) {
    for (size_t a = 0; a < sizeof aligns / sizeof aligns[0]; a++) {
      struct vring vr;
      vring_init(&vr, n, block, aligns[a]);
      const char *base = block;
      printf("{\"kind\":\"vring\",\"num\":%u,\"align\":%u,\"size\":%u,\"avail\":%td,\"used_event\":%td,"
             "\"used\":%td,\"avail_event\":%td}\n",
             n, aligns[a], vring_size(n, aligns[a]), (const char *)vr.avail - base,
             (const char *)&vring_used_event(&vr) - base, (const char *)vr.used - base,
             (const char *)&vring_avail_event(&vr) - base);
    }
  }
  free(block);
  return 0;
}

static void need_event(unsigned e, unsigned n, unsigned o) {
  printf("{\"kind\":\"need_event\",\"event\":%u,\"new\":%u,\"old\":%u,\"notify\":%d}\n", e, n, o,
         vring_need_event((__u16)e, (__u16)n, (__u16)o));
}

static void need_events(void) {
  static const unsigned centers[] = {0, 32768, 65535};
  for (size_t c = 0; c < 3; c++) {
    for (int de = -5; de <= 5; de++)
      for (int dn = -5; dn <= 5; dn++)
        for (int dold = -5; dold <= 5; dold++)
          need_event((centers[c] + de) & 0xffff, (centers[c] + dn) & 0xffff, (centers[c] + dold) & 0xffff);
  }
  uint32_t x = 0x9e3779b9u; /* xorshift32: fixed seed, reproducible triples */
  for (int i = 0; i < 4096; i++) {
    unsigned v[3];
    for (int k = 0; k < 3; k++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      v[k] = x & 0xffff;
    }
    /* every other triple keeps old close to new, so both answers are common */
    if (i % 2) v[2] = (v[1] - (v[2] & 63)) & 0xffff;
    need_event(v[0], v[1], v[2]);
  }
}

int main(void) {
  ring();
  config();
  pci();
  blk();
  net();
  console();
  if (rings() != 0) return 1;
  need_events();
  return 0;
}
