import { type FileHandle, open, stat } from 'node:fs/promises';
import {
  type ColumnSchema,
  type ColumnType,
  MlinfraError,
  parseSchema,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetScan,
  type SchemaElement,
} from 'hyparquet';
import { compressors as decompressors } from 'hyparquet-compressors';
import {
  type CellValue,
  type ColumnChunk,
  type ColumnData,
  concatChunks,
  numericArrayFor,
} from '../table/column-chunk.js';
import {
  ColumnAssembler,
  chunkRange,
  decodeColumnChunk,
  type FastColumn,
  planFastColumn,
  UnsupportedChunk,
} from './parquet-read.js';
import { SCHEMA_KEY } from './parquet-write.js';

/** Maps one Parquet leaf column to a column type, or undefined when it has no mapping. */
function columnTypeOf(element: SchemaElement): ColumnType | undefined {
  const logical = element.logical_type;
  const converted = element.converted_type;
  switch (element.type) {
    case 'BOOLEAN':
      return 'bool';
    case 'FLOAT':
      return 'float32';
    case 'DOUBLE':
      return 'float64';
    case 'INT32':
      if (converted === 'DATE' || logical?.type === 'DATE') return 'timestamp';
      if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return 'float64';
      if (
        converted === 'UINT_32' ||
        (logical?.type === 'INTEGER' && !logical.isSigned && logical.bitWidth === 32)
      ) {
        return 'int64';
      }
      if (converted === 'TIME_MILLIS' || logical?.type === 'TIME') return 'int32';
      return 'int32';
    case 'INT64':
      if (
        converted === 'TIMESTAMP_MILLIS' ||
        converted === 'TIMESTAMP_MICROS' ||
        logical?.type === 'TIMESTAMP'
      ) {
        return 'timestamp';
      }
      if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return 'float64';
      return 'int64';
    case 'INT96':
      return 'timestamp';
    case 'BYTE_ARRAY':
      if (
        converted === 'UTF8' ||
        converted === 'ENUM' ||
        converted === 'JSON' ||
        logical?.type === 'STRING' ||
        logical?.type === 'ENUM' ||
        logical?.type === 'JSON'
      ) {
        return 'string';
      }
      if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return 'float64';
      return undefined;
    case 'FIXED_LEN_BYTE_ARRAY':
      if (converted === 'DECIMAL' || logical?.type === 'DECIMAL' || logical?.type === 'FLOAT16')
        return 'float64';
      if (logical?.type === 'UUID') return 'string';
      return undefined;
    default:
      return undefined;
  }
}

/**
 * The table schema of a Parquet file: the mlinfra schema stored in its metadata when present,
 * else derived from the Parquet types.
 * @throws ValidationError for nested or unsupported columns.
 */
export function tableSchemaOf(metadata: FileMetaData): TableSchema {
  const stored = metadata.key_value_metadata?.find((entry) => entry.key === SCHEMA_KEY)?.value;
  if (stored !== undefined) {
    try {
      return parseSchema(JSON.parse(stored));
    } catch {
      // A foreign or damaged entry: fall back to the Parquet types.
    }
  }
  const [root, ...rest] = metadata.schema;
  const columns: ColumnSchema[] = [];
  const issues: { path: string[]; message: string }[] = [];
  let index = 0;
  const count = root?.num_children ?? 0;
  for (let child = 0; child < count; child++) {
    const element = rest[index];
    if (element === undefined) break;
    if ((element.num_children ?? 0) > 0 || element.repetition_type === 'REPEATED') {
      issues.push({
        path: [element.name],
        message: 'is a nested (list, map or struct) column; flatten it before committing',
      });
      index += 1 + countDescendants(rest, index);
      continue;
    }
    const type = columnTypeOf(element);
    if (type === undefined) {
      issues.push({
        path: [element.name],
        message: `has unsupported Parquet type ${element.type}; cast it to a number or string`,
      });
    } else {
      columns.push({ name: element.name, type, nullable: element.repetition_type !== 'REQUIRED' });
    }
    index++;
  }
  if (issues.length > 0)
    throw new ValidationError('This Parquet file has columns mlinfra cannot read', issues);
  return { columns };
}

function countDescendants(elements: SchemaElement[], index: number): number {
  let pending = elements[index]?.num_children ?? 0;
  let cursor = index + 1;
  let total = 0;
  while (pending > 0 && cursor < elements.length) {
    const element = elements[cursor]!;
    pending--;
    total++;
    pending += element.num_children ?? 0;
    cursor++;
  }
  return total;
}

const jsonText = new TextDecoder();

/** Timestamps decode to epoch milliseconds (numbers), not Date objects; JSON stays text. */
const PARSERS = {
  timestampFromMilliseconds: (millis: bigint) => Number(millis),
  timestampFromMicroseconds: (micros: bigint) => Number(micros) / 1000,
  // Whole milliseconds (floored) and the rest apart: epoch nanoseconds exceed 2^53.
  timestampFromNanoseconds: (nanos: bigint) => {
    const rest = ((nanos % 1000000n) + 1000000n) % 1000000n;
    return Number((nanos - rest) / 1000000n) + Number(rest) / 1e6;
  },
  dateFromDays: (days: number) => days * 86400000,
  // JSON columns are string columns: keep the text (hyparquet would parse it into objects).
  jsonFromBytes: (bytes: Uint8Array | undefined) => bytes && jsonText.decode(bytes),
};

/** A row range of a Parquet file (a row group). */
export interface RowRange {
  rowStart: number;
  rowEnd: number;
}

/** Opened Parquet file: metadata, schema and lazy column reads by row range. */
export interface ParquetSource {
  metadata: FileMetaData;
  schema: TableSchema;
  rowCount: number;
  /** Row groups in file order. */
  rowGroups: RowRange[];
  /** Reads `columns` for rows `[rowStart, rowEnd)` (within one row group), as canonical values. */
  read(range: RowRange, columns: readonly string[]): Promise<ColumnChunk>;
  /**
   * Reads `columns` (default: all) of every row group as whole columns. Row groups decode one
   * after another (the next one read while the current one decodes) straight into the final
   * arrays, so there are no per-group arrays to concatenate.
   * @throws ValidationError for an unknown column or corrupt bytes.
   */
  readAll(columns?: readonly string[]): Promise<Record<string, ColumnData>>;
}

/** hyparquet's AsyncBuffer over bytes in memory. */
function bufferOf(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice: (start: number, end?: number) =>
      bytes.buffer.slice(
        bytes.byteOffset + start,
        bytes.byteOffset + (end ?? bytes.byteLength),
      ) as ArrayBuffer,
  };
}

/**
 * Copies a plain array of numbers (what hyparquet decodes for an optional column) into a typed
 * array in one pass, or returns undefined at the first value that is not a number (a null, a
 * bigint): the general path handles those.
 */
function numbersInto<T extends Float64Array | Float32Array | Int32Array>(
  Typed: new (length: number) => T,
  values: unknown[],
): T | undefined {
  const out = new Typed(values.length);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (typeof value !== 'number') return undefined;
    out[index] = value;
  }
  return out;
}

function canonical(column: ColumnSchema, values: ArrayLike<unknown>): ColumnData {
  // Optional columns decode to plain arrays; without nulls they become typed arrays.
  const plain = Array.isArray(values) ? (values as unknown[]) : undefined;
  if (plain !== undefined && plain.length > 0) {
    const Typed = numericArrayFor(column.type);
    const typed =
      Typed === undefined ? undefined : numbersInto<Float64Array>(Typed as never, plain);
    if (typed !== undefined) return typed as ColumnData;
  }
  const noNulls = plain !== undefined && !plain.includes(null) && !plain.includes(undefined);
  switch (column.type) {
    case 'float64':
    case 'float32':
    case 'int32': {
      const Typed = numericArrayFor(column.type)!;
      if (values instanceof Typed) return values as ColumnData;
      if (ArrayBuffer.isView(values) || noNulls) {
        if (plain !== undefined && typeof plain[0] === 'bigint')
          return Typed.from((plain as bigint[]).map(Number)) as ColumnData;
        return Typed.from(values as ArrayLike<number>) as ColumnData;
      }
      const out = new Array<CellValue>(values.length);
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        out[index] =
          value === null || value === undefined
            ? null
            : typeof value === 'number'
              ? value
              : Number(value);
      }
      return out;
    }
    case 'int64': {
      if (values instanceof BigInt64Array) return values;
      if (noNulls && typeof plain![0] === 'bigint')
        return BigInt64Array.from(plain as bigint[], (value) => BigInt.asIntN(64, value));
      const out = new Array<CellValue>(values.length);
      let nulls = false;
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        if (value === null || value === undefined) {
          out[index] = null;
          nulls = true;
        } else
          out[index] =
            typeof value === 'bigint'
              ? BigInt.asIntN(64, value)
              : BigInt(Math.trunc(Number(value)));
      }
      return nulls ? out : BigInt64Array.from(out as bigint[]);
    }
    case 'timestamp': {
      if (values instanceof Float64Array) return values;
      if (noNulls && typeof plain![0] === 'number') return Float64Array.from(plain as number[]);
      const out = new Float64Array(values.length);
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        out[index] =
          value === null || value === undefined
            ? Number.NaN
            : value instanceof Date
              ? value.getTime()
              : Number(value);
      }
      return out;
    }
    case 'string':
    case 'category': {
      if (
        Array.isArray(values) &&
        values.every((value) => value === null || typeof value === 'string')
      ) {
        return values as CellValue[];
      }
      return Array.from(values, (value) =>
        value === null || value === undefined
          ? null
          : value instanceof Uint8Array
            ? new TextDecoder().decode(value)
            : String(value),
      );
    }
    case 'bool': {
      const out = new Array<CellValue>(values.length);
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        out[index] = value === null || value === undefined ? null : Boolean(value);
      }
      return out;
    }
  }
}

/**
 * An AsyncBuffer over a file: each slice is one positioned read (no stream, no concat). Slices in
 * flight at the same time share one file handle, closed when the last of them finishes, so a
 * source never holds a descriptor between reads.
 */
const MAGIC = 'PAR1';

/**
 * Checks what every Parquet file has before anything is decoded: `PAR1` at both ends and a footer
 * that fits in the file, so a text file, an empty file or a file cut short is named as not valid
 * Parquet instead of failing deep inside the decoder.
 */
async function checkFraming(buffer: AsyncBuffer, label: string): Promise<void> {
  const size = buffer.byteLength;
  const invalid = (why: string) =>
    new ValidationError(`${label} is not a valid Parquet file: ${why}`);
  if (size < 12) {
    throw invalid(
      size === 0
        ? 'it is empty'
        : `it has ${size} bytes, fewer than the 12 of a Parquet header and footer`,
    );
  }
  const head = new Uint8Array(await buffer.slice(0, 4));
  const tail = new Uint8Array(await buffer.slice(size - 8, size));
  const text = (bytes: Uint8Array) => String.fromCharCode(...bytes);
  if (text(head) !== MAGIC) {
    throw invalid(
      `it does not start with "PAR1" (it starts with ${JSON.stringify(text(head))}); is it CSV or another format?`,
    );
  }
  if (text(tail.subarray(4)) !== MAGIC) {
    throw invalid(
      'it does not end with "PAR1"; the file is cut short or still being written. Copy it again',
    );
  }
  const footer = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
  if (footer === 0 || footer > size - 12) {
    throw invalid(
      `its footer says ${footer} bytes, but the file has room for ${size - 12}; the file is damaged or cut short`,
    );
  }
}

async function fileBuffer(path: string): Promise<AsyncBuffer> {
  const { size } = await stat(path);
  let shared: Promise<FileHandle> | undefined;
  let users = 0;
  const release = async () => {
    users--;
    if (users > 0 || shared === undefined) return;
    const handle = shared;
    shared = undefined;
    await handle.then(
      (opened) => opened.close(),
      () => undefined,
    );
  };
  return {
    byteLength: size,
    async slice(start: number, end?: number) {
      const from = Math.max(0, start);
      const to = Math.min(size, end ?? size);
      if (to <= from) return new ArrayBuffer(0);
      // Not zero-filled, and never a slice of Node's shared pool: every byte is read below.
      const out = new Uint8Array(Buffer.allocUnsafeSlow(to - from).buffer, 0, to - from);
      users++;
      shared ??= open(path, 'r');
      try {
        const handle = await shared;
        let done = 0;
        while (done < out.length) {
          const { bytesRead } = await handle.read(out, done, out.length - done, from + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === out.length && out.buffer.byteLength === done
          ? (out.buffer as ArrayBuffer)
          : (out.buffer.slice(0, done) as ArrayBuffer);
      } finally {
        await release();
      }
    },
  };
}

/** The top-level leaf elements of a Parquet schema, by name. */
function topLevelLeaves(metadata: FileMetaData): Map<string, SchemaElement> {
  const [root, ...rest] = metadata.schema;
  const leaves = new Map<string, SchemaElement>();
  let index = 0;
  for (let child = 0; child < (root?.num_children ?? 0); child++) {
    const element = rest[index];
    if (element === undefined) break;
    if ((element.num_children ?? 0) === 0) leaves.set(element.name, element);
    index += 1 + countDescendants(rest, index);
  }
  return leaves;
}

/** Reads chunks `[start, end)` of a file, merging neighbours (gaps under 1 MiB) into one read. */
async function readRanges(
  buffer: AsyncBuffer,
  ranges: readonly { start: number; end: number }[],
): Promise<Uint8Array[]> {
  const order = ranges.map((_, index) => index).sort((a, b) => ranges[a]!.start - ranges[b]!.start);
  const out = new Array<Uint8Array>(ranges.length);
  const reads: Promise<void>[] = [];
  let cursor = 0;
  while (cursor < order.length) {
    const first = ranges[order[cursor]!]!;
    let end = first.end;
    let last = cursor;
    while (last + 1 < order.length && ranges[order[last + 1]!]!.start - end < 1 << 20) {
      last++;
      end = Math.max(end, ranges[order[last]!]!.end);
    }
    const members = order.slice(cursor, last + 1);
    const start = first.start;
    reads.push(
      Promise.resolve(buffer.slice(start, end)).then((bytes) => {
        const view = new Uint8Array(bytes);
        for (const member of members) {
          const range = ranges[member]!;
          out[member] = view.subarray(range.start - start, range.end - start);
        }
      }),
    );
    cursor = last + 1;
  }
  await Promise.all(reads);
  return out;
}

/** Options of {@link openParquet}. */
export interface OpenParquetOptions {
  /**
   * Decode flat columns on the fast path (parquet-read.ts). Default true; false reads every
   * column through hyparquet (the reference the fast path is tested against).
   */
  fastPath?: boolean;
  /**
   * {@link ParquetSource.readAll} reads row groups in batches of about this many bytes of column
   * chunks (one read per batch, the next batch read while one decodes). Default 16 MiB.
   */
  readBatchBytes?: number;
}

/**
 * Opens a Parquet file (a path, or bytes in memory) for column reads. Reads snappy, gzip, zstd,
 * lz4, lz4_raw and brotli pages, plain and dictionary encodings.
 *
 * Flat columns of whole row groups decode on the fast path of parquet-read.ts (one read per row
 * group, pages decoded straight into typed arrays); the rest (unsigned integers, TIME, UUID,
 * FLOAT16, DECIMALs beyond 2^53 or stored as BYTE_ARRAY, row ranges that are not whole row
 * groups) goes through hyparquet, per column, with the same results.
 * @throws ValidationError when the file is not Parquet or has columns that cannot be read.
 */
export async function openParquet(
  file: string | Uint8Array,
  options: OpenParquetOptions = {},
): Promise<ParquetSource> {
  const label = typeof file === 'string' ? file : 'The bytes';
  const readBatchBytes = options.readBatchBytes ?? 16 << 20;
  const buffer = typeof file === 'string' ? await fileBuffer(file) : bufferOf(file);
  await checkFraming(buffer, label);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new ValidationError(
      `${label} is not a readable Parquet file (${(error as Error).message}); check the path and format`,
      [],
      { cause: error },
    );
  }
  const schema = tableSchemaOf(metadata);
  const byName = new Map(schema.columns.map((column) => [column.name, column]));
  const leaves = topLevelLeaves(metadata);
  const plans = new Map<string, FastColumn>();
  for (const column of options.fastPath === false ? [] : schema.columns) {
    const element = leaves.get(column.name);
    const plan = element === undefined ? undefined : planFastColumn(element, column);
    if (plan !== undefined) plans.set(column.name, plan);
  }
  // A scan per read: hyparquet's scan keeps the last range of each column decoded, which would
  // pin one row group per column per open file in memory.
  const scanFor = (columns: readonly string[]) =>
    parquetScan({
      file: buffer,
      metadata,
      compressors: decompressors,
      parsers: PARSERS,
      columns: [...columns],
    });
  const rowGroups: RowRange[] = [];
  const groupAt = new Map<number, number>();
  let start = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    const rows = Number(group.num_rows);
    if (rows > 0) {
      rowGroups.push({ rowStart: start, rowEnd: start + rows });
      groupAt.set(start, index);
    }
    start += rows;
  }
  const fileSize = buffer.byteLength;

  /** The fast-path chunk of `name` in row group `index`, or undefined. */
  const fastChunk = (index: number, name: string) => {
    const plan = plans.get(name);
    if (plan === undefined) return undefined;
    const chunk = metadata.row_groups[index]!.columns.find(
      (candidate) =>
        candidate.meta_data?.path_in_schema.length === 1 &&
        candidate.meta_data.path_in_schema[0] === name,
    );
    const meta = chunk?.meta_data;
    if (chunk === undefined || meta === undefined || chunk.file_path !== undefined)
      return undefined;
    const range = chunkRange(meta);
    if (!(range.start >= 0 && range.end <= fileSize && range.start < range.end)) return undefined;
    return { plan, meta, range };
  };

  const checkColumns = (columns: readonly string[]) => {
    for (const name of columns) {
      if (!byName.has(name)) {
        throw new ValidationError(
          `Column "${name}" is not in this file; it has ${schema.columns.map((c) => c.name).join(', ')}`,
        );
      }
    }
  };

  const source: ParquetSource = {
    metadata,
    schema,
    rowCount: Number(metadata.num_rows),
    rowGroups,
    async readAll(columns = schema.columns.map((column) => column.name)) {
      checkColumns(columns);
      const total = rowGroups.reduce((sum, group) => sum + group.rowEnd - group.rowStart, 0);
      const groups = rowGroups.map((group) => groupAt.get(group.rowStart)!);
      const assemblers = new Map<string, ColumnAssembler>();
      const slow: string[] = [];
      for (const name of columns) {
        const plan = plans.get(name);
        if (plan !== undefined && groups.every((index) => fastChunk(index, name) !== undefined))
          assemblers.set(name, new ColumnAssembler(plan, total));
        else slow.push(name);
      }
      // Row groups go in batches of up to readBatchBytes of chunks, each batch one merged read (small
      // row groups cost one read together), the next batch read while this one decodes.
      const batches: number[][] = [];
      let batchBytes = 0;
      for (let position = 0; position < groups.length; position++) {
        let bytes = 0;
        for (const name of assemblers.keys()) {
          const { range } = fastChunk(groups[position]!, name)!;
          bytes += range.end - range.start;
        }
        if (batches.length === 0 || batchBytes + bytes > readBatchBytes) {
          batches.push([]);
          batchBytes = 0;
        }
        batches[batches.length - 1]!.push(position);
        batchBytes += bytes;
      }
      const fetch = (batch: number[]) => {
        const names = [...assemblers.keys()];
        const wanted = batch.flatMap((position) =>
          names.map((name) => ({ position, name, chunk: fastChunk(groups[position]!, name)! })),
        );
        const read = readRanges(
          buffer,
          wanted.map(({ chunk }) => chunk.range),
        ).then((bytes) => ({ wanted, bytes }));
        read.catch(() => undefined); // awaited below; never an unhandled rejection
        return read;
      };
      let next = assemblers.size > 0 && batches.length > 0 ? fetch(batches[0]!) : undefined;
      for (let index = 0; next !== undefined; index++) {
        const { wanted, bytes } = await next;
        next = index + 1 < batches.length ? fetch(batches[index + 1]!) : undefined;
        for (const [slot, { position, name, chunk }] of wanted.entries()) {
          const assembler = assemblers.get(name);
          if (assembler === undefined) continue;
          try {
            assembler.append(bytes[slot]!, {
              column: assembler.column,
              rows: rowGroups[position]!.rowEnd - rowGroups[position]!.rowStart,
              codec: chunk.meta.codec,
              file: label,
              rowGroup: groups[position]!,
            });
          } catch (error) {
            if (!(error instanceof UnsupportedChunk)) throw error;
            assemblers.delete(name);
            slow.push(name);
          }
        }
      }
      const out: Record<string, ColumnData> = {};
      for (const [name, assembler] of assemblers) out[name] = assembler.finish();
      if (slow.length > 0) {
        const parts = await Promise.all(rowGroups.map((group) => source.read(group, slow)));
        const merged = concatChunks({ columns: slow.map((name) => byName.get(name)!) }, parts);
        for (const name of slow) out[name] = merged.columns[name]!;
      }
      const ordered: Record<string, ColumnData> = {};
      for (const name of columns) ordered[name] = out[name]!;
      return ordered;
    },
    async read(range, columns) {
      for (const name of columns) {
        if (!byName.has(name)) {
          throw new ValidationError(
            `Column "${name}" is not in this file; it has ${schema.columns.map((c) => c.name).join(', ')}`,
          );
        }
      }
      const out: Record<string, ColumnData> = {};
      const length = range.rowEnd - range.rowStart;
      const index = groupAt.get(range.rowStart);
      const whole = index !== undefined && Number(metadata.row_groups[index]!.num_rows) === length;
      const slow: string[] = [];
      const fast: { name: string; chunk: NonNullable<ReturnType<typeof fastChunk>> }[] = [];
      for (const name of columns) {
        const chunk = whole ? fastChunk(index, name) : undefined;
        if (chunk === undefined) slow.push(name);
        else fast.push({ name, chunk });
      }
      if (fast.length > 0) {
        const bytes = await readRanges(
          buffer,
          fast.map(({ chunk }) => chunk.range),
        );
        for (const [position, { name, chunk }] of fast.entries()) {
          try {
            out[name] = decodeColumnChunk(bytes[position]!, {
              column: chunk.plan,
              rows: length,
              codec: chunk.meta.codec,
              file: label,
              rowGroup: index!,
            });
          } catch (error) {
            if (!(error instanceof UnsupportedChunk)) throw error;
            slow.push(name);
          }
        }
      }
      if (slow.length > 0) {
        const scan = await scanFor(slow);
        await Promise.all(
          slow.map(async (name) => {
            let values: ArrayLike<unknown>;
            try {
              values = await scan.readColumn({
                column: name,
                rowStart: range.rowStart,
                rowEnd: range.rowEnd,
              });
            } catch (error) {
              if (MlinfraError.isInstance(error)) throw error;
              const detail = error instanceof Error ? error.message : String(error);
              throw new ValidationError(
                `${label}: column "${name}" in rows ${range.rowStart}-${range.rowEnd} cannot be read (${detail}); re-export the file from its source`,
                [{ path: [name], message: detail }],
                { cause: error },
              );
            }
            out[name] = canonical(byName.get(name)!, values);
          }),
        );
      }
      // Keep the caller's column order.
      const ordered: Record<string, ColumnData> = {};
      for (const name of columns) ordered[name] = out[name]!;
      return { length, columns: ordered };
    },
  };
  // Framing and footer are checked on open; damage inside the data (a cut page, a wrong length)
  // surfaces while decoding: name the file and say so instead of a decoder's internal message.
  const damaged = (error: unknown): never => {
    if (MlinfraError.isInstance(error)) throw error;
    throw new ValidationError(
      `${label} is not a valid Parquet file: its data cannot be decoded (${(error as Error).message}); the file is damaged`,
      [],
      { cause: error },
    );
  };
  return {
    ...source,
    readAll: (columns) => source.readAll(columns).catch(damaged),
    read: (range, columns) => source.read(range, columns).catch(damaged),
  };
}
