import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createStore,
  currentActor,
  MlinfraError,
  redactUrl,
  type Store,
  ValidationError,
} from '@mlinfra/core';
import { openPostgresDriver } from '../driver/postgres-driver.js';
import { migrate } from '../driver/schema.js';
import type { SqlDriver } from '../driver/sql-driver.js';
import { openSqliteDriver } from '../driver/sqlite-driver.js';
import { EventHub } from '../events/event-hub.js';
import { parseOptions } from '../internal/validate.js';
import { type RegistryOptions, registryOptionsSchema } from './options.js';
import { Registry } from './registry.js';

function home(): string {
  return resolve(process.env.MLINFRA_HOME ?? './.mlinfra');
}

/**
 * Where artifacts go when `store` is a location or absent: the `store` option, else the SQLite
 * file's folder, else `$MLINFRA_STORE` (a folder or `s3://...`, read by core), else `$MLINFRA_HOME`.
 */
function storeLocation(option: string | undefined, folder: string | undefined): string | undefined {
  if (option !== undefined) return option;
  if (folder !== undefined) return folder;
  const fromEnvironment = process.env.MLINFRA_STORE;
  return fromEnvironment !== undefined && fromEnvironment.length > 0 ? undefined : home();
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** Turns `url` into a SQLite file path (or `:memory:`). */
function sqlitePath(url: string | undefined): { path: string; folder: string | undefined } {
  if (url === undefined) return { path: join(home(), 'registry.db'), folder: home() };
  let path = url;
  if (/^sqlite:/i.test(path)) path = path.replace(/^sqlite:(\/\/)?/i, '');
  else if (/^file:/i.test(path)) path = fileURLToPath(path);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new MlinfraError(
      `Unsupported registry database ${JSON.stringify(redactUrl(url))}; give a postgres:// URL, a SQLite file path, "sqlite:<path>", "file:<path>" or ":memory:"`,
      'UNSUPPORTED',
    );
  }
  if (path === ':memory:') return { path, folder: undefined };
  const absolute = resolve(path);
  return { path: absolute, folder: dirname(absolute) };
}

/** The database to open: the `database` or `url` option, else `$MLINFRA_DATABASE_URL`. */
function databaseOf(checked: { database?: string | undefined; url?: string | undefined }) {
  if (checked.database !== undefined && checked.url !== undefined) {
    throw new ValidationError(
      'openRegistry() takes database or url (the same option under its older name), not both; keep database',
    );
  }
  const fromEnvironment = process.env.MLINFRA_DATABASE_URL;
  return (
    checked.database ??
    checked.url ??
    (fromEnvironment !== undefined && fromEnvironment.length > 0 ? fromEnvironment : undefined)
  );
}

/**
 * Opens a registry: metadata in SQLite (WAL, busy timeout) at `database` (default
 * `$MLINFRA_DATABASE_URL`, else `$MLINFRA_HOME/registry.db`) or in PostgreSQL for a
 * `postgres://` URL (the optional peer `pg`), artifacts in the core store. Creates or migrates
 * the schema. Close it with `registry.close()`.
 *
 * @throws ValidationError for bad options; MissingDependencyError when a `postgres://` database
 * is given and `pg` is not installed; MlinfraError `UNAVAILABLE` when PostgreSQL cannot be reached
 * (the URL's password never appears in a message).
 *
 * @example
 * ```ts
 * const registry = await openRegistry(); // or openRegistry({ database: 'postgres://user:pass@host/db' })
 * const run = await registry.startRun({ experiment: 'churn', params: { lr: 0.01 } });
 * await run.logMetrics({ val_auc: 0.91 }, { step: 1 });
 * await run.end();
 * ```
 */
export async function openRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const checked = parseOptions(registryOptionsSchema, options, 'openRegistry() options');
  const busyTimeoutMs = checked.busyTimeoutMs ?? 10_000;
  const database = checked.driver === undefined ? databaseOf(checked) : undefined;
  let driver: SqlDriver;
  let folder: string | undefined;
  if (checked.driver !== undefined) driver = checked.driver;
  else if (database !== undefined && POSTGRES_URL.test(database)) {
    driver = await openPostgresDriver(database, {
      busyTimeoutMs,
      readonly: checked.readonly ?? false,
      maxConnections: 10,
    });
  } else {
    const location = sqlitePath(database);
    folder = location.folder;
    if (folder !== undefined && checked.readonly !== true) mkdirSync(folder, { recursive: true });
    driver = openSqliteDriver(location.path, {
      busyTimeoutMs,
      readonly: checked.readonly ?? false,
    });
  }
  try {
    if (checked.readonly !== true) await migrate(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  const store: Store =
    typeof checked.store === 'object'
      ? checked.store
      : createStore(storeLocation(checked.store, folder));
  return new Registry({
    driver,
    store,
    hub: new EventHub(driver, checked.pollIntervalMs ?? 100),
    actor: checked.actor ?? currentActor(),
    metricBatchSize: checked.metricBatchSize ?? 1000,
    metricFlushIntervalMs: checked.metricFlushIntervalMs ?? 1000,
    verifyArtifacts: checked.verifyArtifacts ?? true,
  });
}
