/**
 * The virtio vendor capabilities of our function (virtio 1.2 §4.1.4), in QEMU's order so the chain
 * reads MSI-X → PCI_CFG → NOTIFY → DEVICE → ISR → COMMON (specs/virtio.md §5 [Q7.2]): COMMON, ISR,
 * DEVICE and NOTIFY in BAR4 at BarLayout's offsets, then the PCI_CFG window onto the BARs.
 */
import type { AccessSize, IoHandler } from '../../platform/bus.js';
import type { PciFunction } from '../../platform/pci.js';
import { VirtioPciCap, VirtioPciCapType, VirtioPciCfgCap, VirtioPciId, VirtioPciNotifyCap } from '../layout.js';
import { BarLayout } from './regs.js';

/**
 * Add the capabilities to `fn`. `regs` serves BAR4 accesses made through the PCI_CFG window; a write
 * into the NOTIFY region through it calls `kick` with the offset inside that region.
 */
export function addVirtioCapabilities(fn: PciFunction, regs: IoHandler, kick: (notifyOffset: number) => void): void {
  const cap = (cfgType: number, offset: number, length: number, capLength: number = VirtioPciCap.size): void => {
    const body = new Uint8Array(capLength);
    const v = new DataView(body.buffer);
    body[VirtioPciCap.cap_len] = capLength;
    body[VirtioPciCap.cfg_type] = cfgType;
    body[VirtioPciCap.bar] = BarLayout.regsBar;
    v.setUint32(VirtioPciCap.offset, offset, true);
    v.setUint32(VirtioPciCap.length, length, true);
    if (cfgType === VirtioPciCapType.NOTIFY_CFG) {
      v.setUint32(VirtioPciNotifyCap.notify_off_multiplier, BarLayout.notifyOffMultiplier, true);
    }
    fn.addCapability(VirtioPciId.CAP_ID_VNDR, capLength, body);
  };
  cap(VirtioPciCapType.COMMON_CFG, BarLayout.commonOffset, BarLayout.regionSize);
  cap(VirtioPciCapType.ISR_CFG, BarLayout.isrOffset, BarLayout.regionSize);
  cap(VirtioPciCapType.DEVICE_CFG, BarLayout.deviceOffset, BarLayout.regionSize);
  cap(VirtioPciCapType.NOTIFY_CFG, BarLayout.notifyOffset, BarLayout.regionSize, VirtioPciNotifyCap.size);
  addPciCfgWindow(fn, regs, kick);
}

/** VIRTIO_PCI_CAP_PCI_CFG (§4.1.4.9): write bar, offset and length (1, 2 or 4), then access pci_cfg_data. */
function addPciCfgWindow(fn: PciFunction, regs: IoHandler, kick: (notifyOffset: number) => void): void {
  const len = VirtioPciCfgCap.size;
  const body = new Uint8Array(len);
  body[VirtioPciCap.cap_len] = len;
  body[VirtioPciCap.cfg_type] = VirtioPciCapType.PCI_CFG;
  const writable = new Uint8Array(len);
  writable[VirtioPciCap.bar] = 0xff;
  writable.fill(0xff, VirtioPciCap.offset, VirtioPciCap.offset + 8); // offset and length
  writable.fill(0xff, VirtioPciCfgCap.pci_cfg_data, VirtioPciCfgCap.pci_cfg_data + 4);
  const at = fn.addCapability(VirtioPciId.CAP_ID_VNDR, len, body, writable);
  /** The BAR4 access the window describes now, or undefined when it names another BAR or a bad size. */
  const window = (): { offset: number; size: AccessSize } | undefined => {
    const c = fn.config;
    const v = new DataView(c.buffer);
    const size = v.getUint32(at + VirtioPciCap.length, true);
    if ((c[at + VirtioPciCap.bar] as number) !== BarLayout.regsBar || (size !== 1 && size !== 2 && size !== 4)) {
      return undefined;
    }
    return { offset: v.getUint32(at + VirtioPciCap.offset, true), size };
  };
  fn.addHook({
    start: at + VirtioPciCfgCap.pci_cfg_data,
    length: 4,
    read: () => {
      const w = window();
      return w === undefined ? 0 : regs.read(w.offset, w.size);
    },
    afterWrite: (_o, _s, value) => {
      const w = window();
      if (w === undefined) return;
      if (w.offset >= BarLayout.notifyOffset && w.offset < BarLayout.notifyOffset + BarLayout.regionSize) {
        kick(w.offset - BarLayout.notifyOffset);
        return;
      }
      regs.write(w.offset, w.size, value);
    },
  });
}
