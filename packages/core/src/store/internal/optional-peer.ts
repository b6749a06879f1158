import { MissingDependencyError } from '../../errors/index.js';

/** Imports a module by name; replaced in tests to simulate a missing optional peer. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** The real `import()`, kept out of bundlers' static analysis. */
export const defaultImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

function isNotInstalled(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (package|module)|Failed to (load|resolve)/.test(String(error))
  );
}

/**
 * Imports an optional peer dependency. A missing package becomes a MissingDependencyError that
 * names `install` (the command) and what it is needed for; other import failures pass through.
 */
export async function importPeer<T>(
  specifier: string,
  install: string,
  purpose: string,
  importer: ModuleImporter,
): Promise<T> {
  try {
    return (await importer(specifier)) as T;
  } catch (error) {
    if (!isNotInstalled(error)) throw error;
    throw new MissingDependencyError(
      `Cannot import "${specifier}". Install it to use ${purpose}: \`${install}\``,
      { cause: error },
    );
  }
}
