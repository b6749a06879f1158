import type { TableSchema } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import type { ColumnChunk } from '../table/column-chunk.js';
import { StatsAccumulator, statsFromProfile } from './column-stats.js';
import { ProfileAccumulator } from './profile.js';

const schema: TableSchema = {
  columns: [
    { name: 'f', type: 'float64', nullable: true },
    { name: 'i', type: 'int32' },
    { name: 't', type: 'timestamp', nullable: true },
    { name: 'b', type: 'bool', nullable: true },
    { name: 's', type: 'string', nullable: true },
    { name: 'many', type: 'string' },
  ],
};

function chunk(rows: number, offset: number): ColumnChunk {
  return {
    length: rows,
    columns: {
      f: Array.from({ length: rows }, (_, k) =>
        (k + offset) % 7 === 0 ? null : Math.sin(k + offset) * 100,
      ),
      i: Int32Array.from({ length: rows }, (_, k) => (k + offset) * 3 - 500),
      t: Float64Array.from({ length: rows }, (_, k) =>
        (k + offset) % 11 === 0 ? Number.NaN : Date.UTC(2024, 0, 1) + (k + offset) * 1000,
      ),
      b: Array.from({ length: rows }, (_, k) =>
        (k + offset) % 5 === 0 ? null : (k + offset) % 3 === 0,
      ),
      s: Array.from({ length: rows }, (_, k) =>
        (k + offset) % 13 === 0 ? null : `c${(k + offset) % 17}`,
      ),
      many: Array.from({ length: rows }, (_, k) => `id-${k + offset}`),
    },
  };
}

describe('statsFromProfile', () => {
  it('gives the statistics a separate scan gives, without scanning again', () => {
    const scanned = new StatsAccumulator(schema);
    const profiled = new ProfileAccumulator(schema);
    for (const part of [chunk(1500, 0), chunk(1700, 1500)]) {
      scanned.add(part);
      profiled.add(part);
    }
    const expected = scanned.finish();
    const actual = statsFromProfile(schema, profiled.finish());
    for (const { name } of schema.columns) {
      const want = expected[name]!;
      const got = actual[name]!;
      expect(got.type).toBe(want.type);
      expect([name, got.count, got.nulls]).toEqual([name, want.count, want.nulls]);
      expect(got.min).toBe(want.min);
      expect(got.max).toBe(want.max);
      if (want.mean === undefined) expect(got.mean).toBeUndefined();
      else {
        // Relative: timestamp means are ~1.7e12 ms.
        expect(Math.abs(got.mean! - want.mean)).toBeLessThanOrEqual(1e-12 * Math.abs(want.mean));
        expect(Math.abs(got.std! - want.std!)).toBeLessThanOrEqual(1e-9 * Math.max(1, want.std!));
      }
      if (name !== 'many') {
        expect(got.valueCounts).toEqual(want.valueCounts);
        expect(got.distinct).toBe(want.distinct);
      }
    }
    // Past 1000 categories the count is an estimate within HyperLogLog's error, and no value counts.
    expect(actual.many!.valueCounts).toBeUndefined();
    expect(Math.abs(actual.many!.distinct! - 3200) / 3200).toBeLessThan(0.1);
  });

  it('counts float infinities as missing in the profile and as nulls in the statistics', () => {
    const floats: TableSchema = {
      columns: [
        { name: 'x', type: 'float64' },
        { name: 'y', type: 'float32', nullable: true },
      ],
    };
    const profiled = new ProfileAccumulator(floats);
    profiled.add({
      length: 5,
      columns: {
        x: Float64Array.of(1, Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY, 5),
        y: [Number.POSITIVE_INFINITY, null, 2, 4, 6],
      },
    });
    const profile = profiled.finish();
    expect(profile.columns.x).toMatchObject({ count: 3, missing: 2, min: 1, max: 5, mean: 3 });
    expect(profile.columns.y).toMatchObject({ count: 3, missing: 2, min: 2, max: 6 });
    const stats = statsFromProfile(floats, profile);
    expect(stats.x).toMatchObject({ count: 3, nulls: 2, min: 1, max: 5, mean: 3 });
    expect(stats.y).toMatchObject({ count: 3, nulls: 2 });
  });
});
