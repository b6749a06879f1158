import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { MissingDependencyError, MlinfraError, ValidationError } from '@mlinfra/core';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../__fixtures__/test-database.js';
import { openRegistry, type RegistryEvent } from '../index.js';
import { importPg } from './postgres-driver.js';

// PostgreSQL-only behaviour; the rest of the suite runs on PostgreSQL in this project as well.
let folder: string;
let database: string;

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'mlinfra-registry-pg-'));
  database = await freshDatabase(folder);
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function withPassword(url: string, password: string): string {
  const changed = new URL(url);
  changed.password = password;
  return changed.toString();
}

describe('the registry on PostgreSQL', () => {
  it('opens from database: or MLINFRA_DATABASE_URL, showing the URL without its password', async () => {
    const password = new URL(database).password;
    expect(password.length).toBeGreaterThan(0);
    const previous = process.env.MLINFRA_DATABASE_URL;
    process.env.MLINFRA_DATABASE_URL = database;
    try {
      const registry = await openRegistry({ store: folder });
      expect(registry.location).not.toContain(password);
      expect(registry.location).toMatch(/^postgres(ql)?:\/\/[^:]+:\*\*\*@127\.0\.0\.1/);
      const version = await registry.registerModel('m', { artifact: new Uint8Array([1, 2]) });
      await registry.close();
      const again = await openRegistry({ database, store: folder });
      expect(await again.resolve('m@latest')).toEqual(version);
      expect(typeof version.createdAt.getTime()).toBe('number');
      await again.close();
    } finally {
      if (previous === undefined) delete process.env.MLINFRA_DATABASE_URL;
      else process.env.MLINFRA_DATABASE_URL = previous;
    }
    await expect(openRegistry({ database, url: database })).rejects.toBeInstanceOf(ValidationError);
  });

  it('never shows the password in errors: unreachable server, wrong password', async () => {
    const secret = 'Sup3r-S3cret-pw';
    const unreachable = await openRegistry({
      database: `postgres://mlinfra:${secret}@127.0.0.1:9/registry`,
      store: folder,
      busyTimeoutMs: 2000,
    }).catch((caught: unknown) => caught);
    expect(MlinfraError.isInstance(unreachable) && unreachable.code).toBe('UNAVAILABLE');
    expect(String(unreachable)).toContain('mlinfra:***@127.0.0.1:9');
    const refused = await openRegistry({
      database: withPassword(database, secret),
      store: folder,
    }).catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(refused)).toBe(true);
    expect(String(refused)).toMatch(/password/);
    const malformed = await openRegistry({
      database: `postgres://mlinfra:${secret}@127.0.0.1:notaport/registry`,
      store: folder,
    }).catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(malformed)).toBe(true);
    expect(String(malformed)).toContain('mlinfra:***@');
    for (const error of [unreachable, refused, malformed]) {
      expect(inspect(error, { depth: 10 })).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
  });

  it('opens read-only: reads work, writes fail naming the fix', async () => {
    const writer = await openRegistry({ database, store: folder });
    await writer.registerModel('m', { artifact: new Uint8Array([1]) });
    await writer.close();
    const reader = await openRegistry({ database, store: folder, readonly: true });
    expect((await reader.resolve('m@latest')).version).toBe(1);
    const error = await reader
      .registerModel('m', { artifact: new Uint8Array([2]) })
      .catch((caught: unknown) => caught);
    expect(MlinfraError.isInstance(error) && error.code).toBe('UNSUPPORTED');
    expect(String(error)).toMatch(/read-only/);
    await reader.close();
  });

  it('wakes watchers through LISTEN/NOTIFY long before their next poll', async () => {
    const watcher = await openRegistry({ database, store: folder, pollIntervalMs: 60_000 });
    const writer = await openRegistry({ database, store: folder });
    await writer.registerModel('m', { artifact: new Uint8Array([1]) });
    const seen = new Promise<RegistryEvent>((resolve) => {
      const stop = watcher.subscribe('m', (event) => {
        stop();
        resolve(event);
      });
    });
    // The subscription reads the log's end and starts listening; then another instance writes.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    await writer.setAlias('m', 'champion', 1);
    const event = await seen;
    expect(event).toMatchObject({ action: 'alias.set', alias: 'champion', version: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
    await Promise.all([watcher.close(), writer.close()]);
  });

  it('keeps answering after the server dropped its connections', async () => {
    const registry = await openRegistry({ database, store: folder });
    await registry.registerModel('m', { artifact: new Uint8Array([1]) });
    expect((await registry.resolve('m')).version).toBe(1);
    const admin = new pg.Client({ connectionString: database });
    await admin.connect();
    const killed = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    expect((await registry.resolve('m')).version).toBe(1);
    expect((await registry.registerModel('m', { artifact: new Uint8Array([2]) })).version).toBe(2);
    await registry.close();
  });

  it('names `npm install pg` when pg is missing', async () => {
    const error = await importPg(() => Promise.reject(new Error("Cannot find package 'pg'"))).catch(
      (caught: unknown) => caught,
    );
    expect(MissingDependencyError.isInstance(error)).toBe(true);
    expect(String(error)).toContain('npm install pg');
    await expect(importPg(() => Promise.resolve({}))).rejects.toThrow(/npm install pg@8/);
  });
});
