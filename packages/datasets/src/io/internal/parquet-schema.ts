// The table schema of a Parquet file: from the mlinfra schema stored in its metadata, else mapped
// from its Parquet schema elements.
import {
  type ColumnSchema,
  type ColumnType,
  parseSchema,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { SCHEMA_KEY } from './parquet-format.js';

/** Maps one Parquet leaf column to a column type, or undefined when it has no mapping. */
function columnTypeOf(element: SchemaElement): ColumnType | undefined {
  const logical = element.logical_type;
  const converted = element.converted_type;
  switch (element.type) {
    case 'BOOLEAN':
      return 'bool';
    case 'FLOAT':
      return 'float32';
    case 'DOUBLE':
      return 'float64';
    case 'INT32':
      if (converted === 'DATE' || logical?.type === 'DATE') return 'timestamp';
      if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return 'float64';
      if (
        converted === 'UINT_32' ||
        (logical?.type === 'INTEGER' && !logical.isSigned && logical.bitWidth === 32)
      ) {
        return 'int64';
      }
      if (converted === 'TIME_MILLIS' || logical?.type === 'TIME') return 'int32';
      return 'int32';
    case 'INT64':
      if (
        converted === 'TIMESTAMP_MILLIS' ||
        converted === 'TIMESTAMP_MICROS' ||
        logical?.type === 'TIMESTAMP'
      ) {
        return 'timestamp';
      }
      if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return 'float64';
      return 'int64';
    case 'INT96':
      return 'timestamp';
    case 'BYTE_ARRAY':
      if (
        converted === 'UTF8' ||
        converted === 'ENUM' ||
        converted === 'JSON' ||
        logical?.type === 'STRING' ||
        logical?.type === 'ENUM' ||
        logical?.type === 'JSON'
      ) {
        return 'string';
      }
      if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return 'float64';
      return undefined;
    case 'FIXED_LEN_BYTE_ARRAY':
      if (converted === 'DECIMAL' || logical?.type === 'DECIMAL' || logical?.type === 'FLOAT16')
        return 'float64';
      if (logical?.type === 'UUID') return 'string';
      return undefined;
    default:
      return undefined;
  }
}

/**
 * The table schema of a Parquet file: the mlinfra schema stored in its metadata when present,
 * else derived from the Parquet types.
 * @throws ValidationError for nested or unsupported columns.
 */
export function tableSchemaOf(metadata: FileMetaData): TableSchema {
  const stored = metadata.key_value_metadata?.find((entry) => entry.key === SCHEMA_KEY)?.value;
  if (stored !== undefined) {
    try {
      return parseSchema(JSON.parse(stored));
    } catch {
      // A foreign or damaged entry: fall back to the Parquet types.
    }
  }
  const [root, ...rest] = metadata.schema;
  const columns: ColumnSchema[] = [];
  const issues: { path: string[]; message: string }[] = [];
  let index = 0;
  const count = root?.num_children ?? 0;
  for (let child = 0; child < count; child++) {
    const element = rest[index];
    if (element === undefined) break;
    if ((element.num_children ?? 0) > 0 || element.repetition_type === 'REPEATED') {
      issues.push({
        path: [element.name],
        message: 'is a nested (list, map or struct) column; flatten it before committing',
      });
      index += 1 + countDescendants(rest, index);
      continue;
    }
    const type = columnTypeOf(element);
    if (type === undefined) {
      issues.push({
        path: [element.name],
        message: `has unsupported Parquet type ${element.type}; cast it to a number or string`,
      });
    } else {
      columns.push({ name: element.name, type, nullable: element.repetition_type !== 'REQUIRED' });
    }
    index++;
  }
  if (issues.length > 0)
    throw new ValidationError('This Parquet file has columns mlinfra cannot read', issues);
  return { columns };
}

function countDescendants(elements: SchemaElement[], index: number): number {
  let pending = elements[index]?.num_children ?? 0;
  let cursor = index + 1;
  let total = 0;
  while (pending > 0 && cursor < elements.length) {
    const element = elements[cursor]!;
    pending--;
    total++;
    pending += element.num_children ?? 0;
    cursor++;
  }
  return total;
}

/** The top-level leaf elements of a Parquet schema, by name. */
export function topLevelLeaves(metadata: FileMetaData): Map<string, SchemaElement> {
  const [root, ...rest] = metadata.schema;
  const leaves = new Map<string, SchemaElement>();
  let index = 0;
  for (let child = 0; child < (root?.num_children ?? 0); child++) {
    const element = rest[index];
    if (element === undefined) break;
    if ((element.num_children ?? 0) === 0) leaves.set(element.name, element);
    index += 1 + countDescendants(rest, index);
  }
  return leaves;
}
