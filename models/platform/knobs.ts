/**
 * Benchmark knobs (DESIGN §6). Each model declares how it maps them and reports a knob
 * it cannot honour as unsupported — never silently approximated.
 */
export type Coalesce =
  | { readonly kind: 'none' }
  | { readonly kind: 'event-idx' }
  | { readonly kind: 'count'; readonly n: number }
  | { readonly kind: 'time'; readonly us: number };

export type CopyMode = 'copy' | 'zerocopy';

export interface Knobs {
  readonly coalesce: Coalesce;
  /** Requests the workload keeps in flight. */
  readonly iodepth: number;
  readonly copy: CopyMode;
}

export const DEFAULT_KNOBS: Knobs = { coalesce: { kind: 'none' }, iodepth: 1, copy: 'zerocopy' };

export class KnobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KnobError';
  }
}

/** `none | event-idx | count:N | time:US` */
export function parseCoalesce(text: string): Coalesce {
  const t = text.trim();
  if (t === 'none') return { kind: 'none' };
  if (t === 'event-idx') return { kind: 'event-idx' };
  const m = /^(count|time):(\d+)$/.exec(t);
  if (m !== null) {
    const v = Number(m[2]);
    if (m[1] === 'count') {
      if (v < 1 || v > 65535) throw new KnobError(`coalesce count must be 1..65535, got ${v}`);
      return { kind: 'count', n: v };
    }
    if (v < 1 || v > 1_000_000) throw new KnobError(`coalesce time must be 1..1000000 µs, got ${v}`);
    return { kind: 'time', us: v };
  }
  throw new KnobError(`invalid coalesce "${text}": expected none, event-idx, count:N or time:US`);
}

export function formatCoalesce(c: Coalesce): string {
  switch (c.kind) {
    case 'none':
    case 'event-idx':
      return c.kind;
    case 'count':
      return `count:${c.n}`;
    case 'time':
      return `time:${c.us}`;
  }
}

export function parseCopyMode(text: string): CopyMode {
  if (text === 'copy' || text === 'zerocopy') return text;
  throw new KnobError(`invalid copy mode "${text}": expected copy or zerocopy`);
}
