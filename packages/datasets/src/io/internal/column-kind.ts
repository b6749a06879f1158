// What a column's values are stored as and what they become: the fast-path plan of a column,
// the buffers its dense values go to, and the canonical ColumnData built from them.
import type { ColumnSchema } from '@mlinfra/core';
import type { SchemaElement } from 'hyparquet';
import type { CellValue, ColumnData } from '../../table/column-chunk.js';

/** How the values of a column are stored and what they become. */
export type Kind =
  | 'float64'
  | 'float32'
  | 'int32'
  | 'int64'
  | 'date'
  | 'millis'
  | 'micros'
  | 'nanos'
  | 'int96'
  | 'decimal32'
  | 'decimal64'
  | 'decimalFixed'
  | 'bool'
  | 'string';

/** What the fast path needs to know about one column. */
export interface FastColumn {
  /** Column name (for errors). */
  name: string;
  kind: Kind;
  /** Whether definition levels are present (max definition level 1). */
  optional: boolean;
  /** DECIMAL kinds: the factor `10 ** -scale` the unscaled integers are multiplied by. */
  factor: number;
  /** `decimalFixed`: bytes per value. */
  typeLength: number;
}

/**
 * The fast-path plan for a top-level leaf column, or undefined when its Parquet type and the
 * column type need a conversion the fast path does not do (the general path handles them).
 * The conversions mirror what hyparquet plus `canonical()` produce, value for value.
 */
export function planFastColumn(
  element: SchemaElement,
  column: ColumnSchema,
): FastColumn | undefined {
  if ((element.num_children ?? 0) > 0 || element.repetition_type === 'REPEATED') return undefined;
  const kind = kindOf(element, column.type);
  if (kind === undefined) return undefined;
  return {
    name: column.name,
    kind,
    optional: element.repetition_type !== 'REQUIRED',
    factor: 10 ** -(element.scale || 0),
    typeLength: element.type_length ?? 0,
  };
}

function kindOf(element: SchemaElement, type: ColumnSchema['type']): Kind | undefined {
  const converted = element.converted_type;
  const logical = element.logical_type;
  switch (element.type) {
    case 'DOUBLE':
      return type === 'float64' && converted === undefined && logical === undefined
        ? 'float64'
        : undefined;
    case 'FLOAT':
      return type === 'float32' && converted === undefined && logical === undefined
        ? 'float32'
        : undefined;
    case 'BOOLEAN':
      return type === 'bool' ? 'bool' : undefined;
    case 'INT32': {
      if (converted === 'DATE') return type === 'timestamp' ? 'date' : undefined;
      if (converted === 'DECIMAL') return type === 'float64' ? 'decimal32' : undefined;
      const plain =
        (converted === undefined ||
          converted === 'INT_8' ||
          converted === 'INT_16' ||
          converted === 'INT_32') &&
        (logical === undefined || (logical.type === 'INTEGER' && logical.isSigned));
      return plain && type === 'int32' ? 'int32' : undefined;
    }
    case 'INT64': {
      if (converted === 'DECIMAL') return type === 'float64' ? 'decimal64' : undefined;
      if (type === 'timestamp') {
        if (converted === 'TIMESTAMP_MILLIS') return 'millis';
        if (converted === 'TIMESTAMP_MICROS') return 'micros';
        if (converted === undefined && logical?.type === 'TIMESTAMP') {
          return logical.unit === 'MICROS'
            ? 'micros'
            : logical.unit === 'NANOS'
              ? 'nanos'
              : 'millis';
        }
        return undefined;
      }
      const plain =
        (converted === undefined || converted === 'INT_64') &&
        (logical === undefined || (logical.type === 'INTEGER' && logical.isSigned));
      return plain && type === 'int64' ? 'int64' : undefined;
    }
    case 'FIXED_LEN_BYTE_ARRAY':
      return converted === 'DECIMAL' && type === 'float64' && (element.type_length ?? 0) > 0
        ? 'decimalFixed'
        : undefined;
    case 'INT96':
      // Legacy timestamps (Spark's default): hyparquet converts them only without annotations.
      return type === 'timestamp' && converted === undefined && logical === undefined
        ? 'int96'
        : undefined;
    case 'BYTE_ARRAY': {
      if (type !== 'string' && type !== 'category') return undefined;
      const text =
        (converted === undefined ||
          converted === 'UTF8' ||
          converted === 'ENUM' ||
          converted === 'JSON') &&
        (logical === undefined ||
          logical.type === 'STRING' ||
          logical.type === 'ENUM' ||
          logical.type === 'JSON');
      return text ? 'string' : undefined;
    }
    default:
      return undefined;
  }
}

/** Dense (non-null) values of a chunk, in the representation of its kind. */
export type Dense =
  | Float64Array
  | Float32Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | string[];

export function denseFor(kind: Kind, length: number): Dense {
  switch (kind) {
    case 'float64':
    case 'date':
    case 'millis':
    case 'micros':
    case 'nanos':
    case 'int96':
    case 'decimal32':
    case 'decimal64':
    case 'decimalFixed':
      return new Float64Array(length);
    case 'float32':
      return new Float32Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'bool':
      return new Uint8Array(length);
    case 'string':
      return new Array<string>(length);
  }
}

/** Bytes per PLAIN value of a fixed-width kind. */
export function plainWidth(kind: Kind, typeLength: number): number {
  switch (kind) {
    case 'decimal32':
      return 4;
    case 'decimal64':
      return 8;
    case 'decimalFixed':
      return typeLength;
    case 'float64':
    case 'int64':
    case 'millis':
    case 'micros':
    case 'nanos':
      return 8;
    case 'float32':
    case 'int32':
    case 'date':
      return 4;
    case 'int96':
      return 12;
    default:
      return 0;
  }
}

/** The canonical ColumnData of dense values plus definition levels. */
export function toColumnData(
  kind: Kind,
  dense: Dense,
  levels: Uint8Array | undefined,
  rows: number,
  present: number,
): ColumnData {
  const nulls = present < rows;
  if (kind === 'bool') {
    const bits = dense as Uint8Array;
    const out = new Array<CellValue>(rows);
    if (!nulls) {
      for (let index = 0; index < rows; index++) out[index] = bits[index] === 1;
    } else {
      let next = 0;
      for (let index = 0; index < rows; index++)
        out[index] = levels![index] === 1 ? bits[next++] === 1 : null;
    }
    return out;
  }
  if (!nulls) return dense as ColumnData;
  if (
    kind === 'date' ||
    kind === 'millis' ||
    kind === 'micros' ||
    kind === 'nanos' ||
    kind === 'int96'
  ) {
    const values = dense as Float64Array;
    const out = new Float64Array(rows);
    let next = 0;
    for (let index = 0; index < rows; index++)
      out[index] = levels![index] === 1 ? values[next++]! : Number.NaN;
    return out;
  }
  const values = dense as ArrayLike<CellValue>;
  const out = new Array<CellValue>(rows);
  let next = 0;
  for (let index = 0; index < rows; index++)
    out[index] = levels![index] === 1 ? values[next++]! : null;
  return out;
}
