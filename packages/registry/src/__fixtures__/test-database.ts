import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createDatabase } from '@mlinfra/test-servers';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * The metadata backend this run of the suite tests: the `registry` project runs it on SQLite,
 * the `registry-postgres` project (vitest.postgres.config.ts) on PostgreSQL. Same test files.
 */
export const backend: 'sqlite' | 'postgres' =
  process.env.MLINFRA_TEST_REGISTRY_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

let fileDatabase: Promise<string> | undefined;

/**
 * A fresh, empty registry database for one test: a SQLite file in `folder`, or on PostgreSQL a
 * new schema in this test file's own database (the URL selects it with `search_path`).
 */
export async function freshDatabase(folder: string): Promise<string> {
  if (backend === 'sqlite') return join(folder, 'registry.db');
  fileDatabase ??= createDatabase(inject('mlinfraPostgresUrl'));
  const base = await fileDatabase;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}
