/**
 * virtio-pci driver-side conformance of our guest transport (specs/virtio.md §9 D-items),
 * checked by recording every register access the driver makes against our strict device.
 */
import type { AccessSize, GuestIo } from '../../../../models/platform/bus.js';
import type { GuestPlatform } from '../../../../models/platform/machine.js';
import { CommonCfg, DeviceStatus } from '../../../../models/virtio/layout.js';
import { VirtioInitError, VirtioPciTransport } from '../../../../models/virtio/pci/driver.js';
import { ensure, expectAbove, expectDeepEqual, expectEqual, expectFields, expectThrows } from '../../assert.js';
import type { ConformanceCase, SpecRef } from '../../case.js';
import { makeRig, type Rig } from '../../support/virtio-rig.js';

interface Access {
  readonly kind: 'r' | 'w';
  readonly off: number;
  readonly size: AccessSize;
  readonly value: number;
}

/** BAR4 layout as QEMU 7.2: COMMON @0, DEVICE @0x2000, NOTIFY @0x3000, 16 KiB in all. */
const DEVICE_CFG = 0x2000;
const NOTIFY = 0x3000;
const BAR4_BYTES = 0x4000;

/** Wrap the guest's I/O so accesses inside BAR4 are logged relative to it. */
function recordingGuest(rig: Rig): { guest: GuestPlatform; log: Access[] } {
  const log: Access[] = [];
  const io = rig.m.guest.io;
  const inBar = (addr: number): boolean => addr >= rig.regs && addr < rig.regs + BAR4_BYTES;
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

/** Bring the transport up (MSI-X, queues 0 and 2) and kick queue 0; returns the accesses after probing. */
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

const statusWrites = (log: readonly Access[]): number[] =>
  log.filter((a) => a.kind === 'w' && a.off === CommonCfg.device_status).map((a) => a.value);
const indexOfWrite = (log: readonly Access[], off: number, from = 0): number =>
  log.findIndex((a, i) => i >= from && a.kind === 'w' && a.off === off);

const virtio = (section: string, paraphrase: string): SpecRef => ({
  doc: 'virtio 1.2',
  section,
  level: 'MUST',
  paraphrase,
});

function driverCase(id: string, title: string, ref: SpecRef, run: () => void): ConformanceCase {
  return { id: `virtio-pci-driver.${id}`, title, ref, models: ['virtio'], run };
}

export const VIRTIO_PCI_DRIVER_CASES: readonly ConformanceCase[] = [
  driverCase(
    'D1',
    'writes 0 first and reads status back as 0 before setting any bit',
    virtio('§4.1.4.3.2', 'the driver resets the device and waits for status 0 before initialising'),
    () => {
      const { log } = bringUpRecorded(makeRig());
      expectFields(log[0], { kind: 'w', off: CommonCfg.device_status, value: 0 }, 'first access');
      expectFields(log[1], { kind: 'r', off: CommonCfg.device_status, value: 0 }, 'second access');
    },
  ),

  driverCase(
    'D2',
    'status bits are set in order ACK → DRIVER → FEATURES_OK → DRIVER_OK and never cleared',
    virtio('§3.1.1, §2.1.1', 'status bits are set in the initialisation order and never cleared except by reset'),
    () => {
      const rig = makeRig();
      const { log } = bringUpRecorded(rig);
      expectDeepEqual(statusWrites(log), [0, DeviceStatus.ACKNOWLEDGE, 0x03, 0x0b, 0x0f], 'device_status writes');
      expectEqual(rig.dev.deviceStatus, 0x0f, 'final device_status');
    },
  ),

  driverCase(
    'D3',
    're-reads FEATURES_OK and aborts with FAILED when the device refused the subset',
    virtio('§3.1.1', 'the driver re-reads FEATURES_OK and gives up if the device cleared it'),
    () => {
      const rig = makeRig();
      (rig.logic as unknown as { acceptsFeatures: () => boolean }).acceptsFeatures = () => false;
      const { guest } = recordingGuest(rig);
      const t = VirtioPciTransport.probe(guest, 4);
      expectThrows(
        () => t.negotiate({ deviceType: 4, driverFeatures: 0n, eventIdx: true, indirect: true, interrupts: 'msix' }),
        VirtioInitError,
        'negotiate against a refusing device',
      );
      expectEqual(rig.dev.deviceStatus & DeviceStatus.FAILED, DeviceStatus.FAILED, 'FAILED bit');
      expectEqual(rig.dev.deviceStatus & DeviceStatus.FEATURES_OK, 0, 'FEATURES_OK bit');
    },
  ),

  driverCase(
    'D4',
    'accepts only offered features and always VERSION_1',
    virtio('§2.2.1, §6.1', 'the driver accepts only offered features and takes VERSION_1'),
    () => {
      const rig = makeRig();
      const { t } = bringUpRecorded(rig);
      rig.w(CommonCfg.device_feature_select, 4, 0);
      const lo = BigInt(rig.r(CommonCfg.device_feature, 4));
      rig.w(CommonCfg.device_feature_select, 4, 1);
      const offered = (BigInt(rig.r(CommonCfg.device_feature, 4)) << 32n) | lo;
      expectEqual(t.features & ~offered, 0n, 'accepted features not offered');
      expectEqual(t.features & (1n << 32n), 1n << 32n, 'VERSION_1 accepted');
    },
  ),

  driverCase(
    'D5',
    'no feature writes after FEATURES_OK; no device-config writes before it',
    virtio('§3.1.1', 'features do not change after FEATURES_OK and config is not written before it'),
    () => {
      const { log } = bringUpRecorded(makeRig());
      const featuresOk = log.findIndex((a) => a.kind === 'w' && a.off === CommonCfg.device_status && a.value === 0x0b);
      expectAbove(featuresOk, 0, 'index of the FEATURES_OK write');
      expectEqual(
        log.slice(featuresOk).some((a) => a.kind === 'w' && a.off === CommonCfg.driver_feature),
        false,
        'driver_feature written after FEATURES_OK',
      );
      expectEqual(
        log.slice(0, featuresOk).some((a) => a.kind === 'w' && a.off >= DEVICE_CFG && a.off < NOTIFY),
        false,
        'device config written before FEATURES_OK',
      );
    },
  ),

  driverCase(
    'D6',
    'queue_size is a power of two ≤ the maximum and queue_enable=1 is written last for each queue',
    virtio('§4.1.4.3.2', 'queue_size is a power of two within the maximum; queue_enable = 1 comes last, never 0'),
    () => {
      const { log, rings } = bringUpRecorded(makeRig({ queues: [256, 0, 64] }));
      expectDeepEqual(
        rings.map((r) => r?.size),
        [64, 64],
        'ring sizes (1024 requested, device max 64)',
      );
      for (const q of [0, 2]) {
        const sel = log.findIndex((a) => a.kind === 'w' && a.off === CommonCfg.queue_select && a.value === q);
        const enable = indexOfWrite(log, CommonCfg.queue_enable, sel);
        const next = log.findIndex((a, i) => i > sel && a.kind === 'w' && a.off === CommonCfg.queue_select);
        const queueWrites = log
          .slice(sel + 1, next < 0 ? undefined : next)
          .filter((a) => a.kind === 'w' && a.off >= CommonCfg.queue_size && a.off < 0x1000);
        expectFields(
          queueWrites[queueWrites.length - 1],
          { off: CommonCfg.queue_enable, value: 1 },
          `last queue register write of queue ${q}`,
        );
        expectEqual(log[enable]?.value, 1, `queue_enable value of queue ${q}`);
      }
      expectEqual(
        log.some((a) => a.kind === 'w' && a.off === CommonCfg.queue_enable && a.value === 0),
        false,
        'queue_enable = 0 written',
      );
    },
  ),

  driverCase(
    'D7',
    'descriptor table, driver and device areas are 16-, 2- and 4-byte aligned',
    virtio('§2.7.1', 'split ring areas are aligned 16 / 2 / 4'),
    () => {
      const rig = makeRig();
      bringUpRecorded(rig);
      rig.w(CommonCfg.queue_select, 2, 0);
      expectEqual(rig.r(CommonCfg.queue_desc, 4) % 16, 0, 'descriptor table address mod 16');
      expectEqual(rig.r(CommonCfg.queue_driver, 4) % 2, 0, 'driver area address mod 2');
      expectEqual(rig.r(CommonCfg.queue_device, 4) % 4, 0, 'device area address mod 4');
    },
  ),

  driverCase(
    'D8',
    'no notification before DRIVER_OK',
    virtio('§2.1.1', 'the driver does not notify before DRIVER_OK'),
    () => {
      const { log } = bringUpRecorded(makeRig());
      const driverOk = log.findIndex((a) => a.kind === 'w' && a.off === CommonCfg.device_status && a.value === 0x0f);
      const firstNotify = log.findIndex((a) => a.kind === 'w' && a.off >= NOTIFY);
      expectAbove(firstNotify, driverOk, 'index of the first notify write (vs DRIVER_OK)');
      expectFields(log[firstNotify], { size: 2, value: 0 }, 'first notify write');
    },
  ),

  driverCase(
    'D18',
    'reads back every MSI-X vector it programs',
    virtio('§4.1.5.1.2', 'the driver reads back each MSI-X vector it writes to see whether it was accepted'),
    () => {
      const { log } = bringUpRecorded(makeRig());
      for (const off of [CommonCfg.config_msix_vector, CommonCfg.queue_msix_vector]) {
        const writes = log.map((a, i) => [a, i] as const).filter(([a]) => a.kind === 'w' && a.off === off);
        expectAbove(writes.length, 0, `writes to offset ${off}`);
        for (const [, i] of writes) expectFields(log[i + 1], { kind: 'r', off }, `access after the write at ${i}`);
      }
    },
  ),

  driverCase(
    'D20',
    'every common_cfg access is naturally sized and aligned; 64-bit fields as lo then hi',
    virtio('§4.1.3.1', 'common_cfg is accessed with the field width, aligned; 64-bit fields low half first'),
    () => {
      const { log } = bringUpRecorded(makeRig());
      const common = log.filter((a) => a.off < 0x1000);
      // Widths of the 1- and 2-byte fields of struct virtio_pci_common_cfg; all others are 4 bytes.
      const sizes: Record<number, number> = { 20: 1, 21: 1, 16: 2, 18: 2, 22: 2, 24: 2, 26: 2, 28: 2, 30: 2 };
      for (const a of common) {
        expectEqual(a.off % a.size, 0, `alignment of the access at ${a.off}`);
        expectEqual(a.size, sizes[a.off] ?? 4, `width of the access at ${a.off}`);
      }
      for (const lo of [CommonCfg.queue_desc, CommonCfg.queue_driver, CommonCfg.queue_device]) {
        const i = indexOfWrite(log, lo);
        expectFields(log[i + 1], { kind: 'w', off: lo + 4 }, `write after the low half at ${lo}`);
      }
    },
  ),

  driverCase(
    'D17',
    'multi-field config reads retry while config_generation changes',
    virtio('§2.5.1', 'the driver re-reads config until config_generation is stable'),
    () => {
      const rig = makeRig();
      const { t } = bringUpRecorded(rig);
      let passes = 0;
      const value = t.readConfig((_r8, _r16, r32) => {
        passes++;
        const v = r32(0);
        if (passes === 1) {
          const active = rig.logic.active;
          ensure(active !== undefined, 'the device is active');
          active.configChanged(); // the device changes config mid-read
        }
        return v;
      });
      expectEqual(passes, 2, 'read passes');
      expectEqual(value, 0, 'value read');
    },
  ),
];
