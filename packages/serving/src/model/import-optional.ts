import { MissingDependencyError } from '@mlinfra/core';

/**
 * Imports an optional peer dependency on first use.
 * @param purpose completes "Install it (npm install x) ..." with what the package is for.
 * @throws MissingDependencyError naming the install command, with the import failure as `cause`.
 */
export async function importOptional<T>(specifier: string, purpose: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const name = specifier.startsWith('@')
      ? specifier.split('/').slice(0, 2).join('/')
      : specifier.split('/')[0]!;
    throw new MissingDependencyError(
      `Cannot import "${name}". Install it (npm install ${name}) ${purpose}.`,
      { cause: error },
    );
  }
}
