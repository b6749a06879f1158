import { assertRefName, parseSchema, type TableSchema, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import type { TableStats } from '../stats/column-stats.js';

/** One Parquet file of a version. */
export interface VersionFile {
  /** Blob digest (`sha256:...`) in the store. */
  digest: string;
  /** Rows in the file. */
  rows: number;
  /** File size in bytes. */
  sizeBytes: number;
}

/** The stored manifest of a dataset version (a JSON blob; its digest is the version id). */
export interface VersionManifest {
  /** Format marker. */
  kind: 'mlinfra.dataset-version/v1';
  /** Dataset name. */
  dataset: string;
  /** Parent version id, or null for the first commit of a branch's history. */
  parent: string | null;
  /** Branch the commit was made on. */
  branch: string;
  /** Schema of every file. */
  schema: TableSchema;
  /** Total rows. */
  rowCount: number;
  /** Parquet files, in row order. */
  files: VersionFile[];
  /** Per-column statistics of the whole version. */
  stats: TableStats;
  /** Digest of the `@mlinfra/drift` profile blob, or null when none was computed. */
  profile: string | null;
  /** Commit message. */
  message: string;
  /** Who committed, or null. */
  author: string | null;
  /** Commit time, ISO 8601. */
  createdAt: string;
  /** Whether the commit replaced the parent's rows or appended to them. */
  mode: 'replace' | 'append';
  /** Free-form string metadata given at commit. */
  metadata: Record<string, string>;
}

/** A dataset version: its manifest plus its id. */
export interface Version extends Omit<VersionManifest, 'kind' | 'createdAt'> {
  /** Version id: the manifest's digest, `sha256:<hex>`. */
  id: string;
  /** Commit time. */
  createdAt: Date;
}

const manifestValidator = z
  .object({
    kind: z.literal('mlinfra.dataset-version/v1'),
    dataset: z.string(),
    parent: z.string().nullable(),
    branch: z.string(),
    schema: z.unknown(),
    rowCount: z.number().int().min(0),
    files: z.array(
      z.object({
        digest: z.string(),
        rows: z.number().int().min(0),
        sizeBytes: z.number().int().min(0),
      }),
    ),
    stats: z.record(z.string(), z.unknown()),
    profile: z.string().nullable(),
    message: z.string(),
    author: z.string().nullable(),
    createdAt: z.string(),
    mode: z.enum(['replace', 'append']),
    metadata: z.record(z.string(), z.string()),
  })
  .passthrough();

/** Parses a stored manifest. @throws ValidationError when the blob is not a dataset manifest. */
export function parseManifest(id: string, value: unknown): Version {
  const result = manifestValidator.safeParse(value);
  if (!result.success) {
    throw new ValidationError(
      `Blob ${id} is not a dataset version manifest; pass a version id that commit() returned`,
    );
  }
  const { kind: _kind, createdAt, schema, ...rest } = result.data;
  return {
    ...(rest as unknown as Omit<Version, 'id' | 'createdAt' | 'schema'>),
    schema: parseSchema(schema),
    id,
    createdAt: new Date(createdAt),
  };
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._@+-]*$/;

/** Checks a dataset, branch or tag name (one ref segment). @throws ValidationError. */
export function assertName(kind: 'dataset' | 'branch' | 'tag', name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 200) {
    throw new ValidationError(
      `Invalid ${kind} name ${JSON.stringify(name)}; use letters, digits and . _ @ + - (starting with a letter, digit or _), at most 200 characters`,
    );
  }
  return name;
}

/** Ref name of a branch. */
export function branchRef(dataset: string, branch: string): string {
  return assertRefName(
    `datasets/${assertName('dataset', dataset)}/branches/${assertName('branch', branch)}`,
  );
}

/** Ref name of a tag. */
export function tagRef(dataset: string, tag: string): string {
  return assertRefName(`datasets/${assertName('dataset', dataset)}/tags/${assertName('tag', tag)}`);
}
