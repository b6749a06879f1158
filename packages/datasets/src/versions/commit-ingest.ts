// Ingest of a commit: every input chunk is normalised to the schema, counted into the statistics
// (with NaN and infinities apart), the expectations and the drift profile, and encoded to
// Parquet files by the file-set writer; the written files then go into the store.
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pin, Store, TableSchema } from '@mlinfra/core';
import type { DatasetProfile } from '@mlinfra/drift';
import {
  createFileSetWriter,
  defaultThreads,
  type FileSetWriter,
  type WrittenFile,
} from '../io/file-set-writer.js';
import { StatsAccumulator, statsFromProfile, type TableStats } from '../stats/column-stats.js';
import { NonFiniteCounter } from '../stats/non-finite.js';
import { ProfileAccumulator } from '../stats/profile.js';
import type { ColumnChunk } from '../table/column-chunk.js';
import { ChunkNormalizer, type RawChunk } from '../table/normalize.js';
import { type Expectation, ExpectationChecker } from '../validation/expectations.js';
import { IssueCollector } from '../validation/issue-collector.js';
import type { CommitOptions } from './commit-options.js';
import type { VersionFile } from './manifest.js';

const DEFAULT_ROWS_PER_FILE = 262144;

/** What a commit's data came to, once ingested. */
export interface IngestedData {
  /** Rows in the commit's own data. */
  rows: number;
  /** Statistics of the commit's own data. */
  stats: TableStats;
  /** Its drift profile, unless profiling was turned off. */
  profile: DatasetProfile | undefined;
}

/** The accumulators one commit feeds its data through. */
export class CommitIngest {
  /** Schema violations found so far. */
  readonly issues = new IssueCollector();
  readonly checker: ExpectationChecker;
  private readonly normalizer: ChunkNormalizer;
  private readonly stats: StatsAccumulator;
  private readonly nonFinite: NonFiniteCounter;
  private readonly profiler: ProfileAccumulator | undefined;

  constructor(
    readonly schema: TableSchema,
    expectations: readonly Expectation[],
    profile: boolean,
  ) {
    this.normalizer = new ChunkNormalizer(schema, this.issues);
    this.stats = new StatsAccumulator(schema);
    this.nonFinite = new NonFiniteCounter(schema);
    this.checker = new ExpectationChecker(expectations, schema);
    this.profiler = profile ? new ProfileAccumulator(schema) : undefined;
  }

  /** Columns whose values must be unique across the whole version. */
  get uniqueColumns(): string[] {
    return this.normalizer.uniqueColumns;
  }

  /** Counts the keys of the parent's rows (an append), so uniqueness holds across the version. */
  async rememberKeys(chunks: AsyncIterable<ColumnChunk>): Promise<void> {
    for await (const chunk of chunks) {
      for (const column of this.normalizer.uniqueColumns)
        this.normalizer.remember(column, chunk.columns[column]!);
    }
  }

  /**
   * Feeds every chunk (from `first` on) through the accumulators and the writer. Returns the
   * written files, or none when a chunk broke the schema ({@link issues} lists why).
   */
  async run(
    first: IteratorResult<RawChunk>,
    iterator: AsyncIterator<RawChunk>,
    writer: FileSetWriter,
  ): Promise<WrittenFile[]> {
    let next = first;
    while (next.done !== true) {
      const chunk = this.normalizer.normalize(next.value);
      if (this.issues.size === 0) {
        // With a profile, the statistics are read off it at the end (no second scan).
        if (this.profiler === undefined) this.stats.add(chunk);
        this.nonFinite.add(chunk);
        this.checker.add(chunk);
        this.profiler?.add(chunk);
        await writer.write(chunk);
      }
      next = await iterator.next();
    }
    return this.issues.size === 0 ? await writer.finish() : [];
  }

  /** The commit's rows, statistics and profile, after {@link run}. */
  finish(): IngestedData {
    const profile = this.profiler?.finish();
    const stats = this.nonFinite.apply(
      profile === undefined ? this.stats.finish() : statsFromProfile(this.schema, profile),
    );
    return { rows: this.normalizer.rows, stats, profile };
  }
}

/** A file-set writer for a commit's Parquet files, in `<cacheDir>/tmp`. */
export async function createCommitWriter(
  cacheDir: string,
  schema: TableSchema,
  options: CommitOptions,
): Promise<FileSetWriter> {
  const folder = join(cacheDir, 'tmp');
  await mkdir(folder, { recursive: true });
  return createFileSetWriter({
    folder,
    schema,
    ...(options.codec === undefined ? {} : { codec: options.codec }),
    ...(options.rowGroupRows === undefined ? {} : { rowGroupRows: options.rowGroupRows }),
    rowsPerFile: options.rowsPerFile ?? DEFAULT_ROWS_PER_FILE,
    threads: options.threads ?? defaultThreads(),
  });
}

/**
 * Puts written files into the store under `pin` (linked, not copied: the writer hashed them as
 * it wrote them) and moves each into the cache under its digest.
 */
export async function storeWrittenFiles(
  store: Store,
  written: readonly WrittenFile[],
  pin: Pin,
  cacheDir: string,
): Promise<VersionFile[]> {
  const files: VersionFile[] = [];
  for (const file of written) {
    const sizeBytes = (await stat(file.path)).size;
    const blob = await store.putFile(file.path, { digest: file.sha256, link: true, pin });
    await rename(file.path, join(cacheDir, `${blob.digest.slice('sha256:'.length)}.parquet`));
    files.push({ digest: blob.digest, rows: file.rows, sizeBytes });
  }
  return files;
}
