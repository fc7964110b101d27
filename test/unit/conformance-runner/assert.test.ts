/** The conformance cases' assertion helpers: each passes on a match and throws a one-line ConformanceFailure otherwise. */
import { describe, expect, it } from 'vitest';
import {
  ConformanceFailure,
  ensure,
  expectAbove,
  expectAtMost,
  expectDeepEqual,
  expectEqual,
  expectFields,
  expectMatch,
  expectThrows,
} from '../../../harness/conformance/assert.js';

function failure(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConformanceFailure);
    return (error as Error).message;
  }
  throw new Error('expected a ConformanceFailure');
}

describe('conformance assertions', () => {
  it('expectEqual uses Object.is and says what, expected and got', () => {
    expectEqual(Number.NaN, Number.NaN, 'nan');
    expect(failure(() => expectEqual(0x0f, 0x4f, 'device_status'))).toBe('device_status: expected 79, got 15');
    expect(failure(() => expectEqual(0, -0, 'zero'))).toBe('zero: expected -0, got 0');
  });

  it('expectDeepEqual compares structure, bigints included', () => {
    expectDeepEqual({ a: [1, 2n] }, { a: [1, 2n] }, 'same');
    expect(failure(() => expectDeepEqual([1, 2], [1, 3], 'sizes'))).toBe('sizes: expected [ 1, 3 ], got [ 1, 2 ]');
  });

  it('expectFields checks only the named fields', () => {
    expectFields({ kind: 'w', off: 20, value: 0, size: 1 }, { kind: 'w', off: 20 }, 'access');
    expect(failure(() => expectFields({ kind: 'r' }, { kind: 'w' }, 'access'))).toMatch(
      /^access: expected kind = 'w' in/,
    );
    expect(failure(() => expectFields(undefined, { kind: 'w' }, 'access'))).toMatch(/^access: expected an object/);
  });

  it('ordering, matching and truth checks', () => {
    expectAtMost(3, 3, 'x');
    expectAbove(4, 3, 'y');
    expectMatch('H3: loop', /^H3: /, 'z');
    ensure(true, 'fine');
    expect(failure(() => expectAtMost(4, 3, 'reads'))).toBe('reads: expected ≤ 3, got 4');
    expect(failure(() => expectAbove(3, 3, 'index'))).toBe('index: expected > 3, got 3');
    expect(failure(() => expectMatch('x', /y/, 'msg'))).toBe("msg: expected to match /y/, got 'x'");
    expect(failure(() => ensure(false, 'device active'))).toBe('device active');
  });

  it('expectThrows returns the error of the right type and fails otherwise', () => {
    const e = expectThrows(
      () => {
        throw new RangeError('bad');
      },
      RangeError,
      'pop',
    );
    expect(e.message).toBe('bad');
    expect(failure(() => expectThrows(() => 1, RangeError, 'pop'))).toBe(
      'pop: expected RangeError to be thrown, nothing was',
    );
    expect(
      failure(() =>
        expectThrows(
          () => {
            throw new TypeError('other');
          },
          RangeError,
          'pop',
        ),
      ),
    ).toMatch(/^pop: expected RangeError, got TypeError: other/);
  });
});
