import { describe, expect, it } from 'vitest';
import {
  BudgetExceededError,
  ConflictError,
  errorGuard,
  IntegrityError,
  MissingDependencyError,
  MlinfraError,
  NotFoundError,
  StorageError,
  ValidationError,
} from './mlinfra-error.js';

describe('MlinfraError', () => {
  it('carries code, name and cause', () => {
    const cause = new Error('disk full');
    const error = new ConflictError('ref changed; retry', { cause });
    expect(error.code).toBe('CONFLICT');
    expect(error.name).toBe('ConflictError');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('isInstance distinguishes subclasses and plain errors', () => {
    const error = new NotFoundError('no such blob');
    expect(MlinfraError.isInstance(error)).toBe(true);
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect(ConflictError.isInstance(error)).toBe(false);
    expect(MlinfraError.isInstance(new Error('x'))).toBe(false);
    expect(MlinfraError.isInstance(null)).toBe(false);
    expect(MlinfraError.isInstance('NOT_FOUND')).toBe(false);
  });

  it('isInstance recognises an error from another copy of the package', () => {
    // A second install has its own classes but shares the Symbol.for markers.
    const foreign = new Error('corrupted');
    for (const name of ['MlinfraError', 'IntegrityError']) {
      Object.defineProperty(foreign, Symbol.for(`mlinfra.error.${name}`), { value: true });
    }
    expect(IntegrityError.isInstance(foreign)).toBe(true);
    expect(MlinfraError.isInstance(foreign)).toBe(true);
    expect(NotFoundError.isInstance(foreign)).toBe(false);
  });

  it('every class has its own identity: isInstance is false for every other class', () => {
    const classes = {
      NotFoundError: new NotFoundError('x'),
      ConflictError: new ConflictError('x'),
      IntegrityError: new IntegrityError('x'),
      BudgetExceededError: new BudgetExceededError('x'),
      ValidationError: new ValidationError('x'),
      MissingDependencyError: new MissingDependencyError('x'),
      StorageError: new StorageError('x', 'ENOSPC', '/tmp/x'),
    };
    const guards = {
      NotFoundError,
      ConflictError,
      IntegrityError,
      BudgetExceededError,
      ValidationError,
      MissingDependencyError,
      StorageError,
    };
    for (const [name, instance] of Object.entries(classes)) {
      expect(MlinfraError.isInstance(instance)).toBe(true);
      for (const [guardName, guard] of Object.entries(guards)) {
        expect([name, guardName, guard.isInstance(instance)]).toEqual([
          name,
          guardName,
          name === guardName,
        ]);
      }
    }
    // A plain MlinfraError is none of the subclasses.
    const base = new MlinfraError('x');
    for (const guard of Object.values(guards)) expect(guard.isInstance(base)).toBe(false);
  });

  it('a subclass declared with errorGuard is its parent too, but not the other way round', () => {
    class RefusedError extends ConflictError {
      static override isInstance = errorGuard<RefusedError>('test.RefusedError');
    }
    const refused = new RefusedError('no');
    expect(RefusedError.isInstance(refused)).toBe(true);
    expect(ConflictError.isInstance(refused)).toBe(true);
    expect(MlinfraError.isInstance(refused)).toBe(true);
    expect(RefusedError.isInstance(new ConflictError('x'))).toBe(false);
    expect(NotFoundError.isInstance(refused)).toBe(false);
    // Codes alone no longer make an identity.
    expect(ConflictError.isInstance({ code: 'CONFLICT' })).toBe(false);
  });

  it('ValidationError keeps every issue and lists them in the message', () => {
    const error = new ValidationError('bad rows', [
      { path: [0, 'age'], message: 'must be a number' },
      { path: [3, 'name'], message: 'required' },
    ]);
    expect(error.issues).toHaveLength(2);
    expect(error.message).toContain('0.age: must be a number');
    expect(error.message).toContain('3.name: required');
    expect(new ValidationError('just this').issues).toEqual([{ path: [], message: 'just this' }]);
  });
});

describe('parseOptions', () => {
  it('returns parsed values with defaults and lists every bad field', async () => {
    const { z } = await import('zod');
    const { parseOptions } = await import('./parse-options.js');
    const schema = z.object({ size: z.number().int().positive().default(8), name: z.string() });
    expect(parseOptions(schema, { name: 'a' }, 'test options')).toEqual({ size: 8, name: 'a' });
    let caught: unknown;
    try {
      parseOptions(schema, { size: -1, name: 3 }, 'test options');
    } catch (error) {
      caught = error;
    }
    expect(ValidationError.isInstance(caught)).toBe(true);
    expect((caught as ValidationError).issues.map((issue) => issue.path[0]).sort()).toEqual([
      'name',
      'size',
    ]);
    expect((caught as ValidationError).message).toContain('Invalid test options');
  });
});
