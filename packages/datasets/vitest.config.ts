import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'datasets', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
