import { parseOptions, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import type { BatchOpener, EpochPosition, SliceColumn, XYBatch } from './data.js';

/**
 * A batch of columns, as `@mlinfra/datasets` streams them (structural): `size` rows, numeric
 * columns as typed arrays, strings as arrays, and per-column null masks.
 */
export interface ColumnBatchLike {
  /** Rows in the batch. */
  size: number;
  /** Columns by name. */
  columns: Record<string, ArrayLike<number> | ArrayLike<string | null>>;
  /** 1 where a value is null, for columns that have nulls. */
  nulls?: Record<string, Uint8Array>;
}

/** A stream of column batches with an optional resumable cursor (a datasets `BatchSource` is one). */
export interface ColumnBatchSourceLike extends AsyncIterable<ColumnBatchLike> {
  /** Position after the last batch yielded (JSON). */
  cursor?(): unknown;
}

/** Turns a column batch into the row-major model input (a fitted `@mlinfra/datasets` FeatureTransform is one). */
export interface ColumnTransformLike {
  /** Model input columns per row. */
  readonly width: number;
  /** Row-major input, `width` values per row. */
  transform(batch: ColumnBatchLike): Float32Array;
}

const columnName = z.string().min(1);

const optionsSchema = z.strictObject({
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
  /** Other columns passed through for evaluation slices. Default none. */
  sliceColumns: z.array(columnName).optional(),
});

/** Options of {@link fromColumnBatches}. */
export type FromColumnBatchesOptions = z.input<typeof optionsSchema>;

function numericColumn(batch: ColumnBatchLike, name: string, role: string): ArrayLike<number> {
  const column = batch.columns[name];
  if (column === undefined) {
    throw new ValidationError(
      `The ${role} column "${name}" is not in the batch (it has ${Object.keys(batch.columns).join(', ')}); request it from the dataset`,
    );
  }
  if (!ArrayBuffer.isView(column)) {
    throw new ValidationError(
      `The ${role} column "${name}" holds strings; encode it as numbers first (e.g. a datasets feature transform)`,
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
export function fromColumnBatches(
  open: (position: EpochPosition) => ColumnBatchSourceLike | Promise<ColumnBatchSourceLike>,
  options: FromColumnBatchesOptions,
): BatchOpener {
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
  return async (position) => {
    const source = await open(position);
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
          const values = numericColumn(batch, name, 'label');
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
}
