// Encodes a column chunk's rows into Parquet pages (before compression): definition levels,
// PLAIN numbers and booleans, DELTA_BINARY_PACKED whole numbers, dictionary or PLAIN strings.
import type { ColumnSchema } from '@mlinfra/core';
import type { CellValue, ColumnData } from '../../table/column-chunk.js';
import { putVarint53, putZigzag53 } from './byte-cursor.js';
import {
  compareBytes,
  int32Bytes,
  int64Bytes,
  type NumericValues,
  numericBounds,
  typedView,
} from './column-statistics.js';
import { Encoding } from './parquet-format.js';
import { bitWidth, packBits, putHybrid } from './rle-hybrid.js';

/** A dictionary stops growing past this many entries or bytes; the chunk is then written PLAIN. */
const MAX_DICTIONARY_ENTRIES = 65536;
const MAX_DICTIONARY_BYTES = 1 << 20;

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

/** One encoded column chunk's pages, before compression. */
export interface EncodedColumn {
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
export class ColumnEncoder {
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
          encoding: Encoding.PLAIN,
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
          encoding: Encoding.PLAIN,
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
          encoding: Encoding.PLAIN,
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
    return { data: out.subarray(0, at), encoding: Encoding.DELTA_BINARY_PACKED, min, max };
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
      encoding: Encoding.RLE_DICTIONARY,
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
    return { data: out.subarray(0, at), encoding: Encoding.PLAIN, nulls };
  }
}
