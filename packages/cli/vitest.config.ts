import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli',
    include: ['src/**/*.test.ts'],
    // The deploy tests run the manifests' commands against a real PostgreSQL and S3 (s3rver).
    globalSetup: ['@mlinfra/test-servers/global-setup'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
