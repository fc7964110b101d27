/**
 * The disk image the IDE conformance cases and differential traces start from: 1 MiB whose bytes
 * depend on their sector, so a misaddressed read shows.
 */

export const DISK_SECTORS = 2048;

/** Byte i of the disk (sector-dependent, so misaddressed reads show). */
export function diskByte(i: number): number {
  return (i * 7 + (i >> 9)) & 0xff;
}

export function diskPattern(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = diskByte(i);
}
