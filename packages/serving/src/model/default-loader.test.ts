import { MissingDependencyError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { trainerLoader } from './default-loader.js';

describe('trainerLoader', () => {
  it('names the install command when @mlinfra/trainer is not installed', async () => {
    const load = trainerLoader('/tmp/mlinfra-serving-unused', '@mlinfra/trainer-not-installed');
    const error = await load({ name: 'churn', version: 1, artifact: 'sha256:00' }).catch(
      (e: unknown) => e,
    );
    expect(MissingDependencyError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/npm install @mlinfra\/trainer/);
    expect((error as Error).cause).toBeDefined();
  });
});
