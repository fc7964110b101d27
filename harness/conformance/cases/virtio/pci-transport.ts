/**
 * virtio-pci transport conformance, device side (specs/virtio.md §9 V-items, §10 H-items),
 * and the layout QEMU 7.2 presents (specs/virtio.md §5 [Q7.2]). Each case pokes our
 * VirtioPciDevice register by register through the rig, as a (possibly hostile) driver would.
 */
import { MsixControl, MsixEntry } from '../../../../models/platform/msix.js';
import { PciCapId, PciCfg } from '../../../../models/platform/pci.js';
import {
  CommonCfg,
  DeviceStatus,
  VIRTIO_MSI_NO_VECTOR,
  VirtioPciCap,
  VirtioPciCapType,
  VirtioPciCfgCap,
  VirtioPciNotifyCap,
} from '../../../../models/virtio/layout.js';
import { ensure, expectDeepEqual, expectEqual } from '../../assert.js';
import type { ConformanceCase, SpecRef } from '../../case.js';
import { makeRig, negotiateRaw, setupQueueRaw } from '../../support/virtio-rig.js';

const VERSION_1 = 1n << 32n;
const EVENT_IDX = 1n << 29n;
/** BAR4 region offsets (COMMON @0, ISR @0x1000, DEVICE @0x2000, NOTIFY @0x3000), as QEMU 7.2 lays them out. */
const ISR = 0x1000;
const DEVICE_CFG = 0x2000;
const NOTIFY = 0x3000;

const virtio = (section: string, level: SpecRef['level'], paraphrase: string): SpecRef => ({
  doc: 'virtio 1.2',
  section,
  level,
  paraphrase,
});

function transportCase(id: string, title: string, ref: SpecRef, run: () => void): ConformanceCase {
  return { id: `virtio-pci.${id}`, title, ref, models: ['virtio'], run };
}

export const VIRTIO_PCI_TRANSPORT_CASES: readonly ConformanceCase[] = [
  transportCase(
    'V13',
    'vendor 0x1AF4, device 0x1040+type, revision 1; caps chain MSI-X → PCI_CFG → NOTIFY → DEVICE → ISR → COMMON as QEMU 7.2',
    virtio('§4.1.4', 'MUST', 'the device exposes COMMON, NOTIFY, ISR, PCI_CFG (and DEVICE) capabilities'),
    () => {
      const { cfg, slot } = makeRig();
      expectEqual(cfg.read(slot, PciCfg.vendorId, 2), 0x1af4, 'vendor id');
      expectEqual(cfg.read(slot, PciCfg.deviceId, 2), 0x1044, 'device id (0x1040 + type 4)');
      expectEqual(cfg.read(slot, PciCfg.revisionId, 1), 1, 'revision id');
      expectEqual(cfg.read(slot, PciCfg.subsystemId, 2), 0x1100, 'subsystem id');
      const caps = cfg.capabilities(slot);
      expectDeepEqual(
        caps.map((c) => c.offset),
        [0x98, 0x84, 0x70, 0x60, 0x50, 0x40],
        'capability offsets',
      );
      expectEqual(caps[0]?.id, PciCapId.msix, 'first capability');
      const types = caps.slice(1).map((c) => cfg.read(slot, c.offset + VirtioPciCap.cfg_type, 1));
      expectDeepEqual(
        types,
        [
          VirtioPciCapType.PCI_CFG,
          VirtioPciCapType.NOTIFY_CFG,
          VirtioPciCapType.DEVICE_CFG,
          VirtioPciCapType.ISR_CFG,
          VirtioPciCapType.COMMON_CFG,
        ],
        'vendor capability cfg_types',
      );
      // BAR4 regions at 4 KiB strides and the notify multiplier 4.
      const at = (type: number): number =>
        caps.find((c) => c.id === PciCapId.vendor && cfg.read(slot, c.offset + VirtioPciCap.cfg_type, 1) === type)
          ?.offset as number;
      expectEqual(cfg.read(slot, at(VirtioPciCapType.COMMON_CFG) + VirtioPciCap.bar, 1), 4, 'COMMON cap BAR');
      expectDeepEqual(
        [
          VirtioPciCapType.COMMON_CFG,
          VirtioPciCapType.ISR_CFG,
          VirtioPciCapType.DEVICE_CFG,
          VirtioPciCapType.NOTIFY_CFG,
        ].map((t) => cfg.read(slot, at(t) + VirtioPciCap.offset, 4)),
        [0, ISR, DEVICE_CFG, NOTIFY],
        'region offsets in BAR4',
      );
      expectEqual(
        cfg.read(slot, at(VirtioPciCapType.NOTIFY_CFG) + VirtioPciNotifyCap.notify_off_multiplier, 4),
        4,
        'notify_off_multiplier',
      );
      expectEqual(cfg.read(slot, at(VirtioPciCapType.NOTIFY_CFG) + 2, 1), 20, 'cap_len of virtio_pci_notify_cap');
    },
  ),

  transportCase(
    'bar-sizing',
    'BAR4 sizes as a 64-bit prefetchable 16 KiB BAR (0xFFFFC00C) and BAR1 as 4 KiB',
    {
      doc: 'PCI Local Bus 3.0',
      section: '§6.2.5.1',
      level: 'MUST',
      paraphrase: 'a BAR reports its size by the bits it keeps after an all-ones write',
    },
    () => {
      const { cfg, slot } = makeRig();
      cfg.write(slot, PciCfg.command, 2, 0);
      cfg.write(slot, PciCfg.bar0 + 16, 4, 0xffffffff);
      expectEqual(cfg.read(slot, PciCfg.bar0 + 16, 4) >>> 0, 0xffffc00c, 'BAR4 after all-ones');
      cfg.write(slot, PciCfg.bar0 + 4, 4, 0xffffffff);
      expectEqual(cfg.read(slot, PciCfg.bar0 + 4, 4) >>> 0, 0xfffff000, 'BAR1 after all-ones');
    },
  ),

  transportCase(
    'V1',
    'offers VERSION_1; queue sizes are powers of two or 0 for an absent queue',
    virtio('§6.2, §4.1.4.3.1', 'MUST', 'the device offers VERSION_1 and power-of-two (or 0) queue sizes'),
    () => {
      const rig = makeRig({ queues: [256, 0, 64] });
      rig.w(CommonCfg.device_feature_select, 4, 1);
      expectEqual(rig.r(CommonCfg.device_feature, 4) & 1, 1, 'VERSION_1 (feature bit 32)');
      expectEqual(rig.r(CommonCfg.num_queues, 2), 3, 'num_queues');
      const sizes = [0, 1, 2].map((q) => {
        rig.w(CommonCfg.queue_select, 2, q);
        return rig.r(CommonCfg.queue_size, 2);
      });
      expectDeepEqual(sizes, [256, 0, 64], 'queue sizes');
    },
  ),

  transportCase(
    'V2',
    'FEATURES_OK is refused without VERSION_1 and for unoffered bits, accepted for a valid subset',
    virtio('§2.2.2', 'MUST', 'the device refuses FEATURES_OK for a subset it cannot accept'),
    () => {
      const rig = makeRig();
      expectEqual(negotiateRaw(rig, 0n) & DeviceStatus.FEATURES_OK, 0, 'FEATURES_OK without VERSION_1');
      expectEqual(
        negotiateRaw(rig, VERSION_1 | (1n << 34n)) & DeviceStatus.FEATURES_OK,
        0,
        'FEATURES_OK with RING_PACKED',
      );
      expectEqual(
        negotiateRaw(rig, VERSION_1 | EVENT_IDX) & DeviceStatus.FEATURES_OK,
        DeviceStatus.FEATURES_OK,
        'FEATURES_OK with VERSION_1 | EVENT_IDX',
      );
      expectEqual(
        negotiateRaw(rig, VERSION_1) & DeviceStatus.FEATURES_OK,
        DeviceStatus.FEATURES_OK,
        'FEATURES_OK with VERSION_1',
      );
    },
  ),

  transportCase(
    'features-frozen',
    'driver feature writes after FEATURES_OK are ignored',
    virtio('§2.2.1', 'MUST', 'features cannot change once FEATURES_OK is set'),
    () => {
      const rig = makeRig();
      negotiateRaw(rig, VERSION_1);
      rig.w(CommonCfg.driver_feature_select, 4, 0);
      rig.w(CommonCfg.driver_feature, 4, 1 << 29);
      expectEqual(rig.r(CommonCfg.driver_feature, 4), 0, 'driver_feature[0] after a late write');
    },
  ),

  transportCase(
    'V3',
    'a kick before DRIVER_OK reaches nothing; after DRIVER_OK it reaches the device',
    virtio('§2.1.2', 'MUST', 'no buffer consumption or used notification before DRIVER_OK'),
    () => {
      const rig = makeRig();
      negotiateRaw(rig, VERSION_1);
      setupQueueRaw(rig, 0, 16);
      rig.w(NOTIFY, 2, 0);
      rig.settle();
      expectDeepEqual(rig.logic.kicks, [], 'kicks before DRIVER_OK');
      rig.w(CommonCfg.device_status, 1, 0x0f);
      rig.w(NOTIFY, 2, 0);
      rig.settle();
      expectDeepEqual(rig.logic.kicks, [0], 'kicks after DRIVER_OK');
      expectEqual(rig.logic.activations.length, 1, 'activations');
    },
  ),

  transportCase(
    'V14-H16',
    'kicks to absent, out-of-range or disabled queues are ignored (CVE-2011-2512)',
    virtio('§2.7.10', 'MUST', 'the device tolerates spurious notifications; unknown queue indices are ignored'),
    () => {
      const rig = makeRig({ queues: [256, 0, 64] });
      negotiateRaw(rig, VERSION_1);
      setupQueueRaw(rig, 0, 16);
      rig.w(CommonCfg.device_status, 1, 0x0f);
      rig.w(NOTIFY + 4 * 1, 2, 1); // absent queue
      rig.w(NOTIFY + 4 * 2, 2, 2); // present but not enabled
      rig.w(NOTIFY + 4 * 0x3ff, 2, 0xffff); // far outside: an unmapped doorbell offset
      rig.settle();
      expectDeepEqual(rig.logic.kicks, [], 'kicks reaching the device');
      expectEqual(rig.dev.deviceStatus & DeviceStatus.DEVICE_NEEDS_RESET, 0, 'DEVICE_NEEDS_RESET');
    },
  ),

  transportCase(
    'V4',
    'reset restores status 0, ISR 0, no features, queue_size = max, enable 0, NO_VECTOR',
    virtio('§2.4, §4.1.4.3.1', 'MUST', 'a reset restores every register default and stops ring access'),
    () => {
      const rig = makeRig();
      negotiateRaw(rig, VERSION_1);
      setupQueueRaw(rig, 0, 16);
      rig.w(CommonCfg.queue_msix_vector, 2, 1);
      rig.w(CommonCfg.config_msix_vector, 2, 0);
      rig.w(CommonCfg.device_status, 1, 0x0f);
      rig.w(CommonCfg.device_status, 1, 0);
      expectEqual(rig.r(CommonCfg.device_status, 1), 0, 'device_status');
      expectEqual(rig.r(ISR, 1), 0, 'ISR');
      rig.w(CommonCfg.driver_feature_select, 4, 1);
      expectEqual(rig.r(CommonCfg.driver_feature, 4), 0, 'driver_feature[1]');
      rig.w(CommonCfg.queue_select, 2, 0);
      expectEqual(rig.r(CommonCfg.queue_size, 2), 256, 'queue_size');
      expectEqual(rig.r(CommonCfg.queue_enable, 2), 0, 'queue_enable');
      expectEqual(rig.r(CommonCfg.queue_msix_vector, 2), VIRTIO_MSI_NO_VECTOR, 'queue_msix_vector');
      expectEqual(rig.r(CommonCfg.config_msix_vector, 2), VIRTIO_MSI_NO_VECTOR, 'config_msix_vector');
      expectEqual(rig.logic.resets, 2, 'logic resets (negotiation reset and this one)');
      expectEqual(rig.logic.active?.alive(), false, 'the activation is dead after reset');
    },
  ),

  transportCase(
    'H22',
    'queue registers are frozen after queue_enable; clearing status bits is ignored',
    {
      doc: 'specs/virtio.md',
      section: '§10 H22',
      level: 'MUST',
      paraphrase: 'rewrites of live queue registers or cleared status bits are ignored deterministically',
    },
    () => {
      const rig = makeRig();
      negotiateRaw(rig, VERSION_1);
      const ring = setupQueueRaw(rig, 0, 16);
      rig.w(CommonCfg.queue_size, 2, 8);
      rig.w(CommonCfg.queue_desc, 4, 0x1000);
      expectEqual(rig.r(CommonCfg.queue_size, 2), 16, 'queue_size after a late write');
      expectEqual(rig.r(CommonCfg.queue_desc, 4), ring.desc, 'queue_desc after a late write');
      rig.w(CommonCfg.device_status, 1, 0x0f);
      rig.w(CommonCfg.device_status, 1, 0x07);
      expectEqual(rig.r(CommonCfg.device_status, 1), 0x0f, 'device_status after clearing FEATURES_OK');
    },
  ),

  transportCase(
    'H17',
    'queue_size 0, a non-power of two and above the maximum are refused',
    virtio(
      '§4.1.4.3.2',
      'MUST',
      'queue_size must be a power of two no larger than the maximum (specs/virtio.md §10 H17)',
    ),
    () => {
      const rig = makeRig();
      rig.w(CommonCfg.queue_select, 2, 0);
      for (const bad of [0, 6, 512, 0xffff]) {
        rig.w(CommonCfg.queue_size, 2, bad);
        expectEqual(rig.r(CommonCfg.queue_size, 2), 256, `queue_size after writing ${bad}`);
      }
      rig.w(CommonCfg.queue_size, 2, 64);
      expectEqual(rig.r(CommonCfg.queue_size, 2), 64, 'queue_size after writing 64');
    },
  ),

  transportCase(
    'H18-H19',
    'misaligned or out-of-RAM rings put the device in NEEDS_RESET at DRIVER_OK, with a config interrupt',
    virtio('§2.7.1, §2.1.2', 'MUST', 'bad ring addresses never reach ring access; the device signals NEEDS_RESET'),
    () => {
      for (const bad of [
        { desc: 0x200008, avail: 0x201000, used: 0x202000 }, // descriptor table not 16-aligned
        { desc: 0x200000, avail: 0x201000, used: 0x7fff_0000 }, // used ring outside guest RAM
      ]) {
        const rig = makeRig();
        negotiateRaw(rig, VERSION_1);
        setupQueueRaw(rig, 0, 16, bad);
        rig.w(CommonCfg.device_status, 1, 0x0f);
        expectEqual(rig.r(CommonCfg.device_status, 1), 0x4f, 'device_status (NEEDS_RESET set)');
        expectEqual(rig.r(CommonCfg.config_generation, 1), 1, 'config_generation');
        expectEqual(rig.r(ISR, 1), 3, 'ISR (QEMU virtio_error: 3)');
        expectEqual(rig.logic.activations.length, 0, 'activations');
      }
    },
  ),

  transportCase(
    'V11',
    'an ISR read returns the bits, clears them and deasserts INTx',
    virtio('§4.1.4.5', 'MUST', 'reading ISR clears it and deasserts the INTx line'),
    () => {
      const rig = makeRig();
      negotiateRaw(rig, VERSION_1);
      setupQueueRaw(rig, 0, 16);
      rig.w(CommonCfg.device_status, 1, 0x0f);
      const gsi = rig.cfg.read(rig.slot, PciCfg.interruptLine, 1);
      let taken = 0;
      let isrInHandler = -1;
      rig.m.guest.irq.onLine(gsi, 'level', () => {
        taken++;
        isrInHandler = rig.r(ISR, 1);
      });
      rig.dev.interruptQueue(0);
      expectEqual(rig.cfg.read(rig.slot, PciCfg.status, 2) & 0x8, 0x8, 'PCI Interrupt Status while pending');
      rig.settle();
      expectEqual(isrInHandler, 1, 'ISR read in the handler');
      expectEqual(taken, 1, 'handler runs (the ISR read drops the level line: no second dispatch)');
      expectEqual(rig.r(ISR, 1), 0, 'ISR after the read');
      expectEqual(rig.cfg.read(rig.slot, PciCfg.status, 2) & 0x8, 0, 'PCI Interrupt Status after the read');
    },
  ),

  transportCase(
    'V12',
    'vector read-back is honest (out of range → NO_VECTOR) and NO_VECTOR is never signalled',
    virtio('§4.1.5.1.2', 'MUST', 'no interrupt on NO_VECTOR; a vector the device cannot use reads back NO_VECTOR'),
    () => {
      const rig = makeRig({ queues: [256, 0, 64] });
      rig.w(CommonCfg.queue_select, 2, 0);
      rig.w(CommonCfg.queue_msix_vector, 2, 0x7ff);
      expectEqual(rig.r(CommonCfg.queue_msix_vector, 2), VIRTIO_MSI_NO_VECTOR, 'vector 0x7ff read back (only 4 exist)');
      rig.w(CommonCfg.queue_msix_vector, 2, 1);
      expectEqual(rig.r(CommonCfg.queue_msix_vector, 2), 1, 'vector 1 read back');
      rig.w(CommonCfg.queue_msix_vector, 2, VIRTIO_MSI_NO_VECTOR);
      const ctl = rig.cfg.capabilities(rig.slot).find((c) => c.id === PciCapId.msix)?.offset as number;
      rig.cfg.write(rig.slot, ctl + 2, 2, MsixControl.enable);
      const before = rig.m.interrupts.sent;
      rig.dev.interruptQueue(0);
      expectEqual(rig.m.interrupts.sent, before, 'interrupts sent for NO_VECTOR');
    },
  ),

  transportCase(
    'msix-pending',
    'a masked MSI-X vector latches its pending bit and fires when unmasked',
    {
      doc: 'PCI Local Bus 3.0',
      section: '§6.8.2',
      level: 'MUST',
      paraphrase: 'a masked vector sets its PBA bit and delivers on unmask',
    },
    () => {
      const rig = makeRig();
      const ctl = rig.cfg.capabilities(rig.slot).find((c) => c.id === PciCapId.msix)?.offset as number;
      let fired = 0;
      const msg = rig.m.guest.irq.allocMsi(() => fired++);
      const e = rig.msixTable + 1 * MsixEntry.size;
      rig.m.guest.io.mmioWrite(e + MsixEntry.addrLo, 4, msg.address);
      rig.m.guest.io.mmioWrite(e + MsixEntry.data, 4, msg.data);
      rig.cfg.write(rig.slot, ctl + 2, 2, MsixControl.enable);
      rig.w(CommonCfg.queue_select, 2, 0);
      rig.w(CommonCfg.queue_msix_vector, 2, 1);
      rig.dev.interruptQueue(0); // entries reset masked (§6.8.2.9)
      rig.settle();
      expectEqual(fired, 0, 'deliveries while masked');
      const pbaBase = rig.msixTable + 0x800;
      expectEqual(rig.m.guest.io.mmioRead(pbaBase, 4) & 0x2, 0x2, 'PBA bit 1 while masked');
      rig.m.guest.io.mmioWrite(e + MsixEntry.vectorControl, 4, 0);
      rig.settle();
      expectEqual(fired, 1, 'deliveries after unmask');
      expectEqual(rig.m.guest.io.mmioRead(pbaBase, 4) & 0x2, 0, 'PBA bit 1 after delivery');
    },
  ),

  transportCase(
    'V5',
    'config_generation changes on a device config change',
    virtio('§4.1.4.3.1', 'MUST', 'config_generation changes whenever device configuration changes'),
    () => {
      const rig = makeRig();
      negotiateRaw(rig, VERSION_1);
      setupQueueRaw(rig, 0, 16);
      rig.w(CommonCfg.device_status, 1, 0x0f);
      const g0 = rig.r(CommonCfg.config_generation, 1);
      const active = rig.logic.active;
      ensure(active !== undefined, 'the device is active after DRIVER_OK');
      active.configChanged();
      expectEqual(rig.r(CommonCfg.config_generation, 1), (g0 + 1) & 0xff, 'config_generation after a change');
    },
  ),

  transportCase(
    'pci-cfg-window',
    'the PCI_CFG window reads common_cfg through config space',
    virtio('§4.1.4.9', 'MUST', 'the PCI configuration access capability reaches BAR registers'),
    () => {
      const { cfg, slot } = makeRig();
      const cap = cfg
        .capabilities(slot)
        .find(
          (c) =>
            c.id === PciCapId.vendor &&
            cfg.read(slot, c.offset + VirtioPciCap.cfg_type, 1) === VirtioPciCapType.PCI_CFG,
        )?.offset as number;
      cfg.write(slot, cap + VirtioPciCap.bar, 1, 4);
      cfg.write(slot, cap + VirtioPciCap.offset, 4, CommonCfg.num_queues);
      cfg.write(slot, cap + VirtioPciCap.length, 4, 2);
      expectEqual(cfg.read(slot, cap + VirtioPciCfgCap.pci_cfg_data, 4) & 0xffff, 3, 'num_queues through pci_cfg_data');
    },
  ),

  transportCase(
    'config-past-end',
    'device config reads past its length return all-ones, as QEMU 7.2',
    {
      doc: 'specs/virtio.md',
      section: '§11.2 [Q7.2]',
      level: 'SHOULD',
      paraphrase: 'reads beyond the device config answer all-ones as QEMU does',
    },
    () => {
      const rig = makeRig();
      rig.logic.config.setUint32(4, 0xdeadbeef, true);
      expectEqual(rig.r(DEVICE_CFG + 4, 4) >>> 0, 0xdeadbeef, 'config bytes 4..7');
      expectEqual(rig.r(DEVICE_CFG + 8, 4) >>> 0, 0xffffffff, 'config bytes 8..11 (past the end)');
      expectEqual(rig.r(DEVICE_CFG + 6, 4) >>> 0, 0xffffffff, 'config bytes 6..9 (straddling the end)');
    },
  ),
];
