import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry, type Registry, type RegistryOptions } from '../index.js';

/** A registry in a fresh temporary folder; `cleanup` closes it and removes the folder. */
export async function temporaryRegistry(
  options: RegistryOptions = {},
): Promise<{ registry: Registry; folder: string; cleanup: () => Promise<void> }> {
  const folder = mkdtempSync(join(tmpdir(), 'mlinfra-registry-'));
  const registry = await openRegistry({
    url: join(folder, 'registry.db'),
    actor: 'tester',
    ...options,
  });
  return {
    registry,
    folder,
    cleanup: async () => {
      await registry.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
