import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createStore, NotFoundError, type Store } from '@mlinfra/core';
import type { Datasets } from '@mlinfra/datasets';
import type { Registry } from '@mlinfra/registry';
import type { CommandContext } from './output.js';

/** The home folder: `--home`, else `$MLINFRA_HOME`, else `./.mlinfra` (as every mlinfra package). */
export function resolveHome(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  const chosen = option ?? env.MLINFRA_HOME;
  return resolve(cwd, chosen === undefined || chosen === '' ? '.mlinfra' : chosen);
}

/**
 * Where blobs and refs live: `--store`, else `$MLINFRA_STORE` (a folder, or `s3://bucket/prefix`
 * with refs in the database), else the home folder.
 */
export function resolveStoreLocation(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string | undefined {
  const chosen = option ?? env.MLINFRA_STORE;
  if (chosen === undefined || chosen === '') return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(chosen) ? chosen : resolve(cwd, chosen);
}

/** The registry database: `--database`, else `$MLINFRA_DATABASE_URL`, else `<home>/registry.db`. */
export function resolveDatabase(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const chosen = option ?? env.MLINFRA_DATABASE_URL;
  return chosen === undefined || chosen === '' ? undefined : chosen;
}

/** Whether state lives somewhere other than the home folder (a store or database was named). */
function isShared(context: CommandContext): boolean {
  return context.store !== undefined || context.database !== undefined;
}

/** Fails when the home does not exist, for commands that only read. */
export function requireHome(context: CommandContext): void {
  if (isShared(context)) return;
  if (!existsSync(context.home)) {
    throw new NotFoundError(
      `No mlinfra home at ${context.home}; pass --home <dir> or set MLINFRA_HOME to the folder that holds blobs/ and registry.db (commit a dataset or train a model to create one)`,
    );
  }
}

const POSTGRES = /^postgres(ql)?:\/\//i;

/**
 * The core store: blobs in `--store` (a folder or `s3://bucket/prefix`), else the home; refs in
 * the PostgreSQL `--database` when one is named (shared by every machine), else beside the blobs.
 */
export function openStore(context: CommandContext): Store {
  const blobs = context.store ?? context.home;
  const database = context.database;
  if (database !== undefined && POSTGRES.test(database)) {
    return createStore({ blobs, refs: database });
  }
  return createStore(/^s3:\/\//i.test(blobs) ? { blobs } : blobs);
}

/** The versioned datasets of the home. */
export async function openHomeDatasets(context: CommandContext): Promise<Datasets> {
  const { openDatasets } = await import('@mlinfra/datasets');
  return openDatasets({ store: openStore(context) });
}

/**
 * Opens the registry (`--database`, `$MLINFRA_DATABASE_URL`, else `<home>/registry.db`), recording
 * `actor` in its audit log when given (else the one rule of `currentActor`).
 */
export async function openRegistryAs(context: CommandContext, actor?: string): Promise<Registry> {
  const { openRegistry } = await import('@mlinfra/registry');
  return openRegistry({
    database: context.database ?? join(context.home, 'registry.db'),
    store: openStore(context),
    ...(actor === undefined ? {} : { actor }),
  });
}

/** Runs `action` with the home's registry open, and closes it after. */
export async function withRegistry<T>(
  context: CommandContext,
  action: (registry: Registry) => Promise<T>,
  { create = false }: { create?: boolean } = {},
): Promise<T> {
  const path = context.database ?? join(context.home, 'registry.db');
  if (!create && context.database === undefined && !existsSync(path)) {
    throw new NotFoundError(
      `No registry at ${path}; pass --home <dir> or set MLINFRA_HOME to the home that holds registry.db (mlinfra train creates one)`,
    );
  }
  const registry = await openRegistryAs(context);
  try {
    return await action(registry);
  } finally {
    await registry.close();
  }
}
