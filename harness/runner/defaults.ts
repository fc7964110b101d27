/**
 * Run limits shared by both engines. A module of its own because the threads engine reads it
 * and the runner dispatches to the threads engine: importing it from run-cell.ts would make
 * the two import each other.
 */
export const RUN_DEFAULTS = {
  memBytes: 256 * 1024 * 1024,
  maxEvents: 200_000_000,
  maxVirtualNs: 3_600e9,
} as const;
