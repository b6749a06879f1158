import { MlinfraError, type TableSchema, ValidationError } from '@mlinfra/core';
import { type FileMetaData, parquetMetadataAsync, parquetScan } from 'hyparquet';
import { compressors as decompressors } from 'hyparquet-compressors';
import { type ColumnChunk, type ColumnData, concatChunks } from '../table/column-chunk.js';
import { checkFraming, fileBuffer, readRanges } from './internal/file-access.js';
import { bufferOf, canonical, PARSERS } from './internal/general-values.js';
import { tableSchemaOf, topLevelLeaves } from './internal/parquet-schema.js';
import {
  ColumnAssembler,
  chunkRange,
  decodeColumnChunk,
  type FastColumn,
  planFastColumn,
  UnsupportedChunk,
} from './parquet-read.js';

export { tableSchemaOf } from './internal/parquet-schema.js';

/** A row range of a Parquet file (a row group). */
export interface RowRange {
  rowStart: number;
  rowEnd: number;
}

/** Opened Parquet file: metadata, schema and lazy column reads by row range. */
export interface ParquetSource {
  metadata: FileMetaData;
  schema: TableSchema;
  rowCount: number;
  /** Row groups in file order. */
  rowGroups: RowRange[];
  /** Reads `columns` for rows `[rowStart, rowEnd)` (within one row group), as canonical values. */
  read(range: RowRange, columns: readonly string[]): Promise<ColumnChunk>;
  /**
   * Reads `columns` (default: all) of every row group as whole columns. Row groups decode one
   * after another (the next one read while the current one decodes) straight into the final
   * arrays, so there are no per-group arrays to concatenate.
   * @throws ValidationError for an unknown column or corrupt bytes.
   */
  readAll(columns?: readonly string[]): Promise<Record<string, ColumnData>>;
}

/** Options of {@link openParquet}. */
export interface OpenParquetOptions {
  /**
   * Decode flat columns on the fast path (parquet-read.ts). Default true; false reads every
   * column through hyparquet (the reference the fast path is tested against).
   */
  fastPath?: boolean;
  /**
   * {@link ParquetSource.readAll} reads row groups in batches of about this many bytes of column
   * chunks (one read per batch, the next batch read while one decodes). Default 16 MiB.
   */
  readBatchBytes?: number;
}

/**
 * Opens a Parquet file (a path, or bytes in memory) for column reads. Reads snappy, gzip, zstd,
 * lz4, lz4_raw and brotli pages, plain and dictionary encodings.
 *
 * Flat columns of whole row groups decode on the fast path of parquet-read.ts (one read per row
 * group, pages decoded straight into typed arrays); the rest (unsigned integers, TIME, UUID,
 * FLOAT16, DECIMALs beyond 2^53 or stored as BYTE_ARRAY, row ranges that are not whole row
 * groups) goes through hyparquet, per column, with the same results.
 * @throws ValidationError when the file is not Parquet or has columns that cannot be read.
 */
export async function openParquet(
  file: string | Uint8Array,
  options: OpenParquetOptions = {},
): Promise<ParquetSource> {
  const label = typeof file === 'string' ? file : 'The bytes';
  const readBatchBytes = options.readBatchBytes ?? 16 << 20;
  const buffer = typeof file === 'string' ? await fileBuffer(file) : bufferOf(file);
  await checkFraming(buffer, label);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new ValidationError(
      `${label} is not a readable Parquet file (${(error as Error).message}); check the path and format`,
      [],
      { cause: error },
    );
  }
  const schema = tableSchemaOf(metadata);
  const byName = new Map(schema.columns.map((column) => [column.name, column]));
  const leaves = topLevelLeaves(metadata);
  const plans = new Map<string, FastColumn>();
  for (const column of options.fastPath === false ? [] : schema.columns) {
    const element = leaves.get(column.name);
    const plan = element === undefined ? undefined : planFastColumn(element, column);
    if (plan !== undefined) plans.set(column.name, plan);
  }
  // A scan per read: hyparquet's scan keeps the last range of each column decoded, which would
  // pin one row group per column per open file in memory.
  const scanFor = (columns: readonly string[]) =>
    parquetScan({
      file: buffer,
      metadata,
      compressors: decompressors,
      parsers: PARSERS,
      columns: [...columns],
    });
  const rowGroups: RowRange[] = [];
  const groupAt = new Map<number, number>();
  let start = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    const rows = Number(group.num_rows);
    if (rows > 0) {
      rowGroups.push({ rowStart: start, rowEnd: start + rows });
      groupAt.set(start, index);
    }
    start += rows;
  }
  const fileSize = buffer.byteLength;

  /** The fast-path chunk of `name` in row group `index`, or undefined. */
  const fastChunk = (index: number, name: string) => {
    const plan = plans.get(name);
    if (plan === undefined) return undefined;
    const chunk = metadata.row_groups[index]!.columns.find(
      (candidate) =>
        candidate.meta_data?.path_in_schema.length === 1 &&
        candidate.meta_data.path_in_schema[0] === name,
    );
    const meta = chunk?.meta_data;
    if (chunk === undefined || meta === undefined || chunk.file_path !== undefined)
      return undefined;
    const range = chunkRange(meta);
    if (!(range.start >= 0 && range.end <= fileSize && range.start < range.end)) return undefined;
    return { plan, meta, range };
  };

  const checkColumns = (columns: readonly string[]) => {
    for (const name of columns) {
      if (!byName.has(name)) {
        throw new ValidationError(
          `Column "${name}" is not in this file; it has ${schema.columns.map((c) => c.name).join(', ')}`,
        );
      }
    }
  };

  const source: ParquetSource = {
    metadata,
    schema,
    rowCount: Number(metadata.num_rows),
    rowGroups,
    async readAll(columns = schema.columns.map((column) => column.name)) {
      checkColumns(columns);
      const total = rowGroups.reduce((sum, group) => sum + group.rowEnd - group.rowStart, 0);
      const groups = rowGroups.map((group) => groupAt.get(group.rowStart)!);
      const assemblers = new Map<string, ColumnAssembler>();
      const slow: string[] = [];
      for (const name of columns) {
        const plan = plans.get(name);
        if (plan !== undefined && groups.every((index) => fastChunk(index, name) !== undefined))
          assemblers.set(name, new ColumnAssembler(plan, total));
        else slow.push(name);
      }
      // Row groups go in batches of up to readBatchBytes of chunks, each batch one merged read (small
      // row groups cost one read together), the next batch read while this one decodes.
      const batches: number[][] = [];
      let batchBytes = 0;
      for (let position = 0; position < groups.length; position++) {
        let bytes = 0;
        for (const name of assemblers.keys()) {
          const { range } = fastChunk(groups[position]!, name)!;
          bytes += range.end - range.start;
        }
        if (batches.length === 0 || batchBytes + bytes > readBatchBytes) {
          batches.push([]);
          batchBytes = 0;
        }
        batches[batches.length - 1]!.push(position);
        batchBytes += bytes;
      }
      const fetch = (batch: number[]) => {
        const names = [...assemblers.keys()];
        const wanted = batch.flatMap((position) =>
          names.map((name) => ({ position, name, chunk: fastChunk(groups[position]!, name)! })),
        );
        const read = readRanges(
          buffer,
          wanted.map(({ chunk }) => chunk.range),
        ).then((bytes) => ({ wanted, bytes }));
        read.catch(() => undefined); // awaited below; never an unhandled rejection
        return read;
      };
      let next = assemblers.size > 0 && batches.length > 0 ? fetch(batches[0]!) : undefined;
      for (let index = 0; next !== undefined; index++) {
        const { wanted, bytes } = await next;
        next = index + 1 < batches.length ? fetch(batches[index + 1]!) : undefined;
        for (const [slot, { position, name, chunk }] of wanted.entries()) {
          const assembler = assemblers.get(name);
          if (assembler === undefined) continue;
          try {
            assembler.append(bytes[slot]!, {
              column: assembler.column,
              rows: rowGroups[position]!.rowEnd - rowGroups[position]!.rowStart,
              codec: chunk.meta.codec,
              file: label,
              rowGroup: groups[position]!,
            });
          } catch (error) {
            if (!(error instanceof UnsupportedChunk)) throw error;
            assemblers.delete(name);
            slow.push(name);
          }
        }
      }
      const out: Record<string, ColumnData> = {};
      for (const [name, assembler] of assemblers) out[name] = assembler.finish();
      if (slow.length > 0) {
        const parts = await Promise.all(rowGroups.map((group) => source.read(group, slow)));
        const merged = concatChunks({ columns: slow.map((name) => byName.get(name)!) }, parts);
        for (const name of slow) out[name] = merged.columns[name]!;
      }
      const ordered: Record<string, ColumnData> = {};
      for (const name of columns) ordered[name] = out[name]!;
      return ordered;
    },
    async read(range, columns) {
      for (const name of columns) {
        if (!byName.has(name)) {
          throw new ValidationError(
            `Column "${name}" is not in this file; it has ${schema.columns.map((c) => c.name).join(', ')}`,
          );
        }
      }
      const out: Record<string, ColumnData> = {};
      const length = range.rowEnd - range.rowStart;
      const index = groupAt.get(range.rowStart);
      const whole = index !== undefined && Number(metadata.row_groups[index]!.num_rows) === length;
      const slow: string[] = [];
      const fast: { name: string; chunk: NonNullable<ReturnType<typeof fastChunk>> }[] = [];
      for (const name of columns) {
        const chunk = whole ? fastChunk(index, name) : undefined;
        if (chunk === undefined) slow.push(name);
        else fast.push({ name, chunk });
      }
      if (fast.length > 0) {
        const bytes = await readRanges(
          buffer,
          fast.map(({ chunk }) => chunk.range),
        );
        for (const [position, { name, chunk }] of fast.entries()) {
          try {
            out[name] = decodeColumnChunk(bytes[position]!, {
              column: chunk.plan,
              rows: length,
              codec: chunk.meta.codec,
              file: label,
              rowGroup: index!,
            });
          } catch (error) {
            if (!(error instanceof UnsupportedChunk)) throw error;
            slow.push(name);
          }
        }
      }
      if (slow.length > 0) {
        const scan = await scanFor(slow);
        await Promise.all(
          slow.map(async (name) => {
            let values: ArrayLike<unknown>;
            try {
              values = await scan.readColumn({
                column: name,
                rowStart: range.rowStart,
                rowEnd: range.rowEnd,
              });
            } catch (error) {
              if (MlinfraError.isInstance(error)) throw error;
              const detail = error instanceof Error ? error.message : String(error);
              throw new ValidationError(
                `${label}: column "${name}" in rows ${range.rowStart}-${range.rowEnd} cannot be read (${detail}); re-export the file from its source`,
                [{ path: [name], message: detail }],
                { cause: error },
              );
            }
            out[name] = canonical(byName.get(name)!, values);
          }),
        );
      }
      // Keep the caller's column order.
      const ordered: Record<string, ColumnData> = {};
      for (const name of columns) ordered[name] = out[name]!;
      return { length, columns: ordered };
    },
  };
  // Framing and footer are checked on open; damage inside the data (a cut page, a wrong length)
  // surfaces while decoding: name the file and say so instead of a decoder's internal message.
  const damaged = (error: unknown): never => {
    if (MlinfraError.isInstance(error)) throw error;
    throw new ValidationError(
      `${label} is not a valid Parquet file: its data cannot be decoded (${(error as Error).message}); the file is damaged`,
      [],
      { cause: error },
    );
  };
  return {
    ...source,
    readAll: (columns) => source.readAll(columns).catch(damaged),
    read: (range, columns) => source.read(range, columns).catch(damaged),
  };
}
