// The RLE / bit-packing hybrid encoding (definition levels, dictionary indices, booleans), both
// directions: the reader decodes any mix of runs, the writer emits one run per page.
import { type Cursor, putVarint53, readVarint } from './byte-cursor.js';
import { corrupt } from './corrupt.js';

/**
 * Decodes `count` values of the RLE / bit-packed hybrid encoding from `bytes[position, end)`
 * into `out[offset, offset + count)`. Returns the position after the last run read.
 */
export function readHybrid(
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
export function unpack(
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

/**
 * RLE/bit-packed hybrid of `count` values of `width` bits (1..24) as one bit-packed run, or one
 * RLE run when every value is the same. Returns the new position.
 */
export function putHybrid(
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

/**
 * Packs `values[start, end)` least significant bit first, `width` bits each (at most 24), from
 * `at`; a partial last byte is written. Returns the position after the last byte.
 */
export function packBits(
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
export function bitWidth(max: number): number {
  return max <= 0 ? 1 : 32 - Math.clz32(max);
}
