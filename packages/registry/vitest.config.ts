import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'registry',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    globalSetup: ['src/__fixtures__/build-dist.ts'],
  },
});
