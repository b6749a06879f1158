import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntegrityError, MlinfraError, ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { registryPerTest } from '../__fixtures__/temporary-registry.js';
import { openRegistry } from '../index.js';

// What only the embedded SQLite backend has: a file (and its folder), read-only files, :memory:.
const bytes = (text: string) => new TextEncoder().encode(text);
const current = registryPerTest();

describe('openRegistry on SQLite', () => {
  it('keeps the data across reopening, and uses the folder of the database for artifacts', async () => {
    await current.registry.registerModel('m', { artifact: bytes('persist') });
    const again = await openRegistry({ url: `sqlite:${join(current.folder, 'registry.db')}` });
    expect(new TextDecoder().decode(await again.readArtifact('m/1'))).toBe('persist');
    await again.close();
    await expect(again.resolve('m/1')).rejects.toThrow(/closed/);
  });

  it('refuses a file that is not a SQLite database with an IntegrityError, leaving it untouched', async () => {
    const path = join(current.folder, 'not-a-database.db');
    writeFileSync(path, 'x'.repeat(4096));
    await expect(openRegistry({ url: path })).rejects.toBeInstanceOf(IntegrityError);
    expect(readFileSync(path, 'utf8')).toBe('x'.repeat(4096));
  });

  it('opens read-only: reads work, writes fail naming the fix', async () => {
    await current.registry.registerModel('m', { artifact: bytes('x') });
    const reader = await openRegistry({ url: join(current.folder, 'registry.db'), readonly: true });
    expect((await reader.resolve('m@latest')).version).toBe(1);
    const error = await reader
      .registerModel('m', { artifact: bytes('y') })
      .catch((caught: unknown) => caught);
    expect(MlinfraError.isInstance(error) && error.code).toBe('UNSUPPORTED');
    expect(String(error)).toMatch(/read-only/);
    await reader.close();
    await expect(
      openRegistry({ url: join(current.folder, 'missing.db'), readonly: true }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('works in memory, and closes through Symbol.asyncDispose', async () => {
    const memory = await openRegistry({ url: ':memory:', store: current.folder });
    await memory.registerModel('m', { artifact: bytes('x') });
    expect((await memory.resolve('m@latest')).version).toBe(1);
    await memory[Symbol.asyncDispose]();
    await expect(memory.resolve('m@latest')).rejects.toThrow(/closed/);
  });
});
