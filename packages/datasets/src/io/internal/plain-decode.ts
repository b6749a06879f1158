// PLAIN values: decoded into a column's dense buffer, or viewed in place when a single page holds
// the whole column; strings through a latin1 fast path and a cache of repeated values.
import type { ColumnData } from '../../table/column-chunk.js';
import { type Dense, type FastColumn, type Kind, plainWidth } from './column-kind.js';
import { corrupt, UnsupportedChunk } from './corrupt.js';
import { unpack } from './rle-hybrid.js';

/** `length` int32 words of `bytes` from `position`, viewed in place when aligned, else copied. */
export function int32Words(bytes: Uint8Array, position: number, length: number): Int32Array {
  const offset = bytes.byteOffset + position;
  if (offset % 4 === 0) return new Int32Array(bytes.buffer, offset, length);
  const copy = new Int32Array(length);
  new Uint8Array(copy.buffer).set(bytes.subarray(position, position + length * 4));
  return copy;
}

const utf8 = new TextDecoder();

/** Buffer's latin1 decoder without argument checks (present on every Node Buffer). */
export type Latin1 = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * Decodes bytes `[start, end)` as UTF-8 the way TextDecoder does (hyparquet's decoder): ASCII
 * through Buffer's latin1 slice, anything else (or a leading BOM, which TextDecoder drops)
 * through TextDecoder.
 */
export function decodeString(
  bytes: Uint8Array,
  buffer: Latin1,
  start: number,
  end: number,
): string {
  for (let index = start; index < end; index++) {
    if (bytes[index]! >= 0x80) return utf8.decode(bytes.subarray(start, end));
  }
  return start === end ? '' : buffer.latin1Slice(start, end);
}

/** Longest string the cache of repeated values holds, in bytes. */
export const CACHE_MAX_BYTES = 64;

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
export class StringCache {
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
export function readPlain(
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

/**
 * The `count` PLAIN values at `position` of a page as a typed array over the page's own memory
 * (timestamps converted to epoch milliseconds in place), or undefined when the kind needs its own
 * array or the values are not aligned for a view.
 */
export function plainView(
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

/** Decodes bytes as a string the way TextDecoder does (ASCII through latin1). */
export function decodeBytes(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Latin1;
  return decodeString(bytes, buffer, 0, bytes.length);
}
