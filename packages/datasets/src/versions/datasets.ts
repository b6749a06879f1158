import { mkdir, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import {
  ConflictError,
  createStore,
  currentActor,
  fromZodIssues,
  isDigest,
  isStore,
  NotFoundError,
  type Pin,
  parseSchema,
  type Store,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import {
  type DatasetProfile,
  type DetectDriftOptions,
  type DriftReport,
  detectDrift,
  mergeProfiles,
} from '@mlinfra/drift';
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { type BatchOptions, BatchStream } from '../batches/batch-stream.js';
import type { SplitSelection } from '../batches/types.js';
import { chunkToArrow } from '../io/arrow.js';
import type { CsvOptions } from '../io/csv.js';
import { createFileSetWriter, defaultThreads } from '../io/file-set-writer.js';
import type { ParquetCodec } from '../io/parquet-write.js';
import { type DataInput, openInput } from '../io/sources.js';
import { type SplitOptions, splitSelections } from '../splits/split.js';
import { StatsAccumulator, statsFromProfile, type TableStats } from '../stats/column-stats.js';
import { ProfileAccumulator } from '../stats/profile.js';
import {
  type CellValue,
  type ColumnChunk,
  type ColumnData,
  chunkToRows,
  concatChunks,
} from '../table/column-chunk.js';
import { ChunkNormalizer, type RawChunk } from '../table/normalize.js';
import {
  driftIssues,
  type Expectation,
  ExpectationChecker,
  parseExpectations,
} from '../validation/expectations.js';
import { IssueCollector } from '../validation/issue-collector.js';
import {
  assertName,
  branchRef,
  parseManifest,
  tagRef,
  type Version,
  type VersionFile,
  type VersionManifest,
} from './manifest.js';
import { filterChunk, VersionReader } from './reader.js';

const DEFAULT_ROWS_PER_FILE = 262144;

/** Options of {@link openDatasets}. */
export interface OpenDatasetsOptions {
  /** A store from `@mlinfra/core`, or a folder path for one. Default: `createStore()` ($MLINFRA_HOME or ./.mlinfra). */
  store?: Store | string;
  /**
   * Folder for local copies of Parquet blobs (reads need random access). Default
   * `<store folder>/cache/datasets` for a folder store, else `<os tmpdir>/mlinfra-datasets-cache`.
   * Safe to delete at any time.
   */
  cacheDir?: string;
  /** Default author recorded on commits. Default: `$MLINFRA_ACTOR`, else the OS user (as the registry). */
  author?: string;
}

/** Options of {@link Datasets.commit}. */
export interface CommitOptions {
  /** Commit message. Default `''`. */
  message?: string;
  /** Branch to commit to; created on first commit. Default `'main'`. */
  branch?: string;
  /**
   * Schema to enforce. Default: the parent version's schema when the branch has one (schema
   * enforcement: data that does not fit is rejected; pass `schema` to change it), else the
   * schema the input carries (Arrow, Parquet) or one inferred from it (rows, columns, CSV).
   */
  schema?: TableSchema;
  /** Statistical expectations; a failed one rejects the commit. Default none. */
  expectations?: Expectation[];
  /** `'replace'`: the data is the whole new version. `'append'`: it is added to the parent's rows. Default `'replace'`. */
  mode?: 'replace' | 'append';
  /** Author. Default: the one given to {@link openDatasets}. */
  author?: string;
  /**
   * How many times to rebase onto a branch head that moved during the commit (another process
   * committed) before giving up with ConflictError. Expectations are checked again on each try.
   * Default 0 (a concurrent commit gives ConflictError at once).
   */
  retries?: number;
  /** Parquet compression codec. Default `'snappy'`. */
  codec?: ParquetCodec;
  /** Rows per Parquet row group (the unit of streaming and shuffling). Default 65536. */
  rowGroupRows?: number;
  /** A version's rows are split into Parquet files of at most this many rows. Default 262144. */
  rowsPerFile?: number;
  /**
   * Worker threads that encode Parquet files in parallel with reading, validating and profiling
   * the input (only in the built package; from TypeScript sources it encodes in-thread); 0
   * encodes on the calling thread. The files are identical either way. Default 0.
   */
  threads?: number;
  /** CSV reading options, for a CSV path input. */
  csv?: CsvOptions;
  /** Free-form string metadata stored in the manifest. Default `{}`. */
  metadata?: Record<string, string>;
  /**
   * Compute and store an `@mlinfra/drift` profile (quantile sketches, frequent items, histograms)
   * with the version, for drift checks and `diff`. Default true.
   */
  profile?: boolean;
}

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

/** Per-column difference between two versions. */
export interface ColumnDiff {
  /** Statistics in version `a` (absent when the column is not in it). */
  a?: TableStats[string];
  /** Statistics in version `b`. */
  b?: TableStats[string];
  /** `b.mean - a.mean`, when both are numeric. */
  meanChange?: number;
  /** Change in null fraction, `b - a` (absolute). */
  nullFractionChange?: number;
  /** Categories present in `b` but not in `a` (when both are tracked). */
  categoriesAdded?: string[];
  /** Categories present in `a` but not in `b`. */
  categoriesRemoved?: string[];
}

/** What {@link Datasets.diff} returns. */
export interface VersionDiff {
  a: string;
  b: string;
  /** Schema changes from `a` to `b`. */
  schema: {
    added: string[];
    removed: string[];
    /** Columns whose definition (type, nullability, categories, range) changed. */
    changed: Array<{
      column: string;
      from: TableSchema['columns'][number];
      to: TableSchema['columns'][number];
    }>;
  };
  /** Row counts. */
  rows: { a: number; b: number; change: number };
  /** Per-column statistics, for every column in either version. */
  columns: Record<string, ColumnDiff>;
  /**
   * Drift from `a` to `b` by `@mlinfra/drift`'s `detectDrift` on the versions' stored profiles
   * (columns in both versions), or null when a version has no profile or drift was turned off.
   */
  drift: DriftReport | null;
}

const commitOptionsValidator = z
  .object({
    message: z.string().optional(),
    branch: z.string().optional(),
    schema: z.unknown().optional(),
    expectations: z.array(z.unknown()).optional(),
    mode: z.enum(['replace', 'append']).optional(),
    author: z.string().optional(),
    retries: z.number().int().min(0).max(1000).optional(),
    codec: z.enum(['snappy', 'gzip', 'brotli', 'zstd', 'uncompressed']).optional(),
    rowGroupRows: z.number().int().min(1).max(10_000_000).optional(),
    rowsPerFile: z.number().int().min(1).optional(),
    threads: z.number().int().min(0).max(64).optional(),
    csv: z
      .object({
        delimiter: z.string().optional(),
        chunkRows: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    profile: z.boolean().optional(),
  })
  .strict();

function schemasEqual(a: TableSchema, b: TableSchema): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The schema with `nullable` always present, so equal schemas compare equal. */
function canonicalSchema(schema: TableSchema): TableSchema {
  return {
    columns: schema.columns.map((column) => ({ ...column, nullable: column.nullable === true })),
  };
}

function hex(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** Versioned datasets in a store. Create with {@link openDatasets}. */
export class Datasets {
  /** The store holding manifests, Parquet blobs and refs. */
  readonly store: Store;
  /** Local cache folder for Parquet files. */
  readonly cacheDir: string;
  private readonly author: string | null;
  private readonly manifests = new Map<string, Promise<Version>>();

  /** @internal use {@link openDatasets}. */
  constructor(store: Store, cacheDir: string, author: string | null) {
    this.store = store;
    this.cacheDir = cacheDir;
    this.author = author;
  }

  /** Reads a version manifest by id (cached: manifests are immutable). @throws NotFoundError. */
  version(id: string): Promise<Version> {
    if (!isDigest(id)) {
      return Promise.reject(
        new ValidationError(
          `${JSON.stringify(id)} is not a version id; version ids look like sha256:<64 hex digits>`,
        ),
      );
    }
    let cached = this.manifests.get(id);
    if (cached === undefined) {
      cached = this.store.readJson(id).then(
        (value) => parseManifest(id, value),
        (error: unknown) => {
          this.manifests.delete(id);
          if (NotFoundError.isInstance(error)) {
            throw new NotFoundError(
              `Version ${id} is not in the store at ${this.store.location}; check the id or the store`,
              { cause: error },
            );
          }
          throw error;
        },
      );
      this.manifests.set(id, cached);
    }
    return cached;
  }

  /** Resolves a {@link VersionRef} of dataset `name` to a version. @throws NotFoundError. */
  async resolve(name: string, reference: VersionRef = 'main'): Promise<Version> {
    assertName('dataset', name);
    if (typeof reference === 'object' && reference !== null && 'asOf' in reference) {
      const asOf = reference.asOf;
      if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) {
        throw new ValidationError('asOf must be a valid Date');
      }
      const branch = reference.branch ?? 'main';
      for await (const version of this.walk(name, branch)) {
        if (version.createdAt.getTime() <= asOf.getTime()) return version;
      }
      throw new NotFoundError(
        `Dataset "${name}" branch "${branch}" has no version committed at or before ${asOf.toISOString()}; pick a later time`,
      );
    }
    let id: string | undefined;
    let label: string;
    if (typeof reference === 'string') {
      label = reference;
      if (isDigest(reference)) id = reference;
      else {
        assertName('branch', reference);
        id =
          (await this.store.refs.get(branchRef(name, reference))) ??
          (await this.store.refs.get(tagRef(name, reference)));
      }
    } else if (typeof reference === 'object' && reference !== null && 'version' in reference) {
      label = reference.version;
      id = reference.version;
    } else if (typeof reference === 'object' && reference !== null && 'branch' in reference) {
      label = `branch ${reference.branch}`;
      id = await this.store.refs.get(branchRef(name, reference.branch));
    } else if (typeof reference === 'object' && reference !== null && 'tag' in reference) {
      label = `tag ${reference.tag}`;
      id = await this.store.refs.get(tagRef(name, reference.tag));
    } else {
      throw new ValidationError(
        'A version ref is a version id, branch or tag name, { branch }, { tag }, { version } or { asOf: Date }',
      );
    }
    if (id === undefined) {
      throw new NotFoundError(
        `Dataset "${name}" has no branch or tag "${label}"; commit to it first or list them with branches()/tags()`,
      );
    }
    const version = await this.version(id);
    if (version.dataset !== name) {
      throw new ValidationError(
        `Version ${id} belongs to dataset "${version.dataset}", not "${name}"`,
      );
    }
    return version;
  }

  /** Versions from the head of `branch` back through parents (newest first). */
  async *walk(name: string, branch = 'main'): AsyncGenerator<Version> {
    let id = await this.store.refs.get(branchRef(name, branch));
    if (id === undefined) {
      throw new NotFoundError(
        `Dataset "${name}" has no branch "${branch}"; commit to it first or create it with branch()`,
      );
    }
    while (id !== undefined && id !== null) {
      const version: Version = await this.version(id);
      yield version;
      id = version.parent ?? undefined;
    }
  }

  /**
   * History of a branch, newest first.
   * @param options.limit at most this many versions. Default: all.
   */
  async log(name: string, options: { branch?: string; limit?: number } = {}): Promise<Version[]> {
    const versions: Version[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    for await (const version of this.walk(name, options.branch ?? 'main')) {
      if (versions.length >= limit) break;
      versions.push(version);
    }
    return versions;
  }

  /** Names of datasets with at least one branch, sorted. */
  async list(): Promise<string[]> {
    const names = new Set<string>();
    for (const ref of await this.store.refs.list('datasets/')) {
      const name = ref.split('/')[1];
      if (name !== undefined) names.add(name);
    }
    return [...names].sort();
  }

  /** Branch name to head version id. */
  async branches(name: string): Promise<Record<string, string>> {
    return this.refsUnder(`datasets/${assertName('dataset', name)}/branches/`);
  }

  /** Tag name to version id. */
  async tags(name: string): Promise<Record<string, string>> {
    return this.refsUnder(`datasets/${assertName('dataset', name)}/tags/`);
  }

  private async refsUnder(prefix: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const ref of await this.store.refs.list(prefix)) {
      const value = await this.store.refs.get(ref);
      if (value !== undefined) out[ref.slice(prefix.length)] = value;
    }
    return out;
  }

  /**
   * Tags a version (default: head of `main`). Tags are immutable: tagging an existing tag gives
   * ConflictError unless `force` is set.
   */
  async tag(
    name: string,
    tag: string,
    reference: VersionRef = 'main',
    options: { force?: boolean } = {},
  ): Promise<Version> {
    const version = await this.resolve(name, reference);
    const ref = tagRef(name, tag);
    try {
      await this.store.refs.set(ref, version.id, options.force === true ? {} : { expected: null });
    } catch (error) {
      if (ConflictError.isInstance(error)) {
        throw new ConflictError(
          `Tag "${tag}" of dataset "${name}" already exists; pick another name or pass { force: true } to move it`,
          { cause: error },
        );
      }
      throw error;
    }
    return version;
  }

  /** Creates branch `branch` at a version (default: head of `main`). @throws ConflictError when it exists. */
  async branch(name: string, branch: string, from: VersionRef = 'main'): Promise<Version> {
    const version = await this.resolve(name, from);
    try {
      await this.store.refs.set(branchRef(name, branch), version.id, { expected: null });
    } catch (error) {
      if (ConflictError.isInstance(error)) {
        throw new ConflictError(
          `Branch "${branch}" of dataset "${name}" already exists; pick another name or delete it first`,
          { cause: error },
        );
      }
      throw error;
    }
    return version;
  }

  /** Deletes a branch ref (its versions stay in the store). Returns whether it existed. */
  deleteBranch(name: string, branch: string): Promise<boolean> {
    return this.store.refs.delete(branchRef(name, branch));
  }

  /** Deletes a tag. Returns whether it existed. */
  deleteTag(name: string, tag: string): Promise<boolean> {
    return this.store.refs.delete(tagRef(name, tag));
  }

  /**
   * Moves a branch to another version (for example to roll back), with compare-and-set against
   * `expected` when given. @throws ConflictError when the branch moved meanwhile.
   */
  async reset(
    name: string,
    branch: string,
    to: VersionRef,
    options: { expected?: string } = {},
  ): Promise<Version> {
    const version = await this.resolve(name, to);
    await this.store.refs.set(
      branchRef(name, branch),
      version.id,
      options.expected === undefined ? {} : { expected: options.expected },
    );
    return version;
  }

  /** A handle to read one version of a dataset. Nothing is read until a method is called. */
  dataset(name: string, reference: VersionRef = 'main'): DatasetHandle {
    assertName('dataset', name);
    return new DatasetHandle(this, name, reference, null);
  }

  /** Every blob digest that datasets in this store still use (manifests, Parquet files, profiles), for `store.gc({ keep })`. */
  async liveDigests(): Promise<Set<string>> {
    const live = new Set<string>();
    for (const ref of await this.store.refs.list('datasets/')) {
      let id = await this.store.refs.get(ref);
      while (id !== undefined && !live.has(id)) {
        live.add(id);
        const version: Version = await this.version(id);
        for (const file of version.files) live.add(file.digest);
        if (version.profile !== null) live.add(version.profile);
        id = version.parent ?? undefined;
      }
    }
    return live;
  }

  /** Schema, row count and per-column statistics changes from version `a` to `b`. */
  async diff(
    name: string,
    a: VersionRef,
    b: VersionRef,
    options: { drift?: DetectDriftOptions | false } = {},
  ): Promise<VersionDiff> {
    const [from, to] = await Promise.all([this.resolve(name, a), this.resolve(name, b)]);
    const fromColumns = new Map(from.schema.columns.map((column) => [column.name, column]));
    const toColumns = new Map(to.schema.columns.map((column) => [column.name, column]));
    const diff: VersionDiff = {
      a: from.id,
      b: to.id,
      schema: { added: [], removed: [], changed: [] },
      rows: { a: from.rowCount, b: to.rowCount, change: to.rowCount - from.rowCount },
      columns: {},
      drift: null,
    };
    for (const [column, definition] of toColumns) {
      const before = fromColumns.get(column);
      if (before === undefined) diff.schema.added.push(column);
      else if (JSON.stringify(before) !== JSON.stringify(definition))
        diff.schema.changed.push({ column, from: before, to: definition });
    }
    for (const column of fromColumns.keys())
      if (!toColumns.has(column)) diff.schema.removed.push(column);
    for (const column of new Set([...fromColumns.keys(), ...toColumns.keys()])) {
      const statsA = from.stats[column];
      const statsB = to.stats[column];
      const entry: ColumnDiff = {};
      if (statsA !== undefined) entry.a = statsA;
      if (statsB !== undefined) entry.b = statsB;
      if (statsA?.mean !== undefined && statsB?.mean !== undefined)
        entry.meanChange = statsB.mean - statsA.mean;
      if (statsA !== undefined && statsB !== undefined && from.rowCount > 0 && to.rowCount > 0) {
        entry.nullFractionChange = statsB.nulls / to.rowCount - statsA.nulls / from.rowCount;
      }
      if (statsA?.valueCounts !== undefined && statsB?.valueCounts !== undefined) {
        entry.categoriesAdded = Object.keys(statsB.valueCounts).filter(
          (key) => !(key in statsA.valueCounts!),
        );
        entry.categoriesRemoved = Object.keys(statsA.valueCounts).filter(
          (key) => !(key in statsB.valueCounts!),
        );
      }
      diff.columns[column] = entry;
    }
    if (options.drift !== false && from.profile !== null && to.profile !== null) {
      const shared = [...fromColumns.keys()].filter((column) => toColumns.has(column));
      const [profileA, profileB] = await Promise.all([
        this.readProfile(from.profile),
        this.readProfile(to.profile),
      ]);
      if (shared.length > 0 && profileA.rowCount > 0 && profileB.rowCount > 0) {
        diff.drift = detectDrift(profileA, profileB, { columns: shared, ...(options.drift ?? {}) });
      }
    }
    return diff;
  }

  private readProfile(digest: string): Promise<DatasetProfile> {
    return this.store.readJson<DatasetProfile>(digest);
  }

  private async storeProfile(
    mode: 'replace' | 'append',
    parentProfile: DatasetProfile | undefined,
    commitProfile: DatasetProfile | undefined,
    pin: Pin,
  ): Promise<string | null> {
    if (commitProfile === undefined) return null;
    const versionProfile =
      mode === 'append' && parentProfile !== undefined
        ? mergeProfiles(parentProfile, commitProfile)
        : commitProfile;
    return (await this.store.putJson(versionProfile, { pin })).digest;
  }

  /**
   * Commits data as a new version on a branch: writes Parquet into the store, computes
   * statistics, checks the schema and expectations, and moves the branch with compare-and-set.
   * Committing data identical to the branch head (same schema and bytes) returns the head and
   * stores nothing new.
   *
   * @throws ValidationError listing every schema violation and failed expectation (nothing is committed).
   * @throws ConflictError when another commit moved the branch (after `retries` rebases).
   */
  async commit(name: string, data: DataInput, options: CommitOptions = {}): Promise<Version> {
    assertName('dataset', name);
    const parsed = commitOptionsValidator.safeParse(options);
    if (!parsed.success)
      throw new ValidationError('Invalid commit options', fromZodIssues(parsed.error.issues));
    const branch = assertName('branch', options.branch ?? 'main');
    const mode = options.mode ?? 'replace';
    const ref = branchRef(name, branch);
    let head = await this.store.refs.get(ref);
    let parent = head === undefined ? undefined : await this.version(head);
    const explicitSchema =
      options.schema === undefined ? undefined : canonicalSchema(parseSchema(options.schema));
    const input = await openInput(data, options.csv);

    // Decide the schema: explicit, else the parent's (enforcement), else the input's.
    const iterator = input.chunks[Symbol.asyncIterator]();
    let first = await iterator.next();
    let schema = explicitSchema ?? parent?.schema ?? input.schema;
    if (schema === undefined) {
      if (first.done === true) {
        throw new ValidationError(
          'Cannot infer a schema from empty data; pass { schema } or commit at least one row',
        );
      }
      schema = input.infer(first.value);
    }
    schema = canonicalSchema(schema);
    if (mode === 'append' && parent !== undefined && !schemasEqual(schema, parent.schema)) {
      throw new ValidationError(
        `Append to "${name}" branch "${branch}" needs the parent's schema; commit with mode 'replace' to change the schema`,
      );
    }
    const expectations = parseExpectations(options.expectations ?? [], schema);

    const issues = new IssueCollector();
    const normalizer = new ChunkNormalizer(schema, issues);
    if (mode === 'append' && parent !== undefined && normalizer.uniqueColumns.length > 0) {
      // Uniqueness holds across the whole version, so the parent's keys count too.
      for await (const chunk of new DatasetHandle(this, name, parent.id, null).chunks({
        columns: normalizer.uniqueColumns,
      })) {
        for (const column of normalizer.uniqueColumns)
          normalizer.remember(column, chunk.columns[column]!);
      }
    }
    const stats = new StatsAccumulator(schema);
    const checker = new ExpectationChecker(expectations);
    const profiler = options.profile === false ? undefined : new ProfileAccumulator(schema);
    const folder = join(this.cacheDir, 'tmp');
    await mkdir(folder, { recursive: true });
    const writer = createFileSetWriter({
      folder,
      schema,
      ...(options.codec === undefined ? {} : { codec: options.codec }),
      ...(options.rowGroupRows === undefined ? {} : { rowGroupRows: options.rowGroupRows }),
      rowsPerFile: options.rowsPerFile ?? DEFAULT_ROWS_PER_FILE,
      threads: options.threads ?? defaultThreads(),
    });
    // Pinned from before the first blob is put until the branch ref names them, so a concurrent
    // store.gc() (even with graceMs 0) cannot remove a blob of this version.
    const pin = await this.store.pin();
    try {
      while (first.done !== true) {
        const raw: RawChunk = first.value;
        const chunk = normalizer.normalize(raw);
        if (issues.size === 0) {
          // With a profile, the statistics are read off it at the end (no second scan).
          if (profiler === undefined) stats.add(chunk);
          checker.add(chunk);
          profiler?.add(chunk);
          await writer.write(chunk);
        }
        first = await iterator.next();
      }
      const written = issues.size === 0 ? await writer.finish() : [];
      const enforcedFrom =
        explicitSchema === undefined && parent !== undefined
          ? ` (the schema of version ${parent.id}; pass { schema } to change it)`
          : '';
      if (issues.size > 0) {
        throw new ValidationError(
          `Commit to dataset "${name}" rejected: the data does not match the schema${enforcedFrom}; nothing was committed`,
          issues.toIssues(),
        );
      }
      const commitRows = normalizer.rows;
      const commitProfile = profiler?.finish();
      const commitStats =
        commitProfile === undefined ? stats.finish() : statsFromProfile(schema, commitProfile);
      const ownFiles: VersionFile[] = [];
      if (!(commitRows === 0 && mode === 'append')) {
        for (const file of written) {
          const sizeBytes = (await stat(file.path)).size;
          // The writer hashed the file as it wrote it: the store links it instead of copying.
          const blob = await this.store.putFile(file.path, {
            digest: file.sha256,
            link: true,
            pin,
          });
          await rename(file.path, join(this.cacheDir, `${hex(blob.digest)}.parquet`));
          ownFiles.push({ digest: blob.digest, rows: file.rows, sizeBytes });
        }
      }

      for (let attempt = 0; ; attempt++) {
        const versionStats = (() => {
          if (mode === 'replace' || parent === undefined) return commitStats;
          const merged = new StatsAccumulator(schema);
          merged.merge(parent.stats);
          merged.merge(commitStats);
          return merged.finish();
        })();
        const files =
          mode === 'append' && parent !== undefined ? [...parent.files, ...ownFiles] : ownFiles;
        const rowCount = files.reduce((sum, file) => sum + file.rows, 0);
        const parentProfile =
          parent?.profile === null || parent === undefined
            ? undefined
            : await this.readProfile(parent.profile);
        const failed = checker.finish(
          commitStats,
          commitRows,
          { rowCount, stats: versionStats },
          parent,
        );
        failed.push(...driftIssues(expectations, parentProfile, commitProfile));
        if (failed.length > 0) {
          throw new ValidationError(
            `Commit to dataset "${name}" rejected: ${failed.length} expectation(s) failed; fix the data or the expectations, nothing was committed`,
            failed,
          );
        }
        if (
          parent !== undefined &&
          schemasEqual(parent.schema, schema) &&
          JSON.stringify(parent.files) === JSON.stringify(files)
        ) {
          return parent;
        }
        const manifest: VersionManifest = {
          kind: 'mlinfra.dataset-version/v1',
          dataset: name,
          parent: parent?.id ?? null,
          branch,
          schema,
          rowCount,
          files,
          stats: versionStats,
          profile: await this.storeProfile(mode, parentProfile, commitProfile, pin),
          message: options.message ?? '',
          author: options.author ?? this.author,
          createdAt: new Date().toISOString(),
          mode,
          metadata: options.metadata ?? {},
        };
        const { digest } = await this.store.putJson(manifest, { pin });
        try {
          await this.store.refs.set(ref, digest, { expected: head ?? null });
          return this.version(digest);
        } catch (error) {
          if (!ConflictError.isInstance(error)) throw error;
          if (attempt >= (options.retries ?? 0)) {
            throw new ConflictError(
              `Branch "${branch}" of dataset "${name}" moved while committing (another commit landed first); retry the commit, or pass { retries } to rebase automatically`,
              { cause: error },
            );
          }
          head = await this.store.refs.get(ref);
          parent = head === undefined ? undefined : await this.version(head);
          if (parent !== undefined && mode === 'append' && !schemasEqual(parent.schema, schema)) {
            throw new ConflictError(
              `Branch "${branch}" of dataset "${name}" changed its schema meanwhile; the append no longer fits`,
              { cause: error },
            );
          }
        }
      }
    } finally {
      await writer.abort();
      await pin.release();
    }
  }
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

  /** The whole version as an Apache Arrow table (categories as dictionary vectors). */
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

/** Opens the versioned datasets of a store (default: `createStore()`, the default home). */
export function openDatasets(options: OpenDatasetsOptions = {}): Datasets {
  const store =
    options.store === undefined
      ? createStore()
      : typeof options.store === 'string'
        ? createStore(options.store)
        : options.store;
  if (!isStore(store))
    throw new ValidationError(
      'openDatasets({ store }) takes a Store from @mlinfra/core or a folder path',
    );
  const cacheDir =
    options.cacheDir ??
    (isAbsolute(store.location)
      ? join(store.location, 'cache', 'datasets')
      : join(tmpdir(), 'mlinfra-datasets-cache'));
  return new Datasets(store, cacheDir, currentActor(options.author));
}
