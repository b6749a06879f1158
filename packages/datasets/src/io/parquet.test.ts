import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnChunk } from '../table/column-chunk.js';
import { openParquet } from './parquet.js';

let folder: string;
let duck: Awaited<ReturnType<DuckDBInstance['connect']>>;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasets-parquet-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  duck.closeSync();
  rmSync(folder, { recursive: true, force: true });
});

const SELECT = `SELECT i::INTEGER AS id, i * 1.5 AS x, (i * 0.25)::FLOAT AS y, i::BIGINT * 1000000000000 AS big,
  CASE WHEN i % 4 = 0 THEN NULL ELSE 'cat' || (i % 3) END AS label,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
  TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) HOUR AS at,
  DATE '2024-01-01' + (i % 30)::INTEGER AS day
  FROM range(2000) r(i)`;

describe('openParquet', () => {
  for (const codec of ['snappy', 'gzip', 'zstd', 'lz4', 'brotli', 'uncompressed']) {
    it(`reads a DuckDB file compressed with ${codec}`, async () => {
      const path = join(folder, `duck-${codec}.parquet`);
      await duck.run(
        `COPY (${SELECT}) TO '${path}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 700)`,
      );
      const source = await openParquet(path);
      expect(source.rowCount).toBe(2000);
      expect(source.schema.columns.map((column) => [column.name, column.type])).toEqual([
        ['id', 'int32'],
        ['x', 'float64'],
        ['y', 'float32'],
        ['big', 'int64'],
        ['label', 'string'],
        ['flag', 'bool'],
        ['at', 'timestamp'],
        ['day', 'timestamp'],
      ]);
      const chunks: ColumnChunk[] = [];
      for (const group of source.rowGroups) {
        chunks.push(await source.read(group, ['id', 'x', 'big', 'label', 'flag', 'at', 'day']));
      }
      const row = (index: number) => {
        let offset = index;
        for (const chunk of chunks) {
          if (offset < chunk.length) {
            return Object.fromEntries(
              Object.entries(chunk.columns).map(([name, values]) => [name, values[offset]]),
            );
          }
          offset -= chunk.length;
        }
        throw new Error('out of range');
      };
      expect(row(1234)).toEqual({
        id: 1234,
        x: 1851,
        big: 1234000000000000n,
        label: 'cat1',
        flag: true,
        at: Date.UTC(2024, 0, 1) + 1234 * 3600_000,
        day: Date.UTC(2024, 0, 1 + (1234 % 30)),
      });
      expect(row(0).label).toBeNull();
      expect(row(0).flag).toBeNull();
    });
  }

  it('reads Parquet 2 files with data page v2 and delta encodings written by DuckDB', async () => {
    const path = join(folder, 'duck-v2.parquet');
    await duck.run(
      `COPY (${SELECT}) TO '${path}' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION V2)`,
    );
    const source = await openParquet(path);
    const chunk = await source.read(source.rowGroups[0]!, ['id', 'x', 'big', 'label', 'at']);
    expect(chunk.columns.id![1999]).toBe(1999);
    expect(chunk.columns.x![3]).toBe(4.5);
    expect(chunk.columns.big![7]).toBe(7000000000000n);
    expect(chunk.columns.label![5]).toBe('cat2');
    expect(chunk.columns.at![1]).toBe(Date.UTC(2024, 0, 1) + 3600_000);
  });

  // vega-datasets (a devDependency) ships a Polars-written file: a missing install fails here.
  // The package exports only its entry (build/index.js); data/ sits beside build/.
  const polars = join(
    dirname(createRequire(import.meta.url).resolve('vega-datasets')),
    '..',
    'data/flights-3m.parquet',
  );
  it('reads a Polars file (zstd, dictionary, int64, timestamps)', async () => {
    const source = await openParquet(polars);
    expect(source.metadata.created_by).toMatch(/Polars/);
    expect(source.rowCount).toBe(3_000_000);
    expect(source.schema.columns.map((column) => [column.name, column.type])).toEqual([
      ['date', 'timestamp'],
      ['delay', 'int64'],
      ['distance', 'int64'],
      ['origin', 'string'],
      ['destination', 'string'],
    ]);
    const chunk = await source.read(source.rowGroups[0]!, ['date', 'delay', 'origin']);
    expect(chunk.columns.date![0]).toBe(Date.UTC(2001, 0, 1, 0, 1));
    expect(chunk.columns.delay![0]).toBe(33n);
    expect(chunk.columns.origin![0]).toBe('LAS');
  });

  it('reads dictionary and plain encodings written by DuckDB', async () => {
    const path = join(folder, 'duck-dict.parquet');
    await duck.run(
      `COPY (SELECT 'v' || (i % 5) AS low, 'u' || i AS high FROM range(5000) r(i)) TO '${path}' (FORMAT parquet, COMPRESSION snappy)`,
    );
    const source = await openParquet(path);
    const chunk = await source.read(source.rowGroups[0]!, ['low', 'high']);
    expect(chunk.columns.low![4999 % chunk.length]).toMatch(/^v[0-4]$/);
    expect(chunk.columns.high![10]).toBe('u10');
  });

  it('rejects a file that is not Parquet with a ValidationError', async () => {
    await expect(openParquet(new TextEncoder().encode('id,x\n1,2\n'))).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });
});
