import { ValidationError } from '@mlinfra/core/schema';
import { describe, expect, it } from 'vitest';
import { detectDrift, ksTest, profile } from './index.js';

/** The ValidationError `action` throws. */
function failure(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (ValidationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('options (zod/mini schemas)', () => {
  const rows = [{ x: 1 }, { x: 2 }, { x: 3 }];

  it('an unknown key names the nearest known key', () => {
    const error = failure(() => detectDrift(rows, rows, { treshold: 0.1 } as never));
    expect(error.message).toMatch(/treshold/);
    expect(error.message).toMatch(/threshold/);
    expect(failure(() => profile(rows, { column: ['x'] } as never)).message).toMatch(/columns/);
  });

  it('a bad value gets an English message naming the field', () => {
    const error = failure(() => detectDrift(rows, rows, { driftShare: 2 }));
    expect(error.issues[0]?.path).toEqual(['driftShare']);
    expect(error.message).toMatch(/driftShare: Too big: expected number to be <=1/);
    expect(failure(() => ksTest([1, 2], [3, 4], { method: 'fast' } as never)).message).toMatch(
      /method: Invalid option: expected one of "auto"\|"exact"\|"asymp"/,
    );
  });
});
