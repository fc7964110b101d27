/**
 * MSI-X (PCI 3.0 §6.8.2): a capability in config space plus a vector table and a
 * pending-bit array in a BAR. A masked vector (entry mask or function mask) latches
 * its pending bit and fires when unmasked. Table entries reset masked.
 */
import type { AccessSize } from './bus.js';
import type { HostInterrupts } from './interrupts.js';
import { PciCapId, type PciFunction } from './pci.js';

/** Message Control bits (§6.8.2.3). */
export const MsixControl = { tableSizeMask: 0x7ff, functionMask: 0x4000, enable: 0x8000 } as const;
/** Table entry layout (§6.8.2.6–9): 16 bytes. */
export const MsixEntry = { addrLo: 0, addrHi: 4, data: 8, vectorControl: 12, size: 16, masked: 0x1 } as const;

export interface MsixLayout {
  readonly vectors: number;
  readonly bar: number;
  readonly tableOffset: number;
  readonly pbaOffset: number;
}

export class Msix {
  private readonly table: DataView;
  private readonly pending: Uint8Array;
  readonly capOffset: number;
  /** Messages sent / latched while masked — diagnostics for tests. */
  sent = 0;

  constructor(
    private readonly fn: PciFunction,
    private readonly irq: HostInterrupts,
    readonly layout: MsixLayout,
  ) {
    if (layout.vectors < 1 || layout.vectors > 2048) throw new RangeError('MSI-X supports 1..2048 vectors');
    this.table = new DataView(new ArrayBuffer(layout.vectors * MsixEntry.size));
    this.pending = new Uint8Array(layout.vectors);
    const body = new Uint8Array(12);
    const b = new DataView(body.buffer);
    b.setUint16(2, layout.vectors - 1, true);
    b.setUint32(4, layout.tableOffset | layout.bar, true);
    b.setUint32(8, layout.pbaOffset | layout.bar, true);
    const writable = new Uint8Array(12);
    writable[3] = (MsixControl.enable | MsixControl.functionMask) >> 8;
    this.capOffset = fn.addCapability(PciCapId.msix, 12, body, writable);
    fn.addHook({ start: this.capOffset + 2, length: 2, afterWrite: () => this.deliverPending() });
    this.reset();
  }

  reset(): void {
    for (let v = 0; v < this.layout.vectors; v++) {
      const o = v * MsixEntry.size;
      this.table.setUint32(o + MsixEntry.addrLo, 0, true);
      this.table.setUint32(o + MsixEntry.addrHi, 0, true);
      this.table.setUint32(o + MsixEntry.data, 0, true);
      this.table.setUint32(o + MsixEntry.vectorControl, MsixEntry.masked, true);
      this.pending[v] = 0;
    }
  }

  private get control(): number {
    return this.fn.configRead(this.capOffset + 2, 2);
  }

  get enabled(): boolean {
    return (this.control & MsixControl.enable) !== 0;
  }

  private masked(vector: number): boolean {
    if ((this.control & MsixControl.functionMask) !== 0) return true;
    return (this.table.getUint32(vector * MsixEntry.size + MsixEntry.vectorControl, true) & MsixEntry.masked) !== 0;
  }

  /** Signal `vector`; returns false if it was latched as pending (masked) or out of range. */
  notify(vector: number): boolean {
    if (vector < 0 || vector >= this.layout.vectors || !this.enabled) return false;
    if (this.masked(vector)) {
      this.pending[vector] = 1;
      return false;
    }
    this.send(vector);
    return true;
  }

  private send(vector: number): void {
    const o = vector * MsixEntry.size;
    const addr = this.table.getUint32(o + MsixEntry.addrHi, true) * 4294967296 + this.table.getUint32(o, true);
    this.sent++;
    this.irq.msi(addr, this.table.getUint32(o + MsixEntry.data, true));
  }

  private deliverPending(): void {
    if (!this.enabled) return;
    for (let v = 0; v < this.layout.vectors; v++) {
      if (this.pending[v] === 1 && !this.masked(v)) {
        this.pending[v] = 0;
        this.send(v);
      }
    }
  }

  /** Table BAR region: `offset` relative to the table start. Dword accesses only (§6.8.2). */
  tableRead(offset: number, size: AccessSize): number {
    if (size !== 4 || offset % 4 !== 0 || offset + 4 > this.table.byteLength) return 0xffffffff;
    return this.table.getUint32(offset, true);
  }

  tableWrite(offset: number, size: AccessSize, value: number): void {
    if (size !== 4 || offset % 4 !== 0 || offset + 4 > this.table.byteLength) return;
    const field = offset % MsixEntry.size;
    if (field === MsixEntry.vectorControl) value &= MsixEntry.masked; // other bits reserved
    this.table.setUint32(offset, value >>> 0, true);
    if (field === MsixEntry.vectorControl) this.deliverPending();
  }

  /** Pending Bit Array region: `offset` relative to the PBA start. Read-only. */
  pbaRead(offset: number, size: AccessSize): number {
    let v = 0;
    for (let i = 0; i < size * 8; i++) {
      const bit = offset * 8 + i;
      if (bit < this.layout.vectors && this.pending[bit] === 1) v |= 1 << i;
    }
    return v >>> 0;
  }
}
