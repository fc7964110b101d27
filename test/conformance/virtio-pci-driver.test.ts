/**
 * virtio-pci driver-side conformance of our guest transport (specs/virtio.md §9 D-items),
 * checked by recording every register access the driver makes against our strict device.
 */
import { describe, expect, it } from 'vitest';
import type { AccessSize, GuestIo } from '../../models/platform/bus.js';
import type { GuestPlatform } from '../../models/platform/machine.js';
import { VirtioInitError, VirtioPciTransport } from '../../models/virtio/pci/driver.js';
import { CommonCfg, Status } from '../../models/virtio/pci/regs.js';
import { makeRig, type Rig } from '../support/virtio-rig.js';

interface Access {
  readonly kind: 'r' | 'w';
  readonly off: number;
  readonly size: AccessSize;
  readonly value: number;
}

/** Wrap the guest's I/O so accesses inside BAR4 are logged relative to it. */
function recordingGuest(rig: Rig): { guest: GuestPlatform; log: Access[] } {
  const log: Access[] = [];
  const io = rig.m.guest.io;
  const inBar = (addr: number) => addr >= rig.regs && addr < rig.regs + 0x4000;
  const rec: GuestIo = {
    in: (p, s) => io.in(p, s),
    out: (p, s, v) => io.out(p, s, v),
    mmioRead: (a, s) => {
      const v = io.mmioRead(a, s);
      if (inBar(a)) log.push({ kind: 'r', off: a - rig.regs, size: s, value: v });
      return v;
    },
    mmioWrite: (a, s, v) => {
      if (inBar(a)) log.push({ kind: 'w', off: a - rig.regs, size: s, value: v });
      io.mmioWrite(a, s, v);
    },
    repIns: (p, s, c, a) => io.repIns(p, s, c, a),
    repOuts: (p, s, c, a) => io.repOuts(p, s, c, a),
    hypercall: (op, a0, a1, a2, a3) => io.hypercall(op, a0, a1, a2, a3),
  };
  return { guest: { ...rig.m.guest, io: rec }, log };
}

function bringUpRecorded(rig: Rig, opts: { eventIdx?: boolean } = {}) {
  const { guest, log } = recordingGuest(rig);
  const t = VirtioPciTransport.probe(guest, 4);
  const start = log.length;
  t.negotiate({
    deviceType: 4,
    driverFeatures: 0n,
    eventIdx: opts.eventIdx ?? true,
    indirect: true,
    interrupts: 'msix',
  });
  t.setupInterrupts(
    'msix',
    2,
    () => {},
    () => {},
  );
  const rings = [t.setupQueue({ index: 0, size: 64 }, true), t.setupQueue({ index: 2, size: 1024 }, true)];
  t.driverOk();
  t.kick(0);
  return { t, log: log.slice(start), rings };
}

const statusWrites = (log: Access[]) =>
  log.filter((a) => a.kind === 'w' && a.off === CommonCfg.deviceStatus).map((a) => a.value);
const indexOfWrite = (log: Access[], off: number, from = 0) =>
  log.findIndex((a, i) => i >= from && a.kind === 'w' && a.off === off);

describe('virtio-pci driver initialisation (§3.1.1)', () => {
  it('D1 §4.1.4.3.2: writes 0 first and reads status back as 0 before setting any bit', () => {
    const rig = makeRig();
    const { log } = bringUpRecorded(rig);
    expect(log[0]).toMatchObject({ kind: 'w', off: CommonCfg.deviceStatus, value: 0 });
    expect(log[1]).toMatchObject({ kind: 'r', off: CommonCfg.deviceStatus, value: 0 });
  });

  it('D2 §3.1.1, §2.1.1: status bits are set in order ACK → DRIVER → FEATURES_OK → DRIVER_OK and never cleared', () => {
    const rig = makeRig();
    const { log } = bringUpRecorded(rig);
    expect(statusWrites(log)).toEqual([0, Status.acknowledge, 0x03, 0x0b, 0x0f]);
    expect(rig.dev.deviceStatus).toBe(0x0f);
  });

  it('D3 §3.1.1: re-reads FEATURES_OK and aborts with FAILED when the device refused the subset', () => {
    const rig = makeRig();
    (rig.logic as unknown as { acceptsFeatures: () => boolean }).acceptsFeatures = () => false;
    const { guest } = recordingGuest(rig);
    const t = VirtioPciTransport.probe(guest, 4);
    expect(() =>
      t.negotiate({ deviceType: 4, driverFeatures: 0n, eventIdx: true, indirect: true, interrupts: 'msix' }),
    ).toThrow(VirtioInitError);
    expect(rig.dev.deviceStatus & Status.failed).toBe(Status.failed);
    expect(rig.dev.deviceStatus & Status.featuresOk).toBe(0);
  });

  it('D4 §2.2.1, §6.1: accepts only offered features and always VERSION_1', () => {
    const rig = makeRig();
    const { t } = bringUpRecorded(rig);
    rig.w(CommonCfg.deviceFeatureSelect, 4, 0);
    const lo = BigInt(rig.r(CommonCfg.deviceFeature, 4));
    rig.w(CommonCfg.deviceFeatureSelect, 4, 1);
    const offered = (BigInt(rig.r(CommonCfg.deviceFeature, 4)) << 32n) | lo;
    expect(t.features & ~offered).toBe(0n);
    expect(t.features & (1n << 32n)).toBe(1n << 32n);
  });

  it('D5 §3.1.1: no feature writes after FEATURES_OK; no device-config writes before it', () => {
    const rig = makeRig();
    const { log } = bringUpRecorded(rig);
    const featuresOk = log.findIndex((a) => a.kind === 'w' && a.off === CommonCfg.deviceStatus && a.value === 0x0b);
    expect(featuresOk).toBeGreaterThan(0);
    expect(log.slice(featuresOk).some((a) => a.kind === 'w' && a.off === CommonCfg.driverFeature)).toBe(false);
    expect(log.slice(0, featuresOk).some((a) => a.kind === 'w' && a.off >= 0x2000 && a.off < 0x3000)).toBe(false);
  });

  it('D6 §4.1.4.3.2: queue_size is a power of two ≤ the maximum and queue_enable=1 is written last for each queue', () => {
    const rig = makeRig({ queues: [256, 0, 64] });
    const { log, rings } = bringUpRecorded(rig);
    expect(rings.map((r) => r?.size)).toEqual([64, 64]); // 1024 requested, device max 64
    for (const q of [0, 2]) {
      const sel = log.findIndex((a) => a.kind === 'w' && a.off === CommonCfg.queueSelect && a.value === q);
      const enable = indexOfWrite(log, CommonCfg.queueEnable, sel);
      const next = log.findIndex((a, i) => i > sel && a.kind === 'w' && a.off === CommonCfg.queueSelect);
      const queueWrites = log
        .slice(sel + 1, next < 0 ? undefined : next)
        .filter((a) => a.kind === 'w' && a.off >= CommonCfg.queueSize && a.off < 0x1000);
      expect(queueWrites[queueWrites.length - 1]).toMatchObject({ off: CommonCfg.queueEnable, value: 1 });
      expect(log[enable]?.value).toBe(1);
    }
    expect(log.some((a) => a.kind === 'w' && a.off === CommonCfg.queueEnable && a.value === 0)).toBe(false);
  });

  it('D7 §2.7.1: descriptor table, driver and device areas are 16-, 2- and 4-byte aligned', () => {
    const rig = makeRig();
    bringUpRecorded(rig);
    rig.w(CommonCfg.queueSelect, 2, 0);
    expect(rig.r(CommonCfg.queueDescLo, 4) % 16).toBe(0);
    expect(rig.r(CommonCfg.queueDriverLo, 4) % 2).toBe(0);
    expect(rig.r(CommonCfg.queueDeviceLo, 4) % 4).toBe(0);
  });

  it('D8 §2.1.1: no notification before DRIVER_OK', () => {
    const rig = makeRig();
    const { log } = bringUpRecorded(rig);
    const driverOk = log.findIndex((a) => a.kind === 'w' && a.off === CommonCfg.deviceStatus && a.value === 0x0f);
    const firstNotify = log.findIndex((a) => a.kind === 'w' && a.off >= 0x3000);
    expect(firstNotify).toBeGreaterThan(driverOk);
    expect(log[firstNotify]).toMatchObject({ size: 2, value: 0 });
  });

  it('D18 §4.1.5.1.2: reads back every MSI-X vector it programs', () => {
    const rig = makeRig();
    const { log } = bringUpRecorded(rig);
    for (const off of [CommonCfg.configMsixVector, CommonCfg.queueMsixVector]) {
      const writes = log.map((a, i) => [a, i] as const).filter(([a]) => a.kind === 'w' && a.off === off);
      expect(writes.length).toBeGreaterThan(0);
      for (const [, i] of writes) expect(log[i + 1]).toMatchObject({ kind: 'r', off });
    }
  });

  it('D20 §4.1.3.1: every common_cfg access is naturally sized and aligned; 64-bit fields as lo then hi', () => {
    const rig = makeRig();
    const { log } = bringUpRecorded(rig);
    const common = log.filter((a) => a.off < 0x1000);
    for (const a of common) expect(a.off % a.size).toBe(0);
    const sizes: Record<number, number> = { 20: 1, 21: 1, 16: 2, 18: 2, 22: 2, 24: 2, 26: 2, 28: 2, 30: 2 };
    for (const a of common) expect(a.size).toBe(sizes[a.off] ?? 4);
    for (const lo of [CommonCfg.queueDescLo, CommonCfg.queueDriverLo, CommonCfg.queueDeviceLo]) {
      const i = indexOfWrite(log, lo);
      expect(log[i + 1]).toMatchObject({ kind: 'w', off: lo + 4 });
    }
  });

  it('D17 §2.5.1: multi-field config reads retry while config_generation changes', () => {
    const rig = makeRig();
    const { t } = bringUpRecorded(rig);
    let passes = 0;
    const value = t.readConfig((_r8, _r16, r32) => {
      passes++;
      const v = r32(0);
      if (passes === 1) rig.logic.active?.configChanged(); // the device changes config mid-read
      return v;
    });
    expect(passes).toBe(2);
    expect(value).toBe(0);
  });
});
