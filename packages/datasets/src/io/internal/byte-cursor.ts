// Reading varints from a bounded range of bytes: the Thrift page headers, the RLE hybrid's run
// headers and the delta encodings all use them.
import { corrupt } from './corrupt.js';

/** A cursor over bytes; `position` advances, `end` bounds it. */
export interface Cursor {
  bytes: Uint8Array;
  position: number;
  end: number;
}

/** The next byte. */
export function readByte(cursor: Cursor): number {
  if (cursor.position >= cursor.end) corrupt('a page header runs past the end of the column chunk');
  return cursor.bytes[cursor.position++]!;
}

/** An unsigned varint as a number (exact to 2^53; longer ones are corrupt). */
export function readVarint(cursor: Cursor): number {
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

/** A zigzag varint as a number. */
export function readZigzag(cursor: Cursor): number {
  const value = readVarint(cursor);
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

/** Reads an unsigned varint of up to 64 bits into `pair` as [low 32 bits, high 32 bits]. */
export function readVarint64(cursor: Cursor, pair: Int32Array): void {
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
export function readZigzag64(cursor: Cursor, pair: Int32Array): void {
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

/** Unsigned LEB128 of a whole number up to 2^53 into `out` at `at`; returns the position after it. */
export function putVarint53(out: Uint8Array, at: number, value: number): number {
  let position = at;
  let rest = value;
  while (rest >= 0x80) {
    out[position++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[position++] = rest;
  return position;
}

/** Zigzag LEB128 of a whole number within ±2^52. */
export function putZigzag53(out: Uint8Array, at: number, value: number): number {
  return putVarint53(out, at, value >= 0 ? value * 2 : -value * 2 - 1);
}
