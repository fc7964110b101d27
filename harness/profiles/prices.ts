/**
 * A profile as a price table for the sim engine: picoseconds per unit, indexed by MeterEvent id.
 *
 * Per-event and per-element prices are rounded to whole picoseconds once, here; per-byte
 * prices stay exact fractions and a charge of n bytes is `Math.round(n × psPerByte)`. Every
 * charge is therefore an integer number of picoseconds and virtual time sums exactly, so
 * results are bit-identical run to run (measurement.md §4.2: 2^53 ps ≈ 2.5 h).
 */
import { METER_EVENT_COUNT, MeterEvent, type MeterEventId } from '../../models/platform/meter.js';
import { type CostProfile, METER_EVENT_NAMES } from './schema.js';

export function priceTable(profile: CostProfile): Float64Array {
  const table = new Float64Array(METER_EVENT_COUNT);
  for (const name of METER_EVENT_NAMES) {
    const price = profile.events[name];
    // ns = cycles / GHz (measurement.md §9.1), so ps = cycles / GHz × 1000.
    const ps = (price.cycles / profile.clock_ghz) * 1000;
    table[MeterEvent[name]] = price.per === 'byte' ? ps : Math.round(ps);
  }
  return table;
}

/** The charge, in integer picoseconds, for `units` of `event` under `table`. */
export function chargePs(table: Float64Array, event: MeterEventId, units: number): number {
  return Math.round(units * (table[event] as number));
}
