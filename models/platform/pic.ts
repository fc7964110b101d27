/**
 * The 8259 pair as far as the suite needs it: its command/data ports exist (handled in
 * the host kernel, as KVM's in-kernel PIC does) so that a guest's EOI writes are real,
 * metered kernel exits. Interrupt delivery itself stays with InterruptController.
 */
import type { GuestIo, HostBus, IoHandler } from './bus.js';
import { PIC_MASTER_COMMAND, PIC_OCW2_EOI, PIC_SLAVE_COMMAND, type PicEoi } from './interrupts.js';

/** Map 0x20–0x21 and 0xA0–0xA1 as kernel-handled ports: writes accepted, reads return 0 (IMR clear). */
export function mapPicPorts(bus: HostBus): void {
  const ports: IoHandler = { read: () => 0, write: () => {} };
  bus.map('pio', PIC_MASTER_COMMAND, 2, ports, 'kernel', 'pic-master');
  bus.map('pio', PIC_SLAVE_COMMAND, 2, ports, 'kernel', 'pic-slave');
}

/** The guest kernel's EOI sequence for an ISA line: slave first for IRQs 8–15, then master. */
export function picEoiVia(io: GuestIo): PicEoi {
  return (gsi) => {
    if (gsi >= 8) io.out(PIC_SLAVE_COMMAND, 1, PIC_OCW2_EOI);
    io.out(PIC_MASTER_COMMAND, 1, PIC_OCW2_EOI);
  };
}
