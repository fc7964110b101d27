/**
 * Flag value parsing for the CLI. Every problem is a `UsageError` with one line naming
 * the flag and what was expected (exit code 2, no stack trace).
 */
import { type Coalesce, type CopyMode, KnobError, parseCoalesce, parseCopyMode } from '../../models/platform/knobs.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** fio-style binary suffixes: 4k = 4096, 1m = 1 MiB, 1g = 1 GiB. */
const SIZE_SUFFIX = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/** A non-negative integer, optionally with a k / m / g suffix (binary). */
export function parseSize(flag: string, text: string): number {
  const m = /^(\d+)([kmg]?)(i?b)?$/i.exec(text.trim());
  if (m === null) throw new UsageError(`--${flag} ${text}: expected a whole number, optionally with k, m or g`);
  const unit = SIZE_SUFFIX[(m[2] ?? '').toLowerCase() as keyof typeof SIZE_SUFFIX];
  const value = Number(m[1]) * unit;
  if (!Number.isSafeInteger(value)) throw new UsageError(`--${flag} ${text}: too large`);
  return value;
}

/** A whole number within [min, max]. */
export function parseWhole(flag: string, text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new UsageError(`--${flag} ${text}: expected a whole number`);
  const value = Number(t);
  if (value < min || value > max) throw new UsageError(`--${flag} ${text}: expected ${min}..${max}`);
  return value;
}

/** Comma-separated values of a flag that may be repeated: `--iodepth 1,8 --iodepth 32` → [1, 8, 32]. */
export function splitList(flag: string, raw: unknown): string[] {
  const items = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(','));
  const out = items.map((s) => s.trim());
  if (out.some((s) => s === '')) throw new UsageError(`--${flag}: empty value in list`);
  return out;
}

/** `key=value` pairs of a repeatable flag, later pairs overriding earlier ones. */
export function parsePairs(flag: string, raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const text = String(item);
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} ${text}: expected key=value`);
    out[text.slice(0, eq).trim()] = text.slice(eq + 1).trim();
  }
  return out;
}

export function parseCoalesceFlag(text: string): Coalesce {
  try {
    return parseCoalesce(text);
  } catch (error) {
    if (error instanceof KnobError) throw new UsageError(`--coalesce: ${error.message}`);
    throw error;
  }
}

export function parseCopyFlag(text: string): CopyMode {
  try {
    return parseCopyMode(text);
  } catch (error) {
    if (error instanceof KnobError) throw new UsageError(`--copy: ${error.message}`);
    throw error;
  }
}

/** Decimal suffixes for counts and rates: 100k = 100 000, 2m = 2 000 000 (fio / netperf style). */
const COUNT_SUFFIX = { '': 1, k: 1e3, m: 1e6, g: 1e9 } as const;

/** A whole number, optionally with a decimal k / m / g suffix (rates and counts, not sizes). */
export function parseCount(flag: string, text: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(text.trim());
  if (m === null) throw new UsageError(`--${flag} ${text}: expected a whole number, optionally with k, m or g (×1000)`);
  const value = Number(m[1]) * COUNT_SUFFIX[(m[2] ?? '').toLowerCase() as keyof typeof COUNT_SUFFIX];
  if (!Number.isSafeInteger(value)) throw new UsageError(`--${flag} ${text}: too large`);
  return value;
}

const TIME_UNIT_NS = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 } as const;

/** A virtual-time span in ns: `250ns`, `500us`, `10ms`, `2s`; a bare number is ns. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s)?$/.exec(text.trim());
  if (m === null) throw new UsageError(`--${flag} ${text}: expected a time such as 500us, 10ms or 2s`);
  const value = Math.round(Number(m[1]) * TIME_UNIT_NS[(m[2] ?? 'ns') as keyof typeof TIME_UNIT_NS]);
  if (!Number.isSafeInteger(value)) throw new UsageError(`--${flag} ${text}: too large`);
  return value;
}

/** A workload parameter value read the way its unit is written: sizes binary, rates decimal, times with units. */
export function parseParamValue(flag: string, unit: string | undefined, text: string): number {
  switch (unit) {
    case 'bytes':
      return parseSize(flag, text);
    case 'ns':
      return parseDuration(flag, text);
    default:
      return parseCount(flag, text);
  }
}
