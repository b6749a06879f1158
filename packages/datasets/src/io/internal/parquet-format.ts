// The Parquet format as parquet.thrift declares it: enum values and Thrift field ids by name,
// shared by the reader (page headers) and the writer (page headers and footer), so no module
// spells a bare number for a format constant.

/** The 4 bytes that open and close every Parquet file ("PAR1"). */
export const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]);

/** Key of the file metadata entry holding the mlinfra table schema as JSON. */
export const SCHEMA_KEY = 'mlinfra.schema';

/** `Type`: physical types. */
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;

/** `ConvertedType` (the legacy annotations), those the writer uses. */
export const ConvertedType = { UTF8: 0, TIMESTAMP_MILLIS: 9 } as const;

/** `FieldRepetitionType`. */
export const Repetition = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;

/** `Encoding`. */
export const Encoding = {
  PLAIN: 0,
  PLAIN_DICTIONARY: 2,
  RLE: 3,
  BIT_PACKED: 4,
  DELTA_BINARY_PACKED: 5,
  DELTA_LENGTH_BYTE_ARRAY: 6,
  DELTA_BYTE_ARRAY: 7,
  RLE_DICTIONARY: 8,
  BYTE_STREAM_SPLIT: 9,
} as const;

/** `CompressionCodec`. */
export const CompressionCodec = {
  UNCOMPRESSED: 0,
  SNAPPY: 1,
  GZIP: 2,
  LZO: 3,
  BROTLI: 4,
  LZ4: 5,
  ZSTD: 6,
  LZ4_RAW: 7,
} as const;

/** `PageType`. */
export const PageType = {
  DATA_PAGE: 0,
  INDEX_PAGE: 1,
  DICTIONARY_PAGE: 2,
  DATA_PAGE_V2: 3,
} as const;

// Field ids of the structs, named as in parquet.thrift.

/** `PageHeader` fields. */
export const PageHeaderField = {
  type: 1,
  uncompressed_page_size: 2,
  compressed_page_size: 3,
  crc: 4,
  data_page_header: 5,
  index_page_header: 6,
  dictionary_page_header: 7,
  data_page_header_v2: 8,
} as const;

/** `DataPageHeader` fields. */
export const DataPageHeaderField = {
  num_values: 1,
  encoding: 2,
  definition_level_encoding: 3,
  repetition_level_encoding: 4,
} as const;

/** `DictionaryPageHeader` fields. */
export const DictionaryPageHeaderField = { num_values: 1, encoding: 2, is_sorted: 3 } as const;

/** `DataPageHeaderV2` fields. */
export const DataPageHeaderV2Field = {
  num_values: 1,
  num_nulls: 2,
  num_rows: 3,
  encoding: 4,
  definition_levels_byte_length: 5,
  repetition_levels_byte_length: 6,
  is_compressed: 7,
} as const;

/** `FileMetaData` fields. */
export const FileMetaDataField = {
  version: 1,
  schema: 2,
  num_rows: 3,
  row_groups: 4,
  key_value_metadata: 5,
  created_by: 6,
} as const;

/** `SchemaElement` fields. */
export const SchemaElementField = {
  type: 1,
  type_length: 2,
  repetition_type: 3,
  name: 4,
  num_children: 5,
  converted_type: 6,
  logicalType: 10,
} as const;

/** `LogicalType` union members. */
export const LogicalTypeField = { STRING: 1 } as const;

/** `RowGroup` fields. */
export const RowGroupField = {
  columns: 1,
  total_byte_size: 2,
  num_rows: 3,
  file_offset: 5,
  total_compressed_size: 6,
} as const;

/** `ColumnChunk` fields. */
export const ColumnChunkField = { file_offset: 2, meta_data: 3 } as const;

/** `ColumnMetaData` fields. */
export const ColumnMetaDataField = {
  type: 1,
  encodings: 2,
  path_in_schema: 3,
  codec: 4,
  num_values: 5,
  total_uncompressed_size: 6,
  total_compressed_size: 7,
  data_page_offset: 9,
  dictionary_page_offset: 11,
  statistics: 12,
} as const;

/** `Statistics` fields. */
export const StatisticsField = { null_count: 3, max_value: 5, min_value: 6 } as const;

/** `KeyValue` fields. */
export const KeyValueField = { key: 1, value: 2 } as const;
