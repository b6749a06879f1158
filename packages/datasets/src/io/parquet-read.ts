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
import { crc32 } from 'node:zlib';
// The format pieces live in internal/: page headers (page-header.ts), decompression,
// definition levels, dictionary pages and one step per value encoding (encodings.ts).
import { ValidationError } from '@mlinfra/core';
import type { ColumnMetaData } from 'hyparquet';
import type { ColumnData } from '../table/column-chunk.js';
import type { Cursor } from './internal/byte-cursor.js';
import { type Dense, denseFor, type FastColumn, toColumnData } from './internal/column-kind.js';
import { corrupt, UnsupportedChunk } from './internal/corrupt.js';
import type { Codec } from './internal/decompress.js';
import { readDataPage } from './internal/definition-levels.js';
import { readDictionaryPage } from './internal/dictionary-page.js';
import { type ChunkState, decodeValues } from './internal/encodings.js';
import { type PageHeader, readPageHeader } from './internal/page-header.js';
import { Encoding, PageType } from './internal/parquet-format.js';
import { plainView } from './internal/plain-decode.js';

export { type FastColumn, planFastColumn } from './internal/column-kind.js';
export { UnsupportedChunk } from './internal/corrupt.js';

/** The byte range `[start, end)` of a column chunk in the file. */
export function chunkRange(meta: ColumnMetaData): { start: number; end: number } {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

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
    const start = this.rowsDone;
    if (this.direct !== undefined || start + rows > this.totalRows)
      throw new Error(`more rows than the ${this.totalRows} expected`);
    const chunk: ChunkState = { dictionary: undefined, indices: undefined, cache: undefined };
    let rowsRead = 0;
    let valuesRead = this.valuesDone;
    const cursor: Cursor = { bytes, position: 0, end: bytes.length };
    while (rowsRead < rows) {
      if (cursor.position >= cursor.end)
        corrupt(`the column chunk ends after ${rowsRead} of ${rows} rows`);
      const { header, raw } = nextPage(cursor);
      if (header.type === PageType.INDEX_PAGE) continue;
      if (header.type === PageType.DICTIONARY_PAGE) {
        chunk.dictionary = readDictionaryPage(this.column, header, raw, codec);
        continue;
      }
      if (header.type !== PageType.DATA_PAGE && header.type !== PageType.DATA_PAGE_V2)
        corrupt(`unknown page type ${header.type}`);
      const count = header.numValues;
      if (count < 0 || rowsRead + count > rows)
        corrupt(`data pages hold more values than the row group's ${rows} rows`);
      const values = readDataPage(header, raw, codec, this.levels, start + rowsRead);
      if (this.viewWhole(header, values.page, values.position, count, values.present)) return;
      this.dense ??= denseFor(this.column.kind, this.totalRows);
      decodeValues(header.encoding, this.column, values, this.dense, valuesRead, chunk);
      rowsRead += count;
      valuesRead += values.present;
    }
    this.rowsDone = start + rows;
    this.valuesDone = valuesRead;
  }

  /**
   * One page of PLAIN values holding every value of the column: views (or converts) its bytes in
   * place and returns true, or false when the kind needs its own array.
   */
  private viewWhole(
    header: PageHeader,
    page: Uint8Array,
    position: number,
    count: number,
    present: number,
  ): boolean {
    if (header.encoding !== Encoding.PLAIN || count !== this.totalRows || present !== count)
      return false;
    const view = plainView(this.column.kind, page, position, page.length, count);
    if (view === undefined) return false;
    this.direct = view;
    this.rowsDone = count;
    this.valuesDone = count;
    return true;
  }
}

/** The next page: its header, and its bytes as stored, checked against the header's CRC32. */
function nextPage(cursor: Cursor): { header: PageHeader; raw: Uint8Array } {
  const header = readPageHeader(cursor);
  const pageStart = cursor.position;
  const pageEnd = pageStart + header.compressedSize;
  if (pageEnd > cursor.end) corrupt('a page runs past the end of the column chunk');
  cursor.position = pageEnd;
  const raw = cursor.bytes.subarray(pageStart, pageEnd);
  if (header.crc !== undefined && (crc32(raw) | 0) !== header.crc)
    corrupt('a page checksum (CRC32) does not match its bytes');
  return { header, raw };
}
