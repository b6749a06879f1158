import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-end-to-end',
    include: ['src/**/*.test.ts'],
    testTimeout: 170_000,
    hookTimeout: 60_000,
  },
});
