/**
 * Every place where an emulated device of ours deliberately answers differently from QEMU 7.2,
 * in one list: device, what differs, QEMU's answer, ours, and why (trap-emulate.md §9: "QEMU
 * implementation choices"). The per-device differential tests consult their own list and fail on
 * any difference not named here; this index is what a reviewer reads.
 */
import { ideDivergences } from './ide.js';
import { ne2000Divergences } from './ne2000.js';
import { uartDivergences } from './uart.js';

export interface QemuDivergence {
  readonly device: 'uart' | 'ide' | 'ne2000';
  readonly id: string;
  readonly behaviour: string;
  readonly qemu: string;
  readonly ours: string;
  readonly reason: string;
}

export const QEMU_DIVERGENCES: readonly QemuDivergence[] = [
  ...uartDivergences.map((d) => ({ device: 'uart' as const, ...d })),
  ...ideDivergences.map((d) => ({ device: 'ide' as const, ...d })),
  ...ne2000Divergences.map((d) => ({ device: 'ne2000' as const, ...d })),
];
