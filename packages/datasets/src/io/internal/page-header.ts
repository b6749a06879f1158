// Parquet page headers: read (with the fields the fast decoder needs) and written (v1 data pages
// and dictionary pages, with the spec's CRC32 of the page as stored).
import { crc32 } from 'node:zlib';
import type { Cursor } from './byte-cursor.js';
import { corrupt } from './corrupt.js';
import {
  DataPageHeaderField,
  DataPageHeaderV2Field,
  DictionaryPageHeaderField,
  Encoding,
  PageHeaderField,
  PageType,
} from './parquet-format.js';
import { readI32Field, readStruct, T, ThriftWriter } from './thrift-compact.js';

/** A page header, flattened over its data / dictionary / data v2 variants. */
export interface PageHeader {
  /** {@link PageType}. */
  type: number;
  uncompressedSize: number;
  compressedSize: number;
  numValues: number;
  /** {@link Encoding} of the values. */
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

/** Reads the page header at the cursor. */
export function readPageHeader(cursor: Cursor): PageHeader {
  const header: PageHeader = {
    type: -1,
    uncompressedSize: -1,
    compressedSize: -1,
    numValues: -1,
    encoding: -1,
    definitionEncoding: Encoding.RLE,
    numNulls: 0,
    definitionBytes: 0,
    repetitionBytes: 0,
    isCompressed: true,
    crc: undefined,
  };
  readStruct(cursor, 0, (id, type) => {
    switch (id) {
      case PageHeaderField.crc:
        header.crc = readI32Field(cursor, type);
        return true;
      case PageHeaderField.type:
        header.type = readI32Field(cursor, type);
        return true;
      case PageHeaderField.uncompressed_page_size:
        header.uncompressedSize = readI32Field(cursor, type);
        return true;
      case PageHeaderField.compressed_page_size:
        header.compressedSize = readI32Field(cursor, type);
        return true;
      case PageHeaderField.data_page_header:
        if (type !== T.STRUCT) return false;
        readStruct(cursor, 1, (field, fieldType) => {
          if (field === DataPageHeaderField.num_values)
            header.numValues = readI32Field(cursor, fieldType);
          else if (field === DataPageHeaderField.encoding)
            header.encoding = readI32Field(cursor, fieldType);
          else if (field === DataPageHeaderField.definition_level_encoding)
            header.definitionEncoding = readI32Field(cursor, fieldType);
          else return false;
          return true;
        });
        return true;
      case PageHeaderField.dictionary_page_header:
        if (type !== T.STRUCT) return false;
        readStruct(cursor, 1, (field, fieldType) => {
          if (field === DictionaryPageHeaderField.num_values)
            header.numValues = readI32Field(cursor, fieldType);
          else if (field === DictionaryPageHeaderField.encoding)
            header.encoding = readI32Field(cursor, fieldType);
          else return false;
          return true;
        });
        return true;
      case PageHeaderField.data_page_header_v2:
        if (type !== T.STRUCT) return false;
        readStruct(cursor, 1, (field, fieldType) =>
          readDataPageV2Field(header, cursor, field, fieldType),
        );
        return true;
      default:
        return false;
    }
  });
  if (header.type < 0 || header.compressedSize < 0 || header.uncompressedSize < 0)
    corrupt('a page header lacks its type or sizes');
  return header;
}

function readDataPageV2Field(
  header: PageHeader,
  cursor: Cursor,
  field: number,
  fieldType: number,
): boolean {
  switch (field) {
    case DataPageHeaderV2Field.num_values:
      header.numValues = readI32Field(cursor, fieldType);
      return true;
    case DataPageHeaderV2Field.num_nulls:
      header.numNulls = readI32Field(cursor, fieldType);
      return true;
    case DataPageHeaderV2Field.encoding:
      header.encoding = readI32Field(cursor, fieldType);
      return true;
    case DataPageHeaderV2Field.definition_levels_byte_length:
      header.definitionBytes = readI32Field(cursor, fieldType);
      return true;
    case DataPageHeaderV2Field.repetition_levels_byte_length:
      header.repetitionBytes = readI32Field(cursor, fieldType);
      return true;
    case DataPageHeaderV2Field.is_compressed:
      if (fieldType === T.TRUE || fieldType === T.FALSE) {
        header.isCompressed = fieldType === T.TRUE;
        return true;
      }
      return false;
    default:
      return false;
  }
}

/** What a written page header says about its page. */
export type WrittenPage =
  | { kind: 'dictionary'; entries: number }
  | { kind: 'data'; rows: number; encoding: number };

/**
 * The header of a page whose body is `size` bytes uncompressed and `stored` as written (the
 * CRC32 covers the stored bytes, so readers detect flipped bytes).
 */
export function writePageHeader(page: WrittenPage, size: number, stored: Uint8Array): Uint8Array {
  const header = new ThriftWriter()
    .i32(
      PageHeaderField.type,
      page.kind === 'dictionary' ? PageType.DICTIONARY_PAGE : PageType.DATA_PAGE,
    )
    .i32(PageHeaderField.uncompressed_page_size, size)
    .i32(PageHeaderField.compressed_page_size, stored.length)
    .i32(PageHeaderField.crc, crc32(stored) | 0);
  if (page.kind === 'dictionary') {
    header
      .struct(PageHeaderField.dictionary_page_header)
      .i32(DictionaryPageHeaderField.num_values, page.entries)
      .i32(DictionaryPageHeaderField.encoding, Encoding.PLAIN)
      .end();
  } else {
    header
      .struct(PageHeaderField.data_page_header)
      .i32(DataPageHeaderField.num_values, page.rows)
      .i32(DataPageHeaderField.encoding, page.encoding)
      .i32(DataPageHeaderField.definition_level_encoding, Encoding.RLE)
      .i32(DataPageHeaderField.repetition_level_encoding, Encoding.RLE)
      .end();
  }
  return header.finish();
}
