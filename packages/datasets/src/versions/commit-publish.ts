// Publishing a commit: builds the version manifest and moves the branch with compare-and-set;
// when another commit landed first, rebases onto the new head (checking the expectations again)
// up to `retries` times.
import {
  ConflictError,
  type Pin,
  type Store,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import { type DatasetProfile, mergeProfiles } from '@mlinfra/drift';
import { StatsAccumulator } from '../stats/column-stats.js';
import {
  driftIssues,
  type Expectation,
  type ExpectationChecker,
} from '../validation/expectations.js';
import type { IngestedData } from './commit-ingest.js';
import { schemasEqual } from './commit-schema.js';
import { branchRef, type Version, type VersionFile, type VersionManifest } from './manifest.js';

/** Everything the publishing step needs. */
export interface PublishRequest {
  store: Store;
  /** Reads a version manifest (cached). */
  version(id: string): Promise<Version>;
  name: string;
  branch: string;
  mode: 'replace' | 'append';
  schema: TableSchema;
  /** The branch head the commit started from, and its version. */
  head: string | undefined;
  parent: Version | undefined;
  /** The commit's own data and the files it was written to (already in the store). */
  data: IngestedData;
  files: VersionFile[];
  checker: ExpectationChecker;
  expectations: readonly Expectation[];
  message: string;
  author: string | null;
  metadata: Record<string, string>;
  retries: number;
  /** Holds every blob put until the branch ref names the manifest; the caller releases it. */
  pin: Pin;
}

/**
 * Publishes the commit as a new version of the branch and returns it; returns the parent when
 * the data is identical to it (same schema and files).
 * @throws ValidationError when an expectation fails (on the first try or after a rebase).
 * @throws ConflictError when the branch moved more than `retries` times, or an append no longer fits.
 */
export async function publishVersion(request: PublishRequest): Promise<Version> {
  const { store, name, branch, mode, schema, data, pin } = request;
  const ref = branchRef(name, branch);
  let { head, parent } = request;
  for (let attempt = 0; ; attempt++) {
    const versionStats = (() => {
      if (mode === 'replace' || parent === undefined) return data.stats;
      const merged = new StatsAccumulator(schema);
      merged.merge(parent.stats);
      merged.merge(data.stats);
      return merged.finish();
    })();
    const files =
      mode === 'append' && parent !== undefined
        ? [...parent.files, ...request.files]
        : request.files;
    const rowCount = files.reduce((sum, file) => sum + file.rows, 0);
    const parentProfile =
      parent?.profile === null || parent === undefined
        ? undefined
        : await store.readJson<DatasetProfile>(parent.profile);
    const failed = request.checker.finish(
      data.stats,
      data.rows,
      { rowCount, stats: versionStats },
      parent,
    );
    failed.push(...driftIssues(request.expectations, parentProfile, data.profile));
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
      profile: await storeProfile(store, mode, parentProfile, data.profile, pin),
      message: request.message,
      author: request.author,
      createdAt: new Date().toISOString(),
      mode,
      metadata: request.metadata,
    };
    const { digest } = await store.putJson(manifest, { pin });
    try {
      await store.refs.set(ref, digest, { expected: head ?? null });
      return request.version(digest);
    } catch (error) {
      if (!ConflictError.isInstance(error)) throw error;
      if (attempt >= request.retries) {
        throw new ConflictError(
          `Branch "${branch}" of dataset "${name}" moved while committing (another commit landed first); retry the commit, or pass { retries } to rebase automatically`,
          { cause: error },
        );
      }
      head = await store.refs.get(ref);
      parent = head === undefined ? undefined : await request.version(head);
      if (parent !== undefined && mode === 'append' && !schemasEqual(parent.schema, schema)) {
        throw new ConflictError(
          `Branch "${branch}" of dataset "${name}" changed its schema meanwhile; the append no longer fits`,
          { cause: error },
        );
      }
    }
  }
}

/** Stores the version's profile (an append merges the parent's) under `pin`; null without one. */
async function storeProfile(
  store: Store,
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
  return (await store.putJson(versionProfile, { pin })).digest;
}
