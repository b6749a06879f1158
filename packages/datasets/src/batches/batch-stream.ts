import { parseOptions, type TableSchema, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import {
  type CellValue,
  type ColumnChunk,
  type ColumnData,
  concatChunks,
  sliceChunk,
} from '../table/column-chunk.js';
import { type Block, filterChunk, takeRows, type VersionReader } from '../versions/reader.js';
import type { Batch, BatchColumn, BatchCursor, BatchSource, SplitSelection } from './types.js';

const cursorValidator = z
  .object({
    kind: z.literal('mlinfra.batch-cursor/v1'),
    version: z.string(),
    position: z.number().int().min(0),
    seed: z.number().nullable(),
    epoch: z.number().int().min(0),
    split: z
      .object({
        key: z.string(),
        name: z.string(),
        from: z.number(),
        to: z.number(),
        salt: z.string(),
      })
      .strict()
      .nullable(),
  })
  .strict();

/** The options of `batches()`, one strict schema. */
export const batchOptionsSchema = z
  .object({
    /** Rows per batch. Default 1024. */
    batchSize: z.number().int().positive().optional(),
    /** Columns to include. Default: every column of the schema. */
    columns: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Shuffle with a seed: row groups are visited in a seeded random order and rows are permuted
     * within windows of about `windowRows` rows (default 65536, one row group), so memory stays bounded while the
     * order is well mixed. The same seed and epoch give the same order. Default: file order.
     */
    shuffle: z
      .object({ seed: z.number().finite(), windowRows: z.number().int().positive().optional() })
      .strict()
      .optional(),
    /** Epoch number, mixed into the shuffle so each epoch has its own order. Default 0. */
    epoch: z.number().int().min(0).optional(),
    /** Drop the last batch when it is smaller than `batchSize`. Default false. */
    dropRemainder: z.boolean().optional(),
    /**
     * Array type for numeric, bool and timestamp columns: `'native'` (see {@link Batch}),
     * `'float32'` or `'float64'` for all of them. Default `'native'`.
     */
    numericType: z.enum(['native', 'float32', 'float64']).optional(),
    /** Resume from a saved {@link BatchCursor}: the stream continues with the batch after it. */
    cursor: z.custom<BatchCursor>().optional(),
  })
  .strict();

/** Options of `batches()`. */
export type BatchOptions = z.input<typeof batchOptionsSchema>;

/** A saved cursor, checked in depth (its path in errors starts at `cursor`). */
const cursorHolderValidator = z.object({ cursor: cursorValidator }).strict();

/** Prepared batch options with defaults applied. */
interface PreparedOptions {
  batchSize: number;
  columns: string[] | undefined;
  seed: number | null;
  windowRows: number;
  epoch: number;
  dropRemainder: boolean;
  numericType: 'native' | 'float32' | 'float64';
  cursor: BatchCursor | undefined;
}

function prepareOptions(options: BatchOptions): PreparedOptions {
  parseOptions(batchOptionsSchema, options, 'batches() options');
  const cursor =
    options.cursor === undefined
      ? undefined
      : parseOptions(
          cursorHolderValidator,
          { cursor: options.cursor },
          "batch cursor; pass the value a stream's cursor() returned (after JSON round-trip is fine)",
        ).cursor;
  const seed = options.shuffle?.seed ?? null;
  const epoch = options.epoch ?? cursor?.epoch ?? 0;
  if (cursor !== undefined && (cursor.seed !== seed || cursor.epoch !== epoch)) {
    throw new ValidationError(
      `The cursor was saved with shuffle seed ${cursor.seed} and epoch ${cursor.epoch}, but this stream uses seed ${seed} and epoch ${epoch}; pass the same shuffle and epoch options to resume`,
    );
  }
  return {
    batchSize: options.batchSize ?? 1024,
    columns: options.columns,
    seed,
    windowRows: options.shuffle?.windowRows ?? 65536,
    epoch,
    dropRemainder: options.dropRemainder ?? false,
    numericType: options.numericType ?? 'native',
    cursor,
  };
}

/** 32-bit state from a seed and extra integers (FNV-1a mixing). */
function mix(...parts: number[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = String(part);
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0x2c;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: small, fast, seedable PRNG returning [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates permutation of 0..length-1. */
function permutation(length: number, next: () => number): Uint32Array {
  const order = new Uint32Array(length);
  for (let index = 0; index < length; index++) order[index] = index;
  for (let index = length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    const value = order[index]!;
    order[index] = order[other]!;
    order[other] = value;
  }
  return order;
}

type NumericArray = Float64Array | Float32Array | Int32Array | Uint8Array;
type NumericConstructor = new (length: number) => NumericArray;

/** Converts one column of a chunk to its batch encoding plus a null mask (when it has nulls). */
function toBatchColumn(
  type: TableSchema['columns'][number]['type'],
  values: ColumnData,
  numericType: PreparedOptions['numericType'],
): { column: BatchColumn; nulls: Uint8Array | undefined } {
  if (type === 'string' || type === 'category') {
    let nulls: Uint8Array | undefined;
    for (let index = 0; index < values.length; index++) {
      if (values[index] === null) {
        nulls ??= new Uint8Array(values.length);
        nulls[index] = 1;
      }
    }
    return { column: values as Array<string | null>, nulls };
  }
  let Target: NumericConstructor;
  if (numericType === 'float32') Target = Float32Array;
  else if (numericType === 'float64') Target = Float64Array;
  else if (type === 'float32') Target = Float32Array;
  else if (type === 'int32') Target = Int32Array;
  else if (type === 'bool') Target = Uint8Array;
  else Target = Float64Array;
  if (type === 'timestamp' && values instanceof Float64Array) {
    let nulls: Uint8Array | undefined;
    for (let index = 0; index < values.length; index++) {
      if (Number.isNaN(values[index])) {
        nulls ??= new Uint8Array(values.length);
        nulls[index] = 1;
      }
    }
    if (Target === Float64Array) return { column: values, nulls };
    const out = new Target(values.length);
    out.set(values);
    return { column: out, nulls };
  }
  if (values instanceof Target) return { column: values, nulls: undefined };
  const out = new Target(values.length);
  const isFloat = out instanceof Float64Array || out instanceof Float32Array;
  if (
    values instanceof Float64Array ||
    values instanceof Float32Array ||
    values instanceof Int32Array
  ) {
    out.set(values);
    return { column: out, nulls: undefined };
  }
  let nulls: Uint8Array | undefined;
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as CellValue;
    if (value === null) {
      nulls ??= new Uint8Array(values.length);
      nulls[index] = 1;
      if (isFloat) out[index] = Number.NaN;
      continue;
    }
    out[index] =
      typeof value === 'number'
        ? value
        : value instanceof Date
          ? value.getTime()
          : typeof value === 'boolean'
            ? value
              ? 1
              : 0
            : Number(value);
  }
  return { column: out, nulls };
}

/** How a stream finds its version reader and split. */
export interface StreamSource {
  /** Resolves the version to read (once). */
  open(): Promise<{ reader: VersionReader; split: SplitSelection | null }>;
  /** The version id when already known without I/O (a ref that is a version id). */
  knownVersion: string | undefined;
  /** The split the stream selects, or null. */
  split: SplitSelection | null;
}

/**
 * A resumable stream of column batches over one dataset version. Iterate it with `for await`;
 * call {@link BatchStream.cursor} after any batch to save the position.
 */
export class BatchStream implements BatchSource {
  private readonly options: PreparedOptions;
  private position: number;
  private version: string | undefined;
  private started = false;

  constructor(
    private readonly source: StreamSource,
    options: BatchOptions,
  ) {
    this.options = prepareOptions(options);
    this.position = this.options.cursor?.position ?? 0;
    this.version = this.options.cursor?.version ?? source.knownVersion;
    const saved = this.options.cursor?.split;
    if (saved !== undefined && JSON.stringify(saved) !== JSON.stringify(source.split)) {
      throw new ValidationError(
        `The cursor was saved on split ${saved === null ? 'none' : `"${saved.name}"`} but this stream reads ${source.split === null ? 'all rows' : `split "${source.split.name}"`}; resume on the same split`,
      );
    }
  }

  /**
   * The position after the last batch yielded: a JSON-serializable {@link BatchCursor}.
   * @throws ValidationError before the first batch of a stream whose version is not resolved yet
   * (open the dataset by version id, or call after the first batch).
   */
  cursor(): BatchCursor {
    if (this.version === undefined) {
      throw new ValidationError(
        'The stream has not resolved its version yet; call cursor() after the first batch, or open the dataset by version id',
      );
    }
    return {
      kind: 'mlinfra.batch-cursor/v1',
      version: this.version,
      position: this.position,
      seed: this.options.seed,
      epoch: this.options.epoch,
      split: this.source.split,
    };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    if (this.started) {
      throw new ValidationError(
        'A batch stream can be iterated once; call batches() again (with { cursor }) for another pass',
      );
    }
    this.started = true;
    const { reader, split } = await this.source.open();
    const version = reader.version;
    if (this.options.cursor !== undefined && this.options.cursor.version !== version.id) {
      throw new ValidationError(
        `The cursor belongs to version ${this.options.cursor.version} but this dataset resolved to ${version.id}; open dataset(name, '${this.options.cursor.version}') to resume`,
      );
    }
    this.version = version.id;
    const schema = version.schema;
    const byName = new Map(schema.columns.map((column) => [column.name, column]));
    const columns: string[] = this.options.columns ?? schema.columns.map((column) => column.name);
    const missing = columns.filter((name) => !byName.has(name));
    if (missing.length > 0) {
      throw new ValidationError(
        `Unknown column(s) ${missing.join(', ')}; the version has ${[...byName.keys()].join(', ')}`,
      );
    }
    const readColumns =
      split !== null && !columns.includes(split.key) ? [...columns, split.key] : columns;
    const keepKey = split === null || columns.includes(split.key);
    const readSchema: TableSchema = { columns: readColumns.map((name) => byName.get(name)!) };
    const outSchema: TableSchema = { columns: columns.map((name) => byName.get(name)!) };

    const blocks = await reader.blocks();
    const { seed, epoch, batchSize, dropRemainder } = this.options;
    const order: Block[] =
      seed === null
        ? blocks
        : Array.from(
            permutation(blocks.length, random(mix(seed, epoch, 0x5eed))),
            (index) => blocks[index]!,
          );
    const windows: Block[][] = [];
    if (seed === null) for (const block of order) windows.push([block]);
    else {
      let current: Block[] = [];
      let rows = 0;
      for (const block of order) {
        current.push(block);
        rows += block.rowEnd - block.rowStart;
        if (rows >= this.options.windowRows) {
          windows.push(current);
          current = [];
          rows = 0;
        }
      }
      if (current.length > 0) windows.push(current);
    }

    let skip = this.position;
    // Rows waiting to be batched: a chunk plus, when shuffled, the order to read it in.
    const pending: Array<{ chunk: ColumnChunk; order: Uint32Array | null }> = [];
    let headOffset = 0;
    let pendingRows = 0;
    const emit = (size: number): Batch => {
      // Take `size` rows off the queue without copying what stays (no quadratic re-slicing).
      const parts: ColumnChunk[] = [];
      let need = size;
      while (need > 0) {
        const { chunk: head, order } = pending[0]!;
        const take = Math.min(need, head.length - headOffset);
        if (order !== null) {
          const rows = order.subarray(headOffset, headOffset + take);
          const columnsOut: Record<string, ColumnData> = {};
          for (const [name, values] of Object.entries(head.columns))
            columnsOut[name] = takeRows(values, rows);
          parts.push({ length: take, columns: columnsOut });
        } else {
          parts.push(take === head.length ? head : sliceChunk(head, headOffset, headOffset + take));
        }
        headOffset += take;
        need -= take;
        if (headOffset === head.length) {
          pending.shift();
          headOffset = 0;
        }
      }
      pendingRows -= size;
      const merged = parts.length === 1 ? parts[0]! : concatChunks(outSchema, parts);
      const batch: Batch = { size, columns: {}, nulls: {} };
      for (const column of outSchema.columns) {
        const { column: values, nulls } = toBatchColumn(
          column.type,
          merged.columns[column.name]!,
          this.options.numericType,
        );
        batch.columns[column.name] = values;
        if (nulls !== undefined) batch.nulls[column.name] = nulls;
      }
      this.position += size;
      return batch;
    };

    for (let windowIndex = 0; windowIndex < windows.length; windowIndex++) {
      const window = windows[windowIndex]!;
      if (split === null) {
        const rows = window.reduce((sum, block) => sum + block.rowEnd - block.rowStart, 0);
        if (skip >= rows) {
          skip -= rows;
          continue;
        }
      }
      const parts: ColumnChunk[] = [];
      for (const block of window) parts.push(await reader.read(block, readColumns));
      const chunk = filterChunk(concatChunks(readSchema, parts), split, keepKey);
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const order =
        seed === null ? null : permutation(chunk.length, random(mix(seed, epoch, windowIndex)));
      pending.push({ chunk, order });
      pendingRows += chunk.length;
      if (skip > 0) {
        // Resuming: drop the rows already delivered from the front of this window.
        pendingRows -= skip;
        headOffset = skip;
        skip = 0;
      }
      while (pendingRows >= batchSize) yield emit(batchSize);
    }
    if (pendingRows > 0 && !dropRemainder) yield emit(pendingRows);
  }
}
