import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'registry',
    include: ['src/**/*.test.ts'],
    exclude: ['src/**/postgres*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['src/__fixtures__/build-dist.ts'],
  },
});
