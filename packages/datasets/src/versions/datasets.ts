// Versioned datasets in a store: version lookup, branches and tags, diff, and commit (whose
// steps live in commit-schema.ts, commit-ingest.ts and commit-publish.ts).
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import {
  ConflictError,
  createStore,
  currentActor,
  isDigest,
  isStore,
  NotFoundError,
  parseOptions,
  parseSchema,
  type Store,
  ValidationError,
} from '@mlinfra/core';
import { type DataInput, openInput } from '../io/sources.js';
import { checkExpectationColumns } from '../validation/expectations.js';
import { CommitIngest, createCommitWriter, storeWrittenFiles } from './commit-ingest.js';
import {
  type CommitOptions,
  commitOptionsSchema,
  type OpenDatasetsOptions,
  openDatasetsOptionsSchema,
} from './commit-options.js';
import { publishVersion } from './commit-publish.js';
import { canonicalSchema, resolveCommitSchema } from './commit-schema.js';
import { DatasetHandle, type VersionRef } from './dataset-handle.js';
import { type DiffOptions, diffVersions, type VersionDiff } from './diff.js';
import { assertName, branchRef, parseManifest, tagRef, type Version } from './manifest.js';

export type { CommitOptions, OpenDatasetsOptions } from './commit-options.js';
export { DatasetHandle, type ReadOptions, type VersionRef } from './dataset-handle.js';
export type { ColumnDiff, DiffOptions, VersionDiff } from './diff.js';

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
    const entries: Array<[string, string]> = [];
    for (const ref of await this.store.refs.list(prefix)) {
      const value = await this.store.refs.get(ref);
      if (value !== undefined) entries.push([ref.slice(prefix.length), value]);
    }
    // fromEntries defines own properties, so a tag named `__proto__` is listed like any other.
    return Object.fromEntries(entries);
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
    options: DiffOptions = {},
  ): Promise<VersionDiff> {
    const [from, to] = await Promise.all([this.resolve(name, a), this.resolve(name, b)]);
    return diffVersions(this.store, from, to, options);
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
    parseOptions(commitOptionsSchema, options, 'commit options');
    const branch = assertName('branch', options.branch ?? 'main');
    const mode = options.mode ?? 'replace';
    const head = await this.store.refs.get(branchRef(name, branch));
    const parent = head === undefined ? undefined : await this.version(head);
    const explicit =
      options.schema === undefined ? undefined : canonicalSchema(parseSchema(options.schema));
    const input = await openInput(data, options.csv);
    const iterator = input.chunks[Symbol.asyncIterator]();
    const first = await iterator.next();
    const schema = resolveCommitSchema({
      explicit,
      parent,
      input,
      first,
      mode,
      label: `"${name}" branch "${branch}"`,
    });
    const expectations = checkExpectationColumns(options.expectations ?? [], schema);

    const ingest = new CommitIngest(schema, expectations, options.profile !== false);
    if (mode === 'append' && parent !== undefined && ingest.uniqueColumns.length > 0) {
      // Uniqueness holds across the whole version, so the parent's keys count too.
      await ingest.rememberKeys(
        new DatasetHandle(this, name, parent.id, null).chunks({ columns: ingest.uniqueColumns }),
      );
    }
    const writer = await createCommitWriter(this.cacheDir, schema, options);
    // Pinned from before the first blob is put until the branch ref names them, so a concurrent
    // store.gc() (even with graceMs 0) cannot remove a blob of this version.
    const pin = await this.store.pin();
    try {
      const written = await ingest.run(first, iterator, writer);
      if (ingest.issues.size > 0) {
        const enforcedFrom =
          explicit === undefined && parent !== undefined
            ? ` (the schema of version ${parent.id}; pass { schema } to change it)`
            : '';
        throw new ValidationError(
          `Commit to dataset "${name}" rejected: the data does not match the schema${enforcedFrom}; nothing was committed`,
          ingest.issues.toIssues(),
        );
      }
      const ingested = ingest.finish();
      const files =
        ingested.rows === 0 && mode === 'append'
          ? []
          : await storeWrittenFiles(this.store, written, pin, this.cacheDir);
      return await publishVersion({
        store: this.store,
        version: (id) => this.version(id),
        name,
        branch,
        mode,
        schema,
        head,
        parent,
        data: ingested,
        files,
        checker: ingest.checker,
        expectations,
        message: options.message ?? '',
        author: options.author ?? this.author,
        metadata: options.metadata ?? {},
        retries: options.retries ?? 0,
        pin,
      });
    } finally {
      await writer.abort();
      await pin.release();
    }
  }
}

/** Opens the versioned datasets of a store (default: `createStore()`, the default home). */
export function openDatasets(options: OpenDatasetsOptions = {}): Datasets {
  parseOptions(openDatasetsOptionsSchema, options, 'openDatasets() options');
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
