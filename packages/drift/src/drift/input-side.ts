import { type TableSchema, ValidationError } from '@mlinfra/core/schema';
import type { ColumnKind } from '../input/table-input.js';
import { sortFloat64 } from '../internal/sort.js';
import {
  categoryValue,
  detectKind,
  isMissing,
  normalizeTable,
  numericValue,
} from '../internal/table.js';
import type { CategoricalAccumulator, NumericAccumulator } from '../profile/accumulators.js';
import { SketchCdf } from '../profile/kll.js';
import {
  accumulatorFromProfile,
  assertProfile,
  type DatasetProfile,
  isDatasetProfile,
} from '../profile/profile.js';
import {
  type CategoricalSide,
  categoricalFromAccumulator,
  type NumericSide,
} from './column-data.js';

/** The reference or the current input of `detectDrift`: normalized data, or a checked profile. */
export type InputSide =
  | { kind: 'data'; table: ReturnType<typeof normalizeTable> }
  | { kind: 'profile'; profile: DatasetProfile };

/** Normalizes `input` (data or a {@link DatasetProfile}); errors name `what`. */
export function sideOf(input: unknown, what: 'reference' | 'current'): InputSide {
  if (isDatasetProfile(input)) return { kind: 'profile', profile: assertProfile(input, what) };
  return { kind: 'data', table: normalizeTable(input, what) };
}

/** Column names of a side, in order. */
function columnNames(side: InputSide): string[] {
  return side.kind === 'profile' ? Object.keys(side.profile.columns) : side.table.names;
}

/** Rows of a side, missing values included. */
export function rowCount(side: InputSide): number {
  return side.kind === 'profile' ? side.profile.rowCount : side.table.rowCount;
}

/** Whether a side has the column `name`. */
function hasColumn(side: InputSide, name: string): boolean {
  return side.kind === 'profile' ? name in side.profile.columns : side.table.names.includes(name);
}

/**
 * The columns to compare: `columns` (default: every reference column) less `ignore`.
 * @throws ValidationError listing every column missing on either side, or when none is left.
 */
export function columnsToCompare(
  reference: InputSide,
  current: InputSide,
  columns: string[] | undefined,
  ignore: string[] | undefined,
): string[] {
  const ignored = new Set(ignore ?? []);
  const names = (columns ?? columnNames(reference)).filter((n) => !ignored.has(n));
  const missingColumns = names.filter((n) => !hasColumn(current, n));
  const unknownColumns = names.filter((n) => !hasColumn(reference, n));
  if (missingColumns.length > 0 || unknownColumns.length > 0) {
    const issues = [
      ...missingColumns.map((n) => ({
        path: ['current', n],
        message: `column "${n}" is in the reference but not in current`,
      })),
      ...unknownColumns.map((n) => ({
        path: ['reference', n],
        message: `column "${n}" is not in the reference`,
      })),
    ];
    throw new ValidationError(
      `Reference and current columns do not match (${[...missingColumns, ...unknownColumns].map((n) => `"${n}"`).join(', ')}); pass the same columns or list the ones to compare in options.columns / options.ignore`,
      issues,
    );
  }
  if (names.length === 0) {
    throw new ValidationError(
      'No columns to compare; the reference is empty or every column is ignored',
      [{ path: ['columns'], message: 'no columns' }],
    );
  }
  return names;
}

/**
 * Kind of a reference column: the profile's kind (which must agree with `schema`), or the kind
 * the schema declares or the values show.
 */
export function kindOf(side: InputSide, name: string, schema: TableSchema | undefined): ColumnKind {
  if (side.kind === 'profile') {
    const declared = schema?.columns.find((c) => c.name === name);
    const kind = (side.profile.columns[name] as { kind: ColumnKind }).kind;
    if (
      declared &&
      (declared.type === 'string' || declared.type === 'category' || declared.type === 'bool') !==
        (kind === 'categorical')
    ) {
      throw new ValidationError(
        `Column "${name}" is ${kind} in the reference profile but declared ${declared.type} in options.schema`,
        [{ path: ['schema', name], message: 'type does not match the profile' }],
      );
    }
    return kind;
  }
  return detectKind(side.table.column(name), name, 'reference', schema);
}

/** A numeric column of a side: its sorted finite values, or its profile's sketch. */
export function numericSide(
  side: InputSide,
  name: string,
  what: 'reference' | 'current',
): NumericSide {
  if (side.kind === 'profile') {
    const column = side.profile.columns[name];
    if (column?.kind !== 'numeric') {
      throw new ValidationError(
        `Column "${name}" is numeric in the reference but ${column?.kind} in the ${what} profile`,
        [{ path: [what, name], message: 'expected a numeric column' }],
      );
    }
    const acc = accumulatorFromProfile(column) as NumericAccumulator;
    return { source: 'profile', acc, cdf: new SketchCdf(acc.sketch), missing: acc.missing };
  }
  const values = side.table.column(name);
  const out = new Float64Array(values.length);
  let n = 0;
  let missing = 0;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v - v === 0) out[n++] = v;
      else if (Number.isNaN(v)) missing++;
      else numericValue(v, name, what, i); // throws: infinity
    }
  } else if (values instanceof Float32Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) missing++;
      else out[n++] = numericValue(v, name, what, i);
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // Fast path for finite numbers; everything else goes through the checks.
      if (typeof v === 'number' && v - v === 0) out[n++] = v;
      else if (isMissing(v)) missing++;
      else out[n++] = numericValue(v, name, what, i);
    }
  }
  return { source: 'data', sorted: sortFloat64(out.subarray(0, n)), missing };
}

/** A categorical column of a side: exact counts, or its profile's frequent items. */
export function categoricalSide(
  side: InputSide,
  name: string,
  what: 'reference' | 'current',
): CategoricalSide {
  if (side.kind === 'profile') {
    const column = side.profile.columns[name];
    if (column?.kind === 'numeric') {
      // A low-cardinality numeric profile compares as categories when its exact values are known.
      const acc = accumulatorFromProfile(column) as NumericAccumulator;
      if (acc.values === null) {
        throw new ValidationError(
          `Column "${name}" of the ${what} profile has too many distinct values to compare as categories`,
          [{ path: [what, name], message: 'use a numeric test' }],
        );
      }
      return {
        source: 'profile',
        counts: new Map([...acc.values].map(([v, c]) => [String(v), c])),
        total: acc.count,
        missing: acc.missing,
        error: 0,
      };
    }
    return categoricalFromAccumulator(
      accumulatorFromProfile(column as never) as CategoricalAccumulator,
    );
  }
  const values = side.table.column(name);
  const counts = new Map<string, number>();
  let missing = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) {
      missing++;
      continue;
    }
    const key = categoryValue(v, name, what, i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    total++;
  }
  return { source: 'data', counts, total, missing, error: 0 };
}
