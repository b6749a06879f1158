// Datasets as Apache Arrow tables. apache-arrow is an optional peer dependency, loaded on the
// first call, so importing @mlinfra/datasets does not pay for it.
import { type ColumnSchema, MissingDependencyError, type TableSchema } from '@mlinfra/core';
import type * as Arrow from 'apache-arrow';
import type { ColumnChunk, ColumnData } from '../table/column-chunk.js';

/** Imports apache-arrow (injectable, so tests can stand in for a missing install). */
export type ArrowImporter = () => Promise<typeof Arrow>;

let cached: Promise<typeof Arrow> | undefined;

/**
 * apache-arrow, imported on first use (once, unless `importer` is given).
 * @throws MissingDependencyError naming the install command when it is not installed.
 */
export function loadArrow(importer?: ArrowImporter): Promise<typeof Arrow> {
  if (importer !== undefined) return importArrow(importer);
  cached ??= importArrow(() => import('apache-arrow')).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function importArrow(importer: ArrowImporter): Promise<typeof Arrow> {
  try {
    return await importer();
  } catch (error) {
    throw new MissingDependencyError(
      'Cannot import "apache-arrow". Install it to read datasets as Arrow tables: npm install apache-arrow',
      { cause: error },
    );
  }
}

function arrowTypeOf(arrow: typeof Arrow, column: ColumnSchema): Arrow.DataType {
  switch (column.type) {
    case 'float64':
      return new arrow.Float64();
    case 'float32':
      return new arrow.Float32();
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'bool':
      return new arrow.Bool();
    case 'string':
      return new arrow.Utf8();
    case 'category':
      return new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    case 'timestamp':
      return new arrow.TimestampMillisecond();
  }
}

/**
 * Builds an Arrow table from a normalised chunk.
 * @throws MissingDependencyError when apache-arrow is not installed.
 */
export async function chunkToArrow(
  schema: TableSchema,
  chunk: ColumnChunk,
  importer?: ArrowImporter,
): Promise<Arrow.Table> {
  const arrow = await loadArrow(importer);
  const vectors: Record<string, Arrow.Vector> = {};
  for (const column of schema.columns) {
    const values = chunk.columns[column.name];
    if (values === undefined) continue;
    const type = arrowTypeOf(arrow, column);
    let input: ColumnData | Array<number | null> = values;
    if (column.type === 'timestamp') {
      // Timestamp columns hold epoch milliseconds with NaN for null (see ColumnData).
      input = Array.from(values as ArrayLike<number>, (value) =>
        Number.isNaN(value) ? null : value,
      );
    }
    vectors[column.name] = arrow.vectorFromArray(
      input as unknown as number[],
      type as Arrow.Float64,
    );
  }
  return new arrow.Table(vectors);
}
