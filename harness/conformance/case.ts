/**
 * A conformance case (DESIGN §9): library code carrying its spec reference, run by vitest
 * and by `ringside conformance` alike. `run` throws (usually a ConformanceFailure) when the
 * implementation breaks the rule; returning normally is a pass.
 */

export type RequirementLevel = 'MUST' | 'SHOULD';

export interface SpecRef {
  /** The document, e.g. `virtio 1.2` or `specs/virtio.md`. */
  readonly doc: string;
  /** Section (and checklist item), e.g. `§4.1.4` or `§10 H3`. */
  readonly section: string;
  readonly level: RequirementLevel;
  /** The rule in one line, in our words. */
  readonly paraphrase: string;
}

export interface ConformanceContext {
  /** The model id the case runs against. */
  readonly model: string;
}

export interface ConformanceCase {
  /** Stable, unique id: `<area>.<item>` such as `virtio-pci.V13`. */
  readonly id: string;
  readonly title: string;
  readonly ref: SpecRef;
  /** Model ids the case applies to; any other model is not-applicable. */
  readonly models: readonly string[] | 'all';
  run(ctx: ConformanceContext): void | Promise<void>;
}

export function appliesTo(c: ConformanceCase, model: string): boolean {
  return c.models === 'all' || c.models.includes(model);
}

/** The name a test runner shows: id, spec section, title. */
export function caseLabel(c: ConformanceCase): string {
  return `${c.id} ${c.ref.doc} ${c.ref.section}: ${c.title}`;
}
