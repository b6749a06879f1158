import { isModuleNotFound, MissingDependencyError } from '../../errors/index.js';

/** Imports a module by name; replaced in tests to simulate a missing optional peer. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** The real `import()`, kept out of bundlers' static analysis. */
export const defaultImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

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
    if (!isModuleNotFound(error, specifier)) throw error;
    throw new MissingDependencyError(
      `Cannot import "${specifier}". Install it to use ${purpose}: \`${install}\``,
      { cause: error },
    );
  }
}
