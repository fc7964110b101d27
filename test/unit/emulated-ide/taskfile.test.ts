/**
 * Taskfile arithmetic and IDENTIFY helpers (models/emulated/ide/taskfile.ts, identify.ts) against
 * QEMU hw/ide/core.c ide_get_sector/ide_set_sector, ide_cmd_lba48_transform and
 * hw/block/hd-geometry.c guess_chs_for_size: exact 48-bit values, CHS round trips, count 0.
 */
import { describe, expect, it } from 'vitest';
import {
  buildIdentify,
  guessGeometry,
  identifyCapacity,
  putAtaString,
  UnitRegisters,
} from '../../../models/emulated/ide/index.js';

const GEOMETRY = { cylinders: 100, heads: 16, sectors: 63 };

describe('UnitRegisters addressing', () => {
  it('LBA48 set/get round-trips values that need all 48 bits', () => {
    const r = new UnitRegisters();
    r.select = 0xe0;
    r.lba48 = true;
    for (const n of [0, 1, 0xffffffff, 2 ** 32, 2 ** 40 + 0x123456, 2 ** 48 - 1]) {
      r.setSector(n, GEOMETRY);
      expect(r.getSector(GEOMETRY)).toBe(n);
      for (const v of [r.sector, r.lcyl, r.hcyl, r.hobSector, r.hobLcyl, r.hobHcyl]) {
        expect(v >= 0 && v <= 0xff).toBe(true);
      }
    }
  });

  it('LBA28 keeps bits 27:24 in the device register and leaves the other bits alone', () => {
    const r = new UnitRegisters();
    r.select = 0xe0;
    r.setSector(0x0abcdef1, GEOMETRY);
    expect([r.select, r.hcyl, r.lcyl, r.sector]).toEqual([0xea, 0xbc, 0xde, 0xf1]);
    expect(r.getSector(GEOMETRY)).toBe(0x0abcdef1);
  });

  it('CHS round-trips and uses 1-based sector numbers; sector 0 and a 0-sector geometry are out of range', () => {
    const r = new UnitRegisters();
    r.select = 0xa0;
    for (const n of [0, 62, 63, 1007, 1008, 99 * 1008 + 17]) {
      r.setSector(n, GEOMETRY);
      expect(r.getSector(GEOMETRY)).toBe(n);
    }
    r.sector = 0;
    r.hcyl = 0;
    r.lcyl = 0;
    r.select = 0xa0;
    expect(r.getSector(GEOMETRY)).toBe(-1);
    r.sector = 1;
    expect(r.getSector({ cylinders: 100, heads: 1, sectors: 0 })).toBe(-1);
  });

  it('count 0 is 256 (LBA28) or 65,536 (LBA48, both bytes 0); LBA48 joins the HOB byte', () => {
    const r = new UnitRegisters();
    r.nsector = 0;
    r.lba48Transform(false);
    expect(r.nsector).toBe(256);
    r.nsector = 0;
    r.hobNsector = 0;
    r.lba48Transform(true);
    expect(r.nsector).toBe(65536);
    r.nsector = 0x34;
    r.hobNsector = 0x12;
    r.lba48Transform(true);
    expect(r.nsector).toBe(0x1234);
  });
});

describe('IDENTIFY helpers', () => {
  it('strings put the first character in the high byte and pad with spaces', () => {
    const w = new Uint16Array(8);
    putAtaString(w, 0, 'ABC', 8);
    expect(Array.from(w.subarray(0, 4))).toEqual([0x4142, 0x4320, 0x2020, 0x2020]);
  });

  it('geometry: 16 heads, 63 sectors, cylinders = size / 1008 clamped to 2…16383', () => {
    expect(guessGeometry(2048)).toEqual({ cylinders: 2, heads: 16, sectors: 63 });
    expect(guessGeometry(100)).toEqual({ cylinders: 2, heads: 16, sectors: 63 });
    expect(guessGeometry(262144)).toEqual({ cylinders: 260, heads: 16, sectors: 63 });
    expect(guessGeometry(2 ** 40)).toEqual({ cylinders: 16383, heads: 16, sectors: 63 });
  });

  it('capacity words: LBA48 exact up to 2^48, LBA28 saturated; identifyCapacity reads them back', () => {
    const w = new Uint16Array(256);
    for (const cap of [2048, 2 ** 28 - 1, 2 ** 28, 2 ** 44 + 12345]) {
      buildIdentify(w, cap, guessGeometry(cap), 'X', 16, true);
      expect(identifyCapacity(w)).toBe(cap);
      expect((w[61] as number) * 65536 + (w[60] as number)).toBe(Math.min(cap, 2 ** 28 - 1));
    }
  });
});
