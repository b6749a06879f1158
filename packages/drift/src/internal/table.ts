import {
  type ColumnType,
  isNumericType,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core/schema';
import type {
  ArrowTableLike,
  ArrowVectorLike,
  ColumnKind,
  DictionaryColumn,
} from '../input/table-input.js';
import { describe } from './sample.js';

export interface NormalizedTable {
  names: string[];
  rowCount: number;
  column(name: string): ArrayLike<unknown>;
  /** The column as given when it is a {@link DictionaryColumn} (`column` decodes it). */
  dictionary?(name: string): DictionaryColumn | undefined;
}

/** True when `value` is shaped like a {@link DictionaryColumn}. */
export function isDictionaryColumn(value: unknown): value is DictionaryColumn {
  if (typeof value !== 'object' || value === null) return false;
  const { dictionary, indices } = value as DictionaryColumn;
  return (
    Array.isArray(dictionary) &&
    (indices instanceof Int32Array ||
      indices instanceof Uint32Array ||
      indices instanceof Uint16Array ||
      indices instanceof Uint8Array)
  );
}

/** Row values of a dictionary column (null where missing); throws naming the column and row. */
function decodeDictionary(column: DictionaryColumn, name: string, what: string): (string | null)[] {
  const { dictionary, indices } = column;
  const out = new Array<string | null>(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    if (index < 0) out[i] = null;
    else if (index < dictionary.length) out[i] = dictionary[index] ?? null;
    else throw dictionaryIndexError(name, what, i, index, dictionary.length);
  }
  return out;
}

/** The error for an index past the end of a dictionary column's dictionary. */
export function dictionaryIndexError(
  name: string,
  what: string,
  row: number,
  index: number,
  size: number,
): ValidationError {
  return new ValidationError(
    `${what}.${name}.indices[${row}] is ${index} but the dictionary has ${size} entries; indices must be below the dictionary length (negative for missing)`,
    [{ path: [what, name, 'indices', row], message: 'index out of range' }],
  );
}

function checkDictionary(column: DictionaryColumn, name: string, what: string): void {
  for (let i = 0; i < column.dictionary.length; i++) {
    const entry = column.dictionary[i];
    if (entry !== null && typeof entry !== 'string') {
      throw new ValidationError(
        `${what}.${name}.dictionary[${i}] is ${describe(entry)}; dictionary entries must be strings or null`,
        [{ path: [what, name, 'dictionary', i], message: 'expected a string or null' }],
      );
    }
  }
}

export function isArrowTable(value: unknown): value is ArrowTableLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ArrowTableLike).numCols === 'number' &&
    typeof (value as ArrowTableLike).getChild === 'function' &&
    Array.isArray((value as ArrowTableLike).schema?.fields)
  );
}

function arrowColumn(vector: ArrowVectorLike): ArrayLike<unknown> {
  const array = vector.toArray();
  const hasNulls = (vector.nullCount ?? 0) > 0;
  const isBigInt = array instanceof BigInt64Array || array instanceof BigUint64Array;
  if (!hasNulls && !isBigInt) return array;
  const out = new Array<unknown>(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const v = hasNulls ? vector.get(i) : array[i];
    out[i] = typeof v === 'bigint' ? Number(v) : v;
  }
  return out;
}

/** Normalizes any {@link TableInput} to named columns. `what` names the argument in errors. */
export function normalizeTable(input: unknown, what: string): NormalizedTable {
  if (isArrowTable(input)) {
    const names = input.schema.fields.map((f) => f.name);
    const cache = new Map<string, ArrayLike<unknown>>();
    return {
      names,
      rowCount: input.numRows,
      column(name) {
        let c = cache.get(name);
        if (!c) {
          const vector = input.getChild(name);
          c = vector ? arrowColumn(vector) : [];
          cache.set(name, c);
        }
        return c;
      },
    };
  }
  if (Array.isArray(input)) {
    const rows = input as ReadonlyArray<unknown>;
    const names: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new ValidationError(
          `${what}[${i}] is ${describe(row)}; each row must be an object of column values`,
          [{ path: [what, i], message: 'expected an object' }],
        );
      }
      // for-in over same-shaped rows uses V8's enum cache: no per-row key arrays.
      for (const key in row) {
        if (!seen.has(key) && Object.hasOwn(row, key)) {
          seen.add(key);
          names.push(key);
        }
      }
    }
    const cache = new Map<string, unknown[]>();
    return {
      names,
      rowCount: rows.length,
      column(name) {
        let c = cache.get(name);
        if (!c) {
          c = rows.map((row) => (row as Record<string, unknown>)[name]);
          cache.set(name, c);
        }
        return c;
      },
    };
  }
  if (typeof input === 'object' && input !== null) {
    const record = input as Record<string, ArrayLike<unknown> | DictionaryColumn>;
    const names = Object.keys(record);
    const dictionaries = new Map<string, DictionaryColumn>();
    let rowCount = -1;
    for (const name of names) {
      let column = record[name];
      if (isDictionaryColumn(column)) {
        checkDictionary(column, name, what);
        dictionaries.set(name, column);
        column = column.indices;
      }
      if (column === null || typeof column !== 'object' || typeof column.length !== 'number') {
        throw new ValidationError(`${what}.${name} must be an array of values (column format)`, [
          { path: [what, name], message: 'expected an array or typed array' },
        ]);
      }
      if (rowCount >= 0 && column.length !== rowCount) {
        throw new ValidationError(
          `${what}.${name} has ${column.length} values but other columns have ${rowCount}; every column must have the same length`,
          [{ path: [what, name], message: 'column length mismatch' }],
        );
      }
      rowCount = column.length;
    }
    const decoded = new Map<string, ArrayLike<unknown>>();
    return {
      names,
      rowCount: Math.max(rowCount, 0),
      column(name) {
        const encoded = dictionaries.get(name);
        if (encoded !== undefined) {
          let values = decoded.get(name);
          if (values === undefined) {
            values = decodeDictionary(encoded, name, what);
            decoded.set(name, values);
          }
          return values;
        }
        const c = record[name] as ArrayLike<unknown>;
        if (c instanceof BigInt64Array || c instanceof BigUint64Array) return Array.from(c, Number);
        return c;
      },
      dictionary(name) {
        return dictionaries.get(name);
      },
    };
  }
  throw new ValidationError(
    `${what} must be an array of row objects, an object of column arrays, an Apache Arrow Table or a DatasetProfile; got ${describe(input)}`,
    [{ path: [what], message: 'unsupported table input' }],
  );
}

/** True for values treated as missing: null, undefined and NaN. */
export function isMissing(value: unknown): boolean {
  return (
    value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))
  );
}

/** The kind of a schema column type. */
export function kindOfType(type: ColumnType): ColumnKind {
  return isNumericType(type) || type === 'timestamp' ? 'numeric' : 'categorical';
}

/** Decides a column's kind from its values (or the schema), rejecting mixed types with the column named. */
export function detectKind(
  values: ArrayLike<unknown>,
  name: string,
  what: string,
  schema?: TableSchema,
): ColumnKind {
  const declared = schema?.columns.find((c) => c.name === name);
  if (declared) return kindOfType(declared.type);
  if (ArrayBuffer.isView(values)) return 'numeric';
  let kind: ColumnKind | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) continue;
    const k: ColumnKind | undefined =
      typeof v === 'number' || typeof v === 'bigint' || v instanceof Date
        ? 'numeric'
        : typeof v === 'string' || typeof v === 'boolean'
          ? 'categorical'
          : undefined;
    if (k === undefined) {
      throw new ValidationError(
        `Column "${name}" of ${what} holds ${describe(v)} at row ${i}; values must be numbers, strings, booleans, Dates or null`,
        [{ path: [what, name, i], message: `unsupported value ${describe(v)}` }],
      );
    }
    if (kind === undefined) kind = k;
    else if (kind !== k) {
      throw new ValidationError(
        `Column "${name}" of ${what} mixes numbers and strings (row ${i} is ${describe(v)}); convert it to one type or declare it in options.schema`,
        [{ path: [what, name, i], message: 'mixed value types' }],
      );
    }
  }
  return kind ?? 'numeric';
}

/** Converts a value of a numeric column to a number, or throws naming the column. */
export function numericValue(v: unknown, name: string, what: string, row: number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) {
      throw new ValidationError(
        `Column "${name}" of ${what} holds ${v} at row ${row}; infinities are not allowed (use null for missing)`,
        [{ path: [what, name, row], message: 'value must be finite' }],
      );
    }
    return v;
  }
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new ValidationError(
    `Column "${name}" of ${what} is numeric but holds ${describe(v)} at row ${row}; pass numbers (or null for missing), or declare the column as a category in options.schema`,
    [{ path: [what, name, row], message: `expected a number, got ${describe(v)}` }],
  );
}

/** Converts a value of a categorical column to its category key. */
export function categoryValue(v: unknown, name: string, what: string, row: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new ValidationError(
    `Column "${name}" of ${what} is categorical but holds ${describe(v)} at row ${row}; pass strings, booleans or numbers`,
    [{ path: [what, name, row], message: `expected a category, got ${describe(v)}` }],
  );
}
