import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseOptions, ValidationError } from '../errors/index.js';
import type { StoreBackend } from './backend.js';
import { combineBackends } from './combined-backend.js';
import { FileBackend } from './file-backend.js';
import type { ModuleImporter } from './internal/optional-peer.js';
import { PostgresRefBackend } from './postgres-refs.js';
import { redactUrl } from './redact-url.js';
import { S3BlobBackend } from './s3-backend.js';

const MIB = 1 << 20;

const s3Schema = z.strictObject({
  /** Endpoint of S3-compatible storage; default AWS (or `AWS_ENDPOINT_URL_S3`). */
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  /** Region; default `AWS_REGION`, else `us-east-1`. */
  region: z.string().min(1).optional(),
  /** Path-style addressing; default true when an endpoint is set. */
  forcePathStyle: z.boolean().optional(),
  /** Access keys; default the AWS SDK's chain (environment, shared config, instance role). */
  credentials: z
    .strictObject({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
    })
    .optional(),
  /** Multipart part size in bytes, 5 MiB to 5 GiB; default 8 MiB. */
  partSizeBytes: z
    .number()
    .int()
    .min(5 * MIB)
    .max(5 * 1024 * MIB)
    .optional(),
  /** Parts uploaded at once, 1 to 64; default 2. Memory is about (this + 1) x part size. */
  concurrency: z.number().int().min(1).max(64).optional(),
  /** Tries per request, 1 to 20; default 3. */
  maxAttempts: z.number().int().min(1).max(20).optional(),
});

const postgresSchema = z.strictObject({
  /** Pool size, 1 to 1000; default 10. */
  maxConnections: z.number().int().min(1).max(1000).optional(),
  /** Connect timeout in milliseconds; default 10000. */
  connectionTimeoutMs: z.number().int().positive().optional(),
  /** TLS settings for `pg`, used when the URL has no `sslmode`. */
  ssl: z
    .strictObject({
      ca: z.string().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      rejectUnauthorized: z.boolean().optional(),
      servername: z.string().optional(),
    })
    .optional(),
});

const storeOptionsSchema = z.strictObject({
  /** Where blobs live: a folder, a `file://` URL, or `s3://bucket/optional/prefix`. */
  blobs: z.string().min(1, 'give a folder path or an s3://bucket/prefix URL'),
  /**
   * Where refs live: `postgres://user:password@host:5432/database` (TLS through `sslmode` and
   * `sslrootcert` in the URL). Default: in the blobs folder; for S3 blobs, `MLINFRA_DATABASE_URL`.
   */
  refs: z
    .string()
    .regex(/^postgres(ql)?:\/\//i, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** S3 connection settings, for `s3://` blobs. */
  s3: s3Schema.optional(),
  /** PostgreSQL pool and TLS settings, for `postgres://` refs. */
  postgres: postgresSchema.optional(),
});

/**
 * Where a store keeps its data, for {@link createStore}. A single machine needs only `blobs`
 * (a folder); several machines share `blobs: 's3://bucket/prefix'` and
 * `refs: 'postgres://...'`.
 *
 * @example
 * ```ts
 * createStore({
 *   blobs: 's3://ml-artifacts/team-a',
 *   refs: 'postgres://mlinfra:secret@db.internal:5432/mlinfra?sslmode=verify-full',
 *   s3: { endpoint: 'https://minio.internal:9000' },
 * });
 * ```
 */
export type StoreOptions = z.input<typeof storeOptionsSchema>;

/** Environment variable naming the blob location (a folder or `s3://bucket/prefix`). */
export const STORE_ENV = 'MLINFRA_STORE';
/** Environment variable naming the PostgreSQL database for refs (and the registry). */
export const DATABASE_URL_ENV = 'MLINFRA_DATABASE_URL';

function fromEnvironment(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

function folderOf(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    const url = new URL(location);
    if (url.protocol === 'file:') return fileURLToPath(url);
    throw new ValidationError(
      `Unsupported blob location ${redactUrl(location)}; use a folder path, a file:// URL or s3://bucket/prefix (refs go in { refs: 'postgres://...' })`,
    );
  }
  return resolve(location);
}

/** The options `createStore()` uses when given nothing: the environment, else `./.mlinfra`. */
export function optionsFromEnvironment(): StoreOptions {
  const blobs = fromEnvironment(STORE_ENV) ?? fromEnvironment('MLINFRA_HOME') ?? './.mlinfra';
  const refs = fromEnvironment(DATABASE_URL_ENV);
  return refs === undefined ? { blobs } : { blobs, refs };
}

/**
 * Builds the backend for a location or options object: a {@link FileBackend} for a folder, or
 * blobs and refs from separate places joined by {@link combineBackends}.
 * @throws ValidationError for malformed options, a `postgres://` URL given as blobs, or S3 blobs
 * with no PostgreSQL for refs.
 */
export function backendFor(
  location: string | URL | StoreOptions | undefined,
  importer?: ModuleImporter,
): StoreBackend {
  if (location === undefined) return backendFor(optionsFromEnvironment(), importer);
  if (location instanceof URL) return backendFor({ blobs: location.toString() }, importer);
  if (typeof location === 'string') {
    if (location.length === 0) {
      throw new ValidationError(
        'The store location is empty; give a folder path, or nothing to use $MLINFRA_STORE or ./.mlinfra',
      );
    }
    return backendFor({ blobs: location }, importer);
  }
  const options = parseOptions(storeOptionsSchema, location, 'createStore() options');
  if (options.blobs.startsWith('s3://')) {
    const refs = options.refs ?? fromEnvironment(DATABASE_URL_ENV);
    if (refs === undefined) {
      throw new ValidationError(
        `Blobs on ${redactUrl(options.blobs)} need refs in PostgreSQL (S3 alone cannot do compare-and-set everywhere): give { refs: 'postgres://user:password@host/database' } or set ${DATABASE_URL_ENV}`,
      );
    }
    return combineBackends(
      new S3BlobBackend(options.blobs, options.s3, importer),
      new PostgresRefBackend(refs, options.postgres, importer),
    );
  }
  if (options.s3 !== undefined) {
    throw new ValidationError(
      `The s3 options apply to s3:// blobs, but blobs is ${redactUrl(options.blobs)}; remove s3 or use s3://bucket/prefix`,
    );
  }
  if (/^postgres(ql)?:\/\//i.test(options.blobs)) {
    throw new ValidationError(
      `blobs is ${redactUrl(options.blobs)}, a PostgreSQL URL; PostgreSQL holds refs: give { blobs: 's3://bucket/prefix' or a folder, refs: '${redactUrl(options.blobs)}' }`,
    );
  }
  const files = new FileBackend(folderOf(options.blobs));
  if (options.refs === undefined) {
    if (options.postgres !== undefined) {
      throw new ValidationError(
        'The postgres options apply to postgres:// refs; give { refs: "postgres://..." } or remove postgres',
      );
    }
    return files;
  }
  return combineBackends(files, new PostgresRefBackend(options.refs, options.postgres, importer));
}
