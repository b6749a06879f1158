import { ValidationError, type ValidationIssue } from '../errors/index.js';
import type { ColumnSchema, ColumnType, TableSchema } from './table-schema.js';

/** Row objects: one object per row, keyed by column name. */
export type Rows = ReadonlyArray<Readonly<Record<string, unknown>>>;

/** Column arrays: one array (or typed array) per column, all of the same length. */
export type Columns = Readonly<Record<string, ArrayLike<unknown>>>;

/** Options of {@link inferSchema}. */
export interface InferSchemaOptions {
  /**
   * Infer `category` instead of `string` for a string column with at most this many distinct
   * values. Default `0` (never).
   */
  maxCategories?: number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

type Kind = 'number' | 'integer' | 'bigint' | 'boolean' | 'string' | 'date';

function kindOf(value: unknown): Kind | 'null' | 'other' {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) ? 'integer' : 'number';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    default:
      return value instanceof Date ? 'date' : 'other';
  }
}

function typedArrayType(values: ArrayLike<unknown>): ColumnType | undefined {
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Float32Array) return 'float32';
  if (
    values instanceof Int32Array ||
    values instanceof Int16Array ||
    values instanceof Int8Array ||
    values instanceof Uint16Array ||
    values instanceof Uint8Array
  ) {
    return 'int32';
  }
  if (values instanceof BigInt64Array || values instanceof Uint32Array) return 'int64';
  return undefined;
}

function inferColumn(
  name: string,
  values: ArrayLike<unknown>,
  options: InferSchemaOptions,
  issues: ValidationIssue[],
): ColumnSchema {
  const typed = typedArrayType(values);
  if (typed !== undefined) return { name, type: typed, nullable: false };

  const kinds = new Set<Kind>();
  let nullable = false;
  let integersFitInt32 = true;
  const distinct = new Set<string>();
  const maxCategories = options.maxCategories ?? 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    const kind = kindOf(value);
    if (kind === 'null') {
      nullable = true;
      continue;
    }
    if (kind === 'other') {
      issues.push({
        path: [name, index],
        message: `unsupported value of type ${typeof value}; use a number, bigint, boolean, string, Date or null`,
      });
      return { name, type: 'string', nullable };
    }
    kinds.add(kind);
    if (kind === 'integer' && ((value as number) < INT32_MIN || (value as number) > INT32_MAX)) {
      integersFitInt32 = false;
    }
    if (kind === 'string' && distinct.size <= maxCategories) distinct.add(value as string);
  }

  let type: ColumnType;
  if (kinds.size === 0) type = 'float64';
  else if (kinds.size === 1 || (kinds.size === 2 && kinds.has('number') && kinds.has('integer'))) {
    if (kinds.has('number')) type = 'float64';
    else if (kinds.has('integer')) type = integersFitInt32 ? 'int32' : 'int64';
    else if (kinds.has('bigint')) type = 'int64';
    else if (kinds.has('boolean')) type = 'bool';
    else if (kinds.has('date')) type = 'timestamp';
    else type = distinct.size > 0 && distinct.size <= maxCategories ? 'category' : 'string';
  } else if (kinds.size === 2 && kinds.has('integer') && kinds.has('bigint')) {
    type = 'int64';
  } else {
    issues.push({
      path: [name],
      message: `mixed value types (${[...kinds].join(', ')}); convert the column to one type or pass an explicit schema`,
    });
    type = 'string';
  }
  const column: ColumnSchema = { name, type, nullable };
  if (type === 'category') column.categories = [...distinct].sort();
  return column;
}

function isRows(data: Rows | Columns): data is Rows {
  return Array.isArray(data);
}

/**
 * Infers a {@link TableSchema} from row objects or column arrays.
 *
 * Rules: integers in int32 range give `int32`, larger integers and bigints `int64`, other numbers
 * `float64`; typed arrays keep their type; booleans `bool`; Dates `timestamp`; strings `string`
 * (or `category`, see {@link InferSchemaOptions.maxCategories}); any null or undefined makes the
 * column nullable. A column with only nulls is a nullable `float64`.
 *
 * @throws ValidationError when a column mixes types, holds unsupported values, or column
 * arrays differ in length.
 */
export function inferSchema(data: Rows | Columns, options: InferSchemaOptions = {}): TableSchema {
  const issues: ValidationIssue[] = [];
  const columns: ColumnSchema[] = [];
  if (isRows(data)) {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const row of data) {
      for (const key of Object.keys(row)) {
        if (!seen.has(key)) {
          seen.add(key);
          names.push(key);
        }
      }
    }
    for (const name of names) {
      columns.push(
        inferColumn(
          name,
          data.map((row) => row[name]),
          options,
          issues,
        ),
      );
    }
  } else {
    const entries = Object.entries(data);
    const length = entries[0]?.[1].length ?? 0;
    for (const [name, values] of entries) {
      if (values.length !== length) {
        issues.push({
          path: [name],
          message: `has ${values.length} values but the first column has ${length}; give every column the same length`,
        });
      }
      columns.push(inferColumn(name, values, options, issues));
    }
  }
  if (issues.length > 0) throw new ValidationError('Cannot infer a schema from this data', issues);
  return { columns };
}
