import { parseOptions, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import type { BatchOpener, SliceColumn, XYBatch } from './data.js';
import { classNamesSchema } from './data-checks.js';

/**
 * A batch of columns, as `@mlinfra/datasets` streams them (structural): `size` rows, numeric
 * columns as typed arrays, strings as arrays, and per-column null masks. A type literal rather than
 * an interface, so it is assignable to `Record<string, unknown>` (what a datasets
 * FeatureTransform's `transform(input)` accepts).
 */
export type ColumnBatchLike = {
  /** Rows in the batch. */
  size: number;
  /** Columns by name. */
  columns: Record<string, ArrayLike<number> | ArrayLike<string | null>>;
  /** 1 where a value is null, for columns that have nulls. */
  nulls?: Record<string, Uint8Array>;
};

/**
 * The resumable position of a `@mlinfra/datasets` batch stream (a structural copy of its
 * `BatchCursor`): the default cursor type of {@link fromColumnBatches}.
 */
export type DatasetsCursorLike = {
  /** Format marker. */
  kind: 'mlinfra.batch-cursor/v1';
  /** Version id of the dataset version the stream reads. */
  version: string;
  /** Rows already delivered in this epoch. */
  position: number;
  /** Shuffle seed, or null for file order. */
  seed: number | null;
  /** Epoch number. */
  epoch: number;
  /** Split filter (rows whose hashed `key` falls in `[from, to)`), or null for all rows. */
  split: { key: string; name: string; from: number; to: number; salt: string } | null;
};

/** A stream of column batches with an optional resumable cursor (a datasets `BatchSource` is one). */
export interface ColumnBatchSourceLike<Cursor = unknown> extends AsyncIterable<ColumnBatchLike> {
  /** Position after the last batch yielded (JSON). */
  cursor?(): Cursor;
}

/** Where {@link fromColumnBatches} asks its `open` function to start. */
export interface ColumnEpochPosition<Cursor> {
  /** Epoch number, from 0. */
  epoch: number;
  /** The cursor saved by a checkpoint when resuming mid-epoch, else undefined. */
  cursor: Cursor | undefined;
}

/** Turns a column batch into the row-major model input (a fitted `@mlinfra/datasets` FeatureTransform is one). */
export interface ColumnTransformLike {
  /** Model input columns per row. */
  readonly width: number;
  /** Row-major input, `width` values per row. */
  transform(batch: ColumnBatchLike): Float32Array;
}

const columnName = z.string().min(1);

const optionsShape = {
  /** Numeric feature columns, in model input order. Give this or `transform`. */
  features: z.array(columnName).optional(),
  /**
   * Turns a batch into the row-major model input instead of `features`, e.g. a fitted
   * `@mlinfra/datasets` FeatureTransform (`transform.transform(batch)`, `transform.width` columns).
   */
  transform: z
    .custom<ColumnTransformLike>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as ColumnTransformLike).width === 'number' &&
        typeof (value as ColumnTransformLike).transform === 'function',
      'an object with width and transform(batch), such as a fitted datasets FeatureTransform',
    )
    .optional(),
  /** Label column (or columns, e.g. one-hot), numeric. */
  label: z.union([columnName, z.array(columnName).min(1)]),
  /**
   * Class names of a categorical label, in class-index order. A string label column is encoded as
   * the index of its value here (for `sparseCategoricalCrossentropy`; a value not listed is an
   * error naming it); a numeric one is taken as indices already. `train()` keeps them with the model
   * and `saveModelArtifact` stores them as the artifact's `signature.labels`, so serving answers
   * with class names. Default none (numeric labels).
   */
  classes: classNamesSchema.optional(),
  /** Other columns passed through for evaluation slices. Default none. */
  sliceColumns: z.array(columnName).optional(),
};

const optionsSchema: z.ZodObject<typeof optionsShape, z.core.$strict> =
  z.strictObject(optionsShape);

/** Options of {@link fromColumnBatches}. */
export type FromColumnBatchesOptions = z.input<typeof optionsSchema>;

/** The label facts a {@link fromColumnBatches} opener carries to `train()`. */
export interface ColumnLabels {
  /** The label column (the first, for several). */
  label: string;
  /** Class names, when given. */
  classes?: string[];
}

/** A batch opener made by {@link fromColumnBatches}: also names its label and classes. */
export type ColumnBatchOpener = BatchOpener & { readonly labels: ColumnLabels };

/** Class indices of a string label column, by `classes`. */
function classIndices(
  batch: ColumnBatchLike,
  name: string,
  classes: readonly string[],
): ArrayLike<number> {
  const column = batch.columns[name];
  if (column === undefined || ArrayBuffer.isView(column))
    return numericColumn(batch, name, 'label');
  const index = new Map(classes.map((value, position) => [value, position]));
  const out = new Float32Array(batch.size);
  for (let row = 0; row < batch.size; row++) {
    const value = (column as ArrayLike<string | null>)[row];
    const position = value === null || value === undefined ? undefined : index.get(value);
    if (position === undefined) {
      throw new ValidationError(
        `The label column "${name}" has ${JSON.stringify(value ?? null)} in row ${row} of a batch, which is not one of classes (${classes.join(', ')}); add it to classes or drop those rows`,
      );
    }
    out[row] = position;
  }
  return out;
}

function numericColumn(batch: ColumnBatchLike, name: string, role: string): ArrayLike<number> {
  const column = batch.columns[name];
  if (column === undefined) {
    throw new ValidationError(
      `The ${role} column "${name}" is not in the batch (it has ${Object.keys(batch.columns).join(', ')}); request it from the dataset`,
    );
  }
  if (!ArrayBuffer.isView(column)) {
    throw new ValidationError(
      role === 'label'
        ? `The label column "${name}" holds strings; pass classes: [...] (its values in class-index order) to fromColumnBatches`
        : `The ${role} column "${name}" holds strings; encode it as numbers first (e.g. a datasets feature transform)`,
    );
  }
  const nulls = batch.nulls?.[name];
  if (nulls?.some((flag) => flag === 1)) {
    throw new ValidationError(
      `The ${role} column "${name}" has nulls; impute or drop them before training`,
    );
  }
  return column as unknown as ArrayLike<number>;
}

/**
 * Adapts a stream of column batches (a `@mlinfra/datasets` BatchSource) to the trainer: each epoch
 * calls `open({ epoch, cursor })` (the cursor is the one saved by a checkpoint when resuming
 * mid-epoch, else undefined) and turns the named columns into row-major `x` and `y`.
 *
 * @example
 * ```ts
 * const data = fromColumnBatches(({ epoch, cursor }) => version.batches({ batchSize: 256, shuffle: { seed: 1, epoch }, cursor }),
 *   { features: ['age', 'income'], label: 'churned' });
 * await train({ model, data: { train: data }, loss: 'binaryCrossentropy' });
 * ```
 */
export function fromColumnBatches<Cursor = DatasetsCursorLike>(
  open: (
    position: ColumnEpochPosition<Cursor>,
  ) => ColumnBatchSourceLike<Cursor> | Promise<ColumnBatchSourceLike<Cursor>>,
  options: FromColumnBatchesOptions,
): ColumnBatchOpener {
  if (typeof open !== 'function') {
    throw new ValidationError(
      'fromColumnBatches needs a function ({ epoch, cursor }) => batch source',
    );
  }
  const parsed = parseOptions(optionsSchema, options, 'fromColumnBatches options');
  const features = parsed.features ?? [];
  const transform = parsed.transform;
  if ((features.length === 0) === (transform === undefined)) {
    throw new ValidationError(
      'fromColumnBatches needs either features (numeric column names in model input order) or transform (e.g. a datasets FeatureTransform), not both',
    );
  }
  const labels = typeof parsed.label === 'string' ? [parsed.label] : parsed.label;
  const sliceColumns = parsed.sliceColumns;
  const classes = parsed.classes;
  if (classes !== undefined && labels.length !== 1)
    throw new ValidationError('fromColumnBatches classes needs a single label column');
  const opener: BatchOpener = async (position) => {
    // The trainer hands back the cursor this source's cursor() gave, as JSON.
    const source = await open(position as ColumnEpochPosition<Cursor>);
    async function* convert(): AsyncGenerator<XYBatch> {
      for await (const batch of source) {
        const rows = batch.size;
        if (rows === 0) continue;
        let x: Float32Array;
        if (transform !== undefined) {
          x = transform.transform(batch);
        } else {
          x = new Float32Array(rows * features.length);
          features.forEach((name, column) => {
            const values = numericColumn(batch, name, 'feature');
            for (let row = 0; row < rows; row++)
              x[row * features.length + column] = values[row] as number;
          });
        }
        const y = new Float32Array(rows * labels.length);
        labels.forEach((name, column) => {
          const values =
            classes === undefined
              ? numericColumn(batch, name, 'label')
              : classIndices(batch, name, classes);
          for (let row = 0; row < rows; row++)
            y[row * labels.length + column] = values[row] as number;
        });
        const out: XYBatch = { x, y };
        if (sliceColumns !== undefined) {
          const columns: Record<string, SliceColumn> = {};
          for (const name of sliceColumns) {
            const values = batch.columns[name];
            if (values === undefined)
              throw new ValidationError(
                `The slice column "${name}" is not in the batch; request it from the dataset`,
              );
            columns[name] = values as SliceColumn;
          }
          out.columns = columns;
        }
        yield out;
      }
    }
    const iterable = convert();
    return Object.assign(iterable, { cursor: () => source.cursor?.() });
  };
  const columnLabels: ColumnLabels = { label: labels[0] as string };
  if (classes !== undefined) columnLabels.classes = classes;
  return Object.assign(opener, { labels: columnLabels });
}

/** The label facts of training data made by {@link fromColumnBatches}, if it is such data. */
export function columnLabelsOf(data: unknown): ColumnLabels | undefined {
  if (typeof data !== 'function') return undefined;
  const labels = (data as Partial<ColumnBatchOpener>).labels;
  return typeof labels === 'object' && labels !== null && typeof labels.label === 'string'
    ? labels
    : undefined;
}
