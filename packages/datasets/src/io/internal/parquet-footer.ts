// The Parquet footer (FileMetaData) of a file the writer wrote: the schema elements, one entry
// per row group and column chunk with its statistics, and the mlinfra table schema.
import type { ColumnSchema, TableSchema } from '@mlinfra/core';
import {
  ColumnChunkField,
  ColumnMetaDataField,
  ConvertedType,
  FileMetaDataField,
  KeyValueField,
  LogicalTypeField,
  PhysicalType,
  Repetition,
  RowGroupField,
  SCHEMA_KEY,
  SchemaElementField,
  StatisticsField,
} from './parquet-format.js';
import { ThriftWriter } from './thrift-compact.js';

/** Where a written column chunk lies and what its footer entry says. */
export interface ChunkMeta {
  column: ColumnSchema;
  offset: number;
  dataOffset: number;
  dictionaryOffset?: number;
  codec: number;
  encodings: number[];
  uncompressed: number;
  compressed: number;
  rows: number;
  nulls: number;
  min?: Uint8Array;
  max?: Uint8Array;
}

/** A written row group. */
export interface RowGroupMeta {
  rows: number;
  offset: number;
  columns: ChunkMeta[];
}

/** Physical type of a column. */
function physicalType(column: ColumnSchema): number {
  switch (column.type) {
    case 'float64':
      return PhysicalType.DOUBLE;
    case 'float32':
      return PhysicalType.FLOAT;
    case 'int32':
      return PhysicalType.INT32;
    case 'int64':
    case 'timestamp':
      return PhysicalType.INT64;
    case 'bool':
      return PhysicalType.BOOLEAN;
    case 'string':
    case 'category':
      return PhysicalType.BYTE_ARRAY;
  }
}

/** Writes the Parquet schema elements of a table schema. */
function writeSchema(thrift: ThriftWriter, schema: TableSchema): void {
  const elements: (ColumnSchema | undefined)[] = [undefined, ...schema.columns];
  thrift.listStruct(FileMetaDataField.schema, elements, (column) => {
    if (column === undefined) {
      thrift
        .binary(SchemaElementField.name, 'root')
        .i32(SchemaElementField.num_children, schema.columns.length);
      return;
    }
    thrift
      .i32(SchemaElementField.type, physicalType(column))
      .i32(
        SchemaElementField.repetition_type,
        column.nullable === true ? Repetition.OPTIONAL : Repetition.REQUIRED,
      )
      .binary(SchemaElementField.name, column.name);
    if (column.type === 'string' || column.type === 'category') {
      thrift
        .i32(SchemaElementField.converted_type, ConvertedType.UTF8)
        .struct(SchemaElementField.logicalType)
        .struct(LogicalTypeField.STRING)
        .end()
        .end();
    } else if (column.type === 'timestamp') {
      // The converted type only, as before: DuckDB reads it as TIMESTAMP, pyarrow as UTC.
      thrift.i32(SchemaElementField.converted_type, ConvertedType.TIMESTAMP_MILLIS);
    }
  });
}

/** The footer (FileMetaData, Thrift compact) of a file of `rows` rows in `groups`. */
export function writeFooter(
  schema: TableSchema,
  rows: number,
  groups: readonly RowGroupMeta[],
): Uint8Array {
  const thrift = new ThriftWriter().i32(FileMetaDataField.version, 2);
  writeSchema(thrift, schema);
  thrift.i64(FileMetaDataField.num_rows, rows);
  thrift.listStruct(FileMetaDataField.row_groups, groups, (group) => {
    thrift.listStruct(RowGroupField.columns, group.columns, (chunk) => {
      thrift.i64(ColumnChunkField.file_offset, chunk.offset).struct(ColumnChunkField.meta_data);
      thrift
        .i32(ColumnMetaDataField.type, physicalType(chunk.column))
        .listI32(ColumnMetaDataField.encodings, chunk.encodings)
        .listBinary(ColumnMetaDataField.path_in_schema, [chunk.column.name])
        .i32(ColumnMetaDataField.codec, chunk.codec)
        .i64(ColumnMetaDataField.num_values, chunk.rows)
        .i64(ColumnMetaDataField.total_uncompressed_size, chunk.uncompressed)
        .i64(ColumnMetaDataField.total_compressed_size, chunk.compressed)
        .i64(ColumnMetaDataField.data_page_offset, chunk.dataOffset);
      if (chunk.dictionaryOffset !== undefined)
        thrift.i64(ColumnMetaDataField.dictionary_page_offset, chunk.dictionaryOffset);
      thrift.struct(ColumnMetaDataField.statistics).i64(StatisticsField.null_count, chunk.nulls);
      if (chunk.min !== undefined)
        thrift
          .binary(StatisticsField.max_value, chunk.max!)
          .binary(StatisticsField.min_value, chunk.min);
      thrift.end();
      thrift.end();
    });
    const uncompressed = group.columns.reduce((sum, chunk) => sum + chunk.uncompressed, 0);
    const compressed = group.columns.reduce((sum, chunk) => sum + chunk.compressed, 0);
    thrift
      .i64(RowGroupField.total_byte_size, uncompressed)
      .i64(RowGroupField.num_rows, group.rows)
      .i64(RowGroupField.file_offset, group.offset)
      .i64(RowGroupField.total_compressed_size, compressed);
  });
  thrift.listStruct(
    FileMetaDataField.key_value_metadata,
    [{ key: SCHEMA_KEY, value: JSON.stringify(schema) }],
    (entry) => {
      thrift.binary(KeyValueField.key, entry.key).binary(KeyValueField.value, entry.value);
    },
  );
  thrift.binary(FileMetaDataField.created_by, 'mlinfra-datasets version 0.1.0');
  return thrift.finish();
}
