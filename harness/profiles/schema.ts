/**
 * Cost profile file format `ringside.cost-profile/1` (specs/measurement.md §9.1, with the
 * event names of the platform Meter taxonomy instead of the fact sheet's dotted names).
 *
 * Every MeterEvent must be priced (0 is allowed, with a note saying why), each price names
 * its evidence and its sources, and evidence `M` (recollection) is never accepted.
 */
import { z } from 'zod';
import { MeterEvent } from '../../models/platform/meter.js';

export const PROFILE_SCHEMA = 'ringside.cost-profile/1';

export type MeterEventName = keyof typeof MeterEvent;
export type PricingUnit = 'event' | 'byte' | 'element';

/** What the `units` argument of `Pricer.charge` counts for each event (models/platform/meter.ts). */
export const EVENT_UNIT = {
  exitUser: 'event',
  exitKernel: 'event',
  stringElement: 'element',
  hypercall: 'event',
  notify: 'event',
  notifySuppressed: 'event',
  interrupt: 'event',
  interruptSuppressed: 'event',
  eoi: 'event',
  copy: 'byte',
  zeroCopy: 'byte',
  grantMap: 'event',
  grantUnmap: 'event',
  tlbFlush: 'event',
  grantCopy: 'event',
  wakeup: 'event',
  backendService: 'event',
} as const satisfies Record<MeterEventName, PricingUnit>;

export const METER_EVENT_NAMES = Object.keys(MeterEvent) as MeterEventName[];

/** measurement.md §9.1: V verified primary, S secondary citing tables, E estimate/derived. */
const evidence = z.enum(['V', 'S', 'E'], {
  error: (issue) =>
    issue.input === 'M'
      ? 'evidence "M" (recollection) is never allowed in a profile; use V, S or E'
      : 'expected evidence V, S or E',
});
export type Evidence = z.infer<typeof evidence>;

const finiteNonNegative = z.number().finite().nonnegative();

function eventPrice(event: MeterEventName) {
  const unit = EVENT_UNIT[event];
  return z.strictObject(
    {
      cycles: finiteNonNegative,
      per: z.literal(unit, { error: `must be "${unit}": the Meter charges ${event} per ${unit}` }),
      range: z.tuple([finiteNonNegative, finiteNonNegative]).optional(),
      evidence,
      sources: z.array(z.string().min(1)).min(1, 'at least one source id is required'),
      note: z.string().optional(),
    },
    {
      error: (issue) =>
        issue.input === undefined ? 'missing: every MeterEvent must be priced (0 with a note is allowed)' : undefined,
    },
  );
}
export type EventPrice = z.infer<ReturnType<typeof eventPrice>>;

const eventsShape = Object.fromEntries(METER_EVENT_NAMES.map((name) => [name, eventPrice(name)])) as {
  [K in MeterEventName]: ReturnType<typeof eventPrice>;
};

const source = z.strictObject({ cite: z.string().min(1), evidence });

export const costProfileSchema = z
  .strictObject({
    schema: z.literal(PROFILE_SCHEMA, { error: `expected "${PROFILE_SCHEMA}"` }),
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'expected a lower-case id such as "modern-2020s"'),
    description: z.string().min(1),
    clock_ghz: z.number().finite().positive(),
    unit: z.literal('cycles'),
    events: z.strictObject(eventsShape, {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown event ${issue.keys.map((k) => `"${k}"`).join(', ')} (not in the Meter taxonomy)`
          : undefined,
    }),
    sources: z.record(z.string().min(1), source),
  })
  .superRefine((profile, ctx) => {
    for (const name of METER_EVENT_NAMES) {
      const price = profile.events[name];
      if (price.range !== undefined && price.range[0] > price.range[1]) {
        ctx.addIssue({ code: 'custom', path: ['events', name, 'range'], message: 'range low exceeds high' });
      }
      price.sources.forEach((id, i) => {
        if (profile.sources[id] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['events', name, 'sources', i],
            message: `unknown source "${id}" (not listed under sources)`,
          });
        }
      });
    }
  });

export type CostProfile = z.infer<typeof costProfileSchema>;
