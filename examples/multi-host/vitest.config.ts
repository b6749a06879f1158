import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-multi-host',
    include: ['src/**/*.test.ts'],
    testTimeout: 300_000,
  },
});
