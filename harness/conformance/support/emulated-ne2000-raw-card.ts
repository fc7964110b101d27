/**
 * Test library for the NE2000 device model (specs/trap-emulate.md §4): the guest side mocked as
 * raw port accesses through the sim machine's bus, a scripted NetBackend that records what the
 * card transmits and lets the test inject frames and refuse transmits, and a log of every
 * interrupt-line transition tagged with the access that caused it. Reused by the conformance,
 * hostile-guest and QEMU differential cases.
 */

import { Ne2000Device } from '../../../models/emulated/ne2000/device.js';
import { NE2000_ISA } from '../../../models/emulated/ne2000/registers.js';
import type { FrameReceiver, NetBackend } from '../../../models/platform/backend-api.js';
import type { AccessSize } from '../../../models/platform/bus.js';
import type { HostPlatform } from '../../../models/platform/machine.js';
import type { HandlerKind } from '../../../models/platform/meter.js';
import { createSimMachine, type SimMachine } from '../../engine/sim/machine.js';
import { loadProfile } from '../../profiles/load.js';

export const CARD_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);

/** A NetBackend the test drives by hand. */
export class ScriptedNetBackend implements NetBackend {
  readonly mtu = 1500;
  readonly sent: Uint8Array[] = [];
  receiver: FrameReceiver | undefined;
  rxReadyCalls = 0;
  /** When false, canTransmit() refuses (up-link full). */
  linkOpen = true;
  private ready: (() => void) | undefined;

  constructor(readonly guestMac: Uint8Array = CARD_MAC) {}

  setReceiver(rx: FrameReceiver): void {
    this.receiver = rx;
  }
  canTransmit(): boolean {
    return this.linkOpen;
  }
  setTransmitReady(ready: () => void): void {
    this.ready = ready;
  }
  transmit(bytes: Uint8Array, offset: number, length: number): void {
    this.sent.push(bytes.slice(offset, offset + length));
  }
  rxReady(): void {
    this.rxReadyCalls++;
  }
  /** Open the link and run the device's transmit-ready callback, as the backend's scheduler would. */
  openLink(): void {
    this.linkOpen = true;
    this.ready?.();
  }
  /** Offer a frame the way the reference backend does: only if canReceive() says yes. */
  offer(frame: Uint8Array): boolean {
    const rx = this.receiver;
    if (rx === undefined || !rx.canReceive()) return false;
    rx.receive(frame, 0, frame.length);
    return true;
  }
  /** Hand a frame over regardless of canReceive() (as QEMU's net layer does). */
  push(frame: Uint8Array): void {
    this.receiver?.receive(frame, 0, frame.length);
  }
}

export interface LineEdge {
  readonly level: boolean;
  /** Index of the access (or injection) during which the line changed. */
  readonly step: number;
}

export class RawCard {
  readonly m: SimMachine;
  readonly device: Ne2000Device;
  readonly backend: ScriptedNetBackend;
  readonly base: number;
  readonly edges: LineEdge[] = [];
  /** Accesses (and injections) so far; edges are tagged with it. */
  step = 0;

  constructor(options: { kind?: HandlerKind; mac?: Uint8Array; ioBase?: number; irq?: number } = {}) {
    this.m = createSimMachine({ memBytes: 4 * 1024 * 1024, profile: loadProfile('modern-2020s'), seed: 3 });
    this.backend = new ScriptedNetBackend(options.mac ?? CARD_MAC);
    const real = this.m.host.irq;
    const irq = options.irq ?? NE2000_ISA.irq;
    const host: HostPlatform = {
      ...this.m.host,
      irq: {
        setLine: (gsi, level) => {
          if (gsi === irq) this.edges.push({ level, step: this.step });
          real.setLine(gsi, level);
        },
        msi: (address, data) => real.msi(address, data),
      },
    };
    this.base = options.ioBase ?? NE2000_ISA.ioBase;
    this.device = new Ne2000Device(host, this.backend, {
      kind: options.kind ?? 'user',
      ioBase: this.base,
      irq,
    });
  }

  get card() {
    return this.device.card;
  }

  get line(): boolean {
    return this.device.card.irqLevel;
  }

  in(offset: number, size: AccessSize = 1): number {
    const v = this.m.guest.io.in(this.base + offset, size);
    this.step++;
    return v;
  }

  out(offset: number, value: number, size: AccessSize = 1): void {
    this.m.guest.io.out(this.base + offset, size, value);
    this.step++;
  }

  /** Edges caused by step `step`. */
  edgesAt(step: number): boolean[] {
    return this.edges.filter((e) => e.step === step).map((e) => e.level);
  }

  push(frame: Uint8Array): void {
    this.backend.push(frame);
    this.step++;
  }

  // ---- register helpers (page 0 unless said) ----

  page(p: number): void {
    this.out(0, (this.card.cr & 0x3f) | (p << 6));
  }

  /** Remote DMA setup: RBCR then RSAR. */
  remote(address: number, count: number): void {
    this.out(0x0a, count & 0xff);
    this.out(0x0b, count >>> 8);
    this.out(0x08, address & 0xff);
    this.out(0x09, address >>> 8);
  }

  /** Read `count` bytes of card memory at `address` through the data port in byte mode (DCR restored). */
  peek(address: number, count: number): number[] {
    const dcr = this.card.dcr;
    const page = this.card.cr >>> 6;
    this.page(0);
    this.out(0x0e, dcr & ~1);
    this.remote(address, count);
    this.out(0, 0x0a);
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.in(0x10));
    this.out(0x0e, dcr);
    this.page(page);
    return out;
  }

  /** Write bytes into card memory through the data port in byte mode. */
  poke(address: number, bytes: ArrayLike<number>): void {
    const dcr = this.card.dcr;
    this.out(0x0e, dcr & ~1);
    this.remote(address, bytes.length);
    this.out(0, 0x12);
    for (let i = 0; i < bytes.length; i++) this.out(0x10, bytes[i] as number);
    this.out(0x0e, dcr);
  }

  /** A started card with ring [pstart, pstop), BNRY = pstart, CURR = pstart + 1, RCR and IMR as given. */
  setupRing(options: { pstart?: number; pstop?: number; rcr?: number; imr?: number; dcr?: number } = {}): void {
    const pstart = options.pstart ?? 0x4c;
    const pstop = options.pstop ?? 0x80;
    this.out(0, 0x21);
    this.out(0x0e, options.dcr ?? 0x49);
    this.out(0x01, pstart);
    this.out(0x03, pstart);
    this.out(0x02, pstop);
    this.out(0x0c, options.rcr ?? 0x04);
    this.out(0x07, 0xff);
    this.out(0x0f, options.imr ?? 0x3f);
    this.out(0, 0x61);
    this.out(0x07, pstart + 1);
    this.out(0, 0x22);
  }
}

/** An Ethernet frame of `length` bytes to `dst` from `src`, payload bytes derived from `seed`. */
export function makeFrame(dst: ArrayLike<number>, src: ArrayLike<number>, length: number, seed = 1): Uint8Array {
  const f = new Uint8Array(length);
  for (let i = 0; i < Math.min(6, length); i++) f[i] = dst[i] as number;
  for (let i = 0; i < 6 && 6 + i < length; i++) f[6 + i] = src[i] as number;
  if (length > 13) {
    f[12] = 0x88;
    f[13] = 0xb5;
  }
  for (let i = 14; i < length; i++) f[i] = (seed * 31 + i * 7 + (i >>> 8)) & 0xff;
  return f;
}

export const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] as const;
export const OTHER_MAC = [0x52, 0x54, 0x00, 0x00, 0x00, 0x01] as const;
