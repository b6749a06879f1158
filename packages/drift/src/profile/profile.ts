import { parseSchema, type TableSchema, ValidationError } from '@mlinfra/core/schema';
import * as z from 'zod/mini';
import type { ColumnKind, TableInput } from '../input/table-input.js';
import { parseOptions } from '../internal/options.js';
import { describe } from '../internal/sample.js';
import {
  categoryValue,
  detectKind,
  dictionaryIndexError,
  isMissing,
  kindOfType,
  normalizeTable,
  numericValue,
} from '../internal/table.js';
import {
  CategoricalAccumulator,
  type CategoricalColumnProfile,
  type ColumnAccumulator,
  type ColumnProfile,
  NumericAccumulator,
  type NumericColumnProfile,
} from './accumulators.js';

/** A JSON-serializable, mergeable summary of a table: one {@link ColumnProfile} per column. */
export interface DatasetProfile {
  format: 'mlinfra.drift.profile';
  version: 1;
  /** Rows summarized. */
  rowCount: number;
  /** Column profiles by name, in table order. */
  columns: Record<string, ColumnProfile>;
}

/** Options of {@link profile}. */
export interface ProfileOptions {
  /** Column types; a column listed here is numeric or categorical by its type, others are inferred from values. */
  schema?: TableSchema;
  /** Only these columns (default: all). */
  columns?: string[];
}

const profileOptionsSchema = z.strictObject({
  schema: z.optional(z.unknown()),
  columns: z.optional(z.array(z.string())),
});

/** True when `value` looks like a {@link DatasetProfile}. */
export function isDatasetProfile(value: unknown): value is DatasetProfile {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as DatasetProfile).format === 'mlinfra.drift.profile'
  );
}

/** Builds accumulators for each column of a table. */
export function accumulateTable(
  input: TableInput,
  what: string,
  schema: TableSchema | undefined,
  only?: readonly string[],
  kinds?: ReadonlyMap<string, ColumnKind>,
): { rowCount: number; accumulators: Map<string, ColumnAccumulator> } {
  const table = normalizeTable(input, what);
  const names = only ?? table.names;
  const accumulators = new Map<string, ColumnAccumulator>();
  for (const name of names) {
    if (!table.names.includes(name)) {
      throw new ValidationError(
        `Column "${name}" is missing from ${what}; it has ${table.names.slice(0, 10).join(', ') || 'no columns'}`,
        [{ path: [what, name], message: 'column not found' }],
      );
    }
    const encoded = table.dictionary?.(name);
    if (encoded !== undefined) {
      const declared = schema?.columns.find((c) => c.name === name);
      const kind = kinds?.get(name) ?? (declared ? kindOfType(declared.type) : 'categorical');
      if (kind === 'categorical') {
        const acc = new CategoricalAccumulator();
        acc.addDictionary(encoded, (row, index) => {
          throw dictionaryIndexError(name, what, row, index, encoded.dictionary.length);
        });
        accumulators.set(name, acc);
        continue;
      }
    }
    const values = table.column(name);
    const kind = kinds?.get(name) ?? detectKind(values, name, what, schema);
    if (kind === 'numeric') {
      const acc = new NumericAccumulator();
      const onInfinite = (row: number): never => {
        numericValue(values[row], name, what, row);
        throw new Error(`row ${row} of column "${name}" was reported infinite but is not`);
      };
      if (
        values instanceof Float64Array ||
        values instanceof Float32Array ||
        values instanceof Int32Array
      ) {
        acc.addBatch(values, onInfinite);
      } else {
        acc.addBatch(toFloat64(values, name, what), onInfinite);
      }
      accumulators.set(name, acc);
    } else {
      const acc = new CategoricalAccumulator();
      acc.addBatch(values, (v, row) => categoryValue(v, name, what, row));
      accumulators.set(name, acc);
    }
  }
  return { rowCount: table.rowCount, accumulators };
}

/**
 * A numeric column as float64 with NaN for missing values (null, undefined, NaN); other values
 * are converted by {@link numericValue}, which rejects what is not a number.
 */
function toFloat64(values: ArrayLike<unknown>, name: string, what: string): Float64Array {
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    return Float64Array.from(values as ArrayLike<number>);
  }
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = isMissing(v) ? Number.NaN : numericValue(v, name, what, i);
  }
  return out;
}

export function profileFromAccumulators(
  rowCount: number,
  accumulators: ReadonlyMap<string, ColumnAccumulator>,
): DatasetProfile {
  const columns: Record<string, ColumnProfile> = {};
  for (const [name, acc] of accumulators) columns[name] = acc.toProfile();
  return { format: 'mlinfra.drift.profile', version: 1, rowCount, columns };
}

export function accumulatorFromProfile(column: ColumnProfile): ColumnAccumulator {
  return column.kind === 'numeric'
    ? NumericAccumulator.fromProfile(column as NumericColumnProfile)
    : CategoricalAccumulator.fromProfile(column as CategoricalColumnProfile);
}

/**
 * Summarizes a table (row objects, column arrays or an Apache Arrow Table) into a
 * {@link DatasetProfile}: per column the count, missing values, and for numbers min, max, mean
 * and variance, a KLL quantile sketch, exact value counts for low-cardinality columns,
 * a HyperLogLog distinct count and a 20-bin histogram; for categories the frequent items.
 * The profile is plain JSON (store it with `JSON.stringify`) and can be merged with
 * {@link mergeProfiles}; drift can be computed from two profiles alone.
 *
 * Each column is processed whole, in tight loops: numeric typed arrays (Float64Array,
 * Float32Array, Int32Array) are read directly and other arrays are converted to float64 once;
 * the sketch samples columns of 51,200 values or more (see the `sketch` field). Pass typed arrays
 * (and `DictionaryColumn`s for encoded strings) for the fastest path, and whole columns
 * rather than small chunks: each call sorts up to 51,200 sampled values per numeric column.
 *
 * @throws ValidationError for unsupported inputs or values, naming the column and row.
 */
export function profile(table: TableInput, options: ProfileOptions = {}): DatasetProfile {
  const parsed = parseOptions(profileOptionsSchema, options, 'profile options');
  const schema = parsed.schema === undefined ? undefined : parseSchema(parsed.schema);
  const { rowCount, accumulators } = accumulateTable(table, 'table', schema, parsed.columns);
  return profileFromAccumulators(rowCount, accumulators);
}

/** Checks that `value` is a {@link DatasetProfile} (for example read back from JSON). */
export function assertProfile(value: unknown, what: string): DatasetProfile {
  if (!isDatasetProfile(value)) {
    throw new ValidationError(
      `${what} is not a DatasetProfile (format "mlinfra.drift.profile"); build one with profile(table)`,
      [{ path: [what], message: `got ${describe(value)}` }],
    );
  }
  if (value.version !== 1) {
    throw new ValidationError(
      `${what} has profile version ${String(value.version)}; this release reads version 1`,
      [{ path: [what, 'version'], message: 'unsupported version' }],
    );
  }
  for (const [name, column] of Object.entries(value.columns ?? {})) {
    if (column?.kind !== 'numeric' && column?.kind !== 'categorical') {
      throw new ValidationError(
        `${what}.columns.${name} has no valid kind; the profile is corrupted`,
        [{ path: [what, 'columns', name, 'kind'], message: 'expected "numeric" or "categorical"' }],
      );
    }
  }
  return value;
}

/**
 * Merges two profiles of tables with the same columns (for example two shards or two days) into
 * the profile of their union. Counts, min, max, mean and variance merge exactly; sketches merge
 * with the same error bounds as if built on the union. A column present on one side only is kept.
 * @throws ValidationError when a column is numeric on one side and categorical on the other.
 */
export function mergeProfiles(a: DatasetProfile, b: DatasetProfile): DatasetProfile {
  const left = assertProfile(a, 'a');
  const right = assertProfile(b, 'b');
  const accumulators = new Map<string, ColumnAccumulator>();
  const names = [...new Set([...Object.keys(left.columns), ...Object.keys(right.columns)])];
  for (const name of names) {
    const x = left.columns[name];
    const y = right.columns[name];
    if (x && y && x.kind !== y.kind) {
      throw new ValidationError(
        `Column "${name}" is ${x.kind} in a but ${y.kind} in b; profiles of different schemas cannot merge`,
        [{ path: ['b', 'columns', name, 'kind'], message: `expected ${x.kind}` }],
      );
    }
    const acc = accumulatorFromProfile((x ?? y) as ColumnProfile);
    if (x && y) mergeAccumulators(acc, accumulatorFromProfile(y));
    accumulators.set(name, acc);
  }
  return profileFromAccumulators(left.rowCount + right.rowCount, accumulators);
}

/** Merges `other` into `target` (same kind). */
export function mergeAccumulators(target: ColumnAccumulator, other: ColumnAccumulator): void {
  if (target instanceof NumericAccumulator && other instanceof NumericAccumulator)
    target.merge(other);
  else if (target instanceof CategoricalAccumulator && other instanceof CategoricalAccumulator)
    target.merge(other);
  else throw new ValidationError('Cannot merge a numeric column with a categorical one', []);
}
