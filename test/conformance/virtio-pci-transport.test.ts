/**
 * virtio-pci transport conformance, device side (specs/virtio.md §9 V-items, §10 H-items)
 * and layout as QEMU 7.2 presents it (§5 [Q7.2]).
 */
import { describe, expect, it } from 'vitest';
import { MsixControl, MsixEntry } from '../../models/platform/msix.js';
import { PciCapId, PciCfg } from '../../models/platform/pci.js';
import { CommonCfg, NO_VECTOR, PciCapField, PciCapType, Status } from '../../models/virtio/pci/regs.js';
import { makeRig, negotiateRaw, setupQueueRaw } from '../support/virtio-rig.js';

const VERSION_1 = 1n << 32n;
const EVENT_IDX = 1n << 29n;

describe('virtio-pci identity and capabilities (§4.1.2, §4.1.4)', () => {
  it('V13 §4.1.4: vendor 0x1AF4, device 0x1040+type, revision 1; caps chain MSI-X → PCI_CFG → NOTIFY → DEVICE → ISR → COMMON as QEMU 7.2', () => {
    const rig = makeRig();
    const { cfg, slot } = rig;
    expect(cfg.read(slot, PciCfg.vendorId, 2)).toBe(0x1af4);
    expect(cfg.read(slot, PciCfg.deviceId, 2)).toBe(0x1044);
    expect(cfg.read(slot, PciCfg.revisionId, 1)).toBe(1);
    expect(cfg.read(slot, PciCfg.subsystemId, 2)).toBe(0x1100);
    const caps = cfg.capabilities(slot);
    expect(caps.map((c) => c.offset)).toEqual([0x98, 0x84, 0x70, 0x60, 0x50, 0x40]);
    expect(caps[0]?.id).toBe(PciCapId.msix);
    const types = caps.slice(1).map((c) => cfg.read(slot, c.offset + PciCapField.cfgType, 1));
    expect(types).toEqual([PciCapType.pciCfg, PciCapType.notify, PciCapType.device, PciCapType.isr, PciCapType.common]);
    // BAR4 regions at 4 KiB strides and the notify multiplier 4.
    const at = (type: number) =>
      caps.find((c) => c.id === 9 && cfg.read(slot, c.offset + 3, 1) === type)?.offset as number;
    expect(cfg.read(slot, at(PciCapType.common) + PciCapField.bar, 1)).toBe(4);
    expect(
      [PciCapType.common, PciCapType.isr, PciCapType.device, PciCapType.notify].map((t) =>
        cfg.read(slot, at(t) + 8, 4),
      ),
    ).toEqual([0, 0x1000, 0x2000, 0x3000]);
    expect(cfg.read(slot, at(PciCapType.notify) + PciCapField.notifyOffMultiplier, 4)).toBe(4);
    expect(cfg.read(slot, at(PciCapType.notify) + 2, 1)).toBe(20); // cap_len of virtio_pci_notify_cap
  });

  it('BAR4 sizes as a 64-bit prefetchable 16 KiB BAR (0xFFFFC00C) and BAR1 as 4 KiB', () => {
    const rig = makeRig();
    const { cfg, slot } = rig;
    cfg.write(slot, PciCfg.command, 2, 0);
    cfg.write(slot, PciCfg.bar0 + 16, 4, 0xffffffff);
    expect(cfg.read(slot, PciCfg.bar0 + 16, 4) >>> 0).toBe(0xffffc00c);
    cfg.write(slot, PciCfg.bar0 + 4, 4, 0xffffffff);
    expect(cfg.read(slot, PciCfg.bar0 + 4, 4) >>> 0).toBe(0xfffff000);
  });

  it('V1 §6.2, §4.1.4.3.1: offers VERSION_1; queue sizes are powers of two or 0 for an absent queue', () => {
    const rig = makeRig({ queues: [256, 0, 64] });
    rig.w(CommonCfg.deviceFeatureSelect, 4, 1);
    expect(rig.r(CommonCfg.deviceFeature, 4) & 1).toBe(1);
    expect(rig.r(CommonCfg.numQueues, 2)).toBe(3);
    const sizes = [0, 1, 2].map((q) => {
      rig.w(CommonCfg.queueSelect, 2, q);
      return rig.r(CommonCfg.queueSize, 2);
    });
    expect(sizes).toEqual([256, 0, 64]);
  });
});

describe('status and feature negotiation (§2.1, §2.2, §3.1.1)', () => {
  it('V2 §2.2.2: FEATURES_OK is refused without VERSION_1 and for unoffered bits, accepted for a valid subset', () => {
    const rig = makeRig();
    expect(negotiateRaw(rig, 0n) & Status.featuresOk).toBe(0);
    expect(negotiateRaw(rig, VERSION_1 | (1n << 34n)) & Status.featuresOk).toBe(0); // RING_PACKED not offered
    expect(negotiateRaw(rig, VERSION_1 | EVENT_IDX) & Status.featuresOk).toBe(Status.featuresOk);
    expect(negotiateRaw(rig, VERSION_1) & Status.featuresOk).toBe(Status.featuresOk);
  });

  it('§2.2.1: driver feature writes after FEATURES_OK are ignored', () => {
    const rig = makeRig();
    negotiateRaw(rig, VERSION_1);
    rig.w(CommonCfg.driverFeatureSelect, 4, 0);
    rig.w(CommonCfg.driverFeature, 4, 1 << 29);
    expect(rig.r(CommonCfg.driverFeature, 4)).toBe(0);
  });

  it('V3 §2.1.2: a kick before DRIVER_OK reaches nothing; after DRIVER_OK it reaches the device', () => {
    const rig = makeRig();
    negotiateRaw(rig, VERSION_1);
    setupQueueRaw(rig, 0, 16);
    rig.w(0x3000, 2, 0);
    rig.settle();
    expect(rig.logic.kicks).toEqual([]);
    rig.w(CommonCfg.deviceStatus, 1, 0x0f);
    rig.w(0x3000, 2, 0);
    rig.settle();
    expect(rig.logic.kicks).toEqual([0]);
    expect(rig.logic.activations).toHaveLength(1);
  });

  it('V14/H16 §2.7.10, CVE-2011-2512: kicks to absent, out-of-range or disabled queues are ignored', () => {
    const rig = makeRig({ queues: [256, 0, 64] });
    negotiateRaw(rig, VERSION_1);
    setupQueueRaw(rig, 0, 16);
    rig.w(CommonCfg.deviceStatus, 1, 0x0f);
    rig.w(0x3000 + 4 * 1, 2, 1); // absent queue
    rig.w(0x3000 + 4 * 2, 2, 2); // present but not enabled
    rig.w(0x3000 + 4 * 0x3ff, 2, 0xffff); // far outside: an unmapped doorbell offset
    rig.settle();
    expect(rig.logic.kicks).toEqual([]);
    expect(rig.dev.deviceStatus & Status.deviceNeedsReset).toBe(0);
  });

  it('V4 §2.4, §4.1.4.3.1: reset restores status 0, ISR 0, no features, queue_size = max, enable 0, NO_VECTOR', () => {
    const rig = makeRig();
    negotiateRaw(rig, VERSION_1);
    setupQueueRaw(rig, 0, 16);
    rig.w(CommonCfg.queueMsixVector, 2, 1);
    rig.w(CommonCfg.configMsixVector, 2, 0);
    rig.w(CommonCfg.deviceStatus, 1, 0x0f);
    rig.w(CommonCfg.deviceStatus, 1, 0);
    expect(rig.r(CommonCfg.deviceStatus, 1)).toBe(0);
    expect(rig.r(0x1000, 1)).toBe(0);
    rig.w(CommonCfg.driverFeatureSelect, 4, 1);
    expect(rig.r(CommonCfg.driverFeature, 4)).toBe(0);
    rig.w(CommonCfg.queueSelect, 2, 0);
    expect(rig.r(CommonCfg.queueSize, 2)).toBe(256);
    expect(rig.r(CommonCfg.queueEnable, 2)).toBe(0);
    expect(rig.r(CommonCfg.queueMsixVector, 2)).toBe(NO_VECTOR);
    expect(rig.r(CommonCfg.configMsixVector, 2)).toBe(NO_VECTOR);
    expect(rig.logic.resets).toBe(2); // the negotiate step's reset and this one
    expect(rig.logic.active?.alive()).toBe(false);
  });

  it('H22: queue registers are frozen after queue_enable; clearing status bits is ignored', () => {
    const rig = makeRig();
    negotiateRaw(rig, VERSION_1);
    const ring = setupQueueRaw(rig, 0, 16);
    rig.w(CommonCfg.queueSize, 2, 8);
    rig.w(CommonCfg.queueDescLo, 4, 0x1000);
    expect(rig.r(CommonCfg.queueSize, 2)).toBe(16);
    expect(rig.r(CommonCfg.queueDescLo, 4)).toBe(ring.desc);
    rig.w(CommonCfg.deviceStatus, 1, 0x0f);
    rig.w(CommonCfg.deviceStatus, 1, 0x07);
    expect(rig.r(CommonCfg.deviceStatus, 1)).toBe(0x0f);
  });

  it('H17 §4.1.4.3.2: queue_size 0, a non-power of two and above the maximum are refused', () => {
    const rig = makeRig();
    rig.w(CommonCfg.queueSelect, 2, 0);
    for (const bad of [0, 6, 512, 0xffff]) {
      rig.w(CommonCfg.queueSize, 2, bad);
      expect(rig.r(CommonCfg.queueSize, 2)).toBe(256);
    }
    rig.w(CommonCfg.queueSize, 2, 64);
    expect(rig.r(CommonCfg.queueSize, 2)).toBe(64);
  });

  it('H18/H19 §2.7.1: misaligned or out-of-RAM rings put the device in NEEDS_RESET at DRIVER_OK, with a config interrupt', () => {
    for (const bad of [
      { desc: 0x200008, avail: 0x201000, used: 0x202000 }, // descriptor table not 16-aligned
      { desc: 0x200000, avail: 0x201000, used: 0x7fff_0000 }, // used ring outside guest RAM
    ]) {
      const rig = makeRig();
      negotiateRaw(rig, VERSION_1);
      setupQueueRaw(rig, 0, 16, bad);
      rig.w(CommonCfg.deviceStatus, 1, 0x0f);
      expect(rig.r(CommonCfg.deviceStatus, 1)).toBe(0x4f);
      expect(rig.r(CommonCfg.configGeneration, 1)).toBe(1);
      expect(rig.r(0x1000, 1)).toBe(3); // QEMU virtio_error: ISR 3
      expect(rig.logic.activations).toHaveLength(0);
    }
  });
});

describe('ISR, INTx and MSI-X (§4.1.4.5, §4.1.5)', () => {
  it('V11 §4.1.4.5: an ISR read returns the bits, clears them and deasserts INTx', () => {
    const rig = makeRig();
    negotiateRaw(rig, VERSION_1);
    setupQueueRaw(rig, 0, 16);
    rig.w(CommonCfg.deviceStatus, 1, 0x0f);
    const gsi = rig.cfg.read(rig.slot, PciCfg.interruptLine, 1);
    let taken = 0;
    rig.m.guest.irq.onLine(gsi, 'level', () => {
      taken++;
      expect(rig.r(0x1000, 1)).toBe(1);
    });
    rig.dev.interruptQueue(0);
    expect(rig.cfg.read(rig.slot, PciCfg.status, 2) & 0x8).toBe(0x8); // Interrupt Status
    rig.settle();
    expect(taken).toBe(1); // level line dropped by the ISR read: no second dispatch
    expect(rig.r(0x1000, 1)).toBe(0);
    expect(rig.cfg.read(rig.slot, PciCfg.status, 2) & 0x8).toBe(0);
  });

  it('V12 §4.1.5.1.2: vector read-back is honest (out of range → NO_VECTOR) and NO_VECTOR is never signalled', () => {
    const rig = makeRig({ queues: [256, 0, 64] });
    rig.w(CommonCfg.queueSelect, 2, 0);
    rig.w(CommonCfg.queueMsixVector, 2, 0x7ff);
    expect(rig.r(CommonCfg.queueMsixVector, 2)).toBe(NO_VECTOR); // only 4 vectors exist
    rig.w(CommonCfg.queueMsixVector, 2, 1);
    expect(rig.r(CommonCfg.queueMsixVector, 2)).toBe(1);
    rig.w(CommonCfg.queueMsixVector, 2, NO_VECTOR);
    const ctl = rig.cfg.capabilities(rig.slot).find((c) => c.id === PciCapId.msix)?.offset as number;
    rig.cfg.write(rig.slot, ctl + 2, 2, MsixControl.enable);
    const before = rig.m.interrupts.sent;
    rig.dev.interruptQueue(0);
    expect(rig.m.interrupts.sent).toBe(before);
  });

  it('PCI 3.0 §6.8.2: a masked MSI-X vector latches its pending bit and fires when unmasked', () => {
    const rig = makeRig();
    const ctl = rig.cfg.capabilities(rig.slot).find((c) => c.id === PciCapId.msix)?.offset as number;
    let fired = 0;
    const msg = rig.m.guest.irq.allocMsi(() => fired++);
    const e = rig.msixTable + 1 * MsixEntry.size;
    rig.m.guest.io.mmioWrite(e + MsixEntry.addrLo, 4, msg.address);
    rig.m.guest.io.mmioWrite(e + MsixEntry.data, 4, msg.data);
    rig.cfg.write(rig.slot, ctl + 2, 2, MsixControl.enable);
    rig.w(CommonCfg.queueSelect, 2, 0);
    rig.w(CommonCfg.queueMsixVector, 2, 1);
    rig.dev.interruptQueue(0); // entries reset masked (§6.8.2.9)
    rig.settle();
    expect(fired).toBe(0);
    const pbaBase = rig.msixTable + 0x800;
    expect(rig.m.guest.io.mmioRead(pbaBase, 4) & 0x2).toBe(0x2);
    rig.m.guest.io.mmioWrite(e + MsixEntry.vectorControl, 4, 0);
    rig.settle();
    expect(fired).toBe(1);
    expect(rig.m.guest.io.mmioRead(pbaBase, 4) & 0x2).toBe(0);
  });
});

describe('config space (§2.5, §4.1.4.9)', () => {
  it('V5 §4.1.4.3.1: config_generation changes on a device config change', () => {
    const rig = makeRig();
    negotiateRaw(rig, VERSION_1);
    setupQueueRaw(rig, 0, 16);
    rig.w(CommonCfg.deviceStatus, 1, 0x0f);
    const g0 = rig.r(CommonCfg.configGeneration, 1);
    rig.logic.active?.configChanged();
    expect(rig.r(CommonCfg.configGeneration, 1)).toBe((g0 + 1) & 0xff);
  });

  it('§4.1.4.9: the PCI_CFG window reads common_cfg through config space', () => {
    const rig = makeRig();
    const { cfg, slot } = rig;
    const cap = cfg.capabilities(slot).find((c) => c.id === 9 && cfg.read(slot, c.offset + 3, 1) === PciCapType.pciCfg)
      ?.offset as number;
    cfg.write(slot, cap + PciCapField.bar, 1, 4);
    cfg.write(slot, cap + PciCapField.offset, 4, CommonCfg.numQueues);
    cfg.write(slot, cap + PciCapField.length, 4, 2);
    expect(cfg.read(slot, cap + PciCapField.pciCfgData, 4) & 0xffff).toBe(3);
  });

  it('§11.2 [Q7.2]: device config reads past its length return all-ones', () => {
    const rig = makeRig();
    rig.logic.config.setUint32(4, 0xdeadbeef, true);
    expect(rig.r(0x2000 + 4, 4) >>> 0).toBe(0xdeadbeef);
    expect(rig.r(0x2000 + 8, 4) >>> 0).toBe(0xffffffff);
    expect(rig.r(0x2000 + 6, 4) >>> 0).toBe(0xffffffff);
  });
});
