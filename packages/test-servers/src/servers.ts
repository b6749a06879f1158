/**
 * The servers alone, without the vitest global setup's types, for scripts that do not use
 * vitest (examples, benchmarks).
 */
export {
  createDatabase,
  dropDatabase,
  type StartPostgresOptions,
  startPostgres,
  TEST_DATABASE_URL_ENV,
  type TestPostgres,
} from './postgres.js';
export { type StartS3Options, startS3, type TestS3 } from './s3.js';
