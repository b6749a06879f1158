import type { TestProject } from 'vitest/node';
import { startPostgres, TEST_DATABASE_URL_ENV, type TestPostgres } from './postgres.js';
import { startS3, type TestS3 } from './s3.js';

/** What the global setup hands to tests through `inject()`. */
export interface ProvidedTestServers {
  /** Server URL (with the test password); give it to `createDatabase()` for a database per file. */
  mlinfraPostgresUrl: string;
  /** The S3 server; use a unique key prefix per test file. */
  mlinfraS3: {
    endpoint: string;
    bucket: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    directory: string;
  };
}

declare module 'vitest' {
  export interface ProvidedContext extends ProvidedTestServers {}
}

interface Shared {
  users: number;
  servers: Promise<{ postgres: TestPostgres; s3: TestS3 }>;
}

// Several projects may list this file; all of them share one PostgreSQL and one s3rver per run.
const key = Symbol.for('mlinfra.test-servers.global');
const holder = globalThis as { [key]?: Shared };

/**
 * Vitest globalSetup: starts one PostgreSQL and one s3rver for the whole run, provides
 * `mlinfraPostgresUrl` and `mlinfraS3` to tests, sets `MLINFRA_TEST_DATABASE_URL` for
 * workers and child processes, and stops both at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = holder[key];
  if (shared === undefined) {
    const servers = (async () => {
      const [postgres, s3] = await Promise.all([startPostgres(), startS3()]);
      return { postgres, s3 };
    })();
    shared = { users: 0, servers };
    holder[key] = shared;
  }
  shared.users += 1;
  const { postgres, s3 } = await shared.servers;
  process.env[TEST_DATABASE_URL_ENV] = postgres.url;
  project.provide('mlinfraPostgresUrl', postgres.url);
  project.provide('mlinfraS3', {
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    region: s3.region,
    credentials: { ...s3.credentials },
    directory: s3.directory,
  });
  const current = shared;
  return async () => {
    current.users -= 1;
    if (current.users > 0) return;
    delete holder[key];
    await Promise.all([postgres.stop(), s3.stop()]);
  };
}
