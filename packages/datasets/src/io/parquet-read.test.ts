import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { ValidationError } from '@mlinfra/core';
import fc from 'fast-check';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnData } from '../table/column-chunk.js';
import { openParquet, tableSchemaOf } from './parquet.js';
import { writeParquet } from './parquet-files.js';
import { chunkRange, decodeColumnChunk, planFastColumn, UnsupportedChunk } from './parquet-read.js';

let folder: string;
let duck: Awaited<ReturnType<DuckDBInstance['connect']>>;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasets-parquet-read-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  duck.closeSync();
  rmSync(folder, { recursive: true, force: true });
});

/** Every column type the fast path decodes, with nulls in most, 2,500 rows. */
const SELECT = `SELECT
  i::INTEGER AS id,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i::INTEGER * -3 END AS id_null,
  (i * 1.5)::DOUBLE AS x,
  CASE WHEN i % 6 = 0 THEN NULL ELSE (i / 3.0)::DOUBLE END AS x_null,
  (i * 0.25)::FLOAT AS y,
  CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 0.5)::FLOAT END AS y_null,
  i::BIGINT * 1000000000000 - 7 AS big,
  CASE WHEN i % 4 = 0 THEN NULL ELSE -i::BIGINT * 3000000000 END AS big_null,
  (i % 9)::BIGINT AS big_dict,
  CASE WHEN i % 4 = 0 THEN NULL ELSE 'cat' || (i % 3) END AS label,
  'row-' || i::VARCHAR || repeat('x', (i % 40)::INTEGER) AS text,
  CASE WHEN i % 3 = 0 THEN NULL WHEN i % 3 = 1 THEN 'grüße ' || i::VARCHAR ELSE '' END AS unicode,
  i % 2 = 0 AS flag,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 = 0 END AS flag_null,
  TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) HOUR + INTERVAL (i * 7) MICROSECOND AS at_us,
  CASE WHEN i % 8 = 0 THEN NULL ELSE (TIMESTAMP '1960-03-01 00:00:00' + INTERVAL (i) MINUTE)::TIMESTAMP_MS END AS at_ms,
  (TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND)::TIMESTAMP_NS + INTERVAL (i) MICROSECOND AS at_ns,
  CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '1969-12-01' + (i % 90)::INTEGER END AS day,
  (i % 5)::DOUBLE AS x_dict,
  CASE WHEN i % 3 = 0 THEN NULL ELSE ((i - 1250)::DECIMAL(9, 2) / 8)::DECIMAL(9, 3) END AS dec32,
  ((i - 1250)::DECIMAL(18, 4) / 3)::DECIMAL(18, 4) AS dec64,
  ((i - 1250)::DECIMAL(38, 6) / 7)::DECIMAL(38, 6) AS dec128
  FROM range(2500) r(i)`;

/**
 * Decodes every column chunk of a file on the fast path alone (an UnsupportedChunk fails the
 * test unless the column is listed in `fallback`), concatenated per column.
 */
function fastColumns(
  path: string | Uint8Array,
  fallback: readonly string[] = [],
): Record<string, unknown[]> {
  const bytes =
    typeof path === 'string' ? new Uint8Array(readFileSync(path)) : new Uint8Array(path);
  const metadata = parquetMetadata(bytes.buffer);
  const schema = tableSchemaOf(metadata);
  const out: Record<string, unknown[]> = {};
  for (const column of schema.columns) {
    const element = metadata.schema.find((candidate) => candidate.name === column.name)!;
    const plan = planFastColumn(element, column);
    if (plan === undefined) {
      expect(fallback, `column ${column.name} has no fast plan`).toContain(column.name);
      continue;
    }
    const parts: unknown[] = [];
    let unsupported = false;
    for (const [index, group] of metadata.row_groups.entries()) {
      const meta = group.columns.find(
        (chunk) => chunk.meta_data?.path_in_schema[0] === column.name,
      )!.meta_data!;
      const range = chunkRange(meta);
      try {
        const values = decodeColumnChunk(bytes.subarray(range.start, range.end), {
          column: plan,
          rows: Number(group.num_rows),
          codec: meta.codec,
          file: typeof path === 'string' ? path : 'The bytes',
          rowGroup: index,
        });
        parts.push(...Array.from(values as ArrayLike<unknown>));
      } catch (error) {
        if (!(error instanceof UnsupportedChunk)) throw error;
        unsupported = true;
      }
    }
    if (unsupported) expect(fallback, `column ${column.name} fell back`).toContain(column.name);
    else out[column.name] = parts;
  }
  return out;
}

/** Both paths of openParquet, row group by row group; asserts they are identical, returns the fast one. */
async function compareOpen(path: string | Uint8Array): Promise<Record<string, ColumnData>[]> {
  const fast = await openParquet(path);
  const general = await openParquet(path, { fastPath: false });
  expect(fast.schema).toEqual(general.schema);
  const names = fast.schema.columns.map((column) => column.name);
  const chunks: Record<string, ColumnData>[] = [];
  for (const group of fast.rowGroups) {
    const a = await fast.read(group, names);
    const b = await general.read(group, names);
    expect(a.length).toBe(b.length);
    for (const name of names) {
      const left = a.columns[name]!;
      const right = b.columns[name]!;
      // Same representation (typed array class or plain array) and the same values.
      expect(left.constructor, name).toBe(right.constructor);
      expect(left, name).toEqual(right);
    }
    chunks.push(a.columns);
  }
  // Whole-file reads: the fast assembler against hyparquet's row groups concatenated, with all
  // row groups in one read and with one read per row group.
  const all = await fast.readAll();
  const separate = await (await openParquet(path, { readBatchBytes: 1 })).readAll();
  expect(separate).toEqual(all);
  const generalAll = await general.readAll();
  for (const name of names) {
    expect(all[name]!.constructor, name).toBe(generalAll[name]!.constructor);
    expect(all[name], name).toEqual(generalAll[name]);
    expect(all[name]!.length).toBe(fast.rowCount);
  }
  return chunks;
}

describe('parquet fast read path', () => {
  for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'brotli', 'lz4']) {
    it(`decodes every column of a DuckDB ${codec} file exactly as hyparquet does`, async () => {
      const path = join(folder, `duck-${codec}.parquet`);
      await duck.run(
        `COPY (${SELECT}) TO '${path}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 1000)`,
      );
      const chunks = await compareOpen(path);
      expect(chunks.length).toBeGreaterThan(1);
      // Every column decodes on the fast path alone, with the values DuckDB wrote.
      const fast = fastColumns(path);
      expect(Object.keys(fast)).toHaveLength(22);
      expect(fast.dec32![0]).toBeNull();
      expect(fast.dec32![1]).toBeCloseTo(-156.125, 9);
      expect(fast.dec64![2]).toBeCloseTo(-416, 9);
      expect(fast.dec128![2]).toBeCloseTo(-178.285714, 9);
      expect(fast.id![2499]).toBe(2499);
      expect(fast.id_null![7]).toBeNull();
      expect(fast.id_null![8]).toBe(-24);
      expect(fast.big![3]).toBe(2999999999993n);
      expect(fast.big_null![3]).toBe(-9000000000n);
      expect(fast.label![4]).toBeNull();
      expect(fast.label![5]).toBe('cat2');
      expect(fast.text![41]).toBe(`row-41${'x'}`);
      expect(fast.unicode![4]).toBe('grüße 4');
      expect(fast.unicode![5]).toBe('');
      expect(fast.flag_null![10]).toBeNull();
      expect(fast.flag_null![9]).toBe(true);
      expect(fast.at_us![3]).toBe(Date.UTC(2024, 0, 1, 3) + 0.021);
      expect(fast.at_ms![8]).toBeNaN();
      expect(fast.at_ms![9]).toBe(Date.UTC(1960, 2, 1, 0, 9));
      expect(fast.at_ns![2]).toBe(Date.UTC(2024, 0, 1, 0, 0, 2) + 0.002);
      expect(fast.day![1]).toBe(Date.UTC(1969, 11, 2));
      expect(fast.day![9]).toBeNaN();
      expect(fast.y_null![3]).toBe(1.5);
    });
  }

  it('decodes PLAIN strings without a dictionary (repeated, prefixes, long, BOM, distinct) as hyparquet does', async () => {
    const path = join(folder, 'duck-plain-strings.parquet');
    // DICTIONARY_SIZE_LIMIT 1 makes DuckDB write every string PLAIN: the repeated values go through
    // the fast path's cache of decoded strings, the distinct ones switch it off.
    await duck.run(
      `COPY (SELECT
        ['', 'a', 'ab', 'abc', 'b', 'ba', 'ü', 'üü', chr(65279) || 'bom', repeat('long', 30)][(i % 10) + 1] AS repeated,
        CASE WHEN i % 3 = 0 THEN NULL ELSE 'k' || (i % 7)::VARCHAR END AS repeated_null,
        'distinct-' || i::VARCHAR AS distinct_values
        FROM range(12000) r(i))
       TO '${path}' (FORMAT parquet, DICTIONARY_SIZE_LIMIT 1, ROW_GROUP_SIZE 5000)`,
    );
    const metadata = parquetMetadata(new Uint8Array(readFileSync(path)).buffer);
    expect(metadata.row_groups[0]!.columns.map((chunk) => chunk.meta_data!.encodings)).toEqual([
      ['PLAIN'],
      ['PLAIN'],
      ['PLAIN'],
    ]);
    await compareOpen(path);
    const fast = fastColumns(path);
    expect(fast.repeated!.slice(0, 10)).toEqual([
      '',
      'a',
      'ab',
      'abc',
      'b',
      'ba',
      'ü',
      'üü',
      'bom',
      'long'.repeat(30),
    ]);
    expect(fast.repeated_null!.slice(0, 3)).toEqual([null, 'k1', 'k2']);
    expect(fast.distinct_values![11999]).toBe('distinct-11999');
  });

  it('decodes chunks of many v2 data pages (dictionary, PLAIN, byte-stream-split, nulls) written by hyparquet-writer', async () => {
    const rows = 6000;
    const column = <T>(make: (index: number) => T) =>
      Array.from({ length: rows }, (_, i) => make(i));
    const buffer = parquetWriteBuffer({
      codec: 'SNAPPY',
      pageSize: 1500,
      rowGroupSize: 2500,
      columnData: [
        {
          name: 'id',
          data: Int32Array.from(column((i) => i * 3 - 7)),
          type: 'INT32',
          nullable: false,
        },
        { name: 'maybe', data: column((i) => (i % 5 === 0 ? null : i / 8)), type: 'DOUBLE' },
        {
          name: 'split',
          data: Float64Array.from(column((i) => Math.sin(i))),
          type: 'DOUBLE',
          nullable: false,
          encoding: 'BYTE_STREAM_SPLIT',
        },
        {
          name: 'big',
          data: column((i) => (i % 7 === 0 ? null : BigInt(i) << 33n)),
          type: 'INT64',
        },
        { name: 'word', data: column((i) => (i % 9 === 0 ? null : `w${i % 50}`)), type: 'STRING' },
        {
          name: 'plain_word',
          data: column((i) => `p${i}`),
          type: 'STRING',
          nullable: false,
          encoding: 'PLAIN',
        },
        { name: 'flag', data: column((i) => (i % 11 === 0 ? null : i % 3 === 0)), type: 'BOOLEAN' },
        {
          name: 'when',
          data: column((i) => (i % 13 === 0 ? null : new Date(Date.UTC(2023, 5, 1) + i * 60_000))),
          type: 'TIMESTAMP',
        },
      ],
    });
    const path = join(folder, 'hyparquet-pages.parquet');
    writeFileSync(path, new Uint8Array(buffer));
    const metadata = parquetMetadata(buffer);
    // Several pages per chunk, as intended.
    const first = metadata.row_groups[0]!.columns[0]!.meta_data!;
    expect(Number(first.total_uncompressed_size)).toBeGreaterThan(3 * 1500);
    await compareOpen(path);
    const fast = fastColumns(path);
    expect(Object.keys(fast)).toHaveLength(8);
    expect(fast.id![5999]).toBe(5999 * 3 - 7);
    expect(fast.maybe![5]).toBeNull();
    expect(fast.maybe![6]).toBe(0.75);
    expect(fast.split![4321]).toBe(Math.sin(4321));
    expect(fast.big![7]).toBeNull();
    expect(fast.big![8]).toBe(8n << 33n);
    expect(fast.word![9]).toBeNull();
    expect(fast.word![5001]).toBe('w1');
    expect(fast.plain_word![5999]).toBe('p5999');
    expect(fast.flag![11]).toBeNull();
    expect(fast.flag![12]).toBe(true);
    expect(fast.when![13]).toBeNaN();
    expect(fast.when![14]).toBe(Date.UTC(2023, 5, 1) + 14 * 60_000);
  });

  it('reads JSON columns as their text on both paths (not parsed objects)', async () => {
    const path = join(folder, 'duck-json.parquet');
    await duck.run(
      `COPY (SELECT CASE WHEN i = 2 THEN NULL ELSE ('{"a": ' || i || ', "b": [1, 2]}')::JSON END AS doc FROM range(5) r(i))
       TO '${path}' (FORMAT parquet)`,
    );
    const [columns] = await compareOpen(path);
    expect(columns!.doc).toEqual([
      '{"a": 0, "b": [1, 2]}',
      '{"a": 1, "b": [1, 2]}',
      null,
      '{"a": 3, "b": [1, 2]}',
      '{"a": 4, "b": [1, 2]}',
    ]);
    expect(Object.keys(fastColumns(path))).toEqual(['doc']);
  });

  it('decodes INT96 timestamps (Spark) exactly as hyparquet does', async () => {
    // hyparquet-writer cannot write INT96: write 12-byte FIXED_LEN_BYTE_ARRAY values, then turn
    // the two type fields of the footer (schema element, column metadata) into INT96.
    const rows = 3000;
    const int96 = (day: number, nanos: bigint) => {
      const bytes = new Uint8Array(12);
      const view = new DataView(bytes.buffer);
      view.setBigUint64(0, nanos, true);
      view.setInt32(8, day, true);
      return bytes;
    };
    const day = (index: number) => 2440588 + 19000 + (index % 400) - (index % 3 === 0 ? 30000 : 0);
    const nanos = (index: number) => BigInt(index) * 28_799_999_999n + 123_456_789n;
    const values = Array.from({ length: rows }, (_, index) =>
      index % 17 === 0 ? null : int96(day(index), nanos(index)),
    );
    const buffer = new Uint8Array(
      parquetWriteBuffer({
        codec: 'SNAPPY',
        statistics: false,
        rowGroupSize: 1000,
        schema: [
          { name: 'root', num_children: 1 },
          {
            name: 'at',
            type: 'FIXED_LEN_BYTE_ARRAY',
            type_length: 12,
            repetition_type: 'OPTIONAL',
          },
        ],
        columnData: [{ name: 'at', data: values }],
      }),
    );
    const footerLength = new DataView(buffer.buffer).getUint32(buffer.length - 8, true);
    const footerStart = buffer.length - 8 - footerLength;
    const typeFields: number[] = [];
    for (let index = footerStart; index < buffer.length - 9; index++) {
      // Field 1 (delta 1, i32) holding zigzag(7) = FIXED_LEN_BYTE_ARRAY.
      if (buffer[index] === 0x15 && buffer[index + 1] === 0x0e) typeFields.push(index + 1);
    }
    expect(typeFields.length).toBe(1 + 3); // the schema element and one column chunk per row group
    for (const index of typeFields) buffer[index] = 0x06; // zigzag(3) = INT96
    const path = join(folder, 'int96.parquet');
    writeFileSync(path, buffer);
    expect(parquetMetadata(buffer.buffer).schema[1]!.type).toBe('INT96');
    await compareOpen(path);
    const fast = fastColumns(path);
    // Whole milliseconds exact, the rest added once (total nanoseconds would round past 2^53).
    const expected = (index: number) =>
      Number(BigInt(day(index) - 2440588) * 86_400_000n + nanos(index) / 1_000_000n) +
      Number(nanos(index) % 1_000_000n) / 1e6;
    expect(fast.at![0]).toBeNaN();
    for (const index of [1, 2, 3, 1000, 2999]) expect(fast.at![index]).toBe(expected(index));
  });

  it('decodes a snappy page over 8 MiB (decoded in TypeScript, not WebAssembly)', async () => {
    const rows = 1_100_000;
    const values = Float64Array.from({ length: rows }, (_, index) => (index % 1000) / 8);
    const buffer = parquetWriteBuffer({
      codec: 'SNAPPY',
      statistics: false,
      rowGroupSize: rows,
      pageSize: 1 << 30,
      columnData: [{ name: 'v', data: values, type: 'DOUBLE', nullable: false, encoding: 'PLAIN' }],
    });
    const meta = parquetMetadata(buffer).row_groups[0]!.columns[0]!.meta_data!;
    expect(Number(meta.total_uncompressed_size)).toBeGreaterThan(8 << 20);
    const path = join(folder, 'big-page.parquet');
    writeFileSync(path, new Uint8Array(buffer));
    const { v } = await (await openParquet(path)).readAll();
    expect(v).toBeInstanceOf(Float64Array);
    // Byte comparison: toEqual walks 1.1M elements slowly.
    const got = v as Float64Array;
    expect(got.length).toBe(rows);
    expect(
      Buffer.compare(
        Buffer.from(got.buffer, got.byteOffset, got.byteLength),
        Buffer.from(values.buffer),
      ),
    ).toBe(0);
  });

  it('matches hyparquet on random columns, encodings, codecs, page and row group sizes (property)', async () => {
    type Spec = {
      type: 'INT32' | 'INT64' | 'DOUBLE' | 'FLOAT' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP';
      encodings: string[];
    };
    const specs: Spec[] = [
      { type: 'INT32', encodings: ['PLAIN', 'RLE_DICTIONARY', 'DELTA_BINARY_PACKED'] },
      { type: 'INT64', encodings: ['PLAIN', 'RLE_DICTIONARY', 'DELTA_BINARY_PACKED'] },
      { type: 'DOUBLE', encodings: ['PLAIN', 'RLE_DICTIONARY', 'BYTE_STREAM_SPLIT'] },
      { type: 'FLOAT', encodings: ['PLAIN', 'RLE_DICTIONARY', 'BYTE_STREAM_SPLIT'] },
      { type: 'BOOLEAN', encodings: ['PLAIN', 'RLE'] },
      {
        type: 'STRING',
        encodings: ['PLAIN', 'RLE_DICTIONARY', 'DELTA_LENGTH_BYTE_ARRAY', 'DELTA_BYTE_ARRAY'],
      },
      { type: 'TIMESTAMP', encodings: ['PLAIN', 'RLE_DICTIONARY', 'DELTA_BINARY_PACKED'] },
    ];
    const sampleValue = (type: Spec['type'], seed: number, distinct: number): unknown => {
      const k = seed % distinct;
      switch (type) {
        case 'INT32':
          return (k * 2654435761) | 0;
        case 'INT64':
          return BigInt.asIntN(64, BigInt(k) * 0x9e3779b97f4a7c15n);
        case 'DOUBLE':
          return k % 7 === 0 ? -k / 3 : k * 1e-3;
        case 'FLOAT':
          return Math.fround(k / 9);
        case 'BOOLEAN':
          return k % 2 === 0;
        case 'STRING':
          return k % 5 === 0 ? `ü-${k}` : `value-${k}-${'x'.repeat(k % 17)}`;
        case 'TIMESTAMP':
          return new Date(Date.UTC(2000, 0, 1) + k * 86_399_123);
      }
    };
    const column = fc.record({
      spec: fc.constantFrom(...specs),
      encodingIndex: fc.nat(3),
      nullEvery: fc.constantFrom(0, 2, 3, 10),
      distinct: fc.constantFrom(1, 3, 50, 100000),
      nullable: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 1, max: 600 }),
          rowGroupSize: fc.integer({ min: 50, max: 700 }),
          pageSize: fc.constantFrom(64, 500, 1 << 20),
          codec: fc.constantFrom('UNCOMPRESSED', 'SNAPPY', 'GZIP'),
          columns: fc.array(column, { minLength: 1, maxLength: 4 }),
          seed: fc.nat(1000),
        }),
        async ({ rows, rowGroupSize, pageSize, codec, columns, seed }) => {
          const columnData = columns.map(
            ({ spec, encodingIndex, nullEvery, distinct, nullable }, index) => {
              const encoding = spec.encodings[encodingIndex % spec.encodings.length]!;
              const withNulls = nullable && nullEvery > 0;
              const data = Array.from({ length: rows }, (_, row) =>
                withNulls && (row + seed) % nullEvery === 0
                  ? null
                  : sampleValue(spec.type, row * 7 + seed, distinct),
              );
              return {
                name: `c${index}`,
                data:
                  spec.type === 'INT32' && !withNulls ? Int32Array.from(data as number[]) : data,
                type: spec.type,
                nullable,
                ...(encoding === 'RLE_DICTIONARY' ? {} : { encoding }),
              };
            },
          );
          const bytes = new Uint8Array(
            parquetWriteBuffer({
              codec,
              compressors: { GZIP: (input: Uint8Array) => gzipSync(input) },
              rowGroupSize,
              pageSize,
              columnData: columnData as Parameters<typeof parquetWriteBuffer>[0]['columnData'],
            }),
          );
          // Every column of these types and encodings decodes on the fast path alone.
          expect(Object.keys(fastColumns(bytes))).toHaveLength(columns.length);
          const fast = await openParquet(bytes);
          const general = await openParquet(bytes, { fastPath: false });
          const names = fast.schema.columns.map((entry) => entry.name);
          const all = await fast.readAll();
          const reference = await general.readAll();
          for (const name of names) {
            expect(all[name]!.constructor, name).toBe(reference[name]!.constructor);
            expect(all[name], name).toEqual(reference[name]);
          }
          for (const group of fast.rowGroups) {
            const a = await fast.read(group, names);
            const b = await general.read(group, names);
            expect(a.columns).toEqual(b.columns);
          }
        },
      ),
      { numRuns: 60, seed: 20261126 },
    );
  });

  it('returns typed arrays for optional columns without nulls and plain arrays with nulls', async () => {
    const path = join(folder, 'duck-types.parquet');
    await duck.run(`COPY (${SELECT}) TO '${path}' (FORMAT parquet)`);
    const [columns] = await compareOpen(path);
    expect(columns!.id).toBeInstanceOf(Int32Array);
    expect(columns!.x).toBeInstanceOf(Float64Array);
    expect(columns!.y).toBeInstanceOf(Float32Array);
    expect(columns!.big).toBeInstanceOf(BigInt64Array);
    expect(columns!.at_us).toBeInstanceOf(Float64Array);
    expect(columns!.at_ms).toBeInstanceOf(Float64Array);
    expect(Array.isArray(columns!.id_null)).toBe(true);
    expect(Array.isArray(columns!.big_null)).toBe(true);
    expect(Array.isArray(columns!.flag)).toBe(true);
  });

  it('decodes files written by writeParquet (several row groups, nulls, categories) as hyparquet does', async () => {
    const rows = 3000;
    const path = join(folder, 'ours.parquet');
    await writeParquet(
      path,
      {
        id: Int32Array.from({ length: rows }, (_, index) => index - 100),
        price: Float64Array.from({ length: rows }, (_, index) => index / 7),
        weight: Float32Array.from({ length: rows }, (_, index) => index / 4),
        big: BigInt64Array.from({ length: rows }, (_, index) => BigInt(index) * 10_000_000_000n),
        zone: Array.from({ length: rows }, (_, index) =>
          index % 11 === 0 ? null : `zone_${index % 40}`,
        ),
        kind: Array.from({ length: rows }, (_, index) => ['a', 'b', 'c'][index % 3]!),
        flag: Array.from({ length: rows }, (_, index) =>
          index % 13 === 0 ? null : index % 2 === 0,
        ),
        score: Array.from({ length: rows }, (_, index) => (index % 17 === 0 ? null : index * 0.5)),
        at: Float64Array.from({ length: rows }, (_, index) =>
          index % 19 === 0 ? Number.NaN : Date.UTC(2020, 0, 1) + index * 1000,
        ),
      },
      {
        rowGroupRows: 1024,
        schema: {
          columns: [
            { name: 'id', type: 'int32' },
            { name: 'price', type: 'float64' },
            { name: 'weight', type: 'float32' },
            { name: 'big', type: 'int64' },
            { name: 'zone', type: 'string', nullable: true },
            { name: 'kind', type: 'category', categories: ['a', 'b', 'c'] },
            { name: 'flag', type: 'bool', nullable: true },
            { name: 'score', type: 'float64', nullable: true },
            { name: 'at', type: 'timestamp', nullable: true },
          ],
        },
      },
    );
    const chunks = await compareOpen(path);
    expect(chunks).toHaveLength(3);
    const fast = fastColumns(path);
    expect(Object.keys(fast)).toHaveLength(9);
    expect(fast.id![2999]).toBe(2899);
    expect(fast.zone![11]).toBeNull();
    expect(fast.zone![12]).toBe('zone_12');
    expect(fast.kind![4]).toBe('b');
    expect(fast.flag![13]).toBeNull();
    expect(fast.score![17]).toBeNull();
    expect(fast.at![19]).toBeNaN();
    expect(fast.at![20]).toBe(Date.UTC(2020, 0, 1) + 20_000);
    expect(fast.big![2999]).toBe(29_990_000_000_000n);
  });

  it('decodes DuckDB Parquet v2 files (delta, byte-stream-split, decimals) and falls back per column for the rest', async () => {
    const path = join(folder, 'duck-v2.parquet');
    const extra = `((i % 1000)::DECIMAL(9, 2) / 7)::DECIMAL(12, 4) AS amount,
      CASE WHEN i % 4 = 0 THEN NULL ELSE (i - 1250)::DECIMAL(9, 2) / 8 END AS small_amount,
      ((i - 1250)::DECIMAL(38, 6) / 3)::DECIMAL(38, 6) AS wide_amount,
      (CASE WHEN i = 1507 THEN 100000000000000000000 ELSE i END)::DECIMAL(38, 0) AS huge,
      i::UINTEGER AS u32,
      TIME '10:00:00' + INTERVAL (i) SECOND AS clock,
      uuid() AS id_uuid`;
    await duck.run(
      `COPY (SELECT *, ${extra} FROM (${SELECT.replace('FROM range(2500) r(i)', ', i FROM range(2500) r(i)')}))
       TO '${path}' (FORMAT parquet, COMPRESSION snappy, PARQUET_VERSION V2, ROW_GROUP_SIZE 1000)`,
    );
    const metadata = parquetMetadata(new Uint8Array(readFileSync(path)).buffer);
    const encodings = new Set(
      metadata.row_groups.flatMap((group) =>
        group.columns.flatMap((chunk) => chunk.meta_data!.encodings),
      ),
    );
    expect([...encodings]).toEqual(
      expect.arrayContaining([
        'DELTA_BINARY_PACKED',
        'DELTA_LENGTH_BYTE_ARRAY',
        'BYTE_STREAM_SPLIT',
      ]),
    );
    const chunks = await compareOpen(path);
    expect(chunks.length).toBeGreaterThan(1);
    // Unsigned ints, TIME, UUID and a DECIMAL beyond 2^53 take the general path; the rest is fast.
    const fallback = ['u32', 'clock', 'id_uuid', 'huge'];
    const fast = fastColumns(path, fallback);
    expect(Object.keys(fast)).toHaveLength(26);
    for (const name of fallback) expect(fast[name]).toBeUndefined();
    expect(fast.id![2499]).toBe(2499);
    expect(fast.at_ns![2]).toBe(Date.UTC(2024, 0, 1, 0, 0, 2) + 0.002);
    expect(fast.text![41]).toBe('row-41x');
    expect(fast.amount![700]).toBeCloseTo(100, 6);
    expect(fast.small_amount![0]).toBeNull();
    expect(fast.small_amount![1]).toBeCloseTo(-156.125, 6);
    expect(fast.wide_amount![1]).toBeCloseTo(-416.333333, 6);
    const source = await openParquet(path);
    const [first] = source.rowGroups;
    const read = await source.read(first!, ['huge', 'u32', 'clock', 'id_uuid', 'x']);
    expect(read.columns.huge![8]).toBe(8);
    // 'huge' decodes fast in the first row group and falls back in the second (a value beyond
    // 2^53): the whole-file read still returns the column.
    const all = await source.readAll(['x', 'huge']);
    expect(Object.keys(all)).toEqual(['x', 'huge']);
    expect(all.huge![1507]).toBe(1e20);
    expect(all.huge![2499]).toBe(2499);
    expect(read.columns.u32![999]).toBe(999n);
    expect(read.columns.clock![1]).toBe(36_001_000_000n);
    expect(read.columns.id_uuid![0]).toMatch(/^[0-9a-f]{8}-/);
    expect(read.columns.x![2]).toBe(3);
  });

  it('decodes every delta encoding hyparquet-writer writes (int32, int64 wide deltas, strings) as hyparquet does', async () => {
    const rows = 5000;
    const column = <T>(make: (index: number) => T) =>
      Array.from({ length: rows }, (_, i) => make(i));
    // Wide swings make miniblock bit widths above 32 for INT64 and wrap-around deltas for INT32.
    const swing = (i: number) => (i % 2 === 0 ? 1n : -1n) * (BigInt(i) * 982451653n) ** 2n;
    const buffer = parquetWriteBuffer({
      codec: 'UNCOMPRESSED',
      pageSize: 4000,
      rowGroupSize: 3000,
      columnData: [
        {
          name: 'small',
          data: Int32Array.from(column((i) => i * 7 - 300)),
          type: 'INT32',
          nullable: false,
          encoding: 'DELTA_BINARY_PACKED',
        },
        {
          name: 'wrap',
          data: Int32Array.from(column((i) => (i % 3 === 0 ? 2147483647 - i : -2147483648 + i))),
          type: 'INT32',
          nullable: false,
          encoding: 'DELTA_BINARY_PACKED',
        },
        {
          name: 'wide',
          data: column((i) => (i % 10 === 0 ? null : BigInt.asIntN(64, swing(i)))),
          type: 'INT64',
          encoding: 'DELTA_BINARY_PACKED',
        },
        {
          name: 'when',
          data: column((i) => new Date(Date.UTC(1950, 0, 1) + i * 3_600_123)),
          type: 'TIMESTAMP',
          nullable: false,
          encoding: 'DELTA_BINARY_PACKED',
        },
        {
          name: 'lengths',
          data: column((i) => (i % 6 === 0 ? null : `v${i % 30}-${'ü'.repeat(i % 4)}`)),
          type: 'STRING',
          encoding: 'DELTA_LENGTH_BYTE_ARRAY',
        },
        {
          name: 'prefixed',
          data: column(
            (i) => `/data/shard-${String(Math.floor(i / 7)).padStart(5, '0')}/part-${i % 7}`,
          ),
          type: 'STRING',
          nullable: false,
          encoding: 'DELTA_BYTE_ARRAY',
        },
      ],
    });
    const path = join(folder, 'hyparquet-delta.parquet');
    writeFileSync(path, new Uint8Array(buffer));
    const metadata = parquetMetadata(buffer);
    expect(metadata.row_groups[0]!.columns.map((chunk) => chunk.meta_data!.encodings)).toEqual(
      expect.arrayContaining([
        expect.arrayContaining(['DELTA_BINARY_PACKED']),
        expect.arrayContaining(['DELTA_LENGTH_BYTE_ARRAY']),
        expect.arrayContaining(['DELTA_BYTE_ARRAY']),
      ]),
    );
    await compareOpen(path);
    const fast = fastColumns(path);
    expect(Object.keys(fast)).toHaveLength(6);
    expect(fast.small![4999]).toBe(4999 * 7 - 300);
    expect(fast.wrap![3]).toBe(2147483644);
    expect(fast.wrap![4]).toBe(-2147483644);
    expect(fast.wide![10]).toBeNull();
    expect(fast.wide![4999]).toBe(BigInt.asIntN(64, swing(4999)));
    expect(fast.when![4321]).toBe(Date.UTC(1950, 0, 1) + 4321 * 3_600_123);
    expect(fast.lengths![7]).toBe('v7-üüü');
    expect(fast.prefixed![4998]).toBe('/data/shard-00714/part-0');
  });

  it('reads row ranges that are not whole row groups through the general path', async () => {
    const path = join(folder, 'duck-range.parquet');
    await duck.run(`COPY (${SELECT}) TO '${path}' (FORMAT parquet)`);
    const source = await openParquet(path);
    const part = await source.read({ rowStart: 10, rowEnd: 20 }, ['id', 'label']);
    expect(part.length).toBe(10);
    expect(Array.from(part.columns.id as Int32Array)).toEqual(
      Array.from({ length: 10 }, (_, index) => 10 + index),
    );
    expect(part.columns.label![2]).toBeNull();
  });

  it('throws a ValidationError naming the file and column for a corrupt page header', async () => {
    const path = join(folder, 'duck-corrupt.parquet');
    await duck.run(`COPY (${SELECT}) TO '${path}' (FORMAT parquet, COMPRESSION uncompressed)`);
    const bytes = new Uint8Array(readFileSync(path));
    const metadata = parquetMetadata(bytes.buffer.slice(0));
    const meta = metadata.row_groups[0]!.columns[2]!.meta_data!; // x
    const { start } = chunkRange(meta);
    bytes.fill(0xff, start, start + 4);
    const source = await openParquet(bytes);
    const error = await source.read(source.rowGroups[0]!, ['id', 'x']).catch((caught) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('column "x"');
    expect((error as Error).message).toContain('The bytes');
    const whole = await source.readAll(['id', 'x']).catch((caught) => caught);
    expect(whole).toBeInstanceOf(ValidationError);
    expect((whole as Error).message).toContain('column "x"');
  });

  it('throws a ValidationError (never hangs, never returns short data) on truncated or damaged chunks', async () => {
    const v1 = join(folder, 'duck-damage.parquet');
    const v2 = join(folder, 'duck-damage-v2.parquet');
    await duck.run(`COPY (${SELECT}) TO '${v1}' (FORMAT parquet, COMPRESSION snappy)`);
    await duck.run(
      `COPY (${SELECT}) TO '${v2}' (FORMAT parquet, COMPRESSION uncompressed, PARQUET_VERSION V2)`,
    );
    for (const path of [v1, v2]) {
      const bytes = new Uint8Array(readFileSync(path));
      const metadata = parquetMetadata(bytes.buffer.slice(0));
      const schema = tableSchemaOf(metadata);
      const group = metadata.row_groups[0]!;
      let validationErrors = 0;
      for (const column of schema.columns) {
        const element = metadata.schema.find((candidate) => candidate.name === column.name)!;
        const plan = planFastColumn(element, column)!;
        const meta = group.columns.find(
          (chunk) => chunk.meta_data?.path_in_schema[0] === column.name,
        )!.meta_data!;
        const range = chunkRange(meta);
        const chunk = bytes.subarray(range.start, range.end);
        const target = {
          column: plan,
          rows: Number(group.num_rows),
          codec: meta.codec,
          file: path,
          rowGroup: 0,
        };
        // Truncated: always an error.
        for (const cut of [1, 7, Math.floor(chunk.length / 2)]) {
          expect(() => decodeColumnChunk(chunk.subarray(0, chunk.length - cut), target)).toThrow(
            ValidationError,
          );
          validationErrors++;
        }
        // Damaged bytes: an error or a column of the right length, nothing else.
        const step = Math.max(1, Math.floor(chunk.length / 60));
        for (let position = 0; position < chunk.length; position += step) {
          for (const value of [0x00, 0xff, chunk[position]! ^ 0x10]) {
            const damaged = chunk.slice();
            damaged[position] = value;
            try {
              const values = decodeColumnChunk(damaged, target);
              expect(values.length).toBe(target.rows);
            } catch (error) {
              if (!(error instanceof UnsupportedChunk))
                expect(error).toBeInstanceOf(ValidationError);
            }
          }
        }
      }
      expect(validationErrors).toBe(schema.columns.length * 3);
    }
  });
});
