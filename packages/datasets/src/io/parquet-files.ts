import { stat } from 'node:fs/promises';
import { parseSchema, type TableSchema, ValidationError } from '@mlinfra/core';
import type { ColumnData } from '../table/column-chunk.js';
import { ChunkNormalizer } from '../table/normalize.js';
import { IssueCollector } from '../validation/issue-collector.js';
import { openParquet } from './parquet.js';
import { type ParquetCodec, ParquetFileWriter } from './parquet-write.js';
import { type DataInput, openInput } from './sources.js';

/** Options of {@link readParquet}. */
export interface ReadParquetOptions {
  /** Columns to read. Default: all. */
  columns?: string[];
}

/**
 * Reads a whole Parquet file (a path or bytes) into column arrays, in the representation of
 * {@link ColumnData}. Reads files written by pyarrow, Polars, Spark, DuckDB and others (snappy,
 * gzip, zstd, lz4, brotli; plain and dictionary encodings).
 * @throws ValidationError when the file is not Parquet, has nested columns, or lacks a requested column.
 */
export async function readParquet(
  file: string | Uint8Array,
  options: ReadParquetOptions = {},
): Promise<{ schema: TableSchema; rowCount: number; columns: Record<string, ColumnData> }> {
  const source = await openParquet(file);
  const names = options.columns ?? source.schema.columns.map((column) => column.name);
  const schema: TableSchema = {
    columns: names.map((name) => {
      const column = source.schema.columns.find((candidate) => candidate.name === name);
      if (column === undefined) {
        throw new ValidationError(
          `Column "${name}" is not in the file; it has ${source.schema.columns.map((c) => c.name).join(', ')}`,
        );
      }
      return column;
    }),
  };
  return { schema, rowCount: source.rowCount, columns: await source.readAll(names) };
}

/** Options of {@link writeParquet}. */
export interface WriteParquetOptions {
  /** Schema to write and enforce. Default: inferred from the data. */
  schema?: TableSchema;
  /** Compression codec. Default `'snappy'`. */
  codec?: ParquetCodec;
  /** Rows per row group. Default 65536. */
  rowGroupRows?: number;
}

/**
 * Writes data (rows, columns, an Arrow table, a CSV path or an async iterable of chunks) to a
 * Parquet file that DuckDB, pyarrow and Spark read. The schema goes into the file metadata.
 * @returns rows written and file size in bytes.
 * @throws ValidationError listing every value that does not fit the schema (the file is then incomplete; delete it).
 */
export async function writeParquet(
  path: string,
  data: DataInput,
  options: WriteParquetOptions = {},
): Promise<{ rows: number; sizeBytes: number }> {
  const input = await openInput(data);
  const iterator = input.chunks[Symbol.asyncIterator]();
  let next = await iterator.next();
  let schema = options.schema === undefined ? input.schema : parseSchema(options.schema);
  if (schema === undefined) {
    if (next.done === true)
      throw new ValidationError('Cannot infer a schema from empty data; pass { schema }');
    schema = input.infer(next.value);
  }
  const issues = new IssueCollector();
  const normalizer = new ChunkNormalizer(schema, issues);
  const writer = new ParquetFileWriter(path, schema, {
    ...(options.codec === undefined ? {} : { codec: options.codec }),
    ...(options.rowGroupRows === undefined ? {} : { rowGroupRows: options.rowGroupRows }),
  });
  try {
    while (next.done !== true) {
      const chunk = normalizer.normalize(next.value);
      if (issues.size > 0)
        throw new ValidationError(
          `Cannot write ${path}: the data does not match the schema`,
          issues.toIssues(),
        );
      writer.write(chunk);
      next = await iterator.next();
    }
    writer.finish();
  } finally {
    writer.close();
  }
  return { rows: normalizer.rows, sizeBytes: (await stat(path)).size };
}
