import { isStore, type Store } from '@mlinfra/core';
import { z } from 'zod';
import type { SqlDriver } from '../driver/sql-driver.js';

const positiveMs = (name: string) =>
  z
    .number()
    .refine(
      (value) => Number.isFinite(value) && value >= 0,
      `${name} must be a number of milliseconds >= 0`,
    );

/** Zod schema of {@link RegistryOptions}. */
export const registryOptionsSchema = z.strictObject({
  database: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  driver: z
    .custom<SqlDriver>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as SqlDriver).transaction === 'function' &&
        typeof (value as SqlDriver).all === 'function',
      'driver must implement SqlDriver (all, get, run, transaction, exec, close)',
    )
    .optional(),
  store: z
    .union([
      z.string().min(1),
      z.custom<Store>(
        (value) => isStore(value),
        'store must be a Store from createStore() or a folder path',
      ),
    ])
    .optional(),
  actor: z.string().min(1).max(250).optional(),
  busyTimeoutMs: positiveMs('busyTimeoutMs').optional(),
  pollIntervalMs: positiveMs('pollIntervalMs')
    .refine((value) => value >= 1, 'pollIntervalMs must be at least 1')
    .optional(),
  metricBatchSize: z.number().int().min(1).max(1_000_000).optional(),
  metricFlushIntervalMs: positiveMs('metricFlushIntervalMs').optional(),
  verifyArtifacts: z.union([z.boolean(), z.literal('hash')]).optional(),
  readonly: z.boolean().optional(),
});

/** Options of {@link openRegistry}. */
export interface RegistryOptions {
  /**
   * Where the metadata lives: a `postgres://user:password@host:5432/db` URL (PostgreSQL through
   * the optional peer `pg`; `sslmode` and the other URL parameters pass through to it), a SQLite
   * file path, `sqlite:<path>`, `file:<path>` or `:memory:`. Default `$MLINFRA_DATABASE_URL`,
   * else `$MLINFRA_HOME/registry.db` (`./.mlinfra/registry.db` when MLINFRA_HOME is unset).
   */
  database?: string;
  /** The same as `database` (its older name). */
  url?: string;
  /** A metadata driver to use instead of `url` (for example a PostgreSQL driver). */
  driver?: SqlDriver;
  /**
   * The core store for artifacts, or its location (a folder, or what `createStore()` takes).
   * Default: the folder of the SQLite file when `database` names one, else `$MLINFRA_STORE` (a
   * folder or `s3://...`), else `$MLINFRA_HOME` (`./.mlinfra`).
   */
  store?: Store | string;
  /** Who is making changes, recorded in the audit log. Default `$MLINFRA_ACTOR`, else the OS user name. */
  actor?: string;
  /** How long to wait for another process's write lock, in milliseconds. Default 10000. */
  busyTimeoutMs?: number;
  /**
   * How often watchers look for changes made by other processes, in milliseconds. Default 100,
   * so another process's change reaches a watcher within about 100 ms plus one query. Changes
   * made through the same registry instance reach its watchers at once.
   */
  pollIntervalMs?: number;
  /** A run writes its buffered metric points when this many are waiting. Default 1000. */
  metricBatchSize?: number;
  /** A run writes its buffered metric points at most this long after the first, in milliseconds. Default 1000. */
  metricFlushIntervalMs?: number;
  /**
   * How `registerModel` checks an artifact given by digest. `true` (default): the store must hold
   * it and its size must equal a size given with it (`{ digest, size }`); the bytes are not read
   * (the store named the blob by the SHA-256 of the bytes it received, and every read verifies
   * them), asked once per artifact per process (blobs are immutable, and the registry's ref keeps
   * `store.gc()` off them). `'hash'`: also read the blob back and re-hash it, an IntegrityError when its bytes
   * changed at rest (costs a full read per registration). `false`: trust a size given with the
   * digest without asking the store.
   */
  verifyArtifacts?: boolean | 'hash';
  /** Open the database read-only (SQLite: the file; PostgreSQL: read-only transactions). Default false. */
  readonly?: boolean;
}
