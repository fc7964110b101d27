/**
 * A device's configuration space as the driver reads it: bytes built once by the device logic, read as
 * little-endian fields (virtio 1.2 §2.5: device configuration fields are little-endian). The transport
 * range-checks `offset + size ≤ configSize` before asking.
 */
export class ConfigSpace {
  readonly bytes: Uint8Array;
  readonly view: DataView;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const v = this.view;
    if (size === 1) return v.getUint8(offset);
    if (size === 2) return v.getUint16(offset, true);
    return v.getUint32(offset, true);
  }
}
