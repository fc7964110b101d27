/**
 * Where the PIIX3 sits on PCI (specs/trap-emulate.md §3, as QEMU's `pc` machine has it): the ISA
 * bridge is 00:01.0 and declares a multi-function device (PCI 3.0 §6.2.1), the IDE controller is
 * 00:01.1, and a guest enumerating bus 0 finds it there.
 */
import { describe, expect, it } from 'vitest';
import { Piix3Ide } from '../../../models/emulated/ide/index.js';
import { PCI_HEADER_MULTI_FUNCTION, PciCfg } from '../../../models/platform/pci.js';
import { PciConfigAccess } from '../../../models/platform/pci-guest.js';
import { makeIdeStack } from './ide-stack.js';

describe('PIIX3 functions on bus 0', () => {
  it('00:01.0 is the ISA bridge 8086:7000, class 0x060100, header type 0x80 (QEMU 7.2, observed)', () => {
    const s = makeIdeStack();
    const cfg = new PciConfigAccess(s.m.guest.io);
    expect(cfg.read(1, PciCfg.vendorId, 4)).toBe(0x70008086);
    expect(cfg.read(1, PciCfg.revisionId, 4) >>> 8).toBe(0x060100);
    expect(cfg.read(1, PciCfg.headerType, 1)).toBe(PCI_HEADER_MULTI_FUNCTION);
    expect(cfg.read(1, PciCfg.status, 2)).toBe(0x0200);
    expect(cfg.read(1, PciCfg.subsystemVendorId, 4)).toBe(0x11001af4);
  });

  it('00:01.1 is the IDE function 8086:7010 with BAR4, and find() reaches it through the bridge', () => {
    const s = makeIdeStack();
    const cfg = new PciConfigAccess(s.m.guest.io);
    expect(cfg.read(1, PciCfg.vendorId, 4, 1)).toBe(0x70108086);
    expect(cfg.read(1, PciCfg.revisionId, 4, 1) >>> 8).toBe(Piix3Ide.classCode);
    expect(cfg.read(1, PciCfg.headerType, 1, 1)).toBe(0);
    expect(cfg.read(1, PciCfg.bar0 + 4 * Piix3Ide.bmBar, 4, 1) & 1).toBe(1); // an I/O BAR
    expect(cfg.find(Piix3Ide.vendorId, Piix3Ide.deviceId)).toEqual({ slot: 1, func: 1 });
    expect(s.controller.pci.func).toBe(1);
    expect(s.controller.isaBridge.func).toBe(0);
  });
});
