/**
 * The conformance cases' own assertions: they run under vitest and under `ringside
 * conformance` alike, so they cannot use vitest's `expect`. A failed check throws a
 * `ConformanceFailure` whose one-line message says what was checked, expected and found.
 */
import { inspect, isDeepStrictEqual } from 'node:util';

export class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceFailure';
  }
}

function show(value: unknown): string {
  return inspect(value, { breakLength: Number.POSITIVE_INFINITY, depth: 4, maxArrayLength: 20 });
}

export function ensure(condition: boolean, what: string): asserts condition {
  if (!condition) throw new ConformanceFailure(what);
}

/** `actual` is `expected` (Object.is: NaN equals NaN, +0 differs from −0). */
export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) {
    throw new ConformanceFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Structural equality (arrays, plain objects, typed arrays, bigints…). */
export function expectDeepEqual(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new ConformanceFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Each field of `expected` is deep-equal to the same field of `actual`; other fields are not looked at. */
export function expectFields(actual: unknown, expected: Readonly<Record<string, unknown>>, what: string): void {
  if (typeof actual !== 'object' || actual === null) {
    throw new ConformanceFailure(`${what}: expected an object with ${show(expected)}, got ${show(actual)}`);
  }
  const record = actual as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected)) {
    if (!isDeepStrictEqual(record[key], value)) {
      throw new ConformanceFailure(`${what}: expected ${key} = ${show(value)} in ${show(actual)}`);
    }
  }
}

export function expectAtMost(actual: number, bound: number, what: string): void {
  if (!(actual <= bound)) throw new ConformanceFailure(`${what}: expected ≤ ${bound}, got ${actual}`);
}

export function expectAbove(actual: number, bound: number, what: string): void {
  if (!(actual > bound)) throw new ConformanceFailure(`${what}: expected > ${bound}, got ${actual}`);
}

export function expectMatch(text: string, pattern: RegExp, what: string): void {
  if (!pattern.test(text)) throw new ConformanceFailure(`${what}: expected to match ${pattern}, got ${show(text)}`);
}

/** `fn` throws an instance of `type`; returns the error for further checks. */
export function expectThrows<E extends Error>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
  what: string,
): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw new ConformanceFailure(`${what}: expected ${type.name}, got ${show(error)}`);
  }
  throw new ConformanceFailure(`${what}: expected ${type.name} to be thrown, nothing was`);
}
