/**
 * How the UART honours the benchmark knobs (DESIGN §6; trap-emulate.md §6, UART column) and the
 * `uart-mode` model option. Decisions [C]:
 * - coalescing `none` = FIFOs off (16450 behaviour): one RX interrupt per byte, one byte per THRE;
 *   `count:N` for N ∈ {1, 4, 8, 14} = FIFOs on with RX trigger level N (TX refills 16 bytes per
 *   THRE). Other counts, `event-idx` and `time:US` have no 16550A register: unsupported.
 * - in-flight depth: one write at a time (a single THR/FIFO); above 1 unsupported.
 * - copy mode: every byte crosses in a register access (`copy`); `zerocopy` unsupported.
 */
import type { Coalesce } from '../../platform/knobs.js';
import type { ModelConfig, Support } from '../../platform/model.js';
import { RX_TRIGGER_LEVELS, type RxTriggerLevel } from './registers.js';

export type UartFifoMode = { readonly kind: 'off' } | { readonly kind: 'on'; readonly trigger: RxTriggerLevel };

/** `--model-opt uart-mode=irq|polled`: how the driver moves bytes. */
export const UART_MODE_OPTION = 'uart-mode';
export type UartMode = 'irq' | 'polled';
export const UART_MODES: readonly UartMode[] = ['irq', 'polled'];

export function uartMode(config: ModelConfig): UartMode {
  return config.options[UART_MODE_OPTION] === 'polled' ? 'polled' : 'irq';
}

const FIFO_OFF: UartFifoMode = { kind: 'off' };
const FIFO_ON: readonly UartFifoMode[] = RX_TRIGGER_LEVELS.map((trigger) => ({ kind: 'on', trigger }) as const);

/** The FIFO setting for a coalescing knob, or why there is none. */
export function fifoModeFor(coalesce: Coalesce): UartFifoMode | { readonly unsupported: string } {
  switch (coalesce.kind) {
    case 'none':
      return FIFO_OFF;
    case 'count': {
      const i = RX_TRIGGER_LEVELS.indexOf(coalesce.n as RxTriggerLevel);
      if (i >= 0) return FIFO_ON[i] as UartFifoMode;
      return {
        unsupported: `coalesce count:${coalesce.n}: the 16550A RX trigger level is 1, 4, 8 or 14 bytes (FCR bits 6–7)`,
      };
    }
    case 'event-idx':
      return { unsupported: 'coalesce event-idx: a UART has no ring index; use none (FIFO off) or count:1|4|8|14' };
    case 'time':
      return {
        unsupported: `coalesce time:${coalesce.us}: the RX timeout is fixed at 4 character times by the baud rate`,
      };
  }
}

export function uartSupport(config: ModelConfig): Support {
  const { coalesce, iodepth, copy } = config.knobs;
  const fifo = fifoModeFor(coalesce);
  if ('unsupported' in fifo) return { ok: false, reason: fifo.unsupported };
  if (iodepth !== 1) {
    return { ok: false, reason: `iodepth ${iodepth}: the UART driver carries one write at a time (one THR/FIFO)` };
  }
  if (copy !== 'copy') {
    return { ok: false, reason: 'zerocopy: every UART byte crosses in a THR/RBR register access; copy must be copy' };
  }
  return { ok: true };
}
