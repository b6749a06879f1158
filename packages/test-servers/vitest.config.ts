import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'test-servers',
    include: ['src/**/*.test.ts'],
    globalSetup: ['./src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
