import { ValidationError } from '@mlinfra/core/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seeded } from '../test-support/random.js';
import { rankError } from '../test-support/rank-error.js';
import { NumericAccumulator } from './accumulators.js';
import { HyperLogLog, hashNumber } from './hyperloglog.js';
import { KllSampler, KllSketch, samplingLevel } from './kll.js';
import type { NumericTypedArray } from './numeric-batch.js';
import { profile } from './profile.js';

function neverInfinite(row: number): never {
  throw new Error(`unexpected infinity at row ${row}`);
}

/** The per-value path: what profile() did before the batch path existed. */
function oneByOne(values: ArrayLike<number>, acc = new NumericAccumulator()): NumericAccumulator {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) acc.missing++;
    else acc.add(v);
  }
  return acc;
}

function batch(values: NumericTypedArray, acc = new NumericAccumulator()): NumericAccumulator {
  acc.addBatch(values, neverInfinite);
  return acc;
}

function expectSameSummary(a: NumericAccumulator, b: NumericAccumulator, label: string): void {
  const x = a.toProfile();
  const y = b.toProfile();
  expect(y.count, label).toBe(x.count);
  expect(y.missing, label).toBe(x.missing);
  expect(y.min, label).toBe(x.min);
  expect(y.max, label).toBe(x.max);
  expect(y.values, label).toEqual(x.values);
  expect(y.distinct, label).toBe(x.distinct);
  expect(y.distinctEstimate, label).toBe(x.distinctEstimate);
  // Relative to the data's scale; the floor covers subnormal values, where one rounding is 5e-324.
  const scale = Math.max(Math.abs(x.min ?? 0), Math.abs(x.max ?? 0));
  expect(Math.abs(y.mean - x.mean), label).toBeLessThanOrEqual(1e-12 * scale + 1e-320);
  expect(Math.abs(y.variance - x.variance), label).toBeLessThanOrEqual(
    1e-12 * Math.max(x.variance, scale * scale * 1e-6) + 1e-320,
  );
}

describe('NumericAccumulator.addBatch', () => {
  it('agrees with adding values one by one (typed arrays, NaN, -0, few and many distinct values)', () => {
    const r = seeded(11);
    const n = 5000;
    const cases: Record<string, NumericTypedArray> = {
      normal: Float64Array.from({ length: n }, () => r.normal(100, 15)),
      withNaN: Float64Array.from({ length: n }, (_, i) => (i % 7 === 3 ? Number.NaN : r.normal())),
      signedZeros: Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -0 : i % 3) - 1),
      fewDistinct: Float64Array.from({ length: n }, () => Math.floor(r.uniform() * 32) / 4),
      thirtyThreeDistinct: Float64Array.from({ length: n }, (_, i) => i % 33),
      float32: Float32Array.from({ length: n }, () => r.normal(0, 1e3)),
      int32: Int32Array.from({ length: n }, () => Math.floor(r.uniform() * 2 ** 31) - 2 ** 30),
      int32FewDistinct: Int32Array.from({ length: n }, (_, i) => i % 5),
      timestamps: Float64Array.from({ length: n }, (_, i) => 1.7e12 + i * 1000),
      outlierFirst: Float64Array.from({ length: n }, (_, i) => (i === 0 ? 1e9 : r.normal())),
      constant: new Float64Array(n).fill(0.1),
      // Runs of one value (the last-value shortcut of the exact table).
      runs: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 1000) * 1.5),
      allMissing: new Float64Array(n).fill(Number.NaN),
      empty: new Float64Array(0),
      // More than one 16,384-value block, so blocks merge Chan-style.
      large: Float64Array.from({ length: 40000 }, () => r.uniform() * 1e6 + 1e9),
    };
    for (const [name, values] of Object.entries(cases)) {
      expectSameSummary(oneByOne(values), batch(values), name);
    }
  });

  it('continues an accumulator that already holds values (exact table and moments carry over)', () => {
    const first = Float64Array.from({ length: 300 }, (_, i) => i % 10);
    const second = Float64Array.from({ length: 20000 }, (_, i) => (i % 20) + 0.5);
    const reference = oneByOne(second, oneByOne(first));
    const mixed = batch(second, oneByOne(first));
    expectSameSummary(reference, mixed, 'per-value then batch');
    expect(mixed.toProfile().values).toHaveLength(30); // 10 + 20 distinct: still exact
    const twice = batch(second, batch(first));
    expectSameSummary(reference, twice, 'batch then batch');
    const third = Float64Array.from({ length: 100 }, (_, i) => 1000 + i);
    expectSameSummary(oneByOne(third, reference), batch(third, twice), 'overflow in a later batch');
  });

  it('keeps M2 accurate when a block starts far from its mean (rescan from the mean)', () => {
    const r = seeded(3);
    // Tight cluster after one outlier: the one-pass sums around the first value lose ~4 digits.
    const values = Float64Array.from({ length: 16384 }, (_, i) =>
      i === 0 ? 1e6 + 1 : 1e6 + (r.uniform() - 0.5) * 1e-3,
    );
    let mean = 0;
    for (const v of values) mean += v;
    mean /= values.length;
    let correction = 0;
    for (const v of values) correction += v - mean;
    mean += correction / values.length;
    let m2 = 0;
    for (const v of values) m2 += (v - mean) ** 2;
    const acc = batch(values);
    expect(Math.abs(acc.m2 - m2) / m2).toBeLessThan(1e-12);
    expect(Math.abs(acc.mean - mean) / mean).toBeLessThan(1e-15);
  });

  it('agrees with adding values one by one (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            // Up to 1e150, so that squared deviations cannot overflow.
            fc.double({ min: -1e150, max: 1e150 }),
            fc.integer({ min: -5, max: 5 }),
            fc.constant(-0),
          ),
          { maxLength: 2000 },
        ),
        (values) => {
          const typed = Float64Array.from(values);
          expectSameSummary(oneByOne(typed), batch(typed), 'property');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives identical HyperLogLog registers to hashNumber for every word pattern', () => {
    const special = [0, -0, 1, -1, 2 ** 52, 2 ** -1074, -(2 ** -1074), 1.7976931348623157e308, 0.1];
    const r = seeded(5);
    const values = Float64Array.from([
      ...special,
      ...Array.from({ length: 3000 }, () => r.normal()),
    ]);
    const registers = batch(values).hll.registers;
    const expected = new HyperLogLog();
    for (const v of values) expected.add(hashNumber(v));
    expect([...registers]).toEqual([...expected.registers]);
  });

  it('estimates distinct counts within 3 standard errors for common value families', () => {
    const n = 100000;
    const families: Record<string, NumericTypedArray> = {
      integers: Float64Array.from({ length: n }, (_, i) => i),
      cents: Float64Array.from({ length: n }, (_, i) => i / 100),
      roots: Float64Array.from({ length: n }, (_, i) => Math.sqrt(i)),
      timestamps: Float64Array.from({ length: n }, (_, i) => 1.7e12 + i * 1000),
      float32: Float32Array.from({ length: n }, (_, i) => i / 8),
      int32: Int32Array.from({ length: n }, (_, i) => i * 7919),
    };
    for (const [name, values] of Object.entries(families)) {
      const estimate = batch(values).toProfile().distinctEstimate;
      expect(Math.abs(estimate - n) / n, name).toBeLessThan(3 * 0.023);
    }
  });

  it('rejects infinities through profile() naming the column and row', () => {
    const values = new Float64Array(20000);
    values[17001] = Number.NEGATIVE_INFINITY;
    expect(() => profile({ x: values })).toThrow(ValidationError);
    expect(() => profile({ x: values })).toThrow(
      /Column "x" of table holds -Infinity at row 17001/,
    );
    expect(() => profile({ y: Float32Array.of(1, Number.POSITIVE_INFINITY) })).toThrow(/row 1/);
  });

  it('profiles plain arrays with nulls, Dates and typed arrays alike', () => {
    const plain = [1, null, 2.5, undefined, Number.NaN, 4];
    const typed = Float64Array.of(1, Number.NaN, 2.5, Number.NaN, Number.NaN, 4);
    expect(profile({ x: plain }).columns.x).toEqual(profile({ x: typed }).columns.x);
    const dates = [new Date(1000), null, new Date(3000)];
    expect(profile({ t: dates }).columns.t).toMatchObject({ count: 2, missing: 1, min: 1000 });
    expect(profile({ u: Uint8Array.of(1, 2, 3) }).columns.u).toMatchObject({ count: 3, max: 3 });
  });
});

describe('KllSketch.updateMany', () => {
  const n = 1_000_000;
  const r = seeded(21);
  const data: Record<string, () => Float64Array> = {
    uniform: () => Float64Array.from({ length: n }, () => r.uniform()),
    sortedAscending: () => Float64Array.from({ length: n }, (_, i) => i),
    heavyTailed: () => Float64Array.from({ length: n }, () => Math.exp(3 * r.normal())),
    manyTies: () => Float64Array.from({ length: n }, () => Math.floor(r.uniform() * 50)),
  };

  it('samples a million values (h = 5) within the documented 1.7% rank error', () => {
    expect(samplingLevel(n, 200)).toBe(5);
    for (const [name, make] of Object.entries(data)) {
      const values = make();
      const sketch = new KllSketch();
      sketch.updateMany(values);
      expect(sketch.n, name).toBe(n);
      const { weights } = sketch.weightedItems();
      expect(
        weights.reduce((s, w) => s + w, 0),
        name,
      ).toBe(n);
      expect(rankError(sketch, Float64Array.from(values).sort()), name).toBeLessThanOrEqual(0.017);
    }
  });

  it('keeps every value and the rank bound for batches that are sorted whole (h = 0)', () => {
    // 1,024 to 51,199 values go through the sorted-stream path without sampling; its last level-0
    // items were once dropped (the largest values of the batch).
    for (const size of [1024, 1096, 5000, 40_000]) {
      expect(samplingLevel(size, 200)).toBe(0);
      const values = Float64Array.from({ length: size }, (_, i) => (i * 7919) % size);
      const sketch = new KllSketch();
      sketch.updateMany(values);
      const { values: items, weights } = sketch.weightedItems();
      expect(
        weights.reduce((s, w) => s + w, 0),
        String(size),
      ).toBe(size);
      expect(items[items.length - 1], String(size)).toBe(size - 1);
      expect(rankError(sketch, Float64Array.from(values).sort()), String(size)).toBeLessThanOrEqual(
        0.017,
      );
    }
  });

  it('keeps count, extremes and the rank bound through profile() in every batch regime', () => {
    // Below 1,024 values one by one, up to 51,199 sorted whole, from 51,200 sampled; with NaN
    // (missing) values and as plain arrays and typed arrays.
    const r = seeded(5);
    for (const size of [1000, 1500, 30_000, 51_199, 51_200, 80_000]) {
      const raw = Array.from({ length: size }, (_, i) =>
        i % 9 === 0 ? Number.NaN : Math.exp(2 * r.normal()),
      );
      const present = Float64Array.from(raw.filter((v) => !Number.isNaN(v))).sort();
      for (const column of [raw, Float64Array.from(raw)]) {
        const result = profile({ x: column }).columns.x!;
        if (result.kind !== 'numeric') throw new Error('expected a numeric profile');
        expect([size, result.count, result.missing]).toEqual([
          size,
          present.length,
          size - present.length,
        ]);
        expect(result.max).toBe(present[present.length - 1]);
        const sketch = KllSketch.fromJSON(result.sketch);
        expect(sketch.weightedItems().weights.reduce((s, w) => s + w, 0)).toBe(present.length);
        expect(rankError(sketch, present), String(size)).toBeLessThanOrEqual(0.017);
      }
    }
  });

  it('is deterministic and merges with a sketch built value by value', () => {
    const big = data.heavyTailed?.() as Float64Array;
    const a = new KllSketch(200, 7);
    a.updateMany(big);
    const again = new KllSketch(200, 7);
    again.updateMany(big);
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(a.toJSON()));

    const small = Float64Array.from({ length: 200000 }, () => Math.exp(3 * r.normal() + 1));
    const b = new KllSketch(200, 8);
    for (const v of small) b.update(v);
    const merged = KllSketch.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    merged.merge(KllSketch.fromJSON(b.toJSON()));
    expect(merged.n).toBe(big.length + small.length);
    const union = new Float64Array(big.length + small.length);
    union.set(big);
    union.set(small, big.length);
    expect(rankError(merged, union.sort())).toBeLessThanOrEqual(0.017);
  });

  it('skips missing values (NaN) and keeps the bound when half the values are missing', () => {
    const values = Float64Array.from({ length: 600000 }, (_, i) =>
      i % 2 ? Number.NaN : r.uniform(),
    );
    const acc = new NumericAccumulator();
    acc.addBatch(values, neverInfinite);
    expect(acc.sketch.n).toBe(300000);
    const present = values.filter((v) => !Number.isNaN(v)).sort();
    expect(rankError(acc.sketch, present)).toBeLessThanOrEqual(0.017);
    const direct = new KllSketch();
    direct.updateMany(values); // counts the non-NaN values itself
    expect(direct.n).toBe(300000);
    expect(rankError(direct, present)).toBeLessThanOrEqual(0.017);
  });

  it('lists weighted items in value order, as a sort of all items by value would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (values, seed) => {
          const sketch = new KllSketch(20, seed);
          for (const v of values) sketch.update(v / 4);
          const json = sketch.toJSON();
          const pairs = json.levels.flatMap((level, h) => level.map((v) => [v, 2 ** h] as const));
          pairs.sort((a, b) => a[0] - b[0]);
          const { values: sorted, weights } = sketch.weightedItems();
          expect([...sorted]).toEqual(pairs.map((p) => p[0]));
          // Total weight below each distinct value (what CDF queries read) is the same.
          const below = (vs: ArrayLike<number>, ws: ArrayLike<number>) => {
            const out = new Map<number, number>();
            let running = 0;
            for (let i = 0; i < vs.length; i++) {
              running += ws[i] as number;
              out.set(vs[i] as number, running);
            }
            return [...out];
          };
          expect(below(sorted, weights)).toEqual(
            below(
              pairs.map((p) => p[0]),
              pairs.map((p) => p[1]),
            ),
          );
          expect(weights.reduce((a, b) => a + b, 0)).toBe(values.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('compacts sorted samples exactly as adding them one by one in order would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 20000 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.constantFrom(8, 20, 200),
        (values, seed, k) => {
          const sorted = Float64Array.from(values).sort();
          const oneByOne = new KllSketch(k, seed);
          for (const v of sorted) oneByOne.update(v);
          const loaded = new KllSketch(k, seed);
          (loaded as unknown as { loadSorted(values: Float64Array): void }).loadSorted(sorted);
          expect(loaded.toJSON()).toEqual(oneByOne.toJSON());
        },
      ),
      { numRuns: 30 },
    );
  });

  it('samples the same runs on the dense fast path as value by value', () => {
    const values = Float64Array.from({ length: 50000 }, () => r.uniform());
    for (const h of [0, 1, 3, 6]) {
      const a = new KllSketch(200, 99);
      const b = new KllSketch(200, 99);
      const dense = new KllSampler(a, h, values.length);
      const sequential = new KllSampler(b, h, values.length);
      for (let start = 0; start < values.length; start += 16384) {
        const end = Math.min(values.length, start + 16384);
        dense.scan(values, start, end, true);
        sequential.scan(values, start, end, false);
      }
      expect([...dense.samples], `h = ${h}`).toEqual([...sequential.samples]);
      expect(a.randomState, `h = ${h}`).toBe(b.randomState);
    }
  });

  it('stays exact for batches below 1024 values', () => {
    const values = Float64Array.from({ length: 150 }, (_, i) => (i * 37) % 101);
    const sketch = new KllSketch();
    sketch.updateMany(values);
    expect(sketch.exact).toBe(true);
    const sorted = Float64Array.from(values).sort();
    expect(rankError(sketch, sorted)).toBe(0);
  });
});
