import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { TableSchema } from '@mlinfra/core';
import fc from 'fast-check';
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openParquet } from './parquet.js';
import { type ParquetCodec, ParquetFileWriter } from './parquet-write.js';

let folder: string;
let duck: Awaited<ReturnType<DuckDBInstance['connect']>>;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasets-parquet-write-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  duck.closeSync();
  rmSync(folder, { recursive: true, force: true });
});

const schema: TableSchema = {
  columns: [
    { name: 'id', type: 'int32' },
    { name: 'x', type: 'float64', nullable: true },
    { name: 'big', type: 'int64' },
    { name: 'label', type: 'category', categories: ['a', 'b'] },
    { name: 'flag', type: 'bool', nullable: true },
    { name: 'at', type: 'timestamp' },
  ],
};

function writeSample(path: string, codec?: ParquetCodec): ParquetFileWriter {
  const writer = new ParquetFileWriter(path, schema, {
    rowGroupRows: 3,
    ...(codec === undefined ? {} : { codec }),
  });
  writer.write({
    length: 4,
    columns: {
      id: Int32Array.from([1, 2, 3, 4]),
      x: [1.5, null, 3.5, 4.5],
      big: BigInt64Array.from([1n, 2n, 9007199254740993n, -4n]),
      label: ['a', 'b', 'a', 'a'],
      flag: [true, false, null, true],
      at: Float64Array.from([0, 1, 2, 3], (day) => Date.UTC(2024, 0, 1 + day)),
    },
  });
  writer.write({
    length: 1,
    columns: {
      id: Int32Array.from([5]),
      x: Float64Array.from([5.5]),
      big: BigInt64Array.from([5n]),
      label: ['b'],
      flag: [false],
      at: Float64Array.from([Date.UTC(1969, 11, 31, 23, 59, 59, 999)]),
    },
  });
  writer.finish();
  return writer;
}

describe('ParquetFileWriter', () => {
  for (const codec of ['snappy', 'gzip', 'brotli', 'uncompressed'] as const) {
    it(`writes ${codec} files DuckDB and hyparquet read back with the same values`, async () => {
      const path = join(folder, `ours-${codec}.parquet`);
      writeSample(path, codec);
      const result = await duck.runAndReadAll(`SELECT * FROM read_parquet('${path}') ORDER BY id`);
      const rows = result.getRowObjectsJS();
      expect(rows).toHaveLength(5);
      expect(rows[0]).toMatchObject({ id: 1, x: 1.5, big: 1n, label: 'a', flag: true });
      expect(rows[1]).toMatchObject({ id: 2, x: null, big: 2n, label: 'b', flag: false });
      expect(rows[2]).toMatchObject({ flag: null, big: 9007199254740993n });
      expect(rows[3]!.big).toBe(-4n);
      expect((rows[3]!.at as Date).toISOString()).toBe('2024-01-04T00:00:00.000Z');
      expect((rows[4]!.at as Date).toISOString()).toBe('1969-12-31T23:59:59.999Z');
      const types = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`))
        .getRowObjectsJS()
        .map((row) => [row.column_name, row.column_type]);
      expect(types).toEqual([
        ['id', 'INTEGER'],
        ['x', 'DOUBLE'],
        ['big', 'BIGINT'],
        ['label', 'VARCHAR'],
        ['flag', 'BOOLEAN'],
        ['at', 'TIMESTAMP'],
      ]);
      const bytes = readFileSync(path);
      const objects = await parquetReadObjects({
        file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        compressors,
      });
      expect(objects.map((row) => row.label)).toEqual(['a', 'b', 'a', 'a', 'b']);
      expect(objects.map((row) => row.x)).toEqual([1.5, null, 3.5, 4.5, 5.5]);
    });
  }

  it('writes row groups, statistics DuckDB reads, the schema, and the SHA-256 of the file', async () => {
    const path = join(folder, 'stats.parquet');
    const writer = writeSample(path);
    expect(writer.rows).toBe(5);
    expect(writer.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    const stats = (
      await duck.runAndReadAll(
        `SELECT path_in_schema, row_group_id, stats_min_value, stats_max_value, stats_null_count
         FROM parquet_metadata('${path}') ORDER BY row_group_id, path_in_schema`,
      )
    ).getRowsJS();
    const first = Object.fromEntries(
      stats.filter((row) => row[1] === 0n).map((row) => [row[0], row.slice(2)]),
    );
    expect(first.id).toEqual(['1', '3', 0n]);
    expect(first.x).toEqual(['1.5', '3.5', 1n]);
    expect(first.label).toEqual(['a', 'b', 0n]);
    expect(first.flag).toEqual(['false', 'true', 1n]);
    expect(first.at).toEqual(['2024-01-01 00:00:00', '2024-01-03 00:00:00', 0n]);
    const source = await openParquet(path);
    expect(source.rowGroups).toEqual([
      { rowStart: 0, rowEnd: 3 },
      { rowStart: 3, rowEnd: 4 },
      { rowStart: 4, rowEnd: 5 },
    ]);
    expect(source.schema).toEqual(schema);
  });

  it('falls back from dictionary to PLAIN strings, stores incompressible chunks uncompressed, and writes unicode', async () => {
    const path = join(folder, 'mixed.parquet');
    const rows = 5000;
    // Full 52-bit mantissas: nothing for snappy to find.
    const random = Float64Array.from(
      { length: rows },
      (_, index) => (Math.sin(index + 1) * 1e4) % 1,
    );
    const unique = Array.from({ length: rows }, (_, index) => `user-${index}-é-😀`);
    const few = Array.from({ length: rows }, (_, index) =>
      index % 3 === 0 ? null : `k${index % 5}`,
    );
    const writer = new ParquetFileWriter(path, {
      columns: [
        { name: 'r', type: 'float64' },
        { name: 'unique', type: 'string' },
        { name: 'few', type: 'string', nullable: true },
        { name: 'zeros', type: 'float64' },
      ],
    });
    writer.write({
      length: rows,
      columns: { r: random, unique, few, zeros: new Float64Array(rows) },
    });
    writer.finish();
    const bytes = readFileSync(path);
    const metadata = await parquetMetadataAsync(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const chunks = Object.fromEntries(
      metadata.row_groups[0]!.columns.map((chunk) => [
        chunk.meta_data!.path_in_schema[0],
        chunk.meta_data!,
      ]),
    );
    expect(chunks.r!.codec).toBe('UNCOMPRESSED');
    expect(chunks.zeros!.codec).toBe('SNAPPY');
    expect(chunks.unique!.encodings).not.toContain('RLE_DICTIONARY');
    expect(chunks.few!.encodings).toContain('RLE_DICTIONARY');
    expect(Number(chunks.zeros!.total_compressed_size)).toBeLessThan(rows);
    const result = (
      await duck.runAndReadAll(`SELECT r, "unique", few, zeros FROM read_parquet('${path}')`)
    ).getColumnsObjectJS();
    expect(result.r).toEqual(Array.from(random));
    expect(result.unique).toEqual(unique);
    expect(result.few).toEqual(few);
    expect(statSync(path).size).toBeLessThan(rows * 8 + rows * 30 + 10_000);
  });

  it('merges small writes and row ranges of chunks into full row groups', async () => {
    const path = join(folder, 'merged.parquet');
    const small: TableSchema = {
      columns: [
        { name: 'n', type: 'int32' },
        { name: 'v', type: 'float64', nullable: true },
        { name: 's', type: 'string' },
      ],
    };
    const writer = new ParquetFileWriter(path, small, { rowGroupRows: 4 });
    for (let n = 0; n < 10; n++) {
      // Alternate typed and plain (with a null) columns, and write only the middle row of three.
      const v = n % 2 === 0 ? Float64Array.of(-1, n / 2, -1) : [-1, n % 3 === 0 ? null : n / 2, -1];
      writer.write(
        { length: 3, columns: { n: Int32Array.of(-1, n, -1), v, s: ['x', `s${n}`, 'y'] } },
        1,
        2,
      );
    }
    writer.finish();
    const rows = (
      await duck.runAndReadAll(`SELECT n, v, s FROM read_parquet('${path}') ORDER BY n`)
    ).getRowsJS();
    expect(rows).toEqual(
      Array.from({ length: 10 }, (_, n) => [n, n % 2 === 1 && n % 3 === 0 ? null : n / 2, `s${n}`]),
    );
    expect((await openParquet(path)).rowGroups.map((group) => group.rowEnd)).toEqual([4, 8, 10]);
  });

  it('delta-encodes steady integers and timestamps, and keeps PLAIN for scattered ones', async () => {
    const path = join(folder, 'delta.parquet');
    const rows = 1000;
    const base = Date.UTC(2024, 0, 1);
    const columns = {
      id: Int32Array.from({ length: rows }, (_, index) => 5000 - index * 3 + (index % 7)),
      at: Float64Array.from({ length: rows }, (_, index) => base + index * 1000 + (index % 3)),
      scattered: Int32Array.from({ length: rows }, (_, index) => Math.imul(index + 1, 0x9e3779b1)),
      gaps: Float64Array.from({ length: rows }, (_, index) => base + index * index * 977),
    };
    const writer = new ParquetFileWriter(
      path,
      {
        columns: [
          { name: 'id', type: 'int32' },
          { name: 'at', type: 'timestamp', nullable: true },
          { name: 'scattered', type: 'int32' },
          { name: 'gaps', type: 'timestamp' },
        ],
      },
      { rowGroupRows: 300 },
    );
    writer.write({ length: rows, columns });
    writer.finish();
    const bytes = readFileSync(path);
    const metadata = await parquetMetadataAsync(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const encodings = Object.fromEntries(
      metadata.row_groups[0]!.columns.map((chunk) => [
        chunk.meta_data!.path_in_schema[0],
        chunk.meta_data!.encodings,
      ]),
    );
    expect(encodings.id).toContain('DELTA_BINARY_PACKED');
    expect(encodings.at).toContain('DELTA_BINARY_PACKED');
    expect(encodings.scattered).not.toContain('DELTA_BINARY_PACKED');
    expect(encodings.gaps).not.toContain('DELTA_BINARY_PACKED');
    const read = (
      await duck.runAndReadAll(
        `SELECT id, epoch_ms("at") AS at, scattered, epoch_ms(gaps) AS gaps FROM read_parquet('${path}')`,
      )
    ).getColumnsObjectJS();
    expect(read.id).toEqual(Array.from(columns.id));
    expect(read.at!.map(Number)).toEqual(Array.from(columns.at));
    expect(read.scattered).toEqual(Array.from(columns.scattered));
    expect(read.gaps!.map(Number)).toEqual(Array.from(columns.gaps));
    const ours = await openParquet(path);
    const all = await ours.readAll();
    expect(all.id).toEqual(columns.id);
    expect(all.at).toEqual(columns.at);
    const stats = (
      await duck.runAndReadAll(
        `SELECT stats_min_value, stats_max_value FROM parquet_metadata('${path}') WHERE path_in_schema = 'id' ORDER BY row_group_id`,
      )
    ).getRowsJS();
    expect(stats[0]).toEqual([String(Math.min(...columns.id.subarray(0, 300))), '5000']);
  });

  it('round-trips delta-encoded integers and timestamps of any steady shape (property)', async () => {
    const path = join(folder, 'delta-property.parquet');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.array(fc.integer({ min: -60, max: 60 }), { minLength: 1, maxLength: 700 }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 41 }),
        async (start, steps, origin) => {
          const ids = new Int32Array(steps.length);
          const times = new Float64Array(steps.length);
          let id = start;
          steps.forEach((step, index) => {
            id = (id + step) | 0;
            ids[index] = id;
            times[index] = origin + index * 1000 + step;
          });
          const writer = new ParquetFileWriter(
            path,
            {
              columns: [
                { name: 'id', type: 'int32' },
                { name: 'at', type: 'timestamp' },
              ],
            },
            { rowGroupRows: 257 },
          );
          writer.write({ length: steps.length, columns: { id: ids, at: times } });
          writer.finish();
          const all = await (await openParquet(path)).readAll();
          expect(all.id).toEqual(ids);
          expect(all.at).toEqual(times);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes an empty file with the schema and no row groups', async () => {
    const path = join(folder, 'empty.parquet');
    const writer = new ParquetFileWriter(path, schema);
    writer.finish();
    const count = (
      await duck.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${path}')`)
    ).getRowObjectsJS();
    expect(count).toEqual([{ n: 0n }]);
    expect((await openParquet(path)).schema).toEqual(schema);
  });
});
