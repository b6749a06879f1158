// Definition levels of flat columns (0 null, 1 present): where a data page's levels end and its
// values begin, for v1 pages (RLE levels behind a 4-byte length, inside the compressed page) and
// v2 pages (uncompressed levels ahead of the compressed values).

import { corrupt, UnsupportedChunk } from './corrupt.js';
import type { Codec } from './decompress.js';
import { decompress } from './decompress.js';
import type { PageHeader } from './page-header.js';
import { Encoding, PageType } from './parquet-format.js';
import { readHybrid } from './rle-hybrid.js';

/** The values of a data page: `page[position, page.length)`, `present` of them non-null. */
export interface PageValues {
  page: Uint8Array;
  position: number;
  present: number;
}

/**
 * Reads the definition levels of a data page (`raw` as stored, `header.numValues` rows) into
 * `levels` at `at` (undefined for a required column) and decompresses its values.
 */
export function readDataPage(
  header: PageHeader,
  raw: Uint8Array,
  codec: Codec,
  levels: Uint8Array | undefined,
  at: number,
): PageValues {
  const count = header.numValues;
  if (header.type === PageType.DATA_PAGE) {
    const page = decompress(codec, raw, header.uncompressedSize);
    if (levels === undefined) return { page, position: 0, present: count };
    if (header.definitionEncoding !== Encoding.RLE)
      throw new UnsupportedChunk(`definition level encoding ${header.definitionEncoding}`);
    if (page.length < 4) corrupt('definition levels are truncated');
    const length = (page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24)) >>> 0;
    if (4 + length > page.length) corrupt('definition levels run past the end of the page');
    readHybrid(page, 4, 4 + length, 1, levels, at, count);
    return { page, position: 4 + length, present: countPresent(levels, at, count) };
  }
  if (header.repetitionBytes !== 0) throw new UnsupportedChunk('repetition levels');
  const levelBytes = header.definitionBytes;
  if (levelBytes < 0 || levelBytes > raw.length)
    corrupt('definition levels run past the end of the page');
  let present = count;
  if (levels !== undefined) {
    readHybrid(raw, 0, levelBytes, 1, levels, at, count);
    present = countPresent(levels, at, count);
  } else if (header.numNulls > 0) {
    corrupt('a required column has nulls');
  }
  const values = raw.subarray(levelBytes);
  const size = header.uncompressedSize - levelBytes;
  const page = header.isCompressed ? decompress(codec, values, size) : values;
  return { page, position: 0, present };
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
