// A handle to one version of a dataset (or a split of it): reads it as chunks, columns, rows,
// Arrow, batches or its profile.
import { isDigest, type TableSchema, ValidationError } from '@mlinfra/core';
import type { DatasetProfile } from '@mlinfra/drift';
import type { Table } from 'apache-arrow';
import { type BatchOptions, BatchStream } from '../batches/batch-stream.js';
import type { SplitSelection } from '../batches/types.js';
import { chunkToArrow } from '../io/arrow-output.js';
import { type SplitOptions, splitSelections } from '../splits/split.js';
import { ProfileAccumulator } from '../stats/profile.js';
import {
  type CellValue,
  type ColumnChunk,
  type ColumnData,
  chunkToRows,
  concatChunks,
} from '../table/column-chunk.js';
import type { Datasets } from './datasets.js';
import type { Version } from './manifest.js';
import { filterChunk, VersionReader } from './reader.js';

/**
 * Which version to read: a version id (`sha256:...`), a branch or tag name (branches win when both
 * exist), `{ branch }`, `{ tag }`, `{ version }`, or `{ asOf: Date, branch? }` for the newest
 * version on the branch (default `main`) committed at or before that time.
 */
export type VersionRef =
  | string
  | { version: string }
  | { branch: string }
  | { tag: string }
  | { asOf: Date; branch?: string };

/** Options of {@link DatasetHandle.columns} and friends. */
export interface ReadOptions {
  /** Columns to read. Default: all. */
  columns?: string[];
}

/**
 * One version of a dataset, opened lazily by {@link Datasets.dataset}. Reads go through a local
 * cache of the version's Parquet files.
 */
export class DatasetHandle {
  private resolved: Promise<Version> | undefined;

  /** @internal */
  constructor(
    private readonly datasets: Datasets,
    /** Dataset name. */
    readonly name: string,
    /** The ref this handle was opened with. */
    readonly reference: VersionRef,
    /** The split this handle reads, or null for all rows. */
    readonly selection: SplitSelection | null,
  ) {}

  /** The version this handle reads (resolved once). */
  resolve(): Promise<Version> {
    this.resolved ??= this.datasets.resolve(this.name, this.reference).then((version) => {
      const key = this.selection?.key;
      if (key !== undefined && !version.schema.columns.some((column) => column.name === key)) {
        throw new ValidationError(
          `Split key "${key}" is not a column of dataset "${this.name}"; split on one of ${version.schema.columns.map((column) => column.name).join(', ')}`,
        );
      }
      return version;
    });
    return this.resolved;
  }

  /** The version's schema. */
  async schema(): Promise<TableSchema> {
    return (await this.resolve()).schema;
  }

  private async reader(): Promise<VersionReader> {
    return new VersionReader(
      { store: this.datasets.store, cacheDir: this.datasets.cacheDir },
      await this.resolve(),
    );
  }

  /**
   * Streams the version in file order, one row group at a time (bounded memory), as column chunks.
   * @throws ValidationError for an unknown column.
   */
  async *chunks(options: ReadOptions = {}): AsyncGenerator<ColumnChunk> {
    const reader = await this.reader();
    const names = this.columnNames(reader.version.schema, options.columns);
    const split = this.selection;
    const readColumns =
      split !== null && !names.includes(split.key) ? [...names, split.key] : names;
    for (const block of await reader.blocks()) {
      const chunk = filterChunk(
        await reader.read(block, readColumns),
        split,
        names.includes(split?.key ?? ''),
      );
      if (chunk.length > 0) yield chunk;
    }
  }

  private columnNames(schema: TableSchema, requested: string[] | undefined): string[] {
    const all = schema.columns.map((column) => column.name);
    if (requested === undefined) return all;
    const missing = requested.filter((name) => !all.includes(name));
    if (missing.length > 0)
      throw new ValidationError(
        `Unknown column(s) ${missing.join(', ')}; the version has ${all.join(', ')}`,
      );
    return requested;
  }

  private async table(options: ReadOptions): Promise<{ schema: TableSchema; chunk: ColumnChunk }> {
    const version = await this.resolve();
    const names = this.columnNames(version.schema, options.columns);
    const schema: TableSchema = {
      columns: names.map((name) => version.schema.columns.find((column) => column.name === name)!),
    };
    const parts: ColumnChunk[] = [];
    if (this.selection === null) {
      // Whole files at once: row groups decode straight into one array per column.
      const reader = await this.reader();
      for (let file = 0; file < version.files.length; file++)
        parts.push(await reader.readFile(file, names));
    } else for await (const chunk of this.chunks(options)) parts.push(chunk);
    return { schema, chunk: concatChunks(schema, parts) };
  }

  /** The whole version as column arrays (see {@link ColumnData} for the array type per column type). */
  async columns(options: ReadOptions = {}): Promise<Record<string, ColumnData>> {
    return (await this.table(options)).chunk.columns;
  }

  /** The whole version as row objects (int64 as bigint, timestamps as Date, nulls as null). */
  async rows(options: ReadOptions = {}): Promise<Array<Record<string, CellValue>>> {
    const { schema, chunk } = await this.table(options);
    return chunkToRows(chunk, schema);
  }

  /**
   * The whole version as an Apache Arrow table (categories as dictionary vectors). Loads the
   * optional peer dependency apache-arrow on first use.
   * @throws MissingDependencyError when apache-arrow is not installed.
   */
  async toArrow(options: ReadOptions = {}): Promise<Table> {
    const { schema, chunk } = await this.table(options);
    return chunkToArrow(schema, chunk);
  }

  /**
   * A resumable stream of column batches ({@link BatchSource}); see {@link BatchOptions}.
   * @example
   * ```ts
   * const stream = datasets.dataset('taxi').batches({ batchSize: 512, shuffle: { seed: 7 } });
   * for await (const batch of stream) { train(batch); saveCheckpoint(stream.cursor()); }
   * ```
   */
  batches(options: BatchOptions = {}): BatchStream {
    const cursorVersion = options.cursor?.version;
    const knownVersion =
      typeof this.reference === 'string' && isDigest(this.reference) ? this.reference : undefined;
    return new BatchStream(
      {
        open: async () => ({ reader: await this.reader(), split: this.selection }),
        knownVersion: knownVersion ?? cursorVersion,
        split: this.selection,
      },
      options,
    );
  }

  /**
   * The `@mlinfra/drift` profile of this version (stored at commit), or, for a split, one computed
   * by streaming the split's rows. Null when the version was committed with `profile: false`.
   */
  async profile(): Promise<DatasetProfile | null> {
    const version = await this.resolve();
    if (this.selection === null) {
      return version.profile === null
        ? null
        : this.datasets.store.readJson<DatasetProfile>(version.profile);
    }
    const accumulator = new ProfileAccumulator(version.schema);
    for await (const chunk of this.chunks()) accumulator.add(chunk);
    return accumulator.finish();
  }

  /**
   * Deterministic splits by hashing a key column: a row keeps its split in every version that
   * holds it. Returns one handle per split name.
   * @example
   * ```ts
   * const { train, validation, test } = datasets.dataset('taxi').split({ key: 'trip_id' });
   * ```
   */
  split<Name extends string = 'train' | 'validation' | 'test'>(
    options: SplitOptions<Name>,
  ): Record<Name, DatasetHandle> {
    if (this.selection !== null)
      throw new ValidationError(
        'This handle is already a split; call split() on the whole dataset',
      );
    const handles = {} as Record<Name, DatasetHandle>;
    for (const selection of splitSelections(options as SplitOptions)) {
      handles[selection.name as Name] = new DatasetHandle(
        this.datasets,
        this.name,
        this.reference,
        selection,
      );
    }
    return handles;
  }
}
