import { describe, expect, it } from 'vitest';
import { isModuleNotFound } from './module-not-found.js';

async function importError(specifier: string): Promise<unknown> {
  try {
    await import(/* @vite-ignore */ specifier);
  } catch (error) {
    return error;
  }
  throw new Error(`${specifier} imported`);
}

describe('isModuleNotFound', () => {
  it('is true for a real import of a package that is not installed', async () => {
    const error = await importError('mlinfra-no-such-package');
    expect(isModuleNotFound(error, 'mlinfra-no-such-package')).toBe(true);
  });

  it("is true for Node's codes and for bundlers' and vitest's messages naming the specifier", () => {
    const cases = [
      Object.assign(new Error("Cannot find package 'pg' imported from /app/x.js"), {
        code: 'ERR_MODULE_NOT_FOUND',
      }),
      Object.assign(new Error("Cannot find module 'pg'"), { code: 'MODULE_NOT_FOUND' }),
      new Error('Failed to load url pg (resolved id: pg)'),
      new Error('Could not resolve "pg"'),
    ];
    for (const error of cases) expect(isModuleNotFound(error, 'pg')).toBe(true);
  });

  it('is false when the package is installed but fails to load, or something else is missing', () => {
    const transitive = Object.assign(
      new Error("Cannot find package 'pg-protocol' imported from /app/node_modules/pg/lib/x.js"),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    expect(isModuleNotFound(transitive, 'webgpu')).toBe(false);
    expect(isModuleNotFound(new SyntaxError('Unexpected token in pg'), 'pg')).toBe(false);
    expect(isModuleNotFound('Cannot find module pg', 'pg')).toBe(false);
    expect(isModuleNotFound(null, 'pg')).toBe(false);
  });
});
