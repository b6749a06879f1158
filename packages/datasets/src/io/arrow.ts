import {
  type ColumnSchema,
  type ColumnType,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import {
  Bool,
  type DataType,
  Dictionary,
  Float32,
  Float64,
  Int32,
  Int64,
  Table,
  TimestampMillisecond,
  Type,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import type { ColumnChunk, ColumnData } from '../table/column-chunk.js';
import type { RawChunk } from '../table/normalize.js';

/** Structural check for an Apache Arrow table (works across duplicate installs of apache-arrow). */
export function isArrowTable(value: unknown): value is Table {
  if (value instanceof Table) return true;
  const candidate = value as Partial<Table> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.getChild === 'function' &&
    typeof candidate.numRows === 'number' &&
    Array.isArray(candidate.schema?.fields)
  );
}

function columnTypeOfArrow(type: DataType): ColumnType | undefined {
  switch (type.typeId) {
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      return precision === 2 ? 'float64' : 'float32';
    }
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      return bitWidth < 32 || (bitWidth === 32 && isSigned) ? 'int32' : 'int64';
    }
    case Type.Bool:
      return 'bool';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Dictionary: {
      const dictionary = (type as unknown as { dictionary: DataType }).dictionary;
      return dictionary.typeId === Type.Utf8 || dictionary.typeId === Type.LargeUtf8
        ? 'category'
        : undefined;
    }
    case Type.Timestamp:
    case Type.Date:
      return 'timestamp';
    case Type.Decimal:
      return 'float64';
    default:
      return undefined;
  }
}

/** The table schema of an Arrow table. @throws ValidationError for unsupported column types. */
export function schemaOfArrow(table: Table): TableSchema {
  const columns: ColumnSchema[] = [];
  const issues: { path: string[]; message: string }[] = [];
  for (const field of table.schema.fields) {
    const type = columnTypeOfArrow(field.type);
    if (type === undefined) {
      issues.push({
        path: [field.name],
        message: `has unsupported Arrow type ${String(field.type)}; cast it to a number, string or timestamp`,
      });
      continue;
    }
    columns.push({
      name: field.name,
      type,
      nullable: field.nullable || (table.getChild(field.name)?.nullCount ?? 0) > 0,
    });
  }
  if (issues.length > 0)
    throw new ValidationError('This Arrow table has columns mlinfra cannot store', issues);
  return { columns };
}

/** The columns of an Arrow table as raw arrays (typed arrays where there are no nulls). */
export function rawChunkOfArrow(table: Table): RawChunk {
  const columns: Record<string, ArrayLike<unknown>> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name) as Vector | null;
    if (vector === null) continue;
    const typeId = field.type.typeId;
    const numeric = typeId === Type.Float || typeId === Type.Int;
    columns[field.name] =
      numeric && vector.nullCount === 0 ? (vector.toArray() as ArrayLike<unknown>) : [...vector];
  }
  return { length: table.numRows, columns };
}

function arrowTypeOf(column: ColumnSchema): DataType {
  switch (column.type) {
    case 'float64':
      return new Float64();
    case 'float32':
      return new Float32();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'bool':
      return new Bool();
    case 'string':
      return new Utf8();
    case 'category':
      return new Dictionary(new Utf8(), new Int32());
    case 'timestamp':
      return new TimestampMillisecond();
  }
}

/** Builds an Arrow table from a normalised chunk. */
export function chunkToArrow(schema: TableSchema, chunk: ColumnChunk): Table {
  const vectors: Record<string, Vector> = {};
  for (const column of schema.columns) {
    const values = chunk.columns[column.name];
    if (values === undefined) continue;
    const type = arrowTypeOf(column);
    let input: ColumnData | Array<number | null> = values;
    if (column.type === 'timestamp') {
      input = (values as Array<Date | null>).map((value) =>
        value === null ? null : value.getTime(),
      );
    }
    vectors[column.name] = vectorFromArray(input as unknown as number[], type as Float64);
  }
  return new Table(vectors);
}
