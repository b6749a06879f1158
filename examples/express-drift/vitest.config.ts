import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-express-drift', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
