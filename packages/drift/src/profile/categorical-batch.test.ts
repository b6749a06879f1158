import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectDrift } from '../drift/detect-drift.js';
import { seeded } from '../test-support/random.js';
import { CategoricalAccumulator } from './accumulators.js';
import { FrequentItems } from './frequent-items.js';
import { profile } from './profile.js';

function toCategory(value: unknown): string {
  return String(value);
}

/** The per-value path: what profile() did before the batch path existed. */
function oneByOne(values: ArrayLike<unknown>, capacity = 1000): CategoricalAccumulator {
  const acc = new CategoricalAccumulator(capacity);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) acc.missing++;
    else acc.add(toCategory(v));
  }
  return acc;
}

function batch(values: ArrayLike<unknown>, capacity = 1000): CategoricalAccumulator {
  const acc = new CategoricalAccumulator(capacity);
  acc.addBatch(values, toCategory);
  return acc;
}

describe('CategoricalAccumulator.addBatch', () => {
  it('agrees exactly with adding values one by one', () => {
    const r = seeded(2);
    const zones = Array.from({ length: 40 }, (_, i) => `zone_${i}`);
    const cases: Record<string, unknown[]> = {
      zones: Array.from({ length: 20000 }, () => zones[Math.floor(r.uniform() * 40)]),
      // Equal strings that are different objects, and strings that collide in the cache.
      rebuilt: Array.from({ length: 5000 }, (_, i) => ['ab', 'a', 'b', 'ba'][i % 4]?.concat('')),
      collisions: Array.from({ length: 5000 }, (_, i) => `x${'-'.repeat(i % 7)}y`),
      mixed: ['a', true, 'true', false, null, undefined, Number.NaN, 3, '3', '', '', 'é', '😀'],
      booleans: Array.from({ length: 3001 }, (_, i) => (i % 3 === 0 ? null : i % 2 === 0)),
      empty: [],
    };
    for (const [name, values] of Object.entries(cases)) {
      const a = oneByOne(values).toProfile();
      const b = batch(values).toProfile();
      expect(b, name).toEqual(a);
    }
  });

  it('agrees exactly with adding values one by one (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null), fc.integer()),
          { maxLength: 500 },
        ),
        (values) => {
          expect(batch(values).toProfile()).toEqual(oneByOne(values).toProfile());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stays within the Misra-Gries bound with more distinct values than counters', () => {
    const r = seeded(8);
    const values: string[] = [];
    const truth = new Map<string, number>();
    for (let i = 0; i < 30000; i++) {
      const u = r.uniform();
      const key = u < 0.3 ? 'hot' : u < 0.45 ? 'warm' : `k${Math.floor(r.uniform() * 2000)}`;
      values.push(key);
      truth.set(key, (truth.get(key) ?? 0) + 1);
    }
    const capacity = 50;
    const acc = batch(values, capacity);
    const { items, error } = acc.frequent.toJSON();
    expect(error).toBeGreaterThan(0);
    expect(error).toBeLessThanOrEqual(values.length / (capacity + 1));
    expect(items.length).toBeLessThanOrEqual(capacity);
    for (const [key, count] of items) {
      const exact = truth.get(key) as number;
      expect(count).toBeLessThanOrEqual(exact);
      expect(exact - count).toBeLessThanOrEqual(error);
    }
    // Every value more frequent than the error bound is kept.
    for (const [key, count] of truth) {
      if (count > error) expect(items.some(([k]) => k === key)).toBe(true);
    }
    expect(acc.count).toBe(values.length);
    // The same distinct values in the HyperLogLog as one by one.
    expect(acc.hll.toJSON()).toBe(oneByOne(values, capacity).hll.toJSON());
  });

  it('FrequentItems.addCounts equals repeated add while within capacity', () => {
    const a = new FrequentItems(10);
    const b = new FrequentItems(10);
    const keys = ['x', 'y', 'z'];
    const counts = [5, 1, 3];
    for (let i = 0; i < keys.length; i++)
      for (let c = 0; c < (counts[i] as number); c++) a.add(keys[i] as string);
    b.add('x');
    a.add('x');
    b.addCounts(keys, counts);
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it('profiles string and boolean columns through the batch path', () => {
    const p = profile(
      { c: ['a', 'b', 'a', null], f: [true, false, true, null] },
      {
        schema: {
          columns: [
            { name: 'c', type: 'category' },
            { name: 'f', type: 'bool' },
          ],
        },
      },
    );
    expect(p.columns.c).toMatchObject({
      count: 3,
      missing: 1,
      frequent: {
        items: [
          ['a', 2],
          ['b', 1],
        ],
      },
    });
    expect(p.columns.f).toMatchObject({
      count: 3,
      missing: 1,
      frequent: {
        items: [
          ['true', 2],
          ['false', 1],
        ],
      },
    });
    expect(() =>
      profile({ c: ['a', { b: 1 }] }, { schema: { columns: [{ name: 'c', type: 'string' }] } }),
    ).toThrow(/Column "c" of table is categorical but holds/);
  });

  it('profiles a dictionary-encoded column exactly like its decoded strings', () => {
    const r = seeded(6);
    const dictionary = ['red', 'green', null, 'blue', 'red'];
    const indices = Int32Array.from({ length: 5000 }, (_, i) =>
      i % 97 === 0 ? -1 : Math.floor(r.uniform() * dictionary.length),
    );
    const decoded = Array.from(indices, (i) => (i < 0 ? null : dictionary[i]));
    const schema = { columns: [{ name: 'c', type: 'category' as const }] };
    const fromDictionary = profile({ c: { dictionary, indices } }, { schema });
    expect(fromDictionary).toEqual(profile({ c: decoded }, { schema }));
    // detectDrift on raw tables decodes it: the same data does not drift.
    const report = detectDrift({ c: { dictionary, indices } }, { c: decoded }, { schema });
    expect(report.columns[0]).toMatchObject({ column: 'c', kind: 'categorical', drifted: false });
    expect(report.columns[0]?.statistic).toBeCloseTo(0, 12);
    // Without a schema a dictionary column is categorical; other index widths work alike.
    const narrow = profile({
      c: { dictionary, indices: Uint8Array.from(indices, (i) => (i < 0 ? 2 : i)) },
    });
    expect(narrow.columns.c).toMatchObject({
      kind: 'categorical',
      count: fromDictionary.columns.c?.count,
    });
  });

  it('rejects dictionary indices past the dictionary and non-string entries, naming the row', () => {
    expect(() => profile({ c: { dictionary: ['a'], indices: Int32Array.of(0, 0, 1) } })).toThrow(
      /table\.c\.indices\[2\] is 1 but the dictionary has 1 entries/,
    );
    expect(() =>
      profile({ c: { dictionary: ['a', 3 as unknown as string], indices: Int32Array.of(0) } }),
    ).toThrow(/table\.c\.dictionary\[1\] is .*strings or null/);
  });
});
