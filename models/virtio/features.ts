/** Feature bits as the 64-bit sets the transport negotiates (virtio 1.2 §2.2, §6). */

/** The set holding only feature `bit`. */
export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}

export function hasFeature(features: bigint, bit: number): boolean {
  return (features & featureBit(bit)) !== 0n;
}
