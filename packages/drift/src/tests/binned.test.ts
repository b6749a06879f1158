import { ValidationError } from '@mlinfra/core/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histogramCounts, histogramCountsUnsorted, histogramEdges, psi } from './binned.js';

describe('binned measures: the fast histogram', () => {
  it('histogramCountsUnsorted matches the sorted edge walk, edges and last bin included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 41 }),
        fc.integer({ min: 1, max: 40 }),
        (values, bins) => {
          const min = Math.min(...values);
          const max = Math.max(...values);
          const edges = histogramEdges(min, max, bins);
          // Values exactly on every edge, plus the sample, in any length (not only multiples of 4).
          const all = Float64Array.from([...values, ...edges]);
          const sorted = all.slice().sort();
          expect(Array.from(histogramCountsUnsorted(all, edges))).toEqual(
            Array.from(histogramCounts(sorted, edges)),
          );
        },
      ),
    );
  });

  it('puts values on coinciding edges (a range a few ulps wide) in the last of them, as the sorted walk does', () => {
    // Found by the property above: 31 bins over two values 3 ulps apart give runs of equal edges.
    const values = [999.9999999999989, 999.9999999999986];
    const edges = histogramEdges(Math.min(...values), Math.max(...values), 31);
    const all = Float64Array.from([...values, ...edges]);
    expect(Array.from(histogramCountsUnsorted(all, edges))).toEqual(
      Array.from(histogramCounts(all.slice().sort(), edges)),
    );
  });

  it('drops values outside the edges, as numpy.histogram does', () => {
    const edges = histogramEdges(0, 3, 3);
    const counts = histogramCountsUnsorted(Float64Array.from([-1, 0, 1, 2, 3, 3, 4, 0.5]), edges);
    expect(Array.from(counts)).toEqual([2, 1, 3]);
  });

  it('psi gives the same value for plain arrays and Float64Arrays', () => {
    const a = Array.from({ length: 1003 }, (_, i) => Math.sin(i) * 10);
    const b = Array.from({ length: 999 }, (_, i) => Math.cos(i * 1.3) * 9 + 1);
    expect(psi(a, b).statistic).toBe(psi(Float64Array.from(a), Float64Array.from(b)).statistic);
  });

  it('psi on a plain array names the first value that is not a finite number', () => {
    const a = Array.from({ length: 100 }, (_, i) => i);
    a[37] = Number.NaN;
    expect(() => psi(a, [1, 2, 3])).toThrow(ValidationError);
    expect(() => psi(a, [1, 2, 3])).toThrow(/reference\[37\] is NaN/);
    expect(() => psi([1, 2, 3], [1, 'x' as unknown as number])).toThrow(/current\[1\]/);
  });
});
