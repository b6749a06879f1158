// Apache Arrow tables as commit input, read structurally: apache-arrow is not imported here, so
// importing the package does not load it, and tables from any copy of apache-arrow are accepted.
import {
  type ColumnSchema,
  type ColumnType,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import type { RawChunk } from '../table/normalize.js';

/** Arrow's type ids (the `Type` enum of the Arrow format, the same in every apache-arrow version). */
const ArrowTypeId = {
  Int: 2,
  Float: 3,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Timestamp: 10,
  LargeUtf8: 20,
  Dictionary: -1,
} as const;

/** The part of an Arrow `DataType` that is read. */
interface ArrowDataType {
  readonly typeId: number;
}

/** The part of an Arrow `Vector` that is read. */
interface ArrowVectorLike extends Iterable<unknown> {
  readonly nullCount: number;
  toArray(): ArrayLike<unknown>;
}

/**
 * The part of an Apache Arrow `Table` that datasets reads (an apache-arrow `Table` of any version
 * is one).
 */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly schema: {
    readonly fields: ReadonlyArray<{
      readonly name: string;
      readonly type: ArrowDataType;
      readonly nullable: boolean;
    }>;
  };
  getChild(name: string): ArrowVectorLike | null;
}

/** Structural check for an Apache Arrow table (works across duplicate installs of apache-arrow). */
export function isArrowTable(value: unknown): value is ArrowTableLike {
  const candidate = value as Partial<ArrowTableLike> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.getChild === 'function' &&
    typeof candidate.numRows === 'number' &&
    Array.isArray(candidate.schema?.fields)
  );
}

function columnTypeOfArrow(type: ArrowDataType): ColumnType | undefined {
  switch (type.typeId) {
    case ArrowTypeId.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      return precision === 2 ? 'float64' : 'float32';
    }
    case ArrowTypeId.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      return bitWidth < 32 || (bitWidth === 32 && isSigned) ? 'int32' : 'int64';
    }
    case ArrowTypeId.Bool:
      return 'bool';
    case ArrowTypeId.Utf8:
    case ArrowTypeId.LargeUtf8:
      return 'string';
    case ArrowTypeId.Dictionary: {
      const dictionary = (type as unknown as { dictionary: ArrowDataType }).dictionary;
      return dictionary.typeId === ArrowTypeId.Utf8 || dictionary.typeId === ArrowTypeId.LargeUtf8
        ? 'category'
        : undefined;
    }
    case ArrowTypeId.Timestamp:
    case ArrowTypeId.Date:
      return 'timestamp';
    case ArrowTypeId.Decimal:
      return 'float64';
    default:
      return undefined;
  }
}

/** The table schema of an Arrow table. @throws ValidationError for unsupported column types. */
export function schemaOfArrow(table: ArrowTableLike): TableSchema {
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
export function rawChunkOfArrow(table: ArrowTableLike): RawChunk {
  const columns: Record<string, ArrayLike<unknown>> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name);
    if (vector === null) continue;
    const typeId = field.type.typeId;
    const numeric = typeId === ArrowTypeId.Float || typeId === ArrowTypeId.Int;
    columns[field.name] = numeric && vector.nullCount === 0 ? vector.toArray() : [...vector];
  }
  return { length: table.numRows, columns };
}
