import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['src/**/*.test.ts'],
    globalSetup: ['@mlinfra/test-servers/global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
