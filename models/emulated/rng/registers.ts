/**
 * The port-I/O hardware RNG of the trap-and-emulate model: our own part [C], modelled on the
 * AMD 768 RNG as Linux drivers/char/hw_random/amd-rng.c drives it (specs/trap-emulate.md §5).
 * QEMU emulates no such device, so there is no register oracle: this file is the contract.
 */

/** Default I/O base. Clear of IDE (0x1F0), COM2–COM4 / NE2000 (0x2E8–0x3FF), fw_cfg (0x510) and PCI config (0xCF8). */
export const RNG_BASE = 0x0e00;

/** Ports decoded from RNG_BASE (AMD 768: PMBASE+0xF0, 8 ports — amd-rng.c PMBASE_SIZE). */
export const RNG_PORT_COUNT = 8;

/** Register offsets from RNG_BASE — trap-emulate.md §5; amd-rng.c RNGDATA / RNGDONE. */
export const RngRegister = {
  /** R, 32-bit: the next 4 entropy bytes, little-endian, when RNGDONE ≠ 0; 0 without side effect otherwise. */
  RNGDATA: 0x00,
  /** R: 1 when a word is ready in RNGDATA, else 0. */
  RNGDONE: 0x04,
} as const;

/** RNGDONE values. */
export const RngDone = { notReady: 0, ready: 1 } as const;

/** Bytes one RNGDATA read delivers. */
export const RNG_WORD_BYTES = 4;

/**
 * Time from an RNGDATA read to the next word: the AMD 768 datasheet's ≈ 128 µs, quoted in amd-rng.c
 * ("New random numbers are generated approximately 128 microseconds after RNGDATA is read"). The model
 * defaults to 0 (a host RNG has the next word at once); this is the value for a faithful part.
 */
export const RNG_DATASHEET_LATENCY_NS = 128_000;

/** How long the driver sleeps when RNGDONE reads 0: the low end of amd-rng.c's usleep_range(128, 196). */
export const RNG_POLL_WAIT_NS = 128_000;

/** `--model-opt` key of the device's word latency in ns (default 0). */
export const RNG_LATENCY_OPTION = 'rng-latency-ns';
