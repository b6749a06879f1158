import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openRegistry, type Registry, type RegistryOptions } from '../index.js';
import { backend, freshDatabase } from './test-database.js';

/**
 * A registry on a fresh database (SQLite or PostgreSQL, see test-database.ts) with its store in a
 * fresh temporary folder; `database` reopens it; `cleanup` closes it and removes the folder.
 */
export async function temporaryRegistry(options: RegistryOptions = {}): Promise<{
  registry: Registry;
  folder: string;
  database: string;
  cleanup: () => Promise<void>;
}> {
  const folder = mkdtempSync(join(tmpdir(), 'mlinfra-registry-'));
  const database = await freshDatabase(folder);
  const registry = await openRegistry({
    url: database,
    actor: 'tester',
    // SQLite keeps artifacts next to its file by default; PostgreSQL has no folder.
    ...(backend === 'postgres' ? { store: folder } : {}),
    ...options,
  });
  return {
    registry,
    folder,
    database,
    cleanup: async () => {
      await registry.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * Gives each test of the calling file a fresh {@link temporaryRegistry} (beforeEach/afterEach);
 * read `current.registry`, `current.folder` and `current.database` inside a test.
 */
export function registryPerTest(options: RegistryOptions = {}): {
  registry: Registry;
  folder: string;
  database: string;
} {
  const current = {} as { registry: Registry; folder: string; database: string };
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const made = await temporaryRegistry(options);
    Object.assign(current, made);
    cleanup = made.cleanup;
  });
  afterEach(async () => {
    await cleanup?.();
  });
  return current;
}
