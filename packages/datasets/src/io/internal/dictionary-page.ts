// Dictionary pages: the PLAIN dictionary of a chunk, and the gather of its entries by the
// indices of dictionary-encoded data pages.

import { type Dense, denseFor, type FastColumn, plainWidth } from './column-kind.js';
import { corrupt, UnsupportedChunk } from './corrupt.js';
import { type Codec, decompress } from './decompress.js';
import type { PageHeader } from './page-header.js';
import { Encoding } from './parquet-format.js';
import { readPlain } from './plain-decode.js';

/** Decodes a dictionary page (`raw` as stored) into the dictionary of its chunk. */
export function readDictionaryPage(
  column: FastColumn,
  header: PageHeader,
  raw: Uint8Array,
  codec: Codec,
): Dense {
  if (header.encoding !== Encoding.PLAIN && header.encoding !== Encoding.PLAIN_DICTIONARY)
    throw new UnsupportedChunk(`dictionary encoding ${header.encoding}`);
  if (header.numValues < 0) corrupt('a dictionary page has no value count');
  const page = decompress(codec, raw, header.uncompressedSize);
  const kind = column.kind;
  // Every dictionary value takes at least one bit (booleans) or four bytes (a string's length).
  const minimum =
    kind === 'bool' ? 1 / 8 : kind === 'string' ? 4 : plainWidth(kind, column.typeLength);
  if (header.numValues * minimum > page.length)
    corrupt(`a dictionary page of ${page.length} bytes cannot hold ${header.numValues} values`);
  const dictionary = denseFor(kind, header.numValues);
  readPlain(column, page, 0, page.length, dictionary, 0, header.numValues);
  return dictionary;
}

/** Copies `dictionary[indices[i]]` into `dense` at `offset`, checking every index. */
export function gather(
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
