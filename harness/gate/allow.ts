/**
 * The allow-list (measurement.md §4.2 step 6): an entry excuses a known regression of one
 * cell × metric, with a reason, an owner and an expiry date. An entry past its expiry fails
 * the gate itself and excuses nothing, so exceptions cannot outlive their review.
 */
import type { AllowEntry } from './config.js';

/** `*` matches any run of characters; everything else literally. */
function globPattern(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export interface AllowList {
  /** The first live entry covering this cell × metric, if any. */
  match(cell: string, metric: string): AllowEntry | undefined;
  /** Entries whose expiry date is before `today`. */
  readonly expired: readonly AllowEntry[];
  /** Live entries that matched nothing so far. */
  unused(): AllowEntry[];
}

/** `today` as YYYY-MM-DD (UTC); an entry holds through its `expires` day. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function allowList(entries: readonly AllowEntry[], now: Date): AllowList {
  const today = utcDay(now);
  const expired = entries.filter((e) => e.expires < today);
  const live = entries
    .filter((e) => e.expires >= today)
    .map((entry) => ({ entry, cell: globPattern(entry.cell), metric: globPattern(entry.metric), used: false }));
  return {
    expired,
    match(cell, metric) {
      const hit = live.find((l) => l.cell.test(cell) && l.metric.test(metric));
      if (hit === undefined) return undefined;
      hit.used = true;
      return hit.entry;
    },
    unused: () => live.filter((l) => !l.used).map((l) => l.entry),
  };
}
