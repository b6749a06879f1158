import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  type Columns,
  inferSchema,
  NotFoundError,
  type Rows,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import type { Table } from 'apache-arrow';
import type { RawChunk } from '../table/normalize.js';
import { isArrowTable, rawChunkOfArrow, schemaOfArrow } from './arrow.js';
import { type CsvOptions, inferCsvSchema, readCsv } from './csv.js';
import { openParquet } from './parquet.js';

/** One piece of in-memory data: row objects, column arrays, or an Apache Arrow table. */
export type DataChunk = Rows | Columns | Table;

/**
 * What `commit` accepts: row objects, column arrays, an Arrow table, a path (or `file:` URL) of a
 * CSV/TSV or Parquet file, or an (async) iterable of in-memory chunks for data larger than memory.
 * A chunk's arrays are used in place until the commit has written them (up to a row group or
 * 262,144 rows later): an iterable must yield fresh arrays, not refill the same ones.
 */
export type DataInput = DataChunk | string | URL | AsyncIterable<DataChunk> | Iterable<DataChunk>;

/** An input opened for reading: chunks plus the schema the input itself declares, if any. */
export interface OpenedInput {
  /** Schema the input declares (Arrow, Parquet), or undefined. */
  schema: TableSchema | undefined;
  /** The data, in chunks. */
  chunks: AsyncIterable<RawChunk>;
  /** Infers a schema (from all in-memory data, or from the first chunk of a stream). */
  infer: (first: RawChunk) => TableSchema;
}

function rowsToChunk(rows: Rows): RawChunk {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) {
      throw new ValidationError(
        'Every row must be an object of column values; got a non-object row',
      );
    }
    const prototype = Object.getPrototypeOf(row);
    if (prototype === Object.prototype || prototype === null) {
      // Plain objects: for...in visits exactly the own enumerable keys, without the array that
      // Object.keys allocates per row (measured ~20% of writing 200,000 row objects).
      for (const key in row) {
        if (!seen.has(key)) {
          seen.add(key);
          names.push(key);
        }
      }
    } else {
      for (const key of Object.keys(row)) {
        if (!seen.has(key)) {
          seen.add(key);
          names.push(key);
        }
      }
    }
  }
  const columns: Record<string, unknown[]> = {};
  for (const name of names) {
    const values = new Array<unknown>(rows.length);
    for (let index = 0; index < rows.length; index++) values[index] = rows[index]![name];
    columns[name] = values;
  }
  return { length: rows.length, columns };
}

function columnsToChunk(columns: Columns): RawChunk {
  const entries = Object.entries(columns);
  for (const [name, values] of entries) {
    if (!(Array.isArray(values) || ArrayBuffer.isView(values))) {
      throw new ValidationError(
        `Column "${name}" must be an array or typed array; got ${typeof values}`,
      );
    }
  }
  return { length: entries[0]?.[1].length ?? 0, columns: Object.fromEntries(entries) };
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (Symbol.asyncIterator in value ||
      (Symbol.iterator in value && !Array.isArray(value) && !ArrayBuffer.isView(value)))
  );
}

/** Converts one in-memory chunk to raw columns. */
export function toRawChunk(chunk: DataChunk): RawChunk {
  if (isArrowTable(chunk)) return rawChunkOfArrow(chunk);
  if (Array.isArray(chunk)) return rowsToChunk(chunk as Rows);
  if (typeof chunk === 'object' && chunk !== null) return columnsToChunk(chunk as Columns);
  throw new ValidationError(
    `Cannot read a chunk of type ${typeof chunk}; give row objects, column arrays or an Arrow table`,
  );
}

function inferMemory(chunk: DataChunk, raw: RawChunk): TableSchema {
  if (isArrowTable(chunk)) return schemaOfArrow(chunk);
  return inferSchema(raw.columns as Columns);
}

async function* single(chunk: RawChunk): AsyncGenerator<RawChunk> {
  // An in-memory table is already whole in memory: pieces would only add copies (the writer
  // splits row groups without copying).
  yield chunk;
}

async function isParquetFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`File ${path} does not exist; check the path`, { cause: error });
    }
    throw new ValidationError(
      `File ${path} cannot be opened (${(error as Error).message}); check the path`,
      [],
      { cause: error },
    );
  });
  try {
    const magic = Buffer.alloc(4);
    await handle.read(magic, 0, 4, 0);
    return magic.toString('latin1') === 'PAR1';
  } finally {
    await handle.close();
  }
}

/** Opens any {@link DataInput} as a stream of raw chunks. */
export async function openInput(data: DataInput, csv: CsvOptions = {}): Promise<OpenedInput> {
  if (typeof data === 'string' || data instanceof URL) {
    const path = data instanceof URL ? fileURLToPath(data) : data;
    if (await isParquetFile(path)) {
      const source = await openParquet(path);
      const names = source.schema.columns.map((column) => column.name);
      return {
        schema: source.schema,
        infer: () => source.schema,
        chunks: (async function* () {
          for (const group of source.rowGroups) yield await source.read(group, names);
        })(),
      };
    }
    return { schema: undefined, chunks: readCsv(path, csv), infer: inferCsvSchema };
  }
  if (
    isArrowTable(data) ||
    Array.isArray(data) ||
    (typeof data === 'object' && data !== null && !isIterable(data))
  ) {
    const chunk = data as DataChunk;
    const raw = toRawChunk(chunk);
    return {
      schema: isArrowTable(chunk) ? schemaOfArrow(chunk) : undefined,
      chunks: single(raw),
      infer: () => inferMemory(chunk, raw),
    };
  }
  if (isIterable(data)) {
    let first: DataChunk | undefined;
    const chunks = (async function* () {
      for await (const chunk of data as AsyncIterable<DataChunk>) {
        first ??= chunk;
        yield* single(toRawChunk(chunk));
      }
    })();
    return {
      schema: undefined,
      chunks,
      infer: (raw) => {
        const schema =
          first !== undefined && isArrowTable(first)
            ? schemaOfArrow(first)
            : inferSchema(raw.columns as Columns);
        // Later chunks may hold nulls the first one did not.
        return { columns: schema.columns.map((column) => ({ ...column, nullable: true })) };
      },
    };
  }
  throw new ValidationError(
    `Cannot commit a value of type ${typeof data}; give row objects, column arrays, an Arrow table, a CSV/Parquet path or an async iterable of chunks`,
  );
}
