/**
 * Where our NE2000 (models/emulated/ne2000) deliberately answers differently from QEMU 7.2's
 * `ne2k_isa` (hw/net/ne2000.c), and why. Everything else — every register value read and every
 * IRQ 9 edge — must match QEMU; the differential test (test/peers/qemu/emulated-ne2000.test.ts)
 * fails on any difference at a step not tagged with one of these ids, and on a tagged step
 * that no longer differs. QEMU implementation choices we *copy* (synchronous transmit, PROM
 * unicast filter, silent drops, runt padding, stale PROM bytes…) are not listed: they match.
 */
export interface Ne2000Divergence {
  readonly id: string;
  /** The register or behaviour concerned. */
  readonly behaviour: string;
  readonly qemu: string;
  readonly ours: string;
  readonly reason: string;
}

export const ne2000Divergences: readonly Ne2000Divergence[] = [
  {
    id: 'window-straddle',
    behaviour: 'a 16/32-bit access that starts inside the 32-port window and ends past it (e.g. inw base+0x1F)',
    qemu: 'the memory core splits it: the byte at +0x1F is a reset-port read (ISR := 0x80, PROM reloaded), the rest goes to whatever decodes the next port',
    ours: 'the platform bus dispatches an access only when it fits one mapping: all-ones, no device side effect',
    reason:
      'models/platform/bus.ts RangeTable.find routes whole accesses to one mapping; splitting across devices is a bus property, not an NE2000 one. No driver does this.',
  },
  {
    id: 'rx-oversize-frame',
    behaviour: 'a received frame longer than the free space of the receive ring (possible only above 1,514 bytes)',
    qemu: 'stored anyway: the copy wraps around the ring over frames the guest has not read yet; CURR moves past BNRY',
    ours: 'dropped without a trace in the ring (Dp8390Stats.rxDroppedMalformed)',
    reason:
      'trap-emulate.md §8 H11: frames above ring capacity are dropped. QEMU only checks for 1,518 free bytes and then trusts the frame length.',
  },
  {
    id: 'rx-ring-full-backpressure',
    behaviour: 'frames that arrive while the receive ring is full',
    qemu: 'the NIC drops them (ne2000_receive returns -1; there is no can_receive hook in 7.2)',
    ours: 'the card drops a frame handed to it while full, as QEMU does, but FrameReceiver.canReceive() answers false, so the reference backend holds frames (its bounded rxQueue) until a BNRY write frees ring space',
    reason:
      'the platform FrameReceiver contract (backend-api.ts): canReceive = the ring has room, so benchmark runs measure the device, not losses the backend could have avoided.',
  },
  {
    id: 'tx-backpressure',
    behaviour: 'CR.TXP while the network cannot take a frame (NetBackend.canTransmit() false)',
    qemu: 'TSR = 0x01 and ISR.PTX inside the CR write; the packet waits in the net layer queue',
    ours: 'TXP stays set and PTX is withheld until the backend’s transmit-ready callback; the frame stays in card memory and is sent then',
    reason:
      'the platform NetBackend contract (backend-api.ts canTransmit/setTransmitReady) has the device hold the frame; a DP8390 keeps TXP set for as long as it transmits.',
  },
  {
    id: 'tx-oversize-frame',
    behaviour: 'TBCR above 1,514 bytes (within card memory)',
    qemu: 'the whole TBCR bytes go to the peer',
    ours: 'the device forwards the whole TBCR bytes too; the reference backend then drops frames above MTU + 14 (stats.droppedMalformed)',
    reason:
      'trap-emulate.md §8 H10 [C]: the backend caps what reaches the wire; the register-visible behaviour (TSR, PTX) is QEMU’s.',
  },
];

export function ne2000Divergence(id: string): Ne2000Divergence | undefined {
  return ne2000Divergences.find((d) => d.id === id);
}
