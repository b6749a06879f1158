import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError, type Store } from '@mlinfra/core';
import type { SplitSelection } from '../batches/types.js';
import { openParquet, type ParquetSource, type RowRange } from '../io/parquet.js';
import { inSplit } from '../splits/split.js';
import type { CellValue, ColumnChunk, ColumnData } from '../table/column-chunk.js';
import type { Version, VersionFile } from './manifest.js';

/** Where versions' Parquet files are read from: the store, through a local file cache. */
export interface ReadContext {
  store: Store;
  cacheDir: string;
}

/** A row group of one file of a version. */
export interface Block extends RowRange {
  /** Index into the version's files. */
  file: number;
}

/** The local path of a blob in the cache, fetching (verified) from the store when missing. */
export async function localFile(context: ReadContext, file: VersionFile): Promise<string> {
  const path = join(context.cacheDir, `${file.digest.slice('sha256:'.length)}.parquet`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.size === file.sizeBytes) return path;
  await mkdir(context.cacheDir, { recursive: true });
  await context.store.getFile(file.digest, path);
  return path;
}

/**
 * Opens a version's Parquet file through the local cache; when the cache's disk is full (or
 * read-only), reads the verified blob into memory instead, so a read never needs free space.
 */
export async function openVersionFile(
  context: ReadContext,
  file: VersionFile,
): Promise<ParquetSource> {
  try {
    return await openParquet(await localFile(context, file));
  } catch (error) {
    const code = StorageError.isInstance(error)
      ? error.systemCode
      : (error as NodeJS.ErrnoException | null)?.code;
    if (code !== 'ENOSPC' && code !== 'EROFS' && code !== 'EDQUOT') throw error;
    return openParquet(await context.store.read(file.digest));
  }
}

/** Keeps the rows of `chunk` whose key falls in `selection`. */
export function filterChunk(
  chunk: ColumnChunk,
  selection: SplitSelection | null,
  keepKey: boolean,
): ColumnChunk {
  if (selection === null) return chunk;
  const keys = chunk.columns[selection.key];
  if (keys === undefined) return chunk;
  const keep: number[] = [];
  for (let row = 0; row < chunk.length; row++) if (inSplit(keys[row], selection)) keep.push(row);
  const columns: Record<string, ColumnData> = {};
  for (const [name, values] of Object.entries(chunk.columns)) {
    if (name === selection.key && !keepKey) continue;
    columns[name] = takeRows(values, keep);
  }
  return { length: keep.length, columns };
}

/** The values at `rows` (in that order), keeping typed arrays typed. */
export function takeRows(values: ColumnData, rows: ArrayLike<number>): ColumnData {
  if (ArrayBuffer.isView(values)) {
    const out = new (values.constructor as new (length: number) => Float64Array)(rows.length);
    const source = values as Float64Array;
    for (let index = 0; index < rows.length; index++) out[index] = source[rows[index]!]!;
    return out as ColumnData;
  }
  const out = new Array<CellValue>(rows.length);
  for (let index = 0; index < rows.length; index++) out[index] = values[rows[index]!] as CellValue;
  return out;
}

/** Reads one version's files by row group, opening each file once. */
export class VersionReader {
  private readonly sources = new Map<number, Promise<ParquetSource>>();

  constructor(
    private readonly context: ReadContext,
    readonly version: Version,
  ) {}

  private source(file: number): Promise<ParquetSource> {
    let source = this.sources.get(file);
    if (source === undefined) {
      source = openVersionFile(this.context, this.version.files[file]!);
      this.sources.set(file, source);
    }
    return source;
  }

  /** Every row group of every file, in row order. */
  async blocks(): Promise<Block[]> {
    const blocks: Block[] = [];
    for (let file = 0; file < this.version.files.length; file++) {
      const source = await this.source(file);
      for (const group of source.rowGroups) blocks.push({ file, ...group });
    }
    return blocks;
  }

  /** Reads columns of a whole file (every row group decoded into one array per column). */
  async readFile(file: number, columns: readonly string[]): Promise<ColumnChunk> {
    const source = await this.source(file);
    return { length: source.rowCount, columns: await source.readAll(columns) };
  }

  /** Reads columns of one block. */
  async read(block: Block, columns: readonly string[]): Promise<ColumnChunk> {
    return (await this.source(block.file)).read(block, columns);
  }
}
