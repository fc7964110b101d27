/**
 * Where our PIIX3 IDE disk (models/emulated/ide) deliberately answers differently from QEMU 7.2's
 * `piix3-ide` + `ide-hd` (hw/ide/core.c, pci.c, piix.c), and why. Everything else — every register
 * value read, every IRQ 14 edge and the bytes DMA moves — must match; the differential test
 * (test/peers/qemu/emulated-ide.test.ts) fails on any difference at a step not tagged with one of
 * these ids, and on a tagged step that no longer differs. QEMU implementation choices we copy
 * (instant SRST with IRQ, nIEN keeping a raised line, ABRT for out-of-range, registers past the
 * last sector, "2.5+"/"QM00001"/"QEMU HARDDISK", the 8-bit data read eating a word, the short-PRD
 * outcome without IRQ) are not listed: they match.
 */
export interface IdeDivergence {
  readonly id: string;
  /** The register or behaviour concerned. */
  readonly behaviour: string;
  readonly qemu: string;
  readonly ours: string;
  readonly reason: string;
}

export const ideDivergences: readonly IdeDivergence[] = [
  {
    id: 'identify-trim',
    behaviour: 'IDENTIFY DEVICE words 69 and 169',
    qemu: '0x4000 and 0x0001: TRIM supported (ide-hd defaults to discard_granularity 512)',
    ours: '0 and 0: no TRIM',
    reason:
      'DATA SET MANAGEMENT is not in the model (specs/trap-emulate.md §3: "not in the default model"); advertising TRIM without it would be wrong.',
  },
  {
    id: 'dsm-trim',
    behaviour: 'DATA SET MANAGEMENT (0x06) with feature 0x01 (TRIM)',
    qemu: 'starts a DMA TRIM: status 0x58 until the bus master moves the range list',
    ours: 'ABRT: 0x41, error 0x04, IRQ',
    reason: 'not modelled (see identify-trim); an unsupported command aborts as ATA/ATAPI-6 §6.2 requires.',
  },
  {
    id: 'smart',
    behaviour: 'SMART (0xB0) with the 0x4F/0xC2 signature',
    qemu: 'implements SMART ENABLE/DISABLE/RETURN STATUS/READ DATA/READ LOG/EXECUTE OFFLINE',
    ours: 'ABRT: 0x41, error 0x04, IRQ (registers unchanged)',
    reason:
      'specs/trap-emulate.md §8 H5: "if SMART is modelled, bounded; else ABRT". It has no role in the benchmarks.',
  },
  {
    id: 'dma-outside-ram',
    behaviour: 'a PRD table or a used PRD buffer outside guest RAM',
    qemu: 'descriptor reads from unassigned memory return 0, DMA writes there are dropped: the command completes (0x50, BM INT, IRQ)',
    ours: 'nothing is transferred: ATA 0x51 with ABRT, BM ERR|INT, ACTIVE cleared, IRQ; registers not advanced',
    reason:
      'specs/trap-emulate.md §8 H6 [C]: the device model never touches memory outside guest RAM, and the guest learns that its transfer did not happen.',
  },
  {
    id: 'drain-in-flight',
    behaviour: 'STOP (bus-master START 1→0) or SRST while a request is with the backend',
    qemu: 'drains the request inside the exit (ide_cancel_dma_sync): the transfer completes, its IRQ and BM INT come before the write returns; then ACTIVE is cleared / the drive reset',
    ours: 'STOP clears ACTIVE at once and the request completes (status, IRQ, INT) when the backend finishes; SRST resets at once and the late completion is dropped',
    reason:
      'specs/trap-emulate.md §8: the vCPU never blocks on a backend; backend I/O completes asynchronously on the device actor (H7: STOP drains, SRST cancels).',
  },
  {
    id: 'srst-pending-dma',
    behaviour: 'SRST while a READ/WRITE DMA command waits for START',
    qemu: 'the bus master keeps the command callback and leaves ACTIVE as it was: a later START runs a stale transfer on the reset registers',
    ours: 'the waiting command is dropped and ACTIVE cleared',
    reason: 'specs/trap-emulate.md §8 H7: "SRST cancels DMA, clears ACTIVE".',
  },
  {
    id: 'secondary-channel',
    behaviour: 'legacy secondary channel ports 0x170–0x177, 0x376 and IRQ 15',
    qemu: 'an empty channel: reads return 0, a command to its master aborts and raises IRQ 15',
    ours: 'not mapped: reads all-ones, writes dropped (its bus-master registers at BAR4 +8…+15 do exist)',
    reason: 'the block class has one disk; an empty channel adds nothing to the model and nothing drives it.',
  },
  {
    id: 'access-straddle',
    behaviour: 'an access that straddles two register regions (inl at BM+2, inw at 0x1F7)',
    qemu: 'the memory core splits it into per-region pieces, each with its side effects',
    ours: 'all-ones, no side effect (the platform bus and our BAR handler dispatch whole accesses only)',
    reason:
      'models/platform/bus.ts routes an access to one mapping; no driver issues such accesses (same choice as the NE2000 window-straddle divergence).',
  },
  {
    id: 'chs-from-mbr',
    behaviour: 'CHS geometry (IDENTIFY words 1, 3, 6, 54–58; CHS addressing) of an image holding an MBR',
    qemu: 'guessed from the partition table (hw/block/hd-geometry.c guess_disk_lchs)',
    ours: 'always 16 heads, 63 sectors, capacity / 1008 cylinders (QEMU’s rule for images without an MBR)',
    reason: 'the reference backend is not a partitioned image; the differential images carry no MBR.',
  },
  {
    id: 'chs-zero-sectors',
    behaviour:
      'after INITIALIZE DEVICE PARAMETERS with a count of 0 (0 sectors per track): a CHS-mode transfer, or READ NATIVE MAX ADDRESS in CHS mode',
    qemu: 'divides by heads × sectors when it writes the CHS registers: SIGFPE, the QEMU process dies (observed on 7.2)',
    ours: 'the command is refused before any backend access: 0x41, ABRT, IRQ',
    reason:
      'specs/trap-emulate.md §8: a hostile register sequence ends in a documented error state, never a crash. Kept out of the differential traces (QEMU would die).',
  },
  {
    id: 'write-cache-off',
    behaviour: 'SET FEATURES 0x82 (write cache disable)',
    qemu: 'flushes and switches the block layer to writethrough: every later write is followed by a flush',
    ours: 'flushes and clears IDENTIFY w85 bit 5; later writes are not followed by a flush',
    reason:
      'the reference backend has no volatile-cache switch; durability is the FLUSH CACHE command’s job in every model.',
  },
];

export function ideDivergence(id: string): IdeDivergence | undefined {
  return ideDivergences.find((d) => d.id === id);
}
