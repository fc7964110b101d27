/**
 * Function 0 of the PIIX3 (QEMU hw/isa/piix3.c): the PCI-to-ISA bridge. It is here only so the IDE
 * function can sit at 00:01.1 as on QEMU's `pc` machine: a guest finds function 1 of a slot only
 * when function 0 exists and is multi-function (PCI 3.0 §6.2.1). No register of it has an effect:
 * the legacy ISA ports the IDE channel uses are decoded by the platform bus directly.
 */
import { PCI_HEADER_MULTI_FUNCTION, PciCfg, PciFunction } from '../../platform/pci.js';

/**
 * PCI identity of the bridge, as observed through qtest on QEMU 7.2 `-M pc` (config space of 00:01.0
 * before firmware runs): 8086:7000 rev 0, class 0x060100, header type 0x80, status 0x0200, command 0.
 */
export const Piix3IsaBridge = {
  vendorId: 0x8086,
  deviceId: 0x7000,
  revisionId: 0,
  /** Bridge device / ISA bridge / prog-if 0. */
  classCode: 0x060100,
  subsystemVendorId: 0x1af4,
  subsystemId: 0x1100,
  /** Multi-function: the IDE controller is function 1 of the same device. */
  headerType: PCI_HEADER_MULTI_FUNCTION,
  /** DEVSEL medium timing. */
  status: 0x0200,
} as const;

export function createPiix3IsaBridge(): PciFunction {
  const bridge = new PciFunction('piix3-isa', {
    vendorId: Piix3IsaBridge.vendorId,
    deviceId: Piix3IsaBridge.deviceId,
    revisionId: Piix3IsaBridge.revisionId,
    classCode: Piix3IsaBridge.classCode,
    subsystemVendorId: Piix3IsaBridge.subsystemVendorId,
    subsystemId: Piix3IsaBridge.subsystemId,
    interruptPin: 0,
  });
  bridge.config[PciCfg.headerType] = Piix3IsaBridge.headerType;
  bridge.config[PciCfg.status] = Piix3IsaBridge.status & 0xff;
  bridge.config[PciCfg.status + 1] = Piix3IsaBridge.status >>> 8;
  return bridge;
}
