/**
 * Byte copies for hot paths, shared by the reference backend and the models. `set(subarray)` is
 * the only route to memcpy speed in JS (a byte loop is ~50× slower on 4 KiB), at the price of one
 * short-lived view object; that view is skipped when the whole source is copied and for copies
 * too short to benefit.
 */
const SHORT_COPY = 32;

/** memcpy `from[fromOffset, +length)` to `to[toOffset…]`. */
export function copyBytes(
  from: Uint8Array,
  fromOffset: number,
  to: Uint8Array,
  toOffset: number,
  length: number,
): void {
  if (length <= SHORT_COPY) {
    for (let i = 0; i < length; i++) to[toOffset + i] = from[fromOffset + i] as number;
  } else if (fromOffset === 0 && length === from.length) {
    to.set(from, toOffset);
  } else {
    to.set(from.subarray(fromOffset, fromOffset + length), toOffset);
  }
}
