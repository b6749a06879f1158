import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'trainer',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    // Points the webgpu tests at SwiftShader (Vulkan on the CPU); workers must be forked after it.
    globalSetup: ['src/backend/swiftshader.test-support.ts'],
    pool: 'forks',
  },
});
