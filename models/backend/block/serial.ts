/**
 * The 20-byte device identifier answered to GET_ID (virtio 1.2 §5.2.6: "20 bytes of
 * ASCII, NUL-padded") and, by the emulated model, IDENTIFY words 10–19.
 */
export const SERIAL_BYTES = 20;

export const DEFAULT_SERIAL = 'RINGSIDE-BLK-0001';

export function encodeSerial(serial: string): Uint8Array {
  if (serial.length > SERIAL_BYTES) throw new RangeError(`serial "${serial}" is longer than ${SERIAL_BYTES} bytes`);
  const out = new Uint8Array(SERIAL_BYTES);
  for (let i = 0; i < serial.length; i++) {
    const c = serial.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new RangeError(`serial "${serial}" is not printable ASCII`);
    out[i] = c;
  }
  return out;
}
