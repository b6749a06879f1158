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

/** Fails when the home does not exist, for commands that only read. */
export function requireHome(context: CommandContext): void {
  if (!existsSync(context.home)) {
    throw new NotFoundError(
      `No mlinfra home at ${context.home}; pass --home <dir> or set MLINFRA_HOME to the folder that holds blobs/ and registry.db (commit a dataset or train a model to create one)`,
    );
  }
}

/** The core store of the home. */
export function openStore(context: CommandContext): Store {
  return createStore(context.home);
}

/** The versioned datasets of the home. */
export async function openHomeDatasets(context: CommandContext): Promise<Datasets> {
  const { openDatasets } = await import('@mlinfra/datasets');
  return openDatasets({ store: openStore(context) });
}

/** Runs `action` with the home's registry open, and closes it after. */
export async function withRegistry<T>(
  context: CommandContext,
  action: (registry: Registry) => Promise<T>,
  { create = false }: { create?: boolean } = {},
): Promise<T> {
  const path = join(context.home, 'registry.db');
  if (!create && !existsSync(path)) {
    throw new NotFoundError(
      `No registry at ${path}; pass --home <dir> or set MLINFRA_HOME to the home that holds registry.db (mlinfra train creates one)`,
    );
  }
  const { openRegistry } = await import('@mlinfra/registry');
  const registry = await openRegistry({ url: path, store: context.home });
  try {
    return await action(registry);
  } finally {
    await registry.close();
  }
}
