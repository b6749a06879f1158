import { ConflictError, MlinfraError, NotFoundError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { PromotionRefusedError } from '../index.js';

describe('PromotionRefusedError identity', () => {
  const report = {
    name: 'm',
    version: 1,
    alias: 'champion',
    failures: [],
    checks: [],
  } as unknown as ConstructorParameters<typeof PromotionRefusedError>[0];

  it('is a PromotionRefusedError, a ConflictError and an MlinfraError', () => {
    const error = new PromotionRefusedError(report);
    expect(PromotionRefusedError.isInstance(error)).toBe(true);
    expect(ConflictError.isInstance(error)).toBe(true);
    expect(MlinfraError.isInstance(error)).toBe(true);
    expect(NotFoundError.isInstance(error)).toBe(false);
  });

  it('is not claimed by other errors with the same code', () => {
    expect(PromotionRefusedError.isInstance(new ConflictError('x'))).toBe(false);
    expect(PromotionRefusedError.isInstance(new NotFoundError('x'))).toBe(false);
    expect(PromotionRefusedError.isInstance(new MlinfraError('x', 'CONFLICT'))).toBe(false);
    expect(
      PromotionRefusedError.isInstance({ code: 'CONFLICT', name: 'PromotionRefusedError' }),
    ).toBe(false);
  });
});
