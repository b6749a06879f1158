import { describe, expect, inject, it } from 'vitest';
import {
  createDatabase,
  dropDatabase,
  startPostgres,
  startS3,
  TEST_DATABASE_URL_ENV,
} from './index.js';

describe('test servers', () => {
  it('provides a PostgreSQL whose databases are separate', async () => {
    const pg = (await import('pg')).default;
    const serverUrl = inject('mlinfraPostgresUrl');
    expect(new URL(serverUrl).password).toMatch(/^pw-[0-9a-f]{24}$/);
    const [first, second] = await Promise.all([
      createDatabase(serverUrl),
      createDatabase(serverUrl),
    ]);
    expect(first).not.toBe(second);
    const a = new pg.Client({ connectionString: first });
    const b = new pg.Client({ connectionString: second });
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query('CREATE TABLE only_in_first (x int)');
      const seen = await b.query("SELECT to_regclass('only_in_first') AS t");
      expect(seen.rows[0].t).toBeNull();
      const version = await a.query('SHOW server_version');
      expect(Number.parseInt(version.rows[0].server_version, 10)).toBeGreaterThanOrEqual(15);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    await dropDatabase(first);
    await dropDatabase(second);
  });

  it('provides an S3 server with its bucket, and starts more on demand', async () => {
    const provided = inject('mlinfraS3');
    const listing = await fetch(`${provided.endpoint}/`);
    expect(listing.status).toBe(200);
    expect(await listing.text()).toContain(`<Name>${provided.bucket}</Name>`);

    const extra = await startS3({ buckets: ['one-bucket', 'two-bucket'] });
    try {
      const answer = await fetch(`${extra.endpoint}/`);
      const text = await answer.text();
      expect(text).toContain('<Name>one-bucket</Name>');
      expect(text).toContain('<Name>two-bucket</Name>');
    } finally {
      await extra.stop();
    }
    await expect(fetch(`${extra.endpoint}/`)).rejects.toThrow();
  });

  it('fails loudly, without the password, when the named PostgreSQL does not answer', async () => {
    const saved = process.env[TEST_DATABASE_URL_ENV];
    process.env[TEST_DATABASE_URL_ENV] = 'postgres://someone:hunter2-secret@127.0.0.1:1/db';
    try {
      const failure = await startPostgres().then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toContain('postgres://someone:***@127.0.0.1:1/db');
      expect(failure?.message).toContain('unset the variable');
      expect(failure?.message).not.toContain('hunter2-secret');
    } finally {
      if (saved === undefined) delete process.env[TEST_DATABASE_URL_ENV];
      else process.env[TEST_DATABASE_URL_ENV] = saved;
    }
  });
});
