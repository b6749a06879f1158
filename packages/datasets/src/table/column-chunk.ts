import type { TableSchema } from '@mlinfra/core';

/** A scalar value of a dataset cell (in row objects). `int64` values are bigints, timestamps are Dates. */
export type CellValue = number | bigint | string | boolean | Date | null;

/**
 * One column's values. Without nulls: `float64` Float64Array, `float32` Float32Array, `int32`
 * Int32Array, `int64` BigInt64Array. With nulls, and for `bool`, `string` and `category`
 * columns: a plain array holding `null` for nulls. `timestamp` columns are always a
 * Float64Array of epoch milliseconds with `NaN` for null (no Date objects: compact and fast).
 */
export type ColumnData = Float64Array | Float32Array | Int32Array | BigInt64Array | CellValue[];

/** A typed-array constructor for a numeric column. */
export type NumericArrayConstructor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int32ArrayConstructor;

/**
 * The typed array that holds a column of this type without nulls (timestamps: Float64Array of
 * epoch milliseconds), or undefined for types kept in plain arrays (int64 uses BigInt64Array).
 */
export function numericArrayFor(type: string): NumericArrayConstructor | undefined {
  switch (type) {
    case 'float64':
    case 'timestamp':
      return Float64Array;
    case 'float32':
      return Float32Array;
    case 'int32':
      return Int32Array;
    default:
      return undefined;
  }
}

/** Rows of a table held as columns, all of the same `length`. */
export interface ColumnChunk {
  /** Number of rows. */
  length: number;
  /** Column name to values. */
  columns: Record<string, ColumnData>;
}

/**
 * The rows `[start, end)` of a chunk, without copying typed arrays (they become views of the same
 * memory; plain arrays are copied).
 */
export function sliceChunk(chunk: ColumnChunk, start: number, end: number): ColumnChunk {
  const columns: Record<string, ColumnData> = {};
  for (const [name, values] of Object.entries(chunk.columns)) {
    columns[name] = (
      ArrayBuffer.isView(values) ? values.subarray(start, end) : values.slice(start, end)
    ) as ColumnData;
  }
  return { length: Math.max(0, Math.min(end, chunk.length) - start), columns };
}

/** Concatenates chunks with the same columns, keeping typed arrays typed when every part is. */
export function concatChunks(schema: TableSchema, chunks: readonly ColumnChunk[]): ColumnChunk {
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const columns: Record<string, ColumnData> = {};
  for (const { name } of schema.columns) {
    const parts = chunks.map((chunk) => chunk.columns[name]).filter((part) => part !== undefined);
    columns[name] = concatColumn(parts, length);
  }
  return { length, columns };
}

type TypedColumn = Float64Array | Float32Array | Int32Array | BigInt64Array;

function concatColumn(parts: ColumnData[], length: number): ColumnData {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0];
  if (
    first !== undefined &&
    ArrayBuffer.isView(first) &&
    parts.every((part) => part.constructor === first.constructor)
  ) {
    const Constructor = first.constructor as new (length: number) => TypedColumn;
    const out = new Constructor(length);
    let offset = 0;
    for (const part of parts as TypedColumn[]) {
      (out as Float64Array).set(part as Float64Array, offset);
      offset += part.length;
    }
    return out;
  }
  // A copy loop into a preallocated array: `[].concat(...parts)` of large arrays is slower and,
  // measured on 1M-row columns, left arrays that later slices (chunking for writes) crawled over.
  const out = new Array<CellValue>(length);
  let offset = 0;
  for (const part of parts) {
    const values = part as ArrayLike<CellValue>;
    for (let index = 0; index < values.length; index++) out[offset + index] = values[index]!;
    offset += values.length;
  }
  return out;
}

/** Row objects of a chunk: timestamps become Dates (or null). */
export function chunkToRows(chunk: ColumnChunk, schema: TableSchema): Record<string, CellValue>[] {
  const rows = new Array<Record<string, CellValue>>(chunk.length);
  const names = schema.columns.map((column) => column.name);
  const arrays = schema.columns.map((column) => {
    const values = chunk.columns[column.name]!;
    if (column.type !== 'timestamp') return values;
    return Array.from(values as Float64Array, (time) =>
      Number.isNaN(time) ? null : new Date(time),
    );
  });
  for (let row = 0; row < chunk.length; row++) {
    const record: Record<string, CellValue> = {};
    for (let column = 0; column < names.length; column++)
      record[names[column]!] = arrays[column]![row] as CellValue;
    rows[row] = record;
  }
  return rows;
}
