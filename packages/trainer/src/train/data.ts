import { ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { assertFinite, assertLabels, type LabelRule, type RowOrigin } from './data-checks.js';
import type { RandomState } from './rng.js';
import { SeededRandom } from './rng.js';

/** Numbers for `x` or `y`: a tensor, a typed array (row-major), `number[]` (one value per row) or `number[][]`. */
export type ArrayInput =
  | tf.Tensor
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array
  | number[]
  | number[][];

/** Values of a side column (for evaluation slices), one per row. */
export type SliceColumn = ArrayLike<string | number | boolean | null>;

/** One batch of examples. Rows are the first dimension of `x` and `y`. */
export interface XYBatch {
  /** Model input. */
  x: ArrayInput;
  /** Labels. */
  y: ArrayInput;
  /** Optional side columns (e.g. `region`) that `evaluate` can slice by. Not fed to the model. */
  columns?: Record<string, SliceColumn>;
}

/** All examples in memory: the trainer batches them and shuffles each epoch with the seeded RNG. */
export interface InMemoryData {
  /** Model input, one row per example. */
  x: ArrayInput;
  /** Labels, one row per example. */
  y: ArrayInput;
  /** Optional side columns for evaluation slices. */
  columns?: Record<string, SliceColumn>;
}

/**
 * Batches iterated once per epoch, e.g. a `@mlinfra/datasets` stream wrapped by
 * `fromColumnBatches`. `cursor()` (optional) is the JSON position after the last batch yielded; it
 * goes into checkpoints and comes back through `resume(cursor)`. Without them a resumed run skips
 * the batches already done in the interrupted epoch, which is exact only if the iterable yields the
 * same batches again.
 */
export interface BatchIterable extends AsyncIterable<XYBatch> {
  /** Position after the last batch yielded (JSON). */
  cursor?(): unknown;
  /** The rest of an epoch from a saved cursor. */
  resume?(cursor: unknown): AsyncIterable<XYBatch>;
}

/** Where the trainer is when it asks for an epoch's batches. */
export interface EpochPosition {
  /** Epoch number, from 0. */
  epoch: number;
  /** Cursor saved by a checkpoint in the middle of this epoch, else undefined. */
  cursor: unknown;
}

/** The batches of one epoch, with an optional cursor. */
export type EpochBatches = (AsyncIterable<XYBatch> | Iterable<XYBatch>) & { cursor?(): unknown };

/** Opens the batches of one epoch (from a saved cursor when resuming). */
export type BatchOpener = (position: EpochPosition) => EpochBatches | Promise<EpochBatches>;

/** Training or evaluation data: in memory, an async iterable of `{ x, y }` batches, or an opener. */
export type TrainData = InMemoryData | BatchIterable | Iterable<XYBatch> | BatchOpener;

/** A batch ready for the model. */
export interface PreparedBatch {
  x: tf.Tensor;
  y: tf.Tensor;
  rows: number;
  /** Whether the trainer created (and must dispose) the tensors. */
  owned: boolean;
  columns?: Record<string, SliceColumn>;
}

/** How a resumed epoch continues. */
export interface EpochStart {
  epoch: number;
  /** Batches already done in this epoch. */
  skipBatches: number;
  /** Saved stream cursor, if any. */
  cursor: unknown;
  /** RNG state at the start of this epoch (for the in-memory shuffle). */
  shuffleState: RandomState;
}

/** Normalised data source. */
export interface DataSource {
  readonly kind: 'memory' | 'stream';
  /** Rows, when known (in memory). */
  readonly rows: number | undefined;
  batches(start: EpochStart, batchSize: number): AsyncGenerator<PreparedBatch>;
  /** Cursor after the last batch yielded, or null. */
  cursor(): unknown;
}

function widthOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((product, dimension) => product * (dimension ?? 1), 1);
}

/** Row-major values of an input and its row count. */
interface Flat {
  data: Float32Array;
  rows: number;
}

/** Reads a tensor asynchronously (webgpu in Node has no synchronous readback); else {@link flattenArray}. */
async function flatten(input: ArrayInput, width: number, what: string): Promise<Flat> {
  if (input instanceof tf.Tensor) {
    return { data: new Float32Array(await input.data()), rows: input.shape[0] ?? 1 };
  }
  return flattenArray(input, width, what);
}

function flattenArray(input: ArrayInput, width: number, what: string): Flat {
  if (Array.isArray(input)) {
    if (input.length > 0 && Array.isArray(input[0])) {
      const rows = input as number[][];
      const out = new Float32Array(rows.length * width);
      rows.forEach((row, index) => {
        if (!Array.isArray(row) || row.length !== width) {
          throw new ValidationError(
            `${what} row ${index} has ${Array.isArray(row) ? row.length : 'no'} values; the model needs ${width}`,
          );
        }
        out.set(row, index * width);
      });
      return { data: out, rows: rows.length };
    }
    const data = Float32Array.from(input as number[]);
    return { data, rows: data.length / width };
  }
  if (ArrayBuffer.isView(input)) {
    const data =
      input instanceof Float32Array ? input : Float32Array.from(input as ArrayLike<number>);
    return { data, rows: data.length / width };
  }
  throw new ValidationError(
    `${what} must be a tensor, a typed array, number[] or number[][]; got ${typeof input}`,
  );
}

/** Refuses NaN/Infinity and labels the loss cannot learn from (see `data-checks.ts`). */
function checkRows(
  x: Float32Array,
  xWidth: number,
  y: Float32Array,
  yWidth: number,
  rule: LabelRule | undefined,
  origin: RowOrigin,
): void {
  assertFinite(x, xWidth, 'features', origin);
  assertFinite(y, yWidth, 'labels', origin);
  if (rule !== undefined) assertLabels(y, yWidth, rule, origin);
}

/**
 * {@link checkRows} for tensors: one reduction over the features, a read of the (small) labels.
 * Reads are async: webgpu in Node has no synchronous readback.
 */
async function checkTensors(
  x: tf.Tensor,
  y: tf.Tensor,
  rows: number,
  rule: LabelRule | undefined,
  origin: RowOrigin,
): Promise<void> {
  const finite = tf.tidy(() => tf.all(tf.isFinite(x)));
  const allFinite = (await finite.data())[0] === 1;
  finite.dispose();
  const xWidth = rows === 0 ? 1 : x.size / rows;
  if (!allFinite) assertFinite(new Float32Array(await x.data()), xWidth, 'features', origin);
  const labels = new Float32Array(await y.data());
  checkRows(new Float32Array(0), 1, labels, rows === 0 ? 1 : labels.length / rows, rule, origin);
}

/** What a batch is checked against, and where it comes from for messages. */
export interface BatchChecks {
  rule: LabelRule | undefined;
  origin: RowOrigin;
}

/** Turns one batch into tensors shaped for the model. */
export async function prepareBatch(
  batch: XYBatch,
  inputShape: readonly (number | null)[],
  outputShape: readonly (number | null)[],
  checks: BatchChecks,
): Promise<PreparedBatch> {
  if (
    batch === null ||
    typeof batch !== 'object' ||
    batch.x === undefined ||
    batch.y === undefined
  ) {
    throw new ValidationError('Every batch must be an object { x, y }; check the data source');
  }
  if (batch.x instanceof tf.Tensor && batch.y instanceof tf.Tensor) {
    const rows = batch.x.shape[0] ?? 0;
    if ((batch.y.shape[0] ?? 0) !== rows) {
      throw new ValidationError(
        `A batch has ${rows} rows of x but ${batch.y.shape[0]} of y; give one label row per example`,
      );
    }
    await checkTensors(batch.x, batch.y, rows, checks.rule, checks.origin);
    return withColumns({ x: batch.x, y: batch.y, rows, owned: false }, batch.columns);
  }
  const inputWidth = widthOf(inputShape);
  const x = await flatten(batch.x, inputWidth, 'x');
  if (!Number.isInteger(x.rows)) {
    throw new ValidationError(
      `A batch's x has ${x.data.length} values, not a whole number of rows of ${inputWidth}; check the feature count`,
    );
  }
  const yWidthGuess = widthOf(outputShape);
  const yFlat = await flatten(batch.y, yWidthGuess, 'y');
  if (x.rows === 0)
    throw new ValidationError('A batch is empty; drop empty batches from the data source');
  const yWidth = yFlat.data.length / x.rows;
  if (!Number.isInteger(yWidth) || yWidth < 1) {
    throw new ValidationError(
      `A batch has ${x.rows} rows of x but ${yFlat.data.length} label values; give one label row per example`,
    );
  }
  checkRows(x.data, inputWidth, yFlat.data, yWidth, checks.rule, checks.origin);
  const labelShape =
    yWidth === yWidthGuess ? outputShape.map((dimension) => dimension ?? 1) : [yWidth];
  return withColumns(
    {
      x: tf.tensor(x.data, [x.rows, ...inputShape.map((dimension) => dimension ?? 1)], 'float32'),
      y: tf.tensor(yFlat.data, [x.rows, ...labelShape], 'float32'),
      rows: x.rows,
      owned: true,
    },
    batch.columns,
  );
}

function withColumns(
  batch: PreparedBatch,
  columns: Record<string, SliceColumn> | undefined,
): PreparedBatch {
  if (columns !== undefined) batch.columns = columns;
  return batch;
}

function isInMemory(data: unknown): data is InMemoryData {
  return (
    typeof data === 'object' &&
    data !== null &&
    'x' in data &&
    'y' in data &&
    !(Symbol.asyncIterator in data) &&
    !(Symbol.iterator in data)
  );
}

class MemorySource implements DataSource {
  readonly kind = 'memory';
  readonly rows: number;
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private readonly xWidth: number;
  private readonly yWidth: number;

  /** Reads `data` (tensors asynchronously) and checks it. */
  static async of(
    data: InMemoryData,
    inputShape: readonly (number | null)[],
    outputShape: readonly (number | null)[],
    shuffle: boolean,
    rule: LabelRule | undefined,
    what: string,
  ): Promise<MemorySource> {
    const x = await flatten(data.x, widthOf(inputShape), 'x');
    const y = await flatten(data.y, widthOf(outputShape), 'y');
    return new MemorySource(x, y, inputShape, outputShape, shuffle, data.columns, rule, what);
  }

  private constructor(
    x: Flat,
    y: Flat,
    private readonly inputShape: readonly (number | null)[],
    private readonly outputShape: readonly (number | null)[],
    private readonly shuffle: boolean,
    private readonly columns: Record<string, SliceColumn> | undefined,
    rule: LabelRule | undefined,
    what: string,
  ) {
    this.xWidth = widthOf(inputShape);
    if (!Number.isInteger(x.rows) || x.rows < 1) {
      throw new ValidationError(
        `x has ${x.data.length} values, not a whole number of rows of ${this.xWidth}; check the feature count`,
      );
    }
    const yWidth = y.data.length / x.rows;
    if (!Number.isInteger(yWidth) || yWidth < 1) {
      throw new ValidationError(
        `x has ${x.rows} rows but y has ${y.data.length} values; give one label row per example`,
      );
    }
    checkRows(x.data, this.xWidth, y.data, yWidth, rule, { what });
    this.rows = x.rows;
    this.x = x.data;
    this.y = y.data;
    this.yWidth = yWidth;
  }

  cursor(): unknown {
    return null;
  }

  async *batches(start: EpochStart, batchSize: number): AsyncGenerator<PreparedBatch> {
    const order = this.shuffle
      ? SeededRandom.fromState(start.shuffleState).permutation(this.rows)
      : undefined;
    const labelShape =
      this.yWidth === widthOf(this.outputShape)
        ? this.outputShape.map((d) => d ?? 1)
        : [this.yWidth];
    for (let from = start.skipBatches * batchSize; from < this.rows; from += batchSize) {
      const to = Math.min(this.rows, from + batchSize);
      const rows = to - from;
      const x = new Float32Array(rows * this.xWidth);
      const y = new Float32Array(rows * this.yWidth);
      const picked: number[] = [];
      for (let row = 0; row < rows; row++) {
        const source = order === undefined ? from + row : (order[from + row] as number);
        picked.push(source);
        x.set(this.x.subarray(source * this.xWidth, (source + 1) * this.xWidth), row * this.xWidth);
        y.set(this.y.subarray(source * this.yWidth, (source + 1) * this.yWidth), row * this.yWidth);
      }
      const batch: PreparedBatch = {
        x: tf.tensor(x, [rows, ...this.inputShape.map((d) => d ?? 1)], 'float32'),
        y: tf.tensor(y, [rows, ...labelShape], 'float32'),
        rows,
        owned: true,
      };
      if (this.columns !== undefined) {
        const columns: Record<string, SliceColumn> = {};
        for (const [name, values] of Object.entries(this.columns))
          columns[name] = picked.map((index) => values[index] ?? null);
        batch.columns = columns;
      }
      yield batch;
    }
  }
}

class StreamSource implements DataSource {
  readonly kind = 'stream';
  readonly rows = undefined;
  private current: { cursor?(): unknown } | undefined;

  constructor(
    private readonly data: BatchIterable | Iterable<XYBatch> | BatchOpener,
    private readonly inputShape: readonly (number | null)[],
    private readonly outputShape: readonly (number | null)[],
    private readonly rule: LabelRule | undefined,
    private readonly what: string,
  ) {}

  cursor(): unknown {
    const cursor = this.current?.cursor?.();
    return cursor === undefined ? null : JSON.parse(JSON.stringify(cursor));
  }

  async *batches(start: EpochStart): AsyncGenerator<PreparedBatch> {
    let iterable: EpochBatches;
    let skip = start.skipBatches;
    const hasCursor = start.cursor !== null && start.cursor !== undefined;
    if (typeof this.data === 'function') {
      iterable = await this.data({
        epoch: start.epoch,
        cursor: hasCursor ? start.cursor : undefined,
      });
      if (hasCursor) skip = 0;
    } else {
      const source = this.data as BatchIterable;
      if (hasCursor && typeof source.resume === 'function') {
        iterable = source.resume(start.cursor);
        skip = 0;
      } else {
        iterable = source;
      }
    }
    if (
      iterable === null ||
      typeof iterable !== 'object' ||
      !(Symbol.asyncIterator in iterable || Symbol.iterator in iterable)
    ) {
      throw new ValidationError(
        'The data source gave something that is not an (async) iterable of { x, y } batches',
      );
    }
    this.current =
      typeof (iterable as { cursor?: unknown }).cursor === 'function'
        ? iterable
        : (this.data as BatchIterable);
    let number = start.skipBatches - skip;
    for await (const batch of iterable as AsyncIterable<XYBatch>) {
      if (skip > 0) {
        skip--;
        number++;
        continue;
      }
      yield await prepareBatch(batch, this.inputShape, this.outputShape, {
        rule: this.rule,
        origin: { what: this.what, batch: number++ },
      });
    }
  }
}

/** Options of {@link toDataSource}. */
export interface DataSourceOptions {
  inputShape: readonly (number | null)[];
  outputShape: readonly (number | null)[];
  shuffle: boolean;
  /** What the labels must hold for the loss. Default: any finite label. */
  labels?: LabelRule | undefined;
}

/** Normalises any accepted data form (reads in-memory tensors, so async). */
export async function toDataSource(
  data: TrainData,
  options: DataSourceOptions,
  what: string,
): Promise<DataSource> {
  if (typeof data === 'function')
    return new StreamSource(data, options.inputShape, options.outputShape, options.labels, what);
  if (isInMemory(data)) {
    return MemorySource.of(
      data,
      options.inputShape,
      options.outputShape,
      options.shuffle,
      options.labels,
      what,
    );
  }
  if (
    typeof data === 'object' &&
    data !== null &&
    (Symbol.asyncIterator in data || Symbol.iterator in data)
  ) {
    return new StreamSource(data, options.inputShape, options.outputShape, options.labels, what);
  }
  throw new ValidationError(
    `${what} must be { x, y } arrays, an async iterable of { x, y } batches, or a function (position) => batches`,
  );
}
