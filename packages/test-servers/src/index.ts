/**
 * `@mlinfra/test-servers`: real PostgreSQL and S3 servers for mlinfra's tests, examples and
 * benchmarks. Private to this repository.
 * @packageDocumentation
 */
export type { ProvidedTestServers } from './global-setup.js';
export {
  createDatabase,
  dropDatabase,
  type StartPostgresOptions,
  startPostgres,
  TEST_DATABASE_URL_ENV,
  type TestPostgres,
} from './postgres.js';
export { type StartS3Options, startS3, type TestS3 } from './s3.js';
