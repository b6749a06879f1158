import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedCopyFloat64, sortFloat64 } from './sort.js';

describe('sortFloat64', () => {
  it('sorts like the built-in sort, including negatives, zeros, subnormals and infinities (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true }), { minLength: 0, maxLength: 3000 }),
        (values) => {
          const ours = sortFloat64(Float64Array.from(values));
          const builtIn = Float64Array.from(values).sort();
          // -0 and +0 compare equal; only their relative order may differ.
          expect(Array.from(ours, (v) => v + 0)).toEqual(Array.from(builtIn, (v) => v + 0));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sorts a large mixed array', () => {
    const values = Float64Array.from(
      { length: 100_000 },
      (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 40) - 20),
    );
    const expected = Float64Array.from(values).sort();
    expect(sortFloat64(values)).toEqual(expected);
  });
});

describe('sortedCopyFloat64', () => {
  it('returns a sorted copy and leaves the input unchanged', () => {
    const values = Float64Array.from(
      { length: 50_000 },
      (_, i) => Math.cos(i * 7.77) * (i % 13) + 0,
    );
    const before = values.slice();
    const sorted = sortedCopyFloat64(values);
    expect(values).toEqual(before);
    // + 0 turns -0 into 0: the two zeros compare equal and their order is unspecified.
    expect(sorted.map((v) => v + 0)).toEqual(
      before
        .slice()
        .sort()
        .map((v) => v + 0),
    );
    expect(sortedCopyFloat64(Float64Array.of(3, 1, 2))).toEqual(Float64Array.of(1, 2, 3));
    expect(sortedCopyFloat64(new Float64Array(5000).fill(7))).toEqual(
      new Float64Array(5000).fill(7),
    );
  });
});
