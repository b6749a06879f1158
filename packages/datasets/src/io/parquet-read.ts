// A fast decoder for one flat column chunk of one Parquet row group, straight from its bytes to
// the canonical ColumnData (see table/column-chunk.ts), without the intermediate arrays of boxed
// values that a general reader builds.
//
// What it decodes (everything else throws UnsupportedChunk, and the caller falls back to
// hyparquet for that column):
//   - flat top-level columns (no repetition; max definition level 0 or 1);
//   - data pages v1 (RLE definition levels behind a 4-byte length) and v2 (uncompressed levels);
//   - codecs UNCOMPRESSED, SNAPPY, GZIP, BROTLI (node:zlib), ZSTD, LZ4, LZ4_RAW;
//   - encodings PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, RLE (booleans), BYTE_STREAM_SPLIT
//     (fixed-width numbers), DELTA_BINARY_PACKED (INT32, INT64 as two 32-bit words),
//     DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (strings);
//   - physical types BOOLEAN, INT32 (plain, DATE), INT64 (plain, TIMESTAMP millis / micros /
//     nanos, converted straight to epoch milliseconds without BigInts), INT96 timestamps, FLOAT,
//     DOUBLE and BYTE_ARRAY strings (UTF8 / STRING / ENUM / JSON, kept as text; dictionary
//     strings are decoded once).
// Corrupt bytes (a truncated page, a length beyond the chunk, a dictionary index out of range,
// a row count that does not add up) throw a ValidationError naming the file and the column.
import * as zlib from 'node:zlib';
import { crc32 } from 'node:zlib';
import type { ColumnSchema } from '@mlinfra/core';
import { ValidationError } from '@mlinfra/core';
import type { ColumnMetaData, SchemaElement } from 'hyparquet';
import { compressors as decompressors } from 'hyparquet-compressors';
import type { CellValue, ColumnData } from '../table/column-chunk.js';
import { snappyUncompress } from './snappy.js';

/** Thrown when a chunk uses a feature the fast path does not decode: read it the general way. */
export class UnsupportedChunk extends Error {}

/** How the values of a column are stored and what they become. */
type Kind =
  | 'float64'
  | 'float32'
  | 'int32'
  | 'int64'
  | 'date'
  | 'millis'
  | 'micros'
  | 'nanos'
  | 'int96'
  | 'decimal32'
  | 'decimal64'
  | 'decimalFixed'
  | 'bool'
  | 'string';

/** What the fast path needs to know about one column. */
export interface FastColumn {
  /** Column name (for errors). */
  name: string;
  kind: Kind;
  /** Whether definition levels are present (max definition level 1). */
  optional: boolean;
  /** DECIMAL kinds: the factor `10 ** -scale` the unscaled integers are multiplied by. */
  factor: number;
  /** `decimalFixed`: bytes per value. */
  typeLength: number;
}

/**
 * The fast-path plan for a top-level leaf column, or undefined when its Parquet type and the
 * column type need a conversion the fast path does not do (the general path handles them).
 * The conversions mirror what hyparquet plus `canonical()` produce, value for value.
 */
export function planFastColumn(
  element: SchemaElement,
  column: ColumnSchema,
): FastColumn | undefined {
  if ((element.num_children ?? 0) > 0 || element.repetition_type === 'REPEATED') return undefined;
  const kind = kindOf(element, column.type);
  if (kind === undefined) return undefined;
  return {
    name: column.name,
    kind,
    optional: element.repetition_type !== 'REQUIRED',
    factor: 10 ** -(element.scale || 0),
    typeLength: element.type_length ?? 0,
  };
}

function kindOf(element: SchemaElement, type: ColumnSchema['type']): Kind | undefined {
  const converted = element.converted_type;
  const logical = element.logical_type;
  switch (element.type) {
    case 'DOUBLE':
      return type === 'float64' && converted === undefined && logical === undefined
        ? 'float64'
        : undefined;
    case 'FLOAT':
      return type === 'float32' && converted === undefined && logical === undefined
        ? 'float32'
        : undefined;
    case 'BOOLEAN':
      return type === 'bool' ? 'bool' : undefined;
    case 'INT32': {
      if (converted === 'DATE') return type === 'timestamp' ? 'date' : undefined;
      if (converted === 'DECIMAL') return type === 'float64' ? 'decimal32' : undefined;
      const plain =
        (converted === undefined ||
          converted === 'INT_8' ||
          converted === 'INT_16' ||
          converted === 'INT_32') &&
        (logical === undefined || (logical.type === 'INTEGER' && logical.isSigned));
      return plain && type === 'int32' ? 'int32' : undefined;
    }
    case 'INT64': {
      if (converted === 'DECIMAL') return type === 'float64' ? 'decimal64' : undefined;
      if (type === 'timestamp') {
        if (converted === 'TIMESTAMP_MILLIS') return 'millis';
        if (converted === 'TIMESTAMP_MICROS') return 'micros';
        if (converted === undefined && logical?.type === 'TIMESTAMP') {
          return logical.unit === 'MICROS'
            ? 'micros'
            : logical.unit === 'NANOS'
              ? 'nanos'
              : 'millis';
        }
        return undefined;
      }
      const plain =
        (converted === undefined || converted === 'INT_64') &&
        (logical === undefined || (logical.type === 'INTEGER' && logical.isSigned));
      return plain && type === 'int64' ? 'int64' : undefined;
    }
    case 'FIXED_LEN_BYTE_ARRAY':
      return converted === 'DECIMAL' && type === 'float64' && (element.type_length ?? 0) > 0
        ? 'decimalFixed'
        : undefined;
    case 'INT96':
      // Legacy timestamps (Spark's default): hyparquet converts them only without annotations.
      return type === 'timestamp' && converted === undefined && logical === undefined
        ? 'int96'
        : undefined;
    case 'BYTE_ARRAY': {
      if (type !== 'string' && type !== 'category') return undefined;
      const text =
        (converted === undefined ||
          converted === 'UTF8' ||
          converted === 'ENUM' ||
          converted === 'JSON') &&
        (logical === undefined ||
          logical.type === 'STRING' ||
          logical.type === 'ENUM' ||
          logical.type === 'JSON');
      return text ? 'string' : undefined;
    }
    default:
      return undefined;
  }
}

/** The byte range `[start, end)` of a column chunk in the file. */
export function chunkRange(meta: ColumnMetaData): { start: number; end: number } {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

// ---------------------------------------------------------------------------------------------
// Errors

class Corrupt extends Error {}

function corrupt(detail: string): never {
  throw new Corrupt(detail);
}

// ---------------------------------------------------------------------------------------------
// Page headers (Thrift compact protocol)

const PAGE_DATA = 0;
const PAGE_INDEX = 1;
const PAGE_DICTIONARY = 2;
const PAGE_DATA_V2 = 3;

const ENC_PLAIN = 0;
const ENC_PLAIN_DICTIONARY = 2;
const ENC_RLE = 3;
const ENC_DELTA_BINARY_PACKED = 5;
const ENC_DELTA_LENGTH_BYTE_ARRAY = 6;
const ENC_DELTA_BYTE_ARRAY = 7;
const ENC_RLE_DICTIONARY = 8;
const ENC_BYTE_STREAM_SPLIT = 9;

interface PageHeader {
  type: number;
  uncompressedSize: number;
  compressedSize: number;
  numValues: number;
  encoding: number;
  /** Definition level encoding (v1 data pages). */
  definitionEncoding: number;
  /** v2 data pages. */
  numNulls: number;
  definitionBytes: number;
  repetitionBytes: number;
  isCompressed: boolean;
  /** CRC32 of the stored page (signed, as Thrift's i32), when the writer wrote one. */
  crc: number | undefined;
}

/** A cursor over bytes; `position` advances. */
interface Cursor {
  bytes: Uint8Array;
  position: number;
  end: number;
}

function readByte(cursor: Cursor): number {
  if (cursor.position >= cursor.end) corrupt('a page header runs past the end of the column chunk');
  return cursor.bytes[cursor.position++]!;
}

/** An unsigned varint as a number (exact to 2^53; longer ones are corrupt). */
function readVarint(cursor: Cursor): number {
  let result = 0;
  let scale = 1;
  for (let count = 0; count < 8; count++) {
    const byte = readByte(cursor);
    result += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return result;
    scale *= 128;
  }
  return corrupt('a varint in a page header is too long');
}

function readZigzag(cursor: Cursor): number {
  const value = readVarint(cursor);
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

/** Skips one value of compact type `type`. */
function skipValue(cursor: Cursor, type: number, depth: number): void {
  if (depth > 16) corrupt('page header structs nest too deeply');
  switch (type) {
    case 1:
    case 2:
      return;
    case 3:
      readByte(cursor);
      return;
    case 4:
    case 5:
    case 6:
      readVarint(cursor);
      return;
    case 7:
      cursor.position += 8;
      if (cursor.position > cursor.end)
        corrupt('a page header runs past the end of the column chunk');
      return;
    case 8: {
      const length = readVarint(cursor);
      cursor.position += length;
      if (cursor.position > cursor.end)
        corrupt('a page header runs past the end of the column chunk');
      return;
    }
    case 9:
    case 10: {
      const head = readByte(cursor);
      let size = head >> 4;
      if (size === 15) size = readVarint(cursor);
      const elementType = head & 0x0f;
      for (let index = 0; index < size; index++) {
        if (elementType === 1 || elementType === 2) readByte(cursor);
        else skipValue(cursor, elementType, depth + 1);
      }
      return;
    }
    case 12:
      readStruct(cursor, depth + 1, () => false);
      return;
    default:
      corrupt(`a page header has unknown thrift type ${type}`);
  }
}

/**
 * Reads a struct: calls `onField(id, type)` for each field, which reads the value and returns
 * true, or returns false to have it skipped.
 */
function readStruct(
  cursor: Cursor,
  depth: number,
  onField: (id: number, type: number) => boolean,
): void {
  let id = 0;
  for (;;) {
    const head = readByte(cursor);
    const type = head & 0x0f;
    if (type === 0) return;
    const delta = head >> 4;
    id = delta === 0 ? readZigzag(cursor) : id + delta;
    if (!onField(id, type)) skipValue(cursor, type, depth);
  }
}

function readI32Field(cursor: Cursor, type: number): number {
  if (type !== 5 && type !== 4 && type !== 3)
    corrupt(`a page header field has thrift type ${type}, not an integer`);
  return type === 3 ? (readByte(cursor) << 24) >> 24 : readZigzag(cursor);
}

function readPageHeader(cursor: Cursor): PageHeader {
  const header: PageHeader = {
    type: -1,
    uncompressedSize: -1,
    compressedSize: -1,
    numValues: -1,
    encoding: -1,
    definitionEncoding: ENC_RLE,
    numNulls: 0,
    definitionBytes: 0,
    repetitionBytes: 0,
    isCompressed: true,
    crc: undefined,
  };
  readStruct(cursor, 0, (id, type) => {
    switch (id) {
      case 4:
        header.crc = readI32Field(cursor, type);
        return true;
      case 1:
        header.type = readI32Field(cursor, type);
        return true;
      case 2:
        header.uncompressedSize = readI32Field(cursor, type);
        return true;
      case 3:
        header.compressedSize = readI32Field(cursor, type);
        return true;
      case 5: // DataPageHeader
        if (type !== 12) return false;
        readStruct(cursor, 1, (field, fieldType) => {
          if (field === 1) header.numValues = readI32Field(cursor, fieldType);
          else if (field === 2) header.encoding = readI32Field(cursor, fieldType);
          else if (field === 3) header.definitionEncoding = readI32Field(cursor, fieldType);
          else return false;
          return true;
        });
        return true;
      case 7: // DictionaryPageHeader
        if (type !== 12) return false;
        readStruct(cursor, 1, (field, fieldType) => {
          if (field === 1) header.numValues = readI32Field(cursor, fieldType);
          else if (field === 2) header.encoding = readI32Field(cursor, fieldType);
          else return false;
          return true;
        });
        return true;
      case 8: // DataPageHeaderV2
        if (type !== 12) return false;
        readStruct(cursor, 1, (field, fieldType) => {
          switch (field) {
            case 1:
              header.numValues = readI32Field(cursor, fieldType);
              return true;
            case 2:
              header.numNulls = readI32Field(cursor, fieldType);
              return true;
            case 4:
              header.encoding = readI32Field(cursor, fieldType);
              return true;
            case 5:
              header.definitionBytes = readI32Field(cursor, fieldType);
              return true;
            case 6:
              header.repetitionBytes = readI32Field(cursor, fieldType);
              return true;
            case 7:
              if (fieldType === 1 || fieldType === 2) {
                header.isCompressed = fieldType === 1;
                return true;
              }
              return false;
            default:
              return false;
          }
        });
        return true;
      default:
        return false;
    }
  });
  if (header.type < 0 || header.compressedSize < 0 || header.uncompressedSize < 0)
    corrupt('a page header lacks its type or sizes');
  return header;
}

// ---------------------------------------------------------------------------------------------
// Decompression

type Codec = ColumnMetaData['codec'];

const zstdDecompressSync = (
  zlib as unknown as {
    zstdDecompressSync?: (input: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;
  }
).zstdDecompressSync;

/** Snappy pages up to this size decode in WebAssembly (hysnappy), larger ones in snappy.ts. */
const WASM_SNAPPY_MAX_BYTES = 8 << 20;

/** The uncompressed length a raw snappy block declares (its varint preamble). */
function snappyLength(input: Uint8Array): number {
  let length = 0;
  for (let index = 0; index < 5; index++) {
    if (index >= input.length) corrupt('a snappy page is truncated');
    const byte = input[index]!;
    length += (byte & 0x7f) * 2 ** (7 * index);
    if ((byte & 0x80) === 0) return length;
  }
  return corrupt('a snappy length preamble is longer than 32 bits');
}

/** hyparquet-compressors' decoder for `codec`. */
function external(
  codec: 'SNAPPY' | 'ZSTD' | 'LZ4' | 'LZ4_RAW',
): (input: Uint8Array, size: number) => Uint8Array {
  const decoder = decompressors[codec];
  if (decoder === undefined) throw new UnsupportedChunk(`codec ${codec}`);
  return decoder;
}

function decompress(codec: Codec, input: Uint8Array, size: number): Uint8Array {
  let output: Uint8Array;
  switch (codec) {
    case 'UNCOMPRESSED':
      output = input;
      break;
    case 'SNAPPY': {
      // hysnappy (WebAssembly, bundled with hyparquet-compressors) is the fastest decoder here
      // (1.6x snappy.ts on DuckDB's pages, copies included); it sizes its output from the
      // block's own length preamble, so check that first.
      const declared = snappyLength(input);
      if (declared !== size)
        corrupt(`a snappy page declares ${declared} bytes, its header says ${size}`);
      // A snappy element expands at most 64 / 3 times: a larger claim is corrupt, not allocated.
      if (size > input.length * 22 + 64)
        corrupt(`a snappy page of ${input.length} bytes cannot hold ${size} bytes`);
      if (size === 0) output = new Uint8Array(0);
      else if (size <= WASM_SNAPPY_MAX_BYTES) output = external('SNAPPY')(input, size);
      else {
        // Larger pages in TypeScript: hysnappy's WebAssembly memory grows to the largest page it
        // has seen and never shrinks.
        output = new Uint8Array(size);
        snappyUncompress(input, output);
      }
      break;
    }
    case 'GZIP':
      output = zlib.gunzipSync(input, { maxOutputLength: Math.max(1, size) });
      break;
    case 'BROTLI':
      output = zlib.brotliDecompressSync(input, { maxOutputLength: Math.max(1, size) });
      break;
    case 'ZSTD':
      output =
        zstdDecompressSync === undefined
          ? external('ZSTD')(input, size)
          : zstdDecompressSync(input, { maxOutputLength: Math.max(1, size) });
      break;
    case 'LZ4':
      output = external('LZ4')(input, size);
      break;
    case 'LZ4_RAW':
      output = external('LZ4_RAW')(input, size);
      break;
    default:
      throw new UnsupportedChunk(`codec ${codec}`);
  }
  if (output.length !== size)
    corrupt(`a page decompressed to ${output.length} bytes, its header says ${size}`);
  return output;
}

// ---------------------------------------------------------------------------------------------
// RLE / bit-packed hybrid

/**
 * Decodes `count` values of the RLE / bit-packed hybrid encoding from `bytes[position, end)`
 * into `out[offset, offset + count)`. Returns the position after the last run read.
 */
function readHybrid(
  bytes: Uint8Array,
  position: number,
  end: number,
  width: number,
  out: Int32Array | Uint8Array,
  offset: number,
  count: number,
): number {
  if (width > 32) corrupt(`a bit width of ${width} is more than 32`);
  const valueBytes = (width + 7) >> 3;
  const stop = offset + count;
  let at = offset;
  const cursor: Cursor = { bytes, position, end };
  while (at < stop) {
    if (cursor.position >= end) corrupt('RLE-encoded values end before all values were read');
    const header = readVarint(cursor);
    let pos = cursor.position;
    if (header % 2 === 0) {
      // An RLE run: one value repeated.
      const run = Math.min(header / 2, stop - at);
      if (pos + valueBytes > end) corrupt('an RLE run is truncated');
      let value = 0;
      for (let index = 0; index < valueBytes; index++)
        value += bytes[pos + index]! * 2 ** (8 * index);
      pos += valueBytes;
      if (width < 32 && value >= 2 ** width) corrupt('an RLE value is wider than its bit width');
      out.fill(value | 0, at, at + run);
      at += run;
    } else {
      // A bit-packed run of groups of 8 values (the last group may be cut short).
      const groups = (header - 1) / 2;
      const values = Math.min(groups * 8, stop - at);
      const needed = Math.ceil((values * width) / 8);
      if (pos + needed > end) corrupt('a bit-packed run is truncated');
      unpack(bytes, pos, width, out, at, values);
      at += values;
      pos = Math.min(pos + groups * width, end);
    }
    cursor.position = pos;
  }
  return cursor.position;
}

/** Unpacks `count` little-endian bit-packed values of `width` bits from `bytes` at `position`. */
function unpack(
  bytes: Uint8Array,
  position: number,
  width: number,
  out: Int32Array | Uint8Array,
  offset: number,
  count: number,
): void {
  if (width === 0) {
    out.fill(0, offset, offset + count);
    return;
  }
  if (width === 1) {
    let at = offset;
    const stop = offset + count;
    let pos = position;
    while (at + 8 <= stop) {
      const byte = bytes[pos++]!;
      out[at] = byte & 1;
      out[at + 1] = (byte >> 1) & 1;
      out[at + 2] = (byte >> 2) & 1;
      out[at + 3] = (byte >> 3) & 1;
      out[at + 4] = (byte >> 4) & 1;
      out[at + 5] = (byte >> 5) & 1;
      out[at + 6] = (byte >> 6) & 1;
      out[at + 7] = (byte >> 7) & 1;
      at += 8;
    }
    if (at < stop) {
      const byte = bytes[pos]!;
      for (let bit = 0; at < stop; bit++) out[at++] = (byte >> bit) & 1;
    }
    return;
  }
  if (width <= 24) {
    const mask = (1 << width) - 1;
    let pos = position;
    let buffer = 0;
    let bits = 0;
    const stop = offset + count;
    for (let at = offset; at < stop; at++) {
      while (bits < width) {
        buffer |= bytes[pos++]! << bits;
        bits += 8;
      }
      out[at] = buffer & mask;
      buffer >>>= width;
      bits -= width;
    }
    return;
  }
  // 25 to 32 bits: accumulate in a double.
  let pos = position;
  let buffer = 0;
  let bits = 0;
  const modulus = 2 ** width;
  for (let at = offset; at < offset + count; at++) {
    while (bits < width) {
      buffer += bytes[pos++]! * 2 ** bits;
      bits += 8;
    }
    const value = buffer % modulus;
    out[at] = value | 0;
    buffer = (buffer - value) / modulus;
    bits -= width;
  }
}

// ---------------------------------------------------------------------------------------------
// Value buffers

/** Dense (non-null) values of a chunk, in the representation of its kind. */
type Dense = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array | string[];

function denseFor(kind: Kind, length: number): Dense {
  switch (kind) {
    case 'float64':
    case 'date':
    case 'millis':
    case 'micros':
    case 'nanos':
    case 'int96':
    case 'decimal32':
    case 'decimal64':
    case 'decimalFixed':
      return new Float64Array(length);
    case 'float32':
      return new Float32Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'bool':
      return new Uint8Array(length);
    case 'string':
      return new Array<string>(length);
  }
}

/** Bytes per PLAIN value of a fixed-width kind. */
function plainWidth(kind: Kind, typeLength: number): number {
  switch (kind) {
    case 'decimal32':
      return 4;
    case 'decimal64':
      return 8;
    case 'decimalFixed':
      return typeLength;
    case 'float64':
    case 'int64':
    case 'millis':
    case 'micros':
    case 'nanos':
      return 8;
    case 'float32':
    case 'int32':
    case 'date':
      return 4;
    case 'int96':
      return 12;
    default:
      return 0;
  }
}

/** `length` int32 words of `bytes` from `position`, viewed in place when aligned, else copied. */
function int32Words(bytes: Uint8Array, position: number, length: number): Int32Array {
  const offset = bytes.byteOffset + position;
  if (offset % 4 === 0) return new Int32Array(bytes.buffer, offset, length);
  const copy = new Int32Array(length);
  new Uint8Array(copy.buffer).set(bytes.subarray(position, position + length * 4));
  return copy;
}

const utf8 = new TextDecoder();

/** Buffer's latin1 decoder without argument checks (present on every Node Buffer). */
type Latin1 = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * Decodes bytes `[start, end)` as UTF-8 the way TextDecoder does (hyparquet's decoder): ASCII
 * through Buffer's latin1 slice, anything else (or a leading BOM, which TextDecoder drops)
 * through TextDecoder.
 */
function decodeString(bytes: Uint8Array, buffer: Latin1, start: number, end: number): string {
  for (let index = start; index < end; index++) {
    if (bytes[index]! >= 0x80) return utf8.decode(bytes.subarray(start, end));
  }
  return start === end ? '' : buffer.latin1Slice(start, end);
}

/** Longest string the cache of repeated values holds, in bytes. */
const CACHE_MAX_BYTES = 64;

interface CacheEntry {
  bytes: Uint8Array;
  start: number;
  length: number;
  value: string;
}

/**
 * Repeated PLAIN strings (a low-cardinality column written without a dictionary) decode once:
 * a map from a hash of the bytes to the first occurrence, checked byte by byte on every hit.
 * Switches itself off when most values are distinct.
 */
class StringCache {
  private readonly entries = new Map<number, CacheEntry>();
  private lookups = 0;
  private misses = 0;
  active = true;

  get(bytes: Uint8Array, buffer: Latin1, start: number, end: number): string {
    const length = end - start;
    let hash = length;
    for (let index = start; index < end; index++) hash = Math.imul(hash ^ bytes[index]!, 16777619);
    this.lookups++;
    const entry = this.entries.get(hash);
    if (entry !== undefined) {
      const from = entry.bytes;
      const at = entry.start;
      let same = entry.length === length;
      for (let index = 0; same && index < length; index++)
        same = from[at + index] === bytes[start + index];
      if (same) return entry.value;
    }
    const value = decodeString(bytes, buffer, start, end);
    if (entry === undefined) this.entries.set(hash, { bytes, start, length, value });
    this.misses++;
    if (this.misses > 4096 && this.misses * 2 > this.lookups) this.active = false;
    return value;
  }
}

/**
 * Decodes `count` PLAIN values of `kind` from `bytes[position, end)` into `dense` at `offset`.
 * Returns the position after them.
 */
function readPlain(
  column: FastColumn,
  bytes: Uint8Array,
  position: number,
  end: number,
  dense: Dense,
  offset: number,
  count: number,
  cache?: StringCache,
): number {
  const kind = column.kind;
  if (kind === 'bool') {
    const needed = Math.ceil(count / 8);
    if (position + needed > end) corrupt('PLAIN booleans are truncated');
    unpack(bytes, position, 1, dense as Uint8Array, offset, count);
    return position + needed;
  }
  if (kind === 'string') {
    const strings = dense as string[];
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Latin1;
    let pos = position;
    for (let index = 0; index < count; index++) {
      if (pos + 4 > end) corrupt('PLAIN strings are truncated');
      const length =
        (bytes[pos]! |
          (bytes[pos + 1]! << 8) |
          (bytes[pos + 2]! << 16) |
          (bytes[pos + 3]! << 24)) >>>
        0;
      pos += 4;
      if (pos + length > end) corrupt('a PLAIN string runs past the end of its page');
      strings[offset + index] =
        cache?.active === true && length <= CACHE_MAX_BYTES
          ? cache.get(bytes, buffer, pos, pos + length)
          : decodeString(bytes, buffer, pos, pos + length);
      pos += length;
    }
    return pos;
  }
  const width = plainWidth(kind, column.typeLength);
  const size = count * width;
  if (position + size > end)
    corrupt(`PLAIN values are truncated (${count} values need ${size} bytes)`);
  switch (kind) {
    case 'float64':
    case 'float32':
    case 'int32':
    case 'int64': {
      const target = dense as Float64Array;
      new Uint8Array(target.buffer, target.byteOffset + offset * width, size).set(
        bytes.subarray(position, position + size),
      );
      break;
    }
    case 'decimal32': {
      const ints = int32Words(bytes, position, count);
      const out = dense as Float64Array;
      const factor = column.factor;
      for (let index = 0; index < count; index++) out[offset + index] = ints[index]! * factor;
      break;
    }
    case 'decimal64': {
      // Number(bigint) of the general path is the one rounding of high * 2^32 + low.
      const words = int32Words(bytes, position, count * 2);
      const out = dense as Float64Array;
      const factor = column.factor;
      for (let index = 0; index < count; index++)
        out[offset + index] =
          (words[2 * index + 1]! * 4294967296 + (words[2 * index]! >>> 0)) * factor;
      break;
    }
    case 'decimalFixed': {
      // Big-endian two's complement; exact while the magnitude stays under 2^53, else the
      // general path (BigInt) reads the column.
      const out = dense as Float64Array;
      const factor = column.factor;
      for (let index = 0; index < count; index++) {
        const start = position + index * width;
        const negative = bytes[start]! >= 0x80;
        let magnitude = 0;
        for (let at = start; at < start + width; at++)
          magnitude = magnitude * 256 + (negative ? 255 - bytes[at]! : bytes[at]!);
        if (magnitude >= 9007199254740991)
          throw new UnsupportedChunk('a DECIMAL wider than 53 bits');
        out[offset + index] = (negative ? -(magnitude + 1) : magnitude) * factor;
      }
      break;
    }
    case 'int96': {
      // Nanoseconds of the day (8 bytes) then the Julian day (4 bytes): whole milliseconds
      // (exact) plus the rest / 1e6, as the general path splits them. Total nanoseconds since
      // 1970 would exceed 2^53 and round.
      const words = int32Words(bytes, position, count * 3);
      const out = dense as Float64Array;
      for (let index = 0; index < count; index++) {
        const high = words[3 * index + 1]!;
        const day = words[3 * index + 2]! - 2440588;
        if (high < 0 || high >= 0x200000 || day <= -0x100000 || day >= 0x100000)
          throw new UnsupportedChunk('an INT96 timestamp beyond the exact range');
        const nanos = high * 4294967296 + (words[3 * index]! >>> 0);
        const millis = Math.floor(nanos / 1e6);
        out[offset + index] = day * 86400000 + millis + (nanos - millis * 1e6) / 1e6;
      }
      break;
    }
    case 'date': {
      const days = int32Words(bytes, position, count);
      const out = dense as Float64Array;
      for (let index = 0; index < count; index++) out[offset + index] = days[index]! * 86400000;
      break;
    }
    default: {
      // millis, micros, nanos: combine the two 32-bit words as numbers, then scale the way the
      // general path does (Number(bigint) / divisor).
      const words = int32Words(bytes, position, count * 2);
      const out = dense as Float64Array;
      const divisor = kind === 'millis' ? 1 : kind === 'micros' ? 1000 : 1e6;
      if (kind === 'nanos') {
        // Epoch nanoseconds exceed 2^53: split high * 2^32 into whole ms (high * 4294) and
        // nanoseconds (high * 967296), so whole milliseconds come out exact.
        for (let index = 0; index < count; index++) {
          const high = words[2 * index + 1]!;
          const nanos = high * 967296 + (words[2 * index]! >>> 0);
          const millis = Math.floor(nanos / 1e6);
          out[offset + index] = high * 4294 + millis + (nanos - millis * 1e6) / 1e6;
        }
      } else if (divisor === 1) {
        for (let index = 0; index < count; index++)
          out[offset + index] = words[2 * index + 1]! * 4294967296 + (words[2 * index]! >>> 0);
      } else {
        for (let index = 0; index < count; index++)
          out[offset + index] =
            (words[2 * index + 1]! * 4294967296 + (words[2 * index]! >>> 0)) / divisor;
      }
    }
  }
  return position + size;
}

// ---------------------------------------------------------------------------------------------
// DELTA_BINARY_PACKED and the delta string encodings, without BigInts (64-bit values as two
// 32-bit words)

/** Reads an unsigned varint of up to 64 bits into `pair` as [low 32 bits, high 32 bits]. */
function readVarint64(cursor: Cursor, pair: Int32Array): void {
  let low = 0;
  let high = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    const bits = readByte(cursor);
    const value = bits & 0x7f;
    if (shift < 32) {
      low |= value << shift;
      if (shift + 7 > 32) high |= value >>> (32 - shift);
    } else {
      high |= value << (shift - 32);
    }
    if ((bits & 0x80) === 0) {
      pair[0] = low;
      pair[1] = high;
      return;
    }
  }
  corrupt('a delta-encoded varint is longer than 64 bits');
}

/** Reads a zigzag varint of up to 64 bits into `pair` as [low word, high word] (two's complement). */
function readZigzag64(cursor: Cursor, pair: Int32Array): void {
  readVarint64(cursor, pair);
  const low = pair[0]!;
  const high = pair[1]!;
  let outLow = (low >>> 1) | ((high & 1) << 31);
  let outHigh = high >>> 1;
  if ((low & 1) !== 0) {
    outLow = ~outLow;
    outHigh = ~outHigh;
  }
  pair[0] = outLow;
  pair[1] = outHigh;
}

/** `count` bits (at most 32) from bit `bit` of `bytes`, little-endian, as an unsigned number. */
function bitsAt(bytes: Uint8Array, bit: number, count: number): number {
  let result = 0;
  let got = 0;
  let index = Math.floor(bit / 8);
  let shift = bit % 8;
  while (got < count) {
    const take = Math.min(8 - shift, count - got);
    result += ((bytes[index]! >>> shift) & ((1 << take) - 1)) * 2 ** got;
    got += take;
    shift = 0;
    index++;
  }
  return result;
}

/**
 * Decodes `count` DELTA_BINARY_PACKED values from `bytes[position, end)` into `out`: one int32
 * per value, or (`wide`) two words per value, low then high. Returns the position after them.
 */
function readDeltaBinaryPacked(
  bytes: Uint8Array,
  position: number,
  end: number,
  count: number,
  wide: boolean,
  out: Int32Array,
): number {
  const cursor: Cursor = { bytes, position, end };
  const blockSize = readVarint(cursor);
  const miniblocks = readVarint(cursor);
  readVarint(cursor); // the total count, which the page header already gives
  const perMiniblock = blockSize / miniblocks;
  if (
    !(miniblocks > 0 && blockSize > 0 && blockSize <= 1 << 20) ||
    !Number.isInteger(perMiniblock) ||
    perMiniblock % 8 !== 0
  )
    corrupt(`a delta block of ${blockSize} values in ${miniblocks} miniblocks is invalid`);
  const pair = new Int32Array(2);
  readZigzag64(cursor, pair);
  let low = pair[0]!;
  let high = pair[1]!;
  if (count === 0) return cursor.position;
  out[0] = low;
  if (wide) out[1] = high;
  let produced = 1;
  const residuals = new Int32Array(perMiniblock);
  while (produced < count) {
    readZigzag64(cursor, pair);
    const minLow = pair[0]!;
    const minHigh = pair[1]!;
    const widths = cursor.position;
    if (widths + miniblocks > end) corrupt('a delta block header is truncated');
    let pos = widths + miniblocks;
    for (let miniblock = 0; miniblock < miniblocks && produced < count; miniblock++) {
      const width = bytes[widths + miniblock]!;
      if (width > (wide ? 64 : 32)) corrupt(`a delta miniblock has bit width ${width}`);
      const take = Math.min(perMiniblock, count - produced);
      if (pos + Math.ceil((take * width) / 8) > end) corrupt('a delta miniblock is truncated');
      if (!wide) {
        unpack(bytes, pos, width, residuals, 0, take);
        for (let index = 0; index < take; index++) {
          // Two's complement arithmetic modulo 2^32, as the writers do.
          low = (low + minLow + (residuals[index]! >>> 0)) | 0;
          out[produced++] = low;
        }
      } else {
        if (width <= 32) unpack(bytes, pos, width, residuals, 0, take);
        for (let index = 0; index < take; index++) {
          let deltaLow: number;
          let deltaHigh = 0;
          if (width <= 32) {
            deltaLow = residuals[index]! >>> 0;
          } else {
            deltaLow = bitsAt(bytes, pos * 8 + index * width, 32);
            deltaHigh = bitsAt(bytes, pos * 8 + index * width + 32, width - 32);
          }
          const sum = (low >>> 0) + (minLow >>> 0) + deltaLow;
          const carry = sum >= 8589934592 ? 2 : sum >= 4294967296 ? 1 : 0;
          low = sum | 0;
          high = (high + minHigh + deltaHigh + carry) | 0;
          out[2 * produced] = low;
          out[2 * produced + 1] = high;
          produced++;
        }
      }
      pos = Math.min(pos + (perMiniblock * width) / 8, end);
    }
    cursor.position = pos;
  }
  return cursor.position;
}

/** Decodes bytes as a string the way TextDecoder does (ASCII through latin1). */
function decodeBytes(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Latin1;
  return decodeString(bytes, buffer, 0, bytes.length);
}

/** Decodes `count` DELTA_LENGTH_BYTE_ARRAY strings into `strings` at `offset`. */
function readDeltaLengthStrings(
  bytes: Uint8Array,
  position: number,
  end: number,
  count: number,
  strings: string[],
  offset: number,
  cache: StringCache,
): void {
  const lengths = new Int32Array(count);
  let pos = readDeltaBinaryPacked(bytes, position, end, count, false, lengths);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Latin1;
  for (let index = 0; index < count; index++) {
    const length = lengths[index]!;
    if (length < 0 || pos + length > end) corrupt('a delta-length string runs past its page');
    strings[offset + index] =
      cache.active && length <= CACHE_MAX_BYTES
        ? cache.get(bytes, buffer, pos, pos + length)
        : decodeString(bytes, buffer, pos, pos + length);
    pos += length;
  }
}

/** Decodes `count` DELTA_BYTE_ARRAY strings (prefix lengths, suffix lengths, suffixes). */
function readDeltaStrings(
  bytes: Uint8Array,
  position: number,
  end: number,
  count: number,
  strings: string[],
  offset: number,
): void {
  const prefixes = new Int32Array(count);
  const suffixes = new Int32Array(count);
  let pos = readDeltaBinaryPacked(bytes, position, end, count, false, prefixes);
  pos = readDeltaBinaryPacked(bytes, pos, end, count, false, suffixes);
  let previous: Uint8Array = new Uint8Array(0);
  for (let index = 0; index < count; index++) {
    const prefix = prefixes[index]!;
    const suffix = suffixes[index]!;
    if (prefix < 0 || prefix > previous.length || suffix < 0 || pos + suffix > end)
      corrupt('a delta string has an invalid prefix or suffix length');
    let value: Uint8Array;
    if (prefix === 0) {
      value = bytes.subarray(pos, pos + suffix);
    } else {
      value = new Uint8Array(prefix + suffix);
      value.set(previous.subarray(0, prefix));
      value.set(bytes.subarray(pos, pos + suffix), prefix);
    }
    pos += suffix;
    strings[offset + index] = decodeBytes(value);
    previous = value;
  }
}

/**
 * Joins BYTE_STREAM_SPLIT streams (byte k of every value, then byte k + 1, ...) back into PLAIN
 * little-endian values.
 */
function unsplit(
  bytes: Uint8Array,
  position: number,
  end: number,
  width: number,
  count: number,
): Uint8Array {
  if (position + width * count > end) corrupt('BYTE_STREAM_SPLIT values are truncated');
  const out = new Uint8Array(width * count);
  for (let stream = 0; stream < width; stream++) {
    const from = position + stream * count;
    for (let index = 0; index < count; index++) out[index * width + stream] = bytes[from + index]!;
  }
  return out;
}

/** Copies `dictionary[indices[i]]` into `dense` at `offset`, checking every index. */
function gather(
  dictionary: Dense,
  indices: Int32Array,
  count: number,
  dense: Dense,
  offset: number,
): void {
  const size = dictionary.length;
  if (dictionary instanceof BigInt64Array) {
    // Through 32-bit words: no BigInt per value.
    const from = new Int32Array(dictionary.buffer, dictionary.byteOffset, size * 2);
    const target = dense as BigInt64Array;
    const to = new Int32Array(target.buffer, target.byteOffset + offset * 8, count * 2);
    for (let index = 0; index < count; index++) {
      const key = indices[index]!;
      if (key >>> 0 >= size) corrupt(`dictionary index ${key} is out of range (${size} entries)`);
      to[2 * index] = from[2 * key]!;
      to[2 * index + 1] = from[2 * key + 1]!;
    }
    return;
  }
  if (Array.isArray(dictionary)) {
    const target = dense as string[];
    for (let index = 0; index < count; index++) {
      const key = indices[index]!;
      if (key >>> 0 >= size) corrupt(`dictionary index ${key} is out of range (${size} entries)`);
      target[offset + index] = dictionary[key]!;
    }
    return;
  }
  const from = dictionary as Float64Array;
  const target = dense as Float64Array;
  for (let index = 0; index < count; index++) {
    const key = indices[index]!;
    if (key >>> 0 >= size) corrupt(`dictionary index ${key} is out of range (${size} entries)`);
    target[offset + index] = from[key]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Chunk decoding

/** Where a chunk decode is going: its column, rows and codec. */
export interface ChunkTarget {
  column: FastColumn;
  /** Rows in the row group. */
  rows: number;
  codec: Codec;
  /** Names the file in errors (a path, or "The bytes"). */
  file: string;
  /** Row group index, for errors. */
  rowGroup: number;
}

/**
 * Decodes one column chunk (all its pages, `bytes` from the dictionary page or first data page)
 * into canonical ColumnData. The result may be a view of `bytes` (an uncompressed page of PLAIN
 * values, timestamps converted in place): pass bytes the caller no longer needs.
 * @throws UnsupportedChunk for a feature the fast path does not decode (use the general path).
 * @throws ValidationError when the bytes are corrupt.
 */
export function decodeColumnChunk(bytes: Uint8Array, target: ChunkTarget): ColumnData {
  const assembler = new ColumnAssembler(target.column, target.rows);
  assembler.append(bytes, target);
  return assembler.finish();
}

/**
 * Decodes the chunks of one column, row group after row group, into one column: values land in
 * their final place (no per-group arrays to concatenate), and the representation (typed array
 * or plain array with nulls) is chosen once at the end. After an error, discard it.
 */
export class ColumnAssembler {
  private dense: Dense | undefined;
  private readonly levels: Uint8Array | undefined;
  private direct: ColumnData | undefined;
  private rowsDone = 0;
  private valuesDone = 0;

  constructor(
    readonly column: FastColumn,
    readonly totalRows: number,
  ) {
    this.levels = column.optional ? new Uint8Array(totalRows) : undefined;
  }

  /**
   * Decodes the next chunk (`target.rows` rows). As with {@link decodeColumnChunk}, the column
   * may end up a view of `bytes`.
   * @throws UnsupportedChunk for a feature the fast path does not decode (use the general path).
   * @throws ValidationError when the bytes are corrupt.
   */
  append(bytes: Uint8Array, target: ChunkTarget): void {
    try {
      this.decode(bytes, target);
    } catch (error) {
      if (error instanceof UnsupportedChunk) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new ValidationError(
        `${target.file}: column "${target.column.name}" in row group ${target.rowGroup} is corrupt (${detail}); re-export the file from its source`,
        [{ path: [target.column.name], message: detail }],
        { cause: error },
      );
    }
  }

  /** The column, once every row has been appended. */
  finish(): ColumnData {
    if (this.direct !== undefined) return this.direct;
    if (this.rowsDone !== this.totalRows)
      throw new Error(`ColumnAssembler: ${this.rowsDone} of ${this.totalRows} rows appended`);
    const kind = this.column.kind;
    return toColumnData(
      kind,
      this.dense ?? denseFor(kind, this.totalRows),
      this.levels,
      this.totalRows,
      this.valuesDone,
    );
  }

  private decode(bytes: Uint8Array, target: ChunkTarget): void {
    const { rows, codec } = target;
    const column = this.column;
    const kind = column.kind;
    const levels = this.levels;
    const start = this.rowsDone;
    if (this.direct !== undefined || start + rows > this.totalRows)
      throw new Error(`more rows than the ${this.totalRows} expected`);
    let dictionary: Dense | undefined;
    let indices: Int32Array | undefined;
    let cache: StringCache | undefined;
    let rowsRead = 0;
    let valuesRead = this.valuesDone;
    const cursor: Cursor = { bytes, position: 0, end: bytes.length };
    while (rowsRead < rows) {
      if (cursor.position >= cursor.end)
        corrupt(`the column chunk ends after ${rowsRead} of ${rows} rows`);
      const header = readPageHeader(cursor);
      const pageStart = cursor.position;
      const pageEnd = pageStart + header.compressedSize;
      if (pageEnd > cursor.end) corrupt('a page runs past the end of the column chunk');
      cursor.position = pageEnd;
      const raw = bytes.subarray(pageStart, pageEnd);
      if (header.crc !== undefined && (crc32(raw) | 0) !== header.crc)
        corrupt('a page checksum (CRC32) does not match its bytes');
      if (header.type === PAGE_INDEX) continue;
      if (header.type === PAGE_DICTIONARY) {
        if (header.encoding !== ENC_PLAIN && header.encoding !== ENC_PLAIN_DICTIONARY)
          throw new UnsupportedChunk(`dictionary encoding ${header.encoding}`);
        if (header.numValues < 0) corrupt('a dictionary page has no value count');
        const page = decompress(codec, raw, header.uncompressedSize);
        // Every dictionary value takes at least one bit (booleans) or four bytes (a string's length).
        const minimum =
          kind === 'bool' ? 1 / 8 : kind === 'string' ? 4 : plainWidth(kind, column.typeLength);
        if (header.numValues * minimum > page.length)
          corrupt(
            `a dictionary page of ${page.length} bytes cannot hold ${header.numValues} values`,
          );
        dictionary = denseFor(kind, header.numValues);
        readPlain(column, page, 0, page.length, dictionary, 0, header.numValues);
        continue;
      }
      if (header.type !== PAGE_DATA && header.type !== PAGE_DATA_V2)
        corrupt(`unknown page type ${header.type}`);
      const count = header.numValues;
      if (count < 0 || rowsRead + count > rows)
        corrupt(`data pages hold more values than the row group's ${rows} rows`);
      let page: Uint8Array;
      let position = 0;
      let present = count;
      if (header.type === PAGE_DATA) {
        page = decompress(codec, raw, header.uncompressedSize);
        if (levels !== undefined) {
          if (header.definitionEncoding !== ENC_RLE)
            throw new UnsupportedChunk(`definition level encoding ${header.definitionEncoding}`);
          if (page.length < 4) corrupt('definition levels are truncated');
          const length = (page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24)) >>> 0;
          if (4 + length > page.length) corrupt('definition levels run past the end of the page');
          readHybrid(page, 4, 4 + length, 1, levels, start + rowsRead, count);
          position = 4 + length;
          present = countPresent(levels, start + rowsRead, count);
        }
      } else {
        if (header.repetitionBytes !== 0) throw new UnsupportedChunk('repetition levels');
        const levelBytes = header.definitionBytes;
        if (levelBytes < 0 || levelBytes > raw.length)
          corrupt('definition levels run past the end of the page');
        if (levels !== undefined) {
          readHybrid(raw, 0, levelBytes, 1, levels, start + rowsRead, count);
          present = countPresent(levels, start + rowsRead, count);
        } else if (header.numNulls > 0) {
          corrupt('a required column has nulls');
        }
        const values = raw.subarray(levelBytes);
        const size = header.uncompressedSize - levelBytes;
        page = header.isCompressed ? decompress(codec, values, size) : values;
      }
      const end = page.length;
      if (header.encoding === ENC_PLAIN && count === this.totalRows && present === count) {
        // One page holding every value of the column: view (or convert) its bytes in place.
        const view = plainView(kind, page, position, end, count);
        if (view !== undefined) {
          this.direct = view;
          this.rowsDone = count;
          this.valuesDone = count;
          return;
        }
      }
      this.dense ??= denseFor(kind, this.totalRows);
      const dense = this.dense;
      switch (header.encoding) {
        case ENC_PLAIN:
          if (kind === 'string') cache ??= new StringCache();
          readPlain(column, page, position, end, dense, valuesRead, present, cache);
          break;
        case ENC_PLAIN_DICTIONARY:
        case ENC_RLE_DICTIONARY: {
          if (dictionary === undefined)
            corrupt('a dictionary-encoded page comes without a dictionary page');
          if (present > 0) {
            if (position >= end) corrupt('dictionary indices are missing');
            const width = page[position]!;
            if (indices === undefined || indices.length < present)
              indices = new Int32Array(present);
            readHybrid(page, position + 1, end, width, indices, 0, present);
            gather(dictionary, indices, present, dense, valuesRead);
          }
          break;
        }
        case ENC_RLE: {
          if (kind !== 'bool') throw new UnsupportedChunk('RLE values that are not booleans');
          if (position + 4 > end) corrupt('RLE booleans are truncated');
          const length =
            (page[position]! |
              (page[position + 1]! << 8) |
              (page[position + 2]! << 16) |
              (page[position + 3]! << 24)) >>>
            0;
          if (position + 4 + length > end) corrupt('RLE booleans run past the end of the page');
          readHybrid(
            page,
            position + 4,
            position + 4 + length,
            1,
            dense as Uint8Array,
            valuesRead,
            present,
          );
          break;
        }
        case ENC_DELTA_BINARY_PACKED: {
          if (present === 0) break;
          const wide =
            kind === 'int64' ||
            kind === 'millis' ||
            kind === 'micros' ||
            kind === 'nanos' ||
            kind === 'decimal64';
          if (!wide && kind !== 'int32' && kind !== 'date' && kind !== 'decimal32')
            throw new UnsupportedChunk('DELTA_BINARY_PACKED values that are not integers');
          const words = new Int32Array(wide ? present * 2 : present);
          readDeltaBinaryPacked(page, position, end, present, wide, words);
          const joined = new Uint8Array(words.buffer);
          readPlain(column, joined, 0, joined.length, dense, valuesRead, present);
          break;
        }
        case ENC_DELTA_LENGTH_BYTE_ARRAY:
          if (kind !== 'string') throw new UnsupportedChunk('DELTA_LENGTH_BYTE_ARRAY non-strings');
          if (present === 0) break;
          cache ??= new StringCache();
          readDeltaLengthStrings(
            page,
            position,
            end,
            present,
            dense as string[],
            valuesRead,
            cache,
          );
          break;
        case ENC_DELTA_BYTE_ARRAY:
          if (kind !== 'string') throw new UnsupportedChunk('DELTA_BYTE_ARRAY non-strings');
          if (present === 0) break;
          readDeltaStrings(page, position, end, present, dense as string[], valuesRead);
          break;
        case ENC_BYTE_STREAM_SPLIT: {
          const width = plainWidth(kind, column.typeLength);
          if (width === 0) throw new UnsupportedChunk('BYTE_STREAM_SPLIT of variable-width values');
          const joined = unsplit(page, position, end, width, present);
          readPlain(column, joined, 0, joined.length, dense, valuesRead, present);
          break;
        }
        default:
          throw new UnsupportedChunk(`encoding ${header.encoding}`);
      }
      rowsRead += count;
      valuesRead += present;
    }
    this.rowsDone = start + rows;
    this.valuesDone = valuesRead;
  }
}

/**
 * The `count` PLAIN values at `position` of a page as a typed array over the page's own memory
 * (timestamps converted to epoch milliseconds in place), or undefined when the kind needs its own
 * array or the values are not aligned for a view.
 */
function plainView(
  kind: Kind,
  page: Uint8Array,
  position: number,
  end: number,
  count: number,
): ColumnData | undefined {
  const width = plainWidth(kind, 0);
  if (
    width === 0 ||
    kind === 'date' ||
    kind === 'int96' ||
    kind === 'decimal32' ||
    kind === 'decimal64'
  )
    return undefined;
  if (position + count * width > end)
    corrupt(`PLAIN values are truncated (${count} values need ${count * width} bytes)`);
  const offset = page.byteOffset + position;
  if (offset % width !== 0) return undefined;
  switch (kind) {
    case 'float64':
      return new Float64Array(page.buffer, offset, count);
    case 'float32':
      return new Float32Array(page.buffer, offset, count);
    case 'int32':
      return new Int32Array(page.buffer, offset, count);
    case 'int64':
      return new BigInt64Array(page.buffer, offset, count);
    default: {
      // Each value's two words are read before its own 8 bytes are overwritten.
      const words = new Int32Array(page.buffer, offset, count * 2);
      const out = new Float64Array(page.buffer, offset, count);
      const divisor = kind === 'millis' ? 1 : kind === 'micros' ? 1000 : 1e6;
      for (let index = 0; index < count; index++)
        out[index] = (words[2 * index + 1]! * 4294967296 + (words[2 * index]! >>> 0)) / divisor;
      return out;
    }
  }
}

/** Counts the definition levels equal to 1 (present values); levels above 1 are corrupt. */
function countPresent(levels: Uint8Array, start: number, count: number): number {
  let present = 0;
  let invalid = 0;
  for (let index = start; index < start + count; index++) {
    const level = levels[index]!;
    present += level;
    invalid |= level & 0xfe;
  }
  if (invalid !== 0) corrupt('a definition level is above 1 in a flat column');
  return present;
}

/** The canonical ColumnData of dense values plus definition levels. */
function toColumnData(
  kind: Kind,
  dense: Dense,
  levels: Uint8Array | undefined,
  rows: number,
  present: number,
): ColumnData {
  const nulls = present < rows;
  if (kind === 'bool') {
    const bits = dense as Uint8Array;
    const out = new Array<CellValue>(rows);
    if (!nulls) {
      for (let index = 0; index < rows; index++) out[index] = bits[index] === 1;
    } else {
      let next = 0;
      for (let index = 0; index < rows; index++)
        out[index] = levels![index] === 1 ? bits[next++] === 1 : null;
    }
    return out;
  }
  if (!nulls) return dense as ColumnData;
  if (
    kind === 'date' ||
    kind === 'millis' ||
    kind === 'micros' ||
    kind === 'nanos' ||
    kind === 'int96'
  ) {
    const values = dense as Float64Array;
    const out = new Float64Array(rows);
    let next = 0;
    for (let index = 0; index < rows; index++)
      out[index] = levels![index] === 1 ? values[next++]! : Number.NaN;
    return out;
  }
  const values = dense as ArrayLike<CellValue>;
  const out = new Array<CellValue>(rows);
  let next = 0;
  for (let index = 0; index < rows; index++)
    out[index] = levels![index] === 1 ? values[next++]! : null;
  return out;
}
