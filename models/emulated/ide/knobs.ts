/**
 * Knob mapping for the IDE disk (DESIGN §6; specs/trap-emulate.md §6, IDE column).
 *
 * - in-flight depth: ATA without TCQ/NCQ runs one command per channel, so iodepth > 1 is unsupported.
 * - copy mode: the transfer mode decides how data crosses. PIO modes (`pio-word`, `pio-string`,
 *   `pio-multiple`) move every word through the data port: `copy`. Bus-master DMA lets the device
 *   model read and write guest RAM in place: `zerocopy`. `--model-opt ide-mode` picks the mode and
 *   the copy knob must agree; a mismatch is unsupported (never silently switched), with both fixes
 *   named in the reason.
 * - interrupt coalescing: `none` = the mode's own rate (one IRQ per sector for SECTORS, per block
 *   for MULTIPLE, per command for DMA; MULTIPLE uses 16 sectors, the drive's maximum). `count:N` =
 *   SET MULTIPLE MODE N in `pio-multiple` (N ∈ 1, 2, 4, 8, 16: N sectors per IRQ); other modes have
 *   no count to set. `event-idx` (a virtqueue feature) and `time:US` (ATA has no hold-off timer)
 *   are unsupported.
 */
import type { ModelConfig } from '../../platform/model.js';
import { type IdeMode, ideMode } from '../binding.js';
import { MAX_MULTIPLE_SECTORS } from './registers.js';

export interface IdeSettings {
  readonly mode: IdeMode;
  /** Block size for READ/WRITE MULTIPLE (`pio-multiple` only). */
  readonly multipleSectors: number;
}

export type IdeSettingsResult =
  | { readonly ok: true; readonly settings: IdeSettings }
  | { readonly ok: false; readonly reason: string };

/** Block sizes SET MULTIPLE MODE accepts (powers of two up to IDENTIFY w47's 16). */
export const MULTIPLE_COUNTS: readonly number[] = [1, 2, 4, 8, 16];

function refuse(reason: string): IdeSettingsResult {
  return { ok: false, reason };
}

export function ideSettings(config: ModelConfig): IdeSettingsResult {
  const { coalesce, iodepth, copy } = config.knobs;
  const mode = ideMode(config);
  if (iodepth !== 1) {
    return refuse(`iodepth ${iodepth}: ATA/IDE executes one command per channel (no TCQ/NCQ), so depth is 1`);
  }
  if (mode === 'dma' && copy !== 'zerocopy') {
    return refuse(
      'ide-mode=dma: the bus master moves data in guest RAM in place (zerocopy); use --copy zerocopy, or a PIO ide-mode for copy',
    );
  }
  if (mode !== 'dma' && copy !== 'copy') {
    return refuse(
      `ide-mode=${mode} moves every word through the data port (copy); use --copy copy, or --model-opt ide-mode=dma for zerocopy`,
    );
  }
  switch (coalesce.kind) {
    case 'none':
      return { ok: true, settings: { mode, multipleSectors: MAX_MULTIPLE_SECTORS } };
    case 'count':
      if (mode !== 'pio-multiple') {
        const rate = mode === 'dma' ? 'one interrupt per command' : 'one interrupt per sector';
        return refuse(
          `coalesce count:${coalesce.n}: ide-mode=${mode} has a fixed rate (${rate}); sectors per interrupt are set by SET MULTIPLE in ide-mode=pio-multiple`,
        );
      }
      if (!MULTIPLE_COUNTS.includes(coalesce.n)) {
        return refuse(
          `coalesce count:${coalesce.n}: SET MULTIPLE MODE accepts ${MULTIPLE_COUNTS.join(', ')} sectors per interrupt`,
        );
      }
      return { ok: true, settings: { mode, multipleSectors: coalesce.n } };
    case 'event-idx':
      return refuse('coalesce event-idx is a virtqueue feature; ATA has no event index');
    case 'time':
      return refuse(`coalesce time:${coalesce.us}: ATA devices have no interrupt hold-off timer`);
  }
}
