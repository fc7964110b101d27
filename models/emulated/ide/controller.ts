/**
 * The PIIX3 IDE function at 00:01.1, function 0 being the PIIX3's ISA bridge (specs/trap-emulate.md
 * §3; QEMU hw/ide/piix.c): PCI 8086:7010, class 0x010180, BAR4 = 16 I/O ports of bus-master registers
 * (primary +0…7, secondary +8…15); the primary channel in compatibility mode at 0x1F0–0x1F7 / 0x3F6
 * on ISA IRQ 14 (edge), with one ATA disk as master over the reference BlockBackend. The secondary
 * channel has no drive and only its bus-master registers exist. Every port handler is O(1) and
 * allocation-free (H14), except a PRD walk, bounded at 512 descriptors.
 */
import type { BlockBackend } from '../../platform/backend-api.js';
import type { AccessSize, IoHandler } from '../../platform/bus.js';
import type { HostPlatform } from '../../platform/machine.js';
import type { HandlerKind } from '../../platform/meter.js';
import { PciFunction } from '../../platform/pci.js';
import { BusMasterChannel } from './bmdma.js';
import { IdeChannel } from './channel.js';
import { AtaDrive } from './drive.js';
import { createPiix3IsaBridge } from './isa-bridge.js';
import { BmReg, COMMAND_BLOCK_PORTS, Piix3Ide, PrimaryChannel } from './registers.js';

/** PCI device number of the PIIX3 on bus 0, and the IDE controller's function in it (QEMU: 00:01.1). */
export const PIIX3_IDE_SLOT = 1;
export const PIIX3_IDE_FUNCTION = 1;

export interface Piix3IdeOptions {
  /** Where the port handlers run (`exits=user|kernel`). */
  readonly handlerKind: HandlerKind;
  /** PCI device number of the PIIX3 (default PIIX3_IDE_SLOT): ISA bridge function 0, IDE function 1. */
  readonly slot?: number;
}

export class Piix3IdeController {
  readonly name = 'piix3-ide';
  readonly pci: PciFunction;
  /** Function 0 of the PIIX3, which makes the slot multi-function. */
  readonly isaBridge: PciFunction;
  readonly primary: IdeChannel;
  readonly drive: AtaDrive;
  readonly bmPrimary = new BusMasterChannel();
  readonly bmSecondary = new BusMasterChannel();

  constructor(host: HostPlatform, backend: BlockBackend, options: Piix3IdeOptions) {
    this.drive = new AtaDrive(backend, host.mem, this.bmPrimary, {
      raise: () => this.primary.raise(),
    });
    const irq = host.irq;
    this.primary = new IdeChannel(this.drive, this.bmPrimary, (level) => irq.setLine(PrimaryChannel.irq, level));

    const channel = this.primary;
    const commandBlock: IoHandler = {
      read: (offset, size) => channel.readCommandBlock(offset, size),
      write: (offset, size, value) => channel.writeCommandBlock(offset, size, value),
    };
    const control: IoHandler = {
      read: () => channel.readAltStatus(),
      write: (_offset, _size, value) => channel.writeControl(value & 0xff),
    };
    const kind = options.handlerKind;
    host.bus.map('pio', PrimaryChannel.commandBlock, COMMAND_BLOCK_PORTS, commandBlock, kind, 'ide0-command');
    host.bus.map('pio', PrimaryChannel.control, 1, control, kind, 'ide0-control');

    this.pci = new PciFunction(this.name, {
      vendorId: Piix3Ide.vendorId,
      deviceId: Piix3Ide.deviceId,
      revisionId: Piix3Ide.revisionId,
      classCode: Piix3Ide.classCode,
      subsystemVendorId: Piix3Ide.subsystemVendorId,
      subsystemId: Piix3Ide.subsystemId,
      interruptPin: 0, // compatibility mode: the channels use ISA IRQs 14/15, not INTx
    });
    this.pci.config[6] = Piix3Ide.status & 0xff;
    this.pci.config[7] = Piix3Ide.status >>> 8;
    const bmRegisters: IoHandler = {
      read: (offset, size) => this.readBm(offset, size),
      write: (offset, size, value) => this.writeBm(offset, size, value),
    };
    this.pci.addBar({
      index: Piix3Ide.bmBar,
      kind: 'io',
      size: BmReg.barSize,
      handler: bmRegisters,
      handlerKind: kind,
    });
    const slot = options.slot ?? PIIX3_IDE_SLOT;
    this.isaBridge = createPiix3IsaBridge();
    host.pci.attach(this.isaBridge, slot, 0);
    host.pci.attach(this.pci, slot, PIIX3_IDE_FUNCTION);
  }

  private bmFor(offset: number): BusMasterChannel {
    return offset < BmReg.channelStride ? this.bmPrimary : this.bmSecondary;
  }

  /** An access straddling the two channels' blocks reads all-ones and is dropped. */
  private readBm(offset: number, size: AccessSize): number {
    const local = offset % BmReg.channelStride;
    if (local + size > BmReg.channelStride) return 2 ** (size * 8) - 1;
    return this.bmFor(offset).read(local, size);
  }

  private writeBm(offset: number, size: AccessSize, value: number): void {
    const local = offset % BmReg.channelStride;
    if (local + size > BmReg.channelStride) return;
    this.bmFor(offset).write(local, size, value);
  }

  /** Device-side state for tests and diagnostics. */
  describe(): Record<string, unknown> {
    const r = this.drive.regs;
    return {
      status: r.status,
      error: r.error,
      irq: this.primary.line,
      bmStatus: this.bmPrimary.status,
      multipleSectors: this.drive.multipleSectors,
      ...this.drive.stats,
    };
  }
}
