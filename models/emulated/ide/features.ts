/**
 * SET FEATURES for the disk (ATA/ATAPI-6 §8.37; QEMU 7.2 hw/ide/core.c cmd_set_features): write
 * cache on/off (IDENTIFY w85), transfer mode (w62/63/88), reverting to power-on defaults at reset
 * (0xCC/0x66: the CHS geometry), and the subcommands QEMU accepts without effect. Anything else aborts.
 */
import { COMMAND_SET_ENABLED_NO_WCE, COMMAND_SET_ENABLED_WCE, IdentifyWord } from './identify.js';
import { SetFeature } from './registers.js';

/** Drive settings SET FEATURES changes. */
export interface FeatureState {
  writeCache: boolean;
  /** The next reset restores the power-on CHS geometry (QEMU `reset_reverts`). */
  resetReverts: boolean;
}

/** `done` = complete now; `flush` = complete after a cache flush; `abort` = ABRT. */
export type FeatureOutcome = 'done' | 'flush' | 'abort';

/** Apply subcommand `feature` with `count` from the sector count register; edits `identify` in place. */
export function setFeature(feature: number, count: number, identify: Uint16Array, state: FeatureState): FeatureOutcome {
  switch (feature) {
    case SetFeature.enableWriteCache:
      state.writeCache = true;
      identify[IdentifyWord.commandSetEnabled1] = COMMAND_SET_ENABLED_WCE;
      return 'done';
    case SetFeature.disableWriteCache:
      state.writeCache = false;
      identify[IdentifyWord.commandSetEnabled1] = COMMAND_SET_ENABLED_NO_WCE;
      return 'flush';
    case SetFeature.revertingDefaultsOn:
    case SetFeature.revertingDefaultsOff:
      state.resetReverts = feature === SetFeature.revertingDefaultsOn;
      return 'done';
    case SetFeature.setTransferMode:
      return setTransferMode(count, identify);
    default:
      return (SetFeature.accepted as readonly number[]).includes(feature) ? 'done' : 'abort';
  }
}

/** Count = mode class << 3 | mode: the selected bit lands in the high byte of w62, w63 or w88. */
function setTransferMode(count: number, identify: Uint16Array): FeatureOutcome {
  const selected = 1 << ((count & 0x07) + 8);
  let sw = 0x07;
  let mw = 0x07;
  let udma = 0x3f;
  switch (count >> 3) {
    case 0x00: // PIO default
    case 0x01: // PIO flow control mode
      break;
    case 0x02:
      sw |= selected;
      break;
    case 0x04:
      mw |= selected;
      break;
    case 0x08:
      udma |= selected;
      break;
    default:
      return 'abort';
  }
  identify[IdentifyWord.swDma] = sw;
  identify[IdentifyWord.mwDma] = mw;
  identify[IdentifyWord.udma] = udma;
  return 'done';
}
