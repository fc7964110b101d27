/**
 * Number formatting shared by tables, charts and markdown. Tables show four significant
 * digits with thousands separators (the raw value stays in `data-value` for copying);
 * chart axes are scaled to a readable unit so no formatter callback has to cross into the page.
 */

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** `125516.7` → `125,517`; `0.0312` → `0.0312`; four significant digits, never exponent form below 1e15. */
export function formatNumber(value: number, significant = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, significant - 1 - magnitude);
  const rounded = Number(value.toFixed(Math.min(decimals, 12)));
  if (decimals === 0) return GROUPED.format(Math.round(rounded));
  return rounded.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: Math.min(decimals, 12) });
}

export interface UnitScale {
  readonly divisor: number;
  readonly unit: string;
}

export type Quantity = 'ns' | 'ops/s' | 'bytes/s' | 'bytes' | 'events' | 'ratio';

const STEPS: Readonly<Record<Quantity, readonly (readonly [number, string])[]>> = {
  ns: [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'µs'],
    [1, 'ns'],
  ],
  'ops/s': [
    [1e6, 'M ops/s'],
    [1e3, 'k ops/s'],
    [1, 'ops/s'],
  ],
  'bytes/s': [
    [1e9, 'GB/s'],
    [1e6, 'MB/s'],
    [1e3, 'kB/s'],
    [1, 'B/s'],
  ],
  bytes: [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
    [1, 'B'],
  ],
  events: [[1, 'events']],
  ratio: [[1, '']],
};

/** The unit that keeps `max` between 1 and 1000 (decimal prefixes, as fio's bw_bytes and netperf use). */
export function unitScale(quantity: Quantity, max: number): UnitScale {
  const steps = STEPS[quantity];
  for (const [divisor, unit] of steps) {
    if (Math.abs(max) >= divisor) return { divisor, unit };
  }
  const last = steps[steps.length - 1] as readonly [number, string];
  return { divisor: last[0], unit: last[1] };
}

/** A value with its own best unit: `7.967 µs`, `125.5 k ops/s`, `514.1 MB/s`. */
export function formatQuantity(value: number, quantity: Quantity): string {
  const { divisor, unit } = unitScale(quantity, value);
  const text = formatNumber(value / divisor);
  return unit === '' ? text : `${text} ${unit}`;
}

/** `+12.3%`, `−4.0%`, `0%`; null when the change is undefined (base 0). */
export function formatChange(change: number | null): string {
  if (change === null) return 'n/a';
  if (change === 0) return '0%';
  const pct = change * 100;
  const size = Math.abs(pct);
  // Decimals by the rounded size, so −9.9999…% prints as −10.0%, not −10.00%.
  const text = size.toFixed(size >= 99.95 ? 0 : size >= 9.995 ? 1 : 2);
  return pct > 0 ? `+${text}%` : `−${text}%`;
}
