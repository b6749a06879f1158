// One decoding step per value encoding of a data page: each decodes the page's `present` values
// into the column's dense buffer at `offset`.
import type { Dense, FastColumn } from './column-kind.js';
import { plainWidth } from './column-kind.js';
import { corrupt, UnsupportedChunk } from './corrupt.js';
import type { PageValues } from './definition-levels.js';
import { readDeltaBinaryPacked, readDeltaLengthStrings, readDeltaStrings } from './delta-decode.js';
import { gather } from './dictionary-page.js';
import { Encoding } from './parquet-format.js';
import { readPlain, StringCache } from './plain-decode.js';
import { readHybrid } from './rle-hybrid.js';

/** What the pages of one column chunk share: its dictionary and scratch memory. */
export interface ChunkState {
  dictionary: Dense | undefined;
  indices: Int32Array | undefined;
  cache: StringCache | undefined;
}

/** One encoding's step: decodes a page's `present` values into `dense` at `offset`. */
type Step = (
  column: FastColumn,
  values: PageValues,
  dense: Dense,
  offset: number,
  chunk: ChunkState,
) => void;

/** Decodes the values of a data page in `encoding` into `dense` at `offset`. */
export function decodeValues(
  encoding: number,
  column: FastColumn,
  values: PageValues,
  dense: Dense,
  offset: number,
  chunk: ChunkState,
): void {
  const step = STEPS.get(encoding);
  if (step === undefined) throw new UnsupportedChunk(`encoding ${encoding}`);
  step(column, values, dense, offset, chunk);
}

function decodePlain(
  column: FastColumn,
  { page, position, present }: PageValues,
  dense: Dense,
  offset: number,
  chunk: ChunkState,
): void {
  if (column.kind === 'string') chunk.cache ??= new StringCache();
  readPlain(column, page, position, page.length, dense, offset, present, chunk.cache);
}

function decodeDictionaryIndices(
  _column: FastColumn,
  { page, position, present }: PageValues,
  dense: Dense,
  offset: number,
  chunk: ChunkState,
): void {
  const dictionary = chunk.dictionary;
  if (dictionary === undefined)
    corrupt('a dictionary-encoded page comes without a dictionary page');
  if (present === 0) return;
  const end = page.length;
  if (position >= end) corrupt('dictionary indices are missing');
  const width = page[position]!;
  if (chunk.indices === undefined || chunk.indices.length < present)
    chunk.indices = new Int32Array(present);
  readHybrid(page, position + 1, end, width, chunk.indices, 0, present);
  gather(dictionary, chunk.indices, present, dense, offset);
}

function decodeRleBooleans(
  column: FastColumn,
  { page, position, present }: PageValues,
  dense: Dense,
  offset: number,
): void {
  if (column.kind !== 'bool') throw new UnsupportedChunk('RLE values that are not booleans');
  const end = page.length;
  if (position + 4 > end) corrupt('RLE booleans are truncated');
  const length =
    (page[position]! |
      (page[position + 1]! << 8) |
      (page[position + 2]! << 16) |
      (page[position + 3]! << 24)) >>>
    0;
  if (position + 4 + length > end) corrupt('RLE booleans run past the end of the page');
  readHybrid(page, position + 4, position + 4 + length, 1, dense as Uint8Array, offset, present);
}

function decodeDeltaIntegers(
  column: FastColumn,
  { page, position, present }: PageValues,
  dense: Dense,
  offset: number,
): void {
  if (present === 0) return;
  const kind = column.kind;
  const wide =
    kind === 'int64' ||
    kind === 'millis' ||
    kind === 'micros' ||
    kind === 'nanos' ||
    kind === 'decimal64';
  if (!wide && kind !== 'int32' && kind !== 'date' && kind !== 'decimal32')
    throw new UnsupportedChunk('DELTA_BINARY_PACKED values that are not integers');
  const words = new Int32Array(wide ? present * 2 : present);
  readDeltaBinaryPacked(page, position, page.length, present, wide, words);
  const joined = new Uint8Array(words.buffer);
  readPlain(column, joined, 0, joined.length, dense, offset, present);
}

function decodeDeltaLengthStrings(
  column: FastColumn,
  { page, position, present }: PageValues,
  dense: Dense,
  offset: number,
  chunk: ChunkState,
): void {
  if (column.kind !== 'string') throw new UnsupportedChunk('DELTA_LENGTH_BYTE_ARRAY non-strings');
  if (present === 0) return;
  chunk.cache ??= new StringCache();
  readDeltaLengthStrings(
    page,
    position,
    page.length,
    present,
    dense as string[],
    offset,
    chunk.cache,
  );
}

function decodeDeltaStrings(
  column: FastColumn,
  { page, position, present }: PageValues,
  dense: Dense,
  offset: number,
): void {
  if (column.kind !== 'string') throw new UnsupportedChunk('DELTA_BYTE_ARRAY non-strings');
  if (present === 0) return;
  readDeltaStrings(page, position, page.length, present, dense as string[], offset);
}

function decodeByteStreamSplit(
  column: FastColumn,
  { page, position, present }: PageValues,
  dense: Dense,
  offset: number,
): void {
  const width = plainWidth(column.kind, column.typeLength);
  if (width === 0) throw new UnsupportedChunk('BYTE_STREAM_SPLIT of variable-width values');
  const joined = unsplit(page, position, page.length, width, present);
  readPlain(column, joined, 0, joined.length, dense, offset, present);
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

const STEPS = new Map<number, Step>([
  [Encoding.PLAIN, decodePlain],
  [Encoding.PLAIN_DICTIONARY, decodeDictionaryIndices],
  [Encoding.RLE_DICTIONARY, decodeDictionaryIndices],
  [Encoding.RLE, decodeRleBooleans],
  [Encoding.DELTA_BINARY_PACKED, decodeDeltaIntegers],
  [Encoding.DELTA_LENGTH_BYTE_ARRAY, decodeDeltaLengthStrings],
  [Encoding.DELTA_BYTE_ARRAY, decodeDeltaStrings],
  [Encoding.BYTE_STREAM_SPLIT, decodeByteStreamSplit],
]);
