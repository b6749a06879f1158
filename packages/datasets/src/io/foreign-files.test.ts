import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { openDatasets } from '../versions/datasets.js';
import { readParquet } from './parquet-files.js';

// Files written by pyarrow (every codec, dictionary and PLAIN, data page v1 and v2, Spark-style
// INT96), fastparquet and Polars; made by scripts/make-parquet-fixtures.py, committed so tests
// need no Python.
const folder = fileURLToPath(new URL('./__fixtures__/foreign/', import.meta.url));
const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as {
  rows: number;
  columns: Record<string, unknown[]>;
  files: Record<string, { writer: string; at: string }>;
};

describe('Parquet written by other tools', () => {
  for (const [name, { writer, at }] of Object.entries(expected.files)) {
    it(`reads ${name} (${writer}) with every value and type`, async () => {
      const { schema, rowCount, columns } = await readParquet(join(folder, name));
      expect(rowCount).toBe(expected.rows);
      const types = Object.fromEntries(schema.columns.map((column) => [column.name, column.type]));
      expect(types).toMatchObject({
        i32: 'int32',
        i64: 'int64',
        f32: 'float32',
        f64: 'float64',
        f64_null: 'float64',
        label: 'string',
        word: 'string',
        flag: 'bool',
        at: 'timestamp',
        day: 'timestamp',
        price: 'float64',
      });
      const plain = (column: string) => Array.from(columns[column] as ArrayLike<unknown>);
      expect(plain('i32')).toEqual(expected.columns.i32);
      expect(plain('i64').map(String)).toEqual(expected.columns.i64);
      expect(plain('f32')).toEqual(expected.columns.f32);
      expect(plain('f64')).toEqual(expected.columns.f64);
      expect(plain('f64_null')).toEqual(expected.columns.f64_null);
      expect(plain('label')).toEqual(expected.columns.label);
      expect(plain('word')).toEqual(expected.columns.word);
      expect(plain('flag')).toEqual(expected.columns.flag);
      if (name.includes('nanos')) {
        // Nanoseconds go whole milliseconds plus the rest: within a nanosecond of µs / 1000.
        const want = expected.columns[at] as number[];
        plain('at').forEach((value, row) => {
          expect(Math.abs((value as number) - want[row]!)).toBeLessThan(1e-6);
        });
      } else expect(plain('at')).toEqual(expected.columns[at]);
      expect(plain('day')).toEqual(expected.columns.day);
      expect(plain('price')).toEqual(expected.columns.price);
    });
  }

  it('commits a pyarrow file and reads the same values back from the version', async () => {
    const home = await mkdtemp(join(tmpdir(), 'datasets-foreign-'));
    try {
      const datasets = openDatasets({ store: createStore(home) });
      const version = await datasets.commit('from-pyarrow', join(folder, 'pyarrow-zstd.parquet'));
      expect(version.rowCount).toBe(expected.rows);
      const columns = await datasets.dataset('from-pyarrow').columns();
      expect(Array.from(columns.label as ArrayLike<unknown>)).toEqual(expected.columns.label);
      expect(Array.from(columns.at as ArrayLike<unknown>)).toEqual(
        (expected.columns.at_us as number[]).map(Math.round),
      );
      expect(version.stats.flag).toMatchObject({
        count: (expected.columns.flag as unknown[]).filter((flag) => flag !== null).length,
      });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
