import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'serving',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    // Points the webgpu test at SwiftShader (Vulkan on the CPU); workers must be forked after it.
    globalSetup: ['../trainer/src/backend/swiftshader.test-support.ts'],
    pool: 'forks',
  },
});
