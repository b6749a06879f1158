import type { ColumnSchema, TableSchema } from '@mlinfra/core';
import type { IssueCollector } from '../validation/issue-collector.js';
import {
  type CellValue,
  type ColumnChunk,
  type ColumnData,
  numericArrayFor,
} from './column-chunk.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Raw column arrays of one input chunk (before conversion to the schema's types). */
export interface RawChunk {
  length: number;
  columns: Record<string, ArrayLike<unknown>>;
}

function parseTime(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
    return Date.parse(trimmed);
  }
  return Number.NaN;
}

/** Whether every element of a plain array has this `typeof` (one tight pass). */
function allOfType(values: unknown[], type: 'boolean' | 'string'): boolean {
  for (let index = 0; index < values.length; index++) {
    if (typeof values[index] !== type) return false;
  }
  return true;
}

const NOT_A_NUMBER = /^[-+]?nan$/i;
const INFINITE = /^([-+]?)inf(inity)?$/i;

/**
 * A number written as text, or undefined when it is not one. `NaN`, `Infinity`, `-Infinity` and
 * `inf` (any case) are read as those values: the one rule for non-finite floats (see
 * NonFiniteCounter), whether the text came from CSV or from JSON rows.
 */
export function numberFromText(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const number = Number(trimmed);
  if (!Number.isNaN(number)) return number;
  if (NOT_A_NUMBER.test(trimmed)) return Number.NaN;
  const infinite = INFINITE.exec(trimmed);
  if (infinite !== null) return infinite[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

/** Whether epoch-millisecond values are already canonical (whole numbers; NaN only if nullable). */
function wholeMilliseconds(values: Float64Array, nullable: boolean): boolean {
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (!Number.isInteger(value) && !(nullable && Number.isNaN(value))) return false;
  }
  return true;
}

function isNull(value: unknown): boolean {
  return value === null || value === undefined;
}

/**
 * Converts raw input columns to the schema's canonical column representation and checks the
 * schema's constraints (type, nullability, categories, min/max, uniqueness) across all chunks.
 * Problems go to the issue collector; the offending value becomes null so processing continues
 * and every problem is reported at once.
 */
export class ChunkNormalizer {
  private readonly seen = new Map<string, Set<unknown>>();
  private readonly categorySets = new Map<string, Set<string>>();
  private rowOffset = 0;

  constructor(
    readonly schema: TableSchema,
    private readonly issues: IssueCollector,
  ) {
    for (const column of schema.columns) {
      if (column.unique === true) this.seen.set(column.name, new Set());
      if (column.categories !== undefined)
        this.categorySets.set(column.name, new Set(column.categories));
    }
  }

  /** Columns with a uniqueness constraint. */
  get uniqueColumns(): string[] {
    return [...this.seen.keys()];
  }

  /** Records values already stored (the parent's rows, on append) so duplicates of them are caught. */
  remember(column: string, values: ArrayLike<unknown>): void {
    const seen = this.seen.get(column);
    if (seen === undefined) return;
    for (let index = 0; index < values.length; index++) {
      const value = values[index];
      if (
        value === null ||
        value === undefined ||
        (typeof value === 'number' && Number.isNaN(value))
      )
        continue;
      seen.add(value);
    }
  }

  /** Rows normalised so far. */
  get rows(): number {
    return this.rowOffset;
  }

  /** Converts and checks one chunk. */
  normalize(raw: RawChunk): ColumnChunk {
    const known = new Set(this.schema.columns.map((column) => column.name));
    for (const name of Object.keys(raw.columns)) {
      if (!known.has(name)) {
        this.issues.add(
          [name],
          `column "${name}" is not in the schema; remove it from the data or add it to the schema`,
        );
      }
    }
    const columns: Record<string, ColumnData> = {};
    for (const column of this.schema.columns) {
      const values = raw.columns[column.name];
      if (values === undefined) {
        if (column.nullable === true) {
          columns[column.name] = new Array<CellValue>(raw.length).fill(null);
        } else {
          this.issues.add(
            [column.name],
            `required column "${column.name}" is missing from the data; add it or mark it nullable in the schema`,
          );
          columns[column.name] = new Array<CellValue>(raw.length).fill(null);
        }
        continue;
      }
      if (values.length !== raw.length) {
        this.issues.add(
          [column.name],
          `column "${column.name}" has ${values.length} values but the chunk has ${raw.length} rows; give every column the same length`,
        );
      }
      columns[column.name] = this.convert(column, values, raw.length);
    }
    this.rowOffset += raw.length;
    return { length: raw.length, columns };
  }

  private convert(column: ColumnSchema, values: ArrayLike<unknown>, length: number): ColumnData {
    const issues = this.issues;
    const path = [column.name];
    const base = this.rowOffset;
    const nullable = column.nullable === true;
    let nulls = 0;
    const onNull = (row: number) => {
      nulls++;
      if (!nullable)
        issues.add(
          path,
          'is null but the column is not nullable; fill the value or set nullable: true',
          base + row,
        );
    };
    const bad = (row: number, value: unknown, expected: string) => {
      issues.add(
        path,
        `is not ${expected}; fix the value or change the column type`,
        base + row,
        value,
      );
    };
    const { min, max } = column;
    const checkRange = (row: number, value: number) => {
      if (min !== undefined && value < min)
        issues.add(path, `is below min ${min}`, base + row, value);
      if (max !== undefined && value > max)
        issues.add(path, `is above max ${max}`, base + row, value);
    };
    const uniques = this.seen.get(column.name);
    const checkUnique = (row: number, key: unknown, value: unknown) => {
      if (uniques === undefined) return;
      if (uniques.has(key))
        issues.add(path, 'is a duplicate but the column is unique', base + row, value);
      else uniques.add(key);
    };

    switch (column.type) {
      case 'float64':
      case 'float32':
      case 'int32': {
        const Typed = numericArrayFor(column.type)!;
        const isInt = column.type === 'int32';
        const direct =
          values instanceof Typed &&
          min === undefined &&
          max === undefined &&
          uniques === undefined;
        if (direct)
          return (
            values.length === length ? values : (values as Float64Array).slice(0, length)
          ) as ColumnData;
        const out = new Typed(length);
        let fallback: CellValue[] | undefined;
        for (let row = 0; row < length; row++) {
          const value = values[row];
          let number: number;
          if (typeof value === 'number') number = value;
          else if (isNull(value)) {
            onNull(row);
            fallback ??= Array.from(out.subarray(0, row));
            fallback[row] = null;
            continue;
          } else if (typeof value === 'bigint') number = Number(value);
          else if (typeof value === 'string' && numberFromText(value) !== undefined)
            number = numberFromText(value)!;
          else if (typeof value === 'boolean') number = value ? 1 : 0;
          else {
            bad(row, value, isInt ? 'an integer' : 'a number');
            fallback ??= Array.from(out.subarray(0, row));
            fallback[row] = null;
            continue;
          }
          if (isInt && (!Number.isInteger(number) || number < INT32_MIN || number > INT32_MAX)) {
            bad(row, value, 'an int32 integer');
            number = 0;
          }
          if (!Number.isNaN(number)) checkRange(row, number);
          checkUnique(row, number, value);
          out[row] = number;
          if (fallback !== undefined)
            fallback[row] = column.type === 'float32' ? Math.fround(number) : number;
        }
        if (fallback !== undefined && nulls === 0) return out as ColumnData;
        return (fallback ?? out) as ColumnData;
      }
      case 'int64': {
        const direct =
          values instanceof BigInt64Array &&
          min === undefined &&
          max === undefined &&
          uniques === undefined;
        if (direct)
          return values.length === length
            ? (values as BigInt64Array)
            : (values as BigInt64Array).slice(0, length);
        const out = new BigInt64Array(length);
        let fallback: CellValue[] | undefined;
        for (let row = 0; row < length; row++) {
          const value = values[row];
          let big: bigint | undefined;
          if (typeof value === 'bigint') big = value;
          else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
          else if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value))
            big = BigInt(value.trim());
          else if (isNull(value)) {
            onNull(row);
            fallback ??= Array.from(out.subarray(0, row));
            fallback[row] = null;
            continue;
          }
          if (big === undefined || big < INT64_MIN || big > INT64_MAX) {
            bad(row, value, 'an int64 integer');
            big = 0n;
          }
          checkRange(row, Number(big));
          checkUnique(row, big, value);
          out[row] = big;
          if (fallback !== undefined) fallback[row] = big;
        }
        return fallback ?? out;
      }
      case 'bool': {
        if (Array.isArray(values) && values.length === length && allOfType(values, 'boolean'))
          return values as CellValue[];
        const out = new Array<CellValue>(length);
        for (let row = 0; row < length; row++) {
          const value = values[row];
          if (typeof value === 'boolean') out[row] = value;
          else if (isNull(value)) {
            onNull(row);
            out[row] = null;
          } else if (value === 1 || value === 0) out[row] = value === 1;
          else if (typeof value === 'string' && /^(true|false|1|0)$/i.test(value.trim())) {
            out[row] = /^(true|1)$/i.test(value.trim());
          } else {
            bad(row, value, 'a boolean');
            out[row] = null;
          }
        }
        return out;
      }
      case 'string':
      case 'category': {
        const categories = this.categorySets.get(column.name);
        if (
          categories === undefined &&
          uniques === undefined &&
          Array.isArray(values) &&
          values.length === length &&
          allOfType(values, 'string')
        )
          return values as CellValue[];
        const out = new Array<CellValue>(length);
        for (let row = 0; row < length; row++) {
          const value = values[row];
          let text: string | null;
          if (typeof value === 'string') text = value;
          else if (isNull(value)) {
            onNull(row);
            out[row] = null;
            continue;
          } else if (
            typeof value === 'number' ||
            typeof value === 'bigint' ||
            typeof value === 'boolean'
          )
            text = String(value);
          else if (value instanceof Date) text = value.toISOString();
          else {
            bad(row, value, 'a string');
            text = null;
          }
          if (text !== null && categories !== undefined && !categories.has(text)) {
            issues.add(
              path,
              `is not one of the allowed categories; add it to categories or fix the value`,
              base + row,
              text,
            );
          }
          if (text !== null) checkUnique(row, text, text);
          out[row] = text;
        }
        return out;
      }
      case 'timestamp': {
        if (
          values instanceof Float64Array &&
          values.length === length &&
          min === undefined &&
          max === undefined &&
          uniques === undefined &&
          wholeMilliseconds(values, nullable)
        )
          return values;
        const out = new Float64Array(length);
        for (let row = 0; row < length; row++) {
          const value = values[row];
          if (isNull(value) || (typeof value === 'number' && Number.isNaN(value))) {
            onNull(row);
            out[row] = Number.NaN;
            continue;
          }
          const time = parseTime(value);
          if (!Number.isFinite(time)) {
            bad(row, value, 'a timestamp (Date, epoch milliseconds or ISO 8601 text)');
            out[row] = Number.NaN;
            continue;
          }
          // Stored as whole milliseconds (Parquet TIMESTAMP_MILLIS).
          const millis = Math.round(time);
          checkRange(row, millis);
          checkUnique(row, millis, value);
          out[row] = millis;
        }
        return out;
      }
    }
  }
}
