/** One column of a {@link Batch}: a typed array for numbers, booleans and timestamps, strings as an array. */
export type BatchColumn =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array
  | Array<string | null>;

/**
 * A slice of consecutive rows (in stream order) as columns.
 *
 * Column encodings by schema type (with `numericType: 'native'`, the default):
 * `float64` Float64Array, `float32` Float32Array, `int32` Int32Array, `int64` Float64Array
 * (exact up to 2^53), `bool` Uint8Array (0/1), `timestamp` Float64Array of epoch milliseconds,
 * `string` and `category` `Array<string | null>`. A null in a numeric column is `NaN` in float
 * arrays and `0` in integer arrays; `nulls` tells them apart.
 */
export interface Batch {
  /** Number of rows in this batch (the last batch of a stream may be smaller than `batchSize`). */
  size: number;
  /** The requested columns, each `size` long. */
  columns: Record<string, BatchColumn>;
  /** For columns that hold at least one null in this batch: 1 where the value is null. */
  nulls: Record<string, Uint8Array>;
}

/**
 * A JSON-serializable position in a batch stream. Save it with a checkpoint and pass it back as
 * `batches({ cursor })` to continue with exactly the next batch.
 */
export interface BatchCursor {
  /** Format marker. */
  kind: 'mlinfra.batch-cursor/v1';
  /** Version id (`sha256:...`) of the dataset version the stream reads. */
  version: string;
  /** Rows already delivered in this epoch, in stream order. */
  position: number;
  /** Shuffle seed, or null for file order. */
  seed: number | null;
  /** Epoch number, mixed into the shuffle so each epoch gets its own order. */
  epoch: number;
  /** Split filter the stream applies, or null for all rows. */
  split: SplitSelection | null;
}

/** Selects the rows of one split: rows whose hashed key falls in `[from, to)` of the unit interval. */
export interface SplitSelection {
  /** Key column hashed to assign splits. */
  key: string;
  /** Split name. */
  name: string;
  /** Lower bound of the split's share of the unit interval (inclusive). */
  from: number;
  /** Upper bound (exclusive, or inclusive when 1). */
  to: number;
  /** Salt mixed into the hash. */
  salt: string;
}

/**
 * What a consumer such as `@mlinfra/trainer` reads: an async iterable of batches plus the
 * position after the last batch it yielded.
 */
export interface BatchSource extends AsyncIterable<Batch> {
  /** The position after the last batch yielded so far: save it to resume later. */
  cursor(): BatchCursor;
}
