import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortFloat64 } from './sort.js';

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
