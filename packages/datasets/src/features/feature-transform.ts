import { parseOptions, ValidationError } from '@mlinfra/core/schema';
import { z } from 'zod';
import type { Batch } from '../batches/types.js';

/** How one numeric column becomes one feature. */
export type NumericFeatureKind = 'standardize' | 'minMax' | 'passthrough';
/** How one categorical column becomes features. */
export type CategoricalFeatureKind = 'oneHot' | 'index';

/** What replaces a null (or unparsable) numeric value: the fitted mean, zero, or a constant. */
export type NullFill = 'mean' | 'zero' | number;

/** Options for one column in a {@link FeatureSpec}. */
export interface FeatureColumnSpec {
  /**
   * `standardize` ((x - mean) / std), `minMax` ((x - min) / (max - min)), `passthrough` (x as is),
   * `oneHot` (one 0/1 feature per category plus an out-of-vocabulary one), `index` (one feature:
   * 1 + the category's position, 0 for out-of-vocabulary and null).
   */
  kind: NumericFeatureKind | CategoricalFeatureKind;
  /** Numeric kinds: what replaces null. Default `'mean'`. */
  fill?: NullFill;
  /** Categorical kinds: keep at most this many categories (most frequent first). Default 100. */
  maxCategories?: number;
  /** Categorical kinds: drop categories seen fewer times than this. Default 1. */
  minCount?: number;
}

/** Column name to feature kind (or options). Output features follow the key order. */
export type FeatureSpec = Record<
  string,
  NumericFeatureKind | CategoricalFeatureKind | FeatureColumnSpec
>;

/** One fitted feature of a {@link FeatureTransformJSON}. */
export type FittedFeature =
  | { column: string; kind: 'standardize'; mean: number; std: number; fill: number }
  | { column: string; kind: 'minMax'; min: number; max: number; fill: number }
  | { column: string; kind: 'passthrough'; fill: number }
  | { column: string; kind: 'oneHot'; categories: string[] }
  | { column: string; kind: 'index'; categories: string[] };

/** The JSON form of a {@link FeatureTransform}: store it in a model artifact, load it in serving. */
export interface FeatureTransformJSON {
  /** Format marker. */
  kind: 'mlinfra.feature-transform/v1';
  /** Fitted features in output order. */
  features: FittedFeature[];
}

/** Input of {@link FeatureTransform.transform}: row objects, one row object, column arrays, or a {@link Batch}. */
export type TransformInput =
  | ReadonlyArray<Readonly<Record<string, unknown>>>
  | Readonly<Record<string, unknown>>
  | Batch;

const OOV = '<other>';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const fittedFeatureValidator = z.discriminatedUnion('kind', [
  z
    .object({
      column: z.string(),
      kind: z.literal('standardize'),
      mean: finite,
      std: finite.refine((v) => v > 0, 'must be > 0'),
      fill: finite,
    })
    .strict(),
  z
    .object({
      column: z.string(),
      kind: z.literal('minMax'),
      min: finite,
      max: finite,
      fill: finite,
    })
    .strict(),
  z.object({ column: z.string(), kind: z.literal('passthrough'), fill: finite }).strict(),
  z
    .object({ column: z.string(), kind: z.literal('oneHot'), categories: z.array(z.string()) })
    .strict(),
  z
    .object({ column: z.string(), kind: z.literal('index'), categories: z.array(z.string()) })
    .strict(),
]);
const transformJsonValidator = z
  .object({
    kind: z.literal('mlinfra.feature-transform/v1'),
    features: z.array(fittedFeatureValidator).min(1),
  })
  .strict();

const columnSpecValidator = z
  .object({
    kind: z.enum(['standardize', 'minMax', 'passthrough', 'oneHot', 'index']),
    fill: z.union([z.enum(['mean', 'zero']), finite]).optional(),
    maxCategories: z.number().int().positive().optional(),
    minCount: z.number().int().positive().optional(),
  })
  .strict();
const featureSpecValidator = z
  .record(z.string().min(1), z.union([columnSpecValidator.shape.kind, columnSpecValidator]))
  .refine((spec) => Object.keys(spec).length > 0, 'give at least one column');

/** Converts a raw value to a number, or NaN when it is null or not numeric. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    if (value.trim() === '') return Number.NaN;
    const parsed = Number(value);
    if (!Number.isNaN(parsed)) return parsed;
    const time = Date.parse(value);
    return Number.isNaN(time) ? Number.NaN : time;
  }
  return Number.NaN;
}

/** Converts a raw value to its category label, or undefined for null. */
function toCategory(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && Number.isNaN(value)) return undefined;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** Normalises a spec entry to its options form. */
function columnOptions(entry: FeatureSpec[string]): FeatureColumnSpec {
  return typeof entry === 'string' ? { kind: entry } : entry;
}

/** Validates a feature spec once, at the boundary. */
export function parseFeatureSpec(spec: unknown): FeatureSpec {
  return parseOptions(
    featureSpecValidator,
    spec,
    "feature spec (expected { column: 'standardize' | 'minMax' | 'passthrough' | 'oneHot' | 'index' | { kind, fill?, maxCategories?, minCount? } })",
  ) as FeatureSpec;
}

/** Running statistics one column needs for fitting. */
class ColumnAccumulator {
  count = 0;
  mean = 0;
  m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly counts = new Map<string, number>();

  constructor(readonly categorical: boolean) {}

  add(value: unknown): void {
    if (this.categorical) {
      const label = toCategory(value);
      if (label !== undefined) this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
      return;
    }
    const x = toNumber(value);
    if (!Number.isFinite(x)) return;
    this.count++;
    const delta = x - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }
}

/** Calls `visit(column, getValue, length)` for each requested column of a transform input. */
function columnsOf(
  input: TransformInput,
  names: readonly string[],
): { length: number; get: (column: string) => (row: number) => unknown } {
  if (Array.isArray(input)) {
    const rows = input as ReadonlyArray<Readonly<Record<string, unknown>>>;
    return { length: rows.length, get: (column) => (row) => rows[row]?.[column] };
  }
  const candidate = input as Partial<Batch> & Readonly<Record<string, unknown>>;
  if (
    typeof candidate.size === 'number' &&
    typeof candidate.columns === 'object' &&
    candidate.columns !== null
  ) {
    const batch = candidate as Batch;
    return {
      length: batch.size,
      get: (column) => {
        const values = batch.columns[column];
        const nulls = batch.nulls?.[column];
        if (values === undefined) return () => undefined;
        return (row) => (nulls !== undefined && nulls[row] === 1 ? null : values[row]);
      },
    };
  }
  const record = input as Readonly<Record<string, unknown>>;
  const arrays = names.map((name) => record[name]);
  const isColumns =
    arrays.length > 0 &&
    arrays.every((values) => Array.isArray(values) || ArrayBuffer.isView(values)) &&
    new Set(arrays.map((values) => (values as ArrayLike<unknown>).length)).size === 1;
  if (isColumns) {
    const length = (arrays[0] as ArrayLike<unknown>).length;
    return {
      length,
      get: (column) => {
        const values = record[column] as ArrayLike<unknown> | undefined;
        return (row) => values?.[row];
      },
    };
  }
  // A single raw row object, as a serving request sends it.
  return { length: 1, get: (column) => () => record[column] };
}

/**
 * A fitted, JSON-serializable feature transform: raw rows in, a row-major Float32Array out.
 * The trainer stores {@link FeatureTransform.toJSON} in the model artifact and serving loads it
 * with {@link FeatureTransform.fromJSON}, so training and serving compute identical features.
 *
 * @example
 * ```ts
 * const transform = FeatureTransform.fit(rows, { age: 'standardize', city: 'oneHot' });
 * const matrix = transform.transform([{ age: 41, city: 'Oslo' }]); // Float32Array, width = transform.width
 * const again = FeatureTransform.fromJSON(JSON.parse(JSON.stringify(transform)));
 * ```
 */
export class FeatureTransform {
  /** Fitted features, in output order. */
  readonly features: readonly FittedFeature[];
  /** Number of output values per row. */
  readonly width: number;
  /** Name of each output value: the column, or `column=category` for one-hot features. */
  readonly featureNames: readonly string[];
  /** Raw columns the transform reads. */
  readonly inputColumns: readonly string[];

  private constructor(features: FittedFeature[]) {
    this.features = features;
    const names: string[] = [];
    for (const feature of features) {
      if (feature.kind === 'oneHot') {
        for (const category of feature.categories) names.push(`${feature.column}=${category}`);
        names.push(`${feature.column}=${OOV}`);
      } else names.push(feature.column);
    }
    this.featureNames = names;
    this.width = names.length;
    this.inputColumns = [...new Set(features.map((feature) => feature.column))];
  }

  /**
   * Fits a transform on in-memory data: row objects, column arrays or one {@link Batch}.
   * For a dataset or a batch stream use {@link fitFeatures}.
   * @throws ValidationError for a bad spec, or a numeric column with no finite value.
   */
  static fit(data: TransformInput, spec: FeatureSpec): FeatureTransform {
    const fitter = new FeatureFitter(spec);
    fitter.add(data);
    return fitter.finish();
  }

  /**
   * Loads a transform from its JSON form (for example from a model artifact).
   * @throws ValidationError when `json` is not a valid transform.
   */
  static fromJSON(json: unknown): FeatureTransform {
    const parsed = parseOptions(
      transformJsonValidator,
      json,
      'feature transform JSON (pass the value FeatureTransform.toJSON() produced)',
    );
    return new FeatureTransform(parsed.features as FittedFeature[]);
  }

  /** @internal */
  static fromFitted(features: FittedFeature[]): FeatureTransform {
    return new FeatureTransform(features);
  }

  /** The JSON form: plain data, safe to `JSON.stringify`. */
  toJSON(): FeatureTransformJSON {
    return {
      kind: 'mlinfra.feature-transform/v1',
      features: this.features.map((feature) => structuredClone(feature)),
    };
  }

  /**
   * Turns raw rows (objects, column arrays, one row object or a {@link Batch}) into a row-major
   * matrix of `rows x width` float32 values. Missing columns and nulls are filled as fitted;
   * unknown categories go to the out-of-vocabulary slot. Never throws on values.
   */
  transform(input: TransformInput): Float32Array {
    const view = columnsOf(input, this.inputColumns);
    const out = new Float32Array(view.length * this.width);
    let offset = 0;
    for (const feature of this.features) {
      const get = view.get(feature.column);
      switch (feature.kind) {
        case 'standardize':
        case 'minMax':
        case 'passthrough': {
          const shift =
            feature.kind === 'standardize'
              ? feature.mean
              : feature.kind === 'minMax'
                ? feature.min
                : 0;
          const scale =
            feature.kind === 'standardize'
              ? feature.std
              : feature.kind === 'minMax'
                ? feature.max - feature.min || 1
                : 1;
          for (let row = 0; row < view.length; row++) {
            let x = toNumber(get(row));
            if (!Number.isFinite(x)) x = feature.fill;
            out[row * this.width + offset] = (x - shift) / scale;
          }
          offset += 1;
          break;
        }
        case 'oneHot': {
          const positions = new Map(feature.categories.map((category, index) => [category, index]));
          const oov = feature.categories.length;
          for (let row = 0; row < view.length; row++) {
            const label = toCategory(get(row));
            const position = label === undefined ? oov : (positions.get(label) ?? oov);
            out[row * this.width + offset + position] = 1;
          }
          offset += oov + 1;
          break;
        }
        case 'index': {
          const positions = new Map(
            feature.categories.map((category, index) => [category, index + 1]),
          );
          for (let row = 0; row < view.length; row++) {
            const label = toCategory(get(row));
            out[row * this.width + offset] = label === undefined ? 0 : (positions.get(label) ?? 0);
          }
          offset += 1;
          break;
        }
      }
    }
    return out;
  }
}

/**
 * Incremental fitting: feed chunks with {@link FeatureFitter.add}, then {@link FeatureFitter.finish}.
 * Memory grows only with the number of distinct categories.
 */
export class FeatureFitter {
  private readonly spec: Array<[string, FeatureColumnSpec]>;
  private readonly accumulators: Map<string, ColumnAccumulator>;

  /** @throws ValidationError for a bad spec. */
  constructor(spec: FeatureSpec) {
    this.spec = Object.entries(parseFeatureSpec(spec)).map(([column, entry]) => [
      column,
      columnOptions(entry),
    ]);
    this.accumulators = new Map(
      this.spec.map(([column, options]) => [
        column,
        new ColumnAccumulator(options.kind === 'oneHot' || options.kind === 'index'),
      ]),
    );
  }

  /** The raw columns the spec reads. */
  get columns(): string[] {
    return this.spec.map(([column]) => column);
  }

  /** Adds rows, column arrays or a batch. */
  add(data: TransformInput): void {
    const view = columnsOf(data, this.columns);
    for (const [column, accumulator] of this.accumulators) {
      const get = view.get(column);
      for (let row = 0; row < view.length; row++) accumulator.add(get(row));
    }
  }

  /** Builds the transform. @throws ValidationError when a numeric column saw no finite value. */
  finish(): FeatureTransform {
    const features: FittedFeature[] = [];
    const issues: { path: string[]; message: string }[] = [];
    for (const [column, options] of this.spec) {
      const accumulator = this.accumulators.get(column)!;
      if (options.kind === 'oneHot' || options.kind === 'index') {
        const minCount = options.minCount ?? 1;
        const categories = [...accumulator.counts]
          .filter(([, count]) => count >= minCount)
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .slice(0, options.maxCategories ?? 100)
          .map(([category]) => category);
        features.push({ column, kind: options.kind, categories });
        continue;
      }
      if (accumulator.count === 0) {
        issues.push({
          path: [column],
          message: `has no finite numeric value to fit ${options.kind} on; check the column name or use oneHot/index for text`,
        });
        continue;
      }
      const mean = accumulator.mean;
      const fillOption = options.fill ?? 'mean';
      const fill = fillOption === 'mean' ? mean : fillOption === 'zero' ? 0 : fillOption;
      if (options.kind === 'standardize') {
        const std = Math.sqrt(accumulator.m2 / accumulator.count);
        features.push({ column, kind: 'standardize', mean, std: std > 0 ? std : 1, fill });
      } else if (options.kind === 'minMax') {
        features.push({ column, kind: 'minMax', min: accumulator.min, max: accumulator.max, fill });
      } else {
        features.push({ column, kind: 'passthrough', fill });
      }
    }
    if (issues.length > 0) throw new ValidationError('Cannot fit the feature transform', issues);
    return FeatureTransform.fromFitted(features);
  }
}
