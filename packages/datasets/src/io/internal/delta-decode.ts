// DELTA_BINARY_PACKED and the delta string encodings, without BigInts (64-bit values as two
// 32-bit words).
import { type Cursor, readVarint, readZigzag64 } from './byte-cursor.js';
import { corrupt } from './corrupt.js';
import {
  CACHE_MAX_BYTES,
  decodeBytes,
  decodeString,
  type Latin1,
  type StringCache,
} from './plain-decode.js';
import { unpack } from './rle-hybrid.js';

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
export function readDeltaBinaryPacked(
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

/** Decodes `count` DELTA_LENGTH_BYTE_ARRAY strings into `strings` at `offset`. */
export function readDeltaLengthStrings(
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
export function readDeltaStrings(
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
