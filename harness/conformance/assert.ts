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

export function expectBelow(actual: number, bound: number, what: string): void {
  if (!(actual < bound)) throw new ConformanceFailure(`${what}: expected < ${bound}, got ${actual}`);
}

export function expectAtLeast(actual: number, bound: number, what: string): void {
  if (!(actual >= bound)) throw new ConformanceFailure(`${what}: expected ≥ ${bound}, got ${actual}`);
}

/** `text` is a string matching `pattern` (an absent text fails). */
export function expectMatch(text: unknown, pattern: RegExp, what: string): void {
  if (typeof text !== 'string' || !pattern.test(text)) {
    throw new ConformanceFailure(`${what}: expected to match ${pattern}, got ${show(text)}`);
  }
}

/** An array holds `item` (Object.is), or a string holds `item` as a substring. */
export function expectContains(haystack: readonly unknown[] | string, item: unknown, what: string): void {
  const found =
    typeof haystack === 'string'
      ? typeof item === 'string' && haystack.includes(item)
      : haystack.some((element) => Object.is(element, item));
  if (!found) throw new ConformanceFailure(`${what}: expected to contain ${show(item)}, got ${show(haystack)}`);
}

/** `fn` returns normally; an exception becomes a failure naming what was attempted. */
export function expectNoThrow(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (error) {
    throw new ConformanceFailure(`${what}: expected no exception, got ${show(error)}`);
  }
}

/** `fn` throws something, whatever it is; returns it. */
export function expectThrowsAny(fn: () => unknown, what: string): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new ConformanceFailure(`${what}: expected an exception, nothing was thrown`);
}

/** `fn` throws an Error whose message contains `expected` (a string) or matches it (a RegExp). */
export function expectThrowsMessage(fn: () => unknown, expected: string | RegExp, what: string): Error {
  const error = expectThrowsAny(fn, what);
  const message = error instanceof Error ? error.message : undefined;
  const ok =
    message !== undefined && (typeof expected === 'string' ? message.includes(expected) : expected.test(message));
  if (!ok || !(error instanceof Error)) {
    throw new ConformanceFailure(`${what}: expected an error with message ${show(expected)}, got ${show(error)}`);
  }
  return error;
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
