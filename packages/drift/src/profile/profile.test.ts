import { ValidationError } from '@mlinfra/core/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seeded } from '../test-support/random.js';
import { rankError } from '../test-support/rank-error.js';
import type { NumericColumnProfile } from './accumulators.js';
import { FrequentItems } from './frequent-items.js';
import { KllSketch, SketchCdf } from './kll.js';
import { isDatasetProfile, mergeProfiles, profile } from './profile.js';

describe('profile', () => {
  it('summarizes numbers and categories into plain JSON', () => {
    const p = profile([
      { x: 1, c: 'a' },
      { x: 3, c: 'b' },
      { x: null, c: 'a' },
      { x: Number.NaN, c: undefined },
      { x: 8, c: 'a' },
    ]);
    expect(isDatasetProfile(p)).toBe(true);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
    const x = p.columns.x as NumericColumnProfile;
    expect(x).toMatchObject({
      kind: 'numeric',
      count: 3,
      missing: 2,
      min: 1,
      max: 8,
      mean: 4,
      distinctEstimate: 3,
    });
    expect(x.variance).toBeCloseTo(26 / 3, 12);
    expect(x.values).toEqual([
      [1, 1],
      [3, 1],
      [8, 1],
    ]);
    expect(x.histogram.counts.reduce((s, v) => s + v, 0)).toBe(3);
    expect(p.columns.c).toMatchObject({
      kind: 'categorical',
      count: 4,
      missing: 1,
      frequent: {
        items: [
          ['a', 3],
          ['b', 1],
        ],
        error: 0,
      },
    });
  });

  it('merges shards into the profile of the union (exact moments, same sketch bounds)', () => {
    const r = seeded(3);
    const values = Array.from({ length: 60000 }, () => r.normal(10, 3) ** 2);
    const whole = profile({ v: values });
    const parts = [0, 1, 2].map((i) => profile({ v: values.slice(i * 20000, (i + 1) * 20000) }));
    const merged = mergeProfiles(
      mergeProfiles(parts[0] as never, parts[1] as never),
      parts[2] as never,
    );
    const a = whole.columns.v as NumericColumnProfile;
    const b = merged.columns.v as NumericColumnProfile;
    expect(b.count).toBe(a.count);
    expect(b.min).toBe(a.min);
    expect(b.max).toBe(a.max);
    expect(b.mean).toBeCloseTo(a.mean, 9);
    expect(b.variance / a.variance).toBeCloseTo(1, 10);
    expect(merged.rowCount).toBe(60000);
    const sorted = Float64Array.from(values).sort();
    expect(rankError(KllSketch.fromJSON(b.sketch), sorted)).toBeLessThanOrEqual(0.017);
    expect(Math.abs(b.distinctEstimate - 60000) / 60000).toBeLessThan(0.07);
  });

  it('keeps the KLL rank error within 1.7% on skewed, tied and sorted streams', () => {
    const r = seeded(9);
    const streams = {
      lognormal: Array.from({ length: 100000 }, () => Math.exp(2 * r.normal())),
      ties: Array.from({ length: 100000 }, () => Math.floor(r.uniform() * 50)),
      sorted: Array.from({ length: 100000 }, (_, i) => i),
    };
    for (const [name, values] of Object.entries(streams)) {
      const sketch = new KllSketch();
      for (const v of values) sketch.update(v);
      const size = JSON.stringify(sketch.toJSON()).length;
      expect(size, name).toBeLessThan(40000);
      expect(rankError(sketch, Float64Array.from(values).sort()), name).toBeLessThanOrEqual(0.017);
    }
  });

  it('sketches are exact below 200 values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 300,
        }),
        (values) => {
          const sketch = new KllSketch();
          for (const v of values) sketch.update(v);
          const cdf = new SketchCdf(sketch);
          const sorted = [...values].sort((a, b) => a - b);
          for (const v of sorted) {
            expect(cdf.cdf(v)).toBe(sorted.filter((s) => s <= v).length / values.length);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('frequent items are exact below capacity and bounded above it', () => {
    const f = new FrequentItems(10);
    const r = seeded(4);
    const truth = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const key = r.uniform() < 0.5 ? 'hot' : `k${Math.floor(r.uniform() * 500)}`;
      truth.set(key, (truth.get(key) ?? 0) + 1);
      f.add(key);
    }
    const hot = f.counts.get('hot') as number;
    expect(hot).toBeLessThanOrEqual(truth.get('hot') as number);
    expect((truth.get('hot') as number) - hot).toBeLessThanOrEqual(f.error);
    expect(f.error).toBeLessThanOrEqual(20000 / 11);
  });

  it('rejects profiles of different kinds and non-profiles', () => {
    expect(() => mergeProfiles(profile({ a: [1, 2] }), profile({ a: ['x', 'y'] }))).toThrow(
      /numeric in a but categorical in b/,
    );
    expect(() => mergeProfiles({} as never, profile({ a: [1] }))).toThrow(ValidationError);
    expect(() => profile({ a: [1, 'x'] })).toThrow(/Column "a" of table mixes/);
  });
});
