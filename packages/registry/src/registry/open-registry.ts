import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore, currentActor, MlinfraError, type Store } from '@mlinfra/core';
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

/** Turns `url` into a SQLite file path (or `:memory:`). */
function sqlitePath(url: string | undefined): { path: string; folder: string | undefined } {
  if (url === undefined) return { path: join(home(), 'registry.db'), folder: home() };
  if (/^postgres(ql)?:\/\//i.test(url)) {
    throw new MlinfraError(
      'The PostgreSQL backend of @mlinfra/registry is not released yet; use a SQLite path (the default) or pass your own { driver } implementing SqlDriver',
      'UNSUPPORTED',
    );
  }
  let path = url;
  if (/^sqlite:/i.test(path)) path = path.replace(/^sqlite:(\/\/)?/i, '');
  else if (/^file:/i.test(path)) path = fileURLToPath(path);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new MlinfraError(
      `Unsupported registry url ${JSON.stringify(url)}; give a SQLite file path, "sqlite:<path>", "file:<path>" or ":memory:"`,
      'UNSUPPORTED',
    );
  }
  if (path === ':memory:') return { path, folder: undefined };
  const absolute = resolve(path);
  return { path: absolute, folder: dirname(absolute) };
}

/**
 * Opens a registry: metadata in SQLite (WAL, busy timeout) at `url` (default
 * `$MLINFRA_HOME/registry.db`), artifacts in the core store. Creates or migrates the schema.
 * Close it with `registry.close()`.
 *
 * @throws ValidationError for bad options; MlinfraError `UNSUPPORTED` for a `postgres://` url.
 *
 * @example
 * ```ts
 * const registry = await openRegistry();
 * const run = await registry.startRun({ experiment: 'churn', params: { lr: 0.01 } });
 * await run.logMetrics({ val_auc: 0.91 }, { step: 1 });
 * await run.end();
 * ```
 */
export async function openRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const checked = parseOptions(registryOptionsSchema, options, 'openRegistry() options');
  const busyTimeoutMs = checked.busyTimeoutMs ?? 10_000;
  let driver: SqlDriver;
  let folder: string | undefined;
  if (checked.driver !== undefined) driver = checked.driver;
  else {
    const location = sqlitePath(checked.url);
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
      : createStore(checked.store ?? folder ?? home());
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
