import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsync, openSync, writeSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { brotliCompressSync, crc32, gzipSync, constants as zlibConstants } from 'node:zlib';
import { type ColumnSchema, type TableSchema, ValidationError } from '@mlinfra/core';
import {
  type CellValue,
  type ColumnChunk,
  type ColumnData,
  concatChunks,
  sliceChunk,
} from '../table/column-chunk.js';
import { snappyCompressInto, snappyMaxCompressedLength } from './snappy.js';
import { putVarint53, ThriftWriter } from './thrift-compact.js';

/** Compression codecs the writer supports. `zstd` needs Node 22.15 or later. */
export type ParquetCodec = 'snappy' | 'gzip' | 'brotli' | 'zstd' | 'uncompressed';

/** Key of the file metadata entry holding the mlinfra table schema as JSON. */
export const SCHEMA_KEY = 'mlinfra.schema';

// Parquet enums (parquet.thrift).
const TYPE = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const ENCODING = { PLAIN: 0, RLE: 3, DELTA_BINARY_PACKED: 5, RLE_DICTIONARY: 8 } as const;
const CODEC = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, BROTLI: 4, ZSTD: 6 } as const;
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;
const CONVERTED = { UTF8: 0, TIMESTAMP_MILLIS: 9 } as const;

/** A dictionary stops growing past this many entries or bytes; the chunk is then written PLAIN. */
const MAX_DICTIONARY_ENTRIES = 65536;
const MAX_DICTIONARY_BYTES = 1 << 20;

type Compress = (input: Uint8Array) => Uint8Array;

let snappyScratch = new Uint8Array(0);

function snappy(input: Uint8Array): Uint8Array {
  const bound = snappyMaxCompressedLength(input.length);
  if (snappyScratch.length < bound) snappyScratch = new Uint8Array(Math.max(bound, 1 << 20));
  const written = snappyCompressInto(input, snappyScratch);
  return snappyScratch.subarray(0, written);
}

function codecFor(codec: ParquetCodec): { id: number; compress?: Compress } {
  switch (codec) {
    case 'snappy':
      return { id: CODEC.SNAPPY, compress: snappy };
    case 'uncompressed':
      return { id: CODEC.UNCOMPRESSED };
    case 'gzip':
      return { id: CODEC.GZIP, compress: (input) => gzipSync(input, { level: 6 }) };
    case 'brotli':
      return {
        id: CODEC.BROTLI,
        compress: (input) =>
          brotliCompressSync(input, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } }),
      };
    case 'zstd': {
      const zstd = (zlib as unknown as { zstdCompressSync?: (input: Uint8Array) => Uint8Array })
        .zstdCompressSync;
      if (zstd === undefined) {
        throw new ValidationError(
          `Writing zstd needs Node 22.15 or later (this is ${process.version}); use codec 'snappy', 'gzip' or 'brotli'`,
        );
      }
      return { id: CODEC.ZSTD, compress: (input) => zstd(input) };
    }
  }
}

/** Physical type of a column. */
function physicalType(column: ColumnSchema): number {
  switch (column.type) {
    case 'float64':
      return TYPE.DOUBLE;
    case 'float32':
      return TYPE.FLOAT;
    case 'int32':
      return TYPE.INT32;
    case 'int64':
    case 'timestamp':
      return TYPE.INT64;
    case 'bool':
      return TYPE.BOOLEAN;
    case 'string':
    case 'category':
      return TYPE.BYTE_ARRAY;
  }
}

/** Writes the Parquet schema elements of a table schema. */
function writeSchema(thrift: ThriftWriter, schema: TableSchema): void {
  const elements: (ColumnSchema | undefined)[] = [undefined, ...schema.columns];
  thrift.listStruct(2, elements, (column) => {
    if (column === undefined) {
      thrift.binary(4, 'root').i32(5, schema.columns.length);
      return;
    }
    thrift
      .i32(1, physicalType(column))
      .i32(3, column.nullable === true ? 1 : 0)
      .binary(4, column.name);
    if (column.type === 'string' || column.type === 'category') {
      thrift.i32(6, CONVERTED.UTF8).struct(10).struct(1).end().end();
    } else if (column.type === 'timestamp') {
      // The converted type only, as before: DuckDB reads it as TIMESTAMP, pyarrow as UTC.
      thrift.i32(6, CONVERTED.TIMESTAMP_MILLIS);
    }
  });
}

/** Growable byte scratch reused across pages. */
class Scratch {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);

  reserve(size: number): Uint8Array {
    if (this.bytes.length < size) {
      this.bytes = new Uint8Array(Math.max(size, this.bytes.length * 2));
      this.view = new DataView(this.bytes.buffer);
    }
    return this.bytes;
  }
}

/**
 * RLE/bit-packed hybrid of `count` values of `width` bits (1..24) as one bit-packed run, or one
 * RLE run when every value is the same. Returns the new position.
 */
function putHybrid(
  out: Uint8Array,
  at: number,
  values: ArrayLike<number>,
  count: number,
  width: number,
): number {
  let same = count > 0;
  const first = count > 0 ? values[0]! : 0;
  for (let index = 1; index < count && same; index++) same = values[index] === first;
  if (same) {
    let position = putVarint53(out, at, count * 2);
    for (let shift = 0; shift < width; shift += 8) out[position++] = (first >>> shift) & 0xff;
    return position;
  }
  const groups = Math.ceil(count / 8);
  const start = putVarint53(out, at, groups * 2 + 1);
  const end = start + groups * width;
  out.fill(0, packBits(out, start, values, 0, count, width), end);
  return end;
}

/** Zigzag LEB128 of a whole number within ±2^52. */
function putZigzag53(out: Uint8Array, at: number, value: number): number {
  return putVarint53(out, at, value >= 0 ? value * 2 : -value * 2 - 1);
}

/**
 * Packs `values[start, end)` least significant bit first, `width` bits each (at most 24), from
 * `at`; a partial last byte is written. Returns the position after the last byte.
 */
function packBits(
  out: Uint8Array,
  at: number,
  values: ArrayLike<number>,
  start: number,
  end: number,
  width: number,
): number {
  let position = at;
  let buffer = 0;
  let bits = 0;
  for (let index = start; index < end; index++) {
    buffer |= values[index]! << bits;
    bits += width;
    while (bits >= 8) {
      out[position++] = buffer & 0xff;
      buffer >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out[position++] = buffer & 0xff;
  return position;
}

/** Bits of the smallest width that holds `max` (at least 1). */
function bitWidth(max: number): number {
  return max <= 0 ? 1 : 32 - Math.clz32(max);
}

/** One encoded column chunk's pages, before compression. */
interface EncodedColumn {
  /** PLAIN dictionary page and its entry count, for dictionary-encoded chunks. */
  dictionary?: { bytes: Uint8Array; count: number };
  /** Data page body (definition levels then values), uncompressed. */
  data: Uint8Array;
  encoding: number;
  nulls: number;
  min?: Uint8Array;
  max?: Uint8Array;
}

const utf8 = new TextEncoder();

/**
 * Encodes column chunks of one schema into Parquet pages. Scratch memory is reused between
 * chunks, so an encoded page is valid until the next call.
 */
class ColumnEncoder {
  private readonly levels = new Scratch();
  private readonly values = new Scratch();
  private indices = new Int32Array(1024);
  private words = new Int32Array(1024);
  private readonly deltas = new Float64Array(128);
  private present = new Uint8Array(1024);

  /** Definition levels (1 present, 0 null) of a plain array, with the null count. */
  private presence(values: ArrayLike<unknown>, from: number, rows: number): number {
    if (this.present.length < rows) this.present = new Uint8Array(rows * 1.5);
    let nulls = 0;
    for (let index = 0; index < rows; index++) {
      const value = values[from + index];
      const isNull = value === null || value === undefined;
      this.present[index] = isNull ? 0 : 1;
      if (isNull) nulls++;
    }
    return nulls;
  }

  /** Writes v1 definition levels (4-byte length, hybrid, width 1) into the levels scratch. */
  private levelBytes(rows: number, nulls: number): Uint8Array {
    const out = this.levels.reserve(16 + Math.ceil(rows / 8));
    let end: number;
    if (nulls === 0) {
      end = putVarint53(out, 4, rows * 2);
      out[end++] = 1;
    } else end = putHybrid(out, 4, this.present, rows, 1);
    this.levels.view.setUint32(0, end - 4, true);
    return out.subarray(0, end);
  }

  /** Encodes rows `[from, from + rows)` of `values`. */
  encode(column: ColumnSchema, values: ColumnData, from: number, rows: number): EncodedColumn {
    const optional = column.nullable === true;
    let nulls = 0;
    // Only optional columns can hold nulls: the normaliser rejects them in required ones.
    if (optional && column.type === 'timestamp') {
      nulls = this.timestampPresence(values as Float64Array, rows);
    } else if (optional && !ArrayBuffer.isView(values)) {
      nulls = this.presence(values, from, rows);
    }
    const levels = optional ? this.levelBytes(rows, nulls) : undefined;
    const encoded = this.encodeValues(column, values, from, rows, nulls, levels?.length ?? 0);
    if (levels !== undefined) encoded.data.set(levels, 0);
    return encoded;
  }

  private timestampPresence(values: Float64Array, rows: number): number {
    if (this.present.length < rows) this.present = new Uint8Array(rows * 1.5);
    let nulls = 0;
    for (let index = 0; index < rows; index++) {
      const isNull = Number.isNaN(values[index]!);
      this.present[index] = isNull ? 0 : 1;
      if (isNull) nulls++;
    }
    return nulls;
  }

  /** Values after `prefix` bytes reserved for the definition levels. */
  private encodeValues(
    column: ColumnSchema,
    values: ColumnData,
    from: number,
    rows: number,
    nulls: number,
    prefix: number,
  ): EncodedColumn {
    const count = rows - nulls;
    const to = from + rows;
    switch (column.type) {
      case 'float64':
      case 'float32':
      case 'int32':
      case 'int64': {
        const width = column.type === 'float32' || column.type === 'int32' ? 4 : (8 as number);
        if (values instanceof Int32Array) {
          const delta = this.delta(values, count, prefix);
          if (delta !== undefined) {
            const { data, encoding, min, max } = delta;
            return { data, encoding, nulls, min: int32Bytes(min), max: int32Bytes(max) };
          }
        }
        let data: Uint8Array;
        if (ArrayBuffer.isView(values) && prefix === 0) {
          // A required column's values are its page: no copy.
          data = new Uint8Array(values.buffer, values.byteOffset, rows * width);
        } else if (ArrayBuffer.isView(values)) {
          data = this.values.reserve(prefix + count * width).subarray(0, prefix + count * width);
          data.set(new Uint8Array(values.buffer, values.byteOffset, rows * width), prefix);
        } else {
          data = this.values.reserve(prefix + count * width).subarray(0, prefix + count * width);
          const view = this.values.view;
          let at = prefix;
          for (let index = from; index < to; index++) {
            const value = values[index];
            if (value === null || value === undefined) continue;
            if (column.type === 'float64') view.setFloat64(at, value as number, true);
            else if (column.type === 'float32') view.setFloat32(at, value as number, true);
            else if (column.type === 'int32') view.setInt32(at, value as number, true);
            else view.setBigInt64(at, value as bigint, true);
            at += width;
          }
        }
        return {
          data,
          encoding: ENCODING.PLAIN,
          nulls,
          ...numericBounds(
            ArrayBuffer.isView(values)
              ? (values as NumericValues)
              : typedView(column, data.slice(prefix), count),
          ),
        };
      }
      case 'timestamp': {
        const times = values as Float64Array;
        if (nulls === 0) {
          const delta = this.delta(times, count, prefix);
          if (delta !== undefined) {
            return { ...delta, nulls, min: int64Bytes(delta.min), max: int64Bytes(delta.max) };
          }
        }
        // Low and high 32-bit words of each INT64 (whole milliseconds), without BigInts.
        if (this.words.length < count * 2) this.words = new Int32Array(count * 3);
        const words = this.words;
        let word = 0;
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (let index = 0; index < rows; index++) {
          const time = times[index]!;
          if (Number.isNaN(time)) continue;
          if (time < min) min = time;
          if (time > max) max = time;
          const high = Math.floor(time / 4294967296);
          words[word] = time - high * 4294967296;
          words[word + 1] = high;
          word += 2;
        }
        const bytes = new Uint8Array(words.buffer, 0, count * 8);
        let data: Uint8Array = bytes;
        if (prefix > 0) {
          data = this.values.reserve(prefix + count * 8).subarray(0, prefix + count * 8);
          data.set(bytes, prefix);
        }
        return {
          data,
          encoding: ENCODING.PLAIN,
          nulls,
          ...(count > 0 ? { min: int64Bytes(min), max: int64Bytes(max) } : {}),
        };
      }
      case 'bool': {
        const bytes = Math.ceil(count / 8);
        const out = this.values.reserve(prefix + bytes);
        let bit = 0;
        let byte = 0;
        let at = prefix;
        let trues = 0;
        for (let index = from; index < to; index++) {
          const value = values[index];
          if (value === null || value === undefined) continue;
          if (value === true) {
            byte |= 1 << bit;
            trues++;
          }
          if (++bit === 8) {
            out[at++] = byte;
            byte = 0;
            bit = 0;
          }
        }
        if (bit > 0) out[at] = byte;
        return {
          data: out.subarray(0, prefix + bytes),
          encoding: ENCODING.PLAIN,
          nulls,
          ...(count > 0
            ? {
                min: Uint8Array.of(trues === count ? 1 : 0),
                max: Uint8Array.of(trues > 0 ? 1 : 0),
              }
            : {}),
        };
      }
      case 'string':
      case 'category':
        return (
          this.dictionary(values as CellValue[], from, to, nulls, prefix) ??
          this.plainStrings(values as CellValue[], from, to, prefix)
        );
    }
  }

  /**
   * DELTA_BINARY_PACKED (blocks of 128 values, 4 miniblocks of 32) of whole numbers within 2^53,
   * after `prefix` bytes; undefined unless it takes at most a quarter of PLAIN's 8 bytes per
   * value (sequential ids, timestamps at a steady rate) or a delta needs more than 24 bits.
   */
  private delta(
    values: Int32Array | Float64Array,
    count: number,
    prefix: number,
  ): { data: Uint8Array; encoding: number; min: number; max: number } | undefined {
    if (count < 2) return undefined;
    const limit = prefix + Math.floor((count * (values instanceof Int32Array ? 4 : 8)) / 4);
    // Room for one block past the limit (at most 10 + 4 + 4 * 32 * 3 bytes), checked per block.
    const out = this.values.reserve(limit + 512);
    let at = putVarint53(out, prefix, 128);
    at = putVarint53(out, at, 4);
    at = putVarint53(out, at, count);
    at = putZigzag53(out, at, values[0]!);
    const deltas = this.deltas;
    let min = values[0]!;
    let max = min;
    for (let start = 1; start < count; start += 128) {
      const size = Math.min(128, count - start);
      let minDelta = Number.POSITIVE_INFINITY;
      for (let index = 0; index < size; index++) {
        const value = values[start + index]!;
        const delta = value - values[start + index - 1]!;
        deltas[index] = delta;
        if (delta < minDelta) minDelta = delta;
        if (value < min) min = value;
        else if (value > max) max = value;
      }
      if (at > limit) return undefined;
      at = putZigzag53(out, at, minDelta);
      const widthsAt = at;
      at += 4;
      for (let mini = 0; mini < 4; mini++) {
        const first = mini * 32;
        if (first >= size) {
          out[widthsAt + mini] = 0;
          continue;
        }
        let max = 0;
        for (let index = first; index < first + 32; index++) {
          const rest = index < size ? deltas[index]! - minDelta : 0;
          deltas[index] = rest;
          if (rest > max) max = rest;
        }
        if (max >= 1 << 24) return undefined;
        const width = max === 0 ? 0 : 32 - Math.clz32(max);
        out[widthsAt + mini] = width;
        at = packBits(out, at, deltas, first, first + 32, width);
      }
    }
    if (at > limit) return undefined;
    return { data: out.subarray(0, at), encoding: ENCODING.DELTA_BINARY_PACKED, min, max };
  }

  /** Dictionary encoding, or undefined when the dictionary grows past its limits. */
  private dictionary(
    values: CellValue[],
    from: number,
    to: number,
    nulls: number,
    prefix: number,
  ): EncodedColumn | undefined {
    const rows = to - from;
    const ids = new Map<string, number>();
    const entries: string[] = [];
    if (this.indices.length < rows) this.indices = new Int32Array(rows * 1.5);
    const indices = this.indices;
    const limit = Math.min(MAX_DICTIONARY_ENTRIES, Math.max(16, (rows - nulls) >>> 1));
    let count = 0;
    let dictionaryBytes = 0;
    let previous: unknown;
    let previousId = -1;
    for (let index = from; index < to; index++) {
      const value = values[index];
      if (value === null || value === undefined) continue;
      if (value === previous) {
        indices[count++] = previousId;
        continue;
      }
      let id = ids.get(value as string);
      if (id === undefined) {
        id = entries.length;
        if (id >= limit) return undefined;
        dictionaryBytes += 4 + (value as string).length * 3;
        if (dictionaryBytes > MAX_DICTIONARY_BYTES) return undefined;
        ids.set(value as string, id);
        entries.push(value as string);
      }
      previous = value;
      previousId = id;
      indices[count++] = id;
    }
    const encodedEntries = entries.map((entry) => utf8.encode(entry));
    let size = 0;
    for (const entry of encodedEntries) size += 4 + entry.length;
    const page = new Uint8Array(size);
    const pageView = new DataView(page.buffer);
    let at = 0;
    let min: Uint8Array | undefined;
    let max: Uint8Array | undefined;
    for (const entry of encodedEntries) {
      pageView.setUint32(at, entry.length, true);
      page.set(entry, at + 4);
      at += 4 + entry.length;
      if (min === undefined || compareBytes(entry, min) < 0) min = entry;
      if (max === undefined || compareBytes(entry, max) > 0) max = entry;
    }
    const width = bitWidth(entries.length - 1);
    const out = this.values.reserve(prefix + 16 + Math.ceil(count / 8) * width);
    out[prefix] = width;
    const end = putHybrid(out, prefix + 1, indices, count, width);
    return {
      dictionary: { bytes: page, count: entries.length },
      data: out.subarray(0, end),
      encoding: ENCODING.RLE_DICTIONARY,
      nulls,
      ...(min === undefined ? {} : { min, max: max! }),
    };
  }

  private plainStrings(
    values: CellValue[],
    from: number,
    to: number,
    prefix: number,
  ): EncodedColumn {
    let size = prefix;
    let nulls = 0;
    for (let index = from; index < to; index++) {
      const value = values[index];
      if (value !== null && value !== undefined) size += 4 + (value as string).length * 3;
      else nulls++;
    }
    const out = this.values.reserve(size);
    const view = this.values.view;
    let at = prefix;
    for (let index = from; index < to; index++) {
      const value = values[index];
      if (value === null || value === undefined) continue;
      const text = value as string;
      let length = 0;
      let ascii = true;
      for (let char = 0; char < text.length; char++) {
        const code = text.charCodeAt(char);
        if (code >= 0x80) {
          ascii = false;
          break;
        }
        out[at + 4 + char] = code;
      }
      if (ascii) length = text.length;
      else length = utf8.encodeInto(text, out.subarray(at + 4)).written;
      view.setUint32(at, length, true);
      at += 4 + length;
    }
    return { data: out.subarray(0, at), encoding: ENCODING.PLAIN, nulls };
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    if (a[index] !== b[index]) return a[index]! - b[index]!;
  }
  return a.length - b.length;
}

function int32Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
}

function int64Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  const high = Math.floor(value / 4294967296);
  view.setUint32(0, value - high * 4294967296, true);
  view.setInt32(4, high, true);
  return bytes;
}

type NumericValues = Float64Array | Float32Array | Int32Array | BigInt64Array;

/** A typed array over plain-encoded values (`bytes` must start at an aligned offset). */
function typedView(column: ColumnSchema, bytes: Uint8Array, count: number): NumericValues {
  const Typed =
    column.type === 'float64'
      ? Float64Array
      : column.type === 'float32'
        ? Float32Array
        : column.type === 'int32'
          ? Int32Array
          : BigInt64Array;
  return new Typed(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
}

/** Min and max statistics of numeric values, little-endian (none when a float is NaN). */
function numericBounds(values: NumericValues): { min?: Uint8Array; max?: Uint8Array } {
  const count = values.length;
  if (count === 0) return {};
  let minIndex = 0;
  let maxIndex = 0;
  if (values instanceof BigInt64Array) {
    for (let index = 1; index < count; index++) {
      if (values[index]! < values[minIndex]!) minIndex = index;
      if (values[index]! > values[maxIndex]!) maxIndex = index;
    }
  } else {
    let min = values[0]!;
    let max = min;
    for (let index = 0; index < count; index++) {
      const value = values[index]!;
      if (value < min) {
        min = value;
        minIndex = index;
      } else if (value > max) {
        max = value;
        maxIndex = index;
      } else if (Number.isNaN(value)) return {};
    }
  }
  const width = values.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, count * width);
  return {
    min: bytes.slice(minIndex * width, (minIndex + 1) * width),
    max: bytes.slice(maxIndex * width, (maxIndex + 1) * width),
  };
}

/** Bytes of a large page compressed first, to judge whether the rest is worth compressing. */
const PROBE_BYTES = 64 << 10;

/**
 * Whether a page is worth compressing: pages under 256 KiB always are tried; larger ones only
 * when their first 64 KiB shrink by at least 15% (random floats do not, and compressing them
 * costs time for nothing).
 */
function worthCompressing(compress: Compress, page: Uint8Array): boolean {
  if (page.length < 4 * PROBE_BYTES) return true;
  return compress(page.subarray(0, PROBE_BYTES)).length <= PROBE_BYTES * 0.85;
}

/** Options of {@link ParquetFileWriter}. */
export interface ParquetFileWriterOptions {
  /** Compression codec. Default `'snappy'`. */
  codec?: ParquetCodec;
  /** Rows per row group. Default 65536. */
  rowGroupRows?: number;
}

interface ChunkMeta {
  column: ColumnSchema;
  offset: number;
  dataOffset: number;
  dictionaryOffset?: number;
  codec: number;
  encodings: number[];
  uncompressed: number;
  compressed: number;
  rows: number;
  nulls: number;
  min?: Uint8Array;
  max?: Uint8Array;
}

interface RowGroupMeta {
  rows: number;
  offset: number;
  columns: ChunkMeta[];
}

/**
 * Writes normalised column chunks to a Parquet file: PLAIN numbers, bit-packed booleans,
 * dictionary-encoded strings (PLAIN past 65,536 entries or 1 MiB), one data page (v1) per column
 * chunk, min/max/null-count statistics, and the table schema in the file metadata so mlinfra
 * reads back exact types. A column chunk that the codec would not shrink (or, for pages over
 * 256 KiB, whose first 64 KiB shrink by less than 15%) is stored uncompressed (Parquet records
 * the codec per chunk). The SHA-256 of the bytes written is kept as they go.
 */
export class ParquetFileWriter {
  private readonly descriptor: number;
  private readonly rowGroupRows: number;
  private readonly codec: { id: number; compress?: Compress };
  private readonly encoder = new ColumnEncoder();
  private readonly hash: Hash = createHash('sha256');
  private readonly groups: RowGroupMeta[] = [];
  private pending: { chunk: ColumnChunk; start: number; end: number }[] = [];
  private pendingRows = 0;
  private offset = 0;
  private closed = false;
  /** Rows written so far. */
  rows = 0;
  /** SHA-256 (hex) of the whole file, once finished. */
  sha256: string | undefined;

  constructor(
    readonly path: string,
    readonly schema: TableSchema,
    options: ParquetFileWriterOptions = {},
  ) {
    this.codec = codecFor(options.codec ?? 'snappy');
    this.rowGroupRows = options.rowGroupRows ?? 65536;
    this.descriptor = openSync(path, 'w');
    this.out(MAGIC);
  }

  private out(bytes: Uint8Array): void {
    let written = 0;
    while (written < bytes.length)
      written += writeSync(this.descriptor, bytes, written, bytes.length - written);
    this.hash.update(bytes);
    this.offset += bytes.length;
  }

  /**
   * Buffers rows `[start, end)` of a chunk (default all; no copy is made) and writes full row
   * groups. The chunk must not change until the writer has written it (the next row group
   * boundary or {@link finish}).
   */
  write(chunk: ColumnChunk, start = 0, end = chunk.length): void {
    if (end <= start) return;
    this.pending.push({ chunk, start, end });
    this.pendingRows += end - start;
    if (this.pendingRows >= this.rowGroupRows) this.flushGroups();
  }

  private flushGroups(): void {
    if (this.pendingRows === 0) return;
    // Everything buffered goes out at once (the last row group may be short): no rows kept back.
    const [only] = this.pending;
    const { chunk, start, end } =
      this.pending.length === 1 && only !== undefined
        ? only
        : {
            chunk: concatChunks(
              this.schema,
              this.pending.map((part) => sliceChunk(part.chunk, part.start, part.end)),
            ),
            start: 0,
            end: this.pendingRows,
          };
    this.pending = [];
    this.pendingRows = 0;
    for (let from = start; from < end; from += this.rowGroupRows) {
      this.writeRowGroup(chunk, from, Math.min(end, from + this.rowGroupRows));
    }
  }

  private writeRowGroup(chunk: ColumnChunk, start: number, end: number): void {
    const rows = end - start;
    const group: RowGroupMeta = { rows, offset: this.offset, columns: [] };
    for (const column of this.schema.columns) {
      const all = chunk.columns[column.name]!;
      // Typed arrays become views; plain arrays are read in place from `start`.
      const values = (ArrayBuffer.isView(all) ? all.subarray(start, end) : all) as ColumnData;
      const from = ArrayBuffer.isView(all) ? 0 : start;
      group.columns.push(this.writeColumn(column, values, from, rows));
    }
    this.groups.push(group);
    this.rows += rows;
  }

  private writeColumn(
    column: ColumnSchema,
    values: ColumnData,
    from: number,
    rows: number,
  ): ChunkMeta {
    const encoded = this.encoder.encode(column, values, from, rows);
    const pages: { header: Uint8Array; body: Uint8Array; size: number }[] = [];
    // Compress every page; keep the compressed bytes only when the chunk as a whole shrinks.
    const bodies = [encoded.dictionary?.bytes, encoded.data].filter(
      (body): body is Uint8Array => body !== undefined,
    );
    const compress = this.codec.compress;
    let compressed: Uint8Array[] | undefined;
    if (compress !== undefined && worthCompressing(compress, encoded.data)) {
      // Only the last page may stay in the codec's scratch memory.
      compressed = bodies.map((body, index) =>
        index < bodies.length - 1 ? compress(body).slice() : compress(body),
      );
      const before = bodies.reduce((sum, body) => sum + body.length, 0);
      const after = compressed.reduce((sum, body) => sum + body.length, 0);
      if (after >= before) compressed = undefined;
    }
    const codec = compressed === undefined ? CODEC.UNCOMPRESSED : this.codec.id;
    bodies.forEach((body, index) => {
      const isDictionary = encoded.dictionary !== undefined && index === 0;
      const stored = compressed?.[index] ?? body;
      const header = new ThriftWriter()
        .i32(1, isDictionary ? PAGE.DICTIONARY : PAGE.DATA)
        .i32(2, body.length)
        .i32(3, stored.length)
        // The spec's page checksum: CRC32 of the page as stored, so readers detect flipped bytes.
        .i32(4, crc32(stored) | 0);
      if (isDictionary) {
        header.struct(7).i32(1, encoded.dictionary!.count).i32(2, ENCODING.PLAIN).end();
      } else {
        header
          .struct(5)
          .i32(1, rows)
          .i32(2, encoded.encoding)
          .i32(3, ENCODING.RLE)
          .i32(4, ENCODING.RLE)
          .end();
      }
      pages.push({ header: header.finish(), body: stored, size: body.length });
    });
    const meta: ChunkMeta = {
      column,
      offset: this.offset,
      dataOffset: this.offset,
      codec,
      encodings:
        encoded.encoding === ENCODING.RLE_DICTIONARY
          ? [ENCODING.PLAIN, ENCODING.RLE, ENCODING.RLE_DICTIONARY]
          : encoded.encoding === ENCODING.DELTA_BINARY_PACKED
            ? [ENCODING.RLE, ENCODING.DELTA_BINARY_PACKED]
            : [ENCODING.PLAIN, ENCODING.RLE],
      uncompressed: 0,
      compressed: 0,
      rows,
      nulls: encoded.nulls,
      ...(encoded.min === undefined ? {} : { min: encoded.min.slice(), max: encoded.max!.slice() }),
    };
    pages.forEach((page, index) => {
      if (encoded.dictionary !== undefined && index === 0) meta.dictionaryOffset = this.offset;
      else meta.dataOffset = this.offset;
      meta.uncompressed += page.header.length + page.size;
      meta.compressed += page.header.length + page.body.length;
      this.out(page.header);
      this.out(page.body);
    });
    return meta;
  }

  /** Writes the remaining rows and the footer, and closes the file. */
  finish(): void {
    try {
      this.writeFooter();
    } finally {
      this.close();
    }
  }

  /**
   * Like {@link finish}, then flushes the file to disk (fsync) on libuv's thread pool before
   * closing it, so the caller can go on encoding while the disk works.
   */
  async finishDurable(): Promise<void> {
    try {
      this.writeFooter();
      await new Promise<void>((resolve, reject) =>
        fsync(this.descriptor, (error) => (error === null ? resolve() : reject(error))),
      );
    } finally {
      this.close();
    }
  }

  private writeFooter(): void {
    this.flushGroups();
    const footer = this.footer();
    const tail = new Uint8Array(footer.length + 8);
    tail.set(footer, 0);
    new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
    tail.set(MAGIC, footer.length + 4);
    this.out(tail);
    this.sha256 = this.hash.digest('hex');
  }

  private footer(): Uint8Array {
    const thrift = new ThriftWriter().i32(1, 2);
    writeSchema(thrift, this.schema);
    thrift.i64(3, this.rows);
    thrift.listStruct(4, this.groups, (group) => {
      thrift.listStruct(1, group.columns, (chunk) => {
        thrift.i64(2, chunk.offset).struct(3);
        thrift
          .i32(1, physicalType(chunk.column))
          .listI32(2, chunk.encodings)
          .listBinary(3, [chunk.column.name])
          .i32(4, chunk.codec)
          .i64(5, chunk.rows)
          .i64(6, chunk.uncompressed)
          .i64(7, chunk.compressed)
          .i64(9, chunk.dataOffset);
        if (chunk.dictionaryOffset !== undefined) thrift.i64(11, chunk.dictionaryOffset);
        thrift.struct(12).i64(3, chunk.nulls);
        if (chunk.min !== undefined) thrift.binary(5, chunk.max!).binary(6, chunk.min);
        thrift.end();
        thrift.end();
      });
      const uncompressed = group.columns.reduce((sum, chunk) => sum + chunk.uncompressed, 0);
      const compressed = group.columns.reduce((sum, chunk) => sum + chunk.compressed, 0);
      thrift.i64(2, uncompressed).i64(3, group.rows).i64(5, group.offset).i64(6, compressed);
    });
    thrift.listStruct(5, [{ key: SCHEMA_KEY, value: JSON.stringify(this.schema) }], (entry) => {
      thrift.binary(1, entry.key).binary(2, entry.value);
    });
    thrift.binary(6, 'mlinfra-datasets version 0.1.0');
    return thrift.finish();
  }

  /** Closes the file without finishing it (after an error). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.descriptor);
  }
}

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]);
