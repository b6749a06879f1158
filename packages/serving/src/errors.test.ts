import { ConflictError, MlinfraError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { QueueFullError, RequestTimeoutError, ServerClosedError } from './errors.js';

describe('serving error identity', () => {
  const instances = {
    QueueFullError: new QueueFullError('full', 1),
    RequestTimeoutError: new RequestTimeoutError('slow'),
    ServerClosedError: new ServerClosedError('closed'),
  };
  const classes = { QueueFullError, RequestTimeoutError, ServerClosedError };

  it('each class recognises its own instances and no other error', () => {
    for (const [name, instance] of Object.entries(instances)) {
      expect(MlinfraError.isInstance(instance)).toBe(true);
      for (const [className, errorClass] of Object.entries(classes)) {
        expect([name, className, errorClass.isInstance(instance)]).toEqual([
          name,
          className,
          name === className,
        ]);
      }
    }
    for (const errorClass of Object.values(classes)) {
      expect(errorClass.isInstance(new ConflictError('x'))).toBe(false);
      expect(errorClass.isInstance(new MlinfraError('x', 'CLOSED'))).toBe(false);
      // A name alone (a plain error renamed) is not an identity.
      const impostor = new Error('x');
      impostor.name = 'ServerClosedError';
      expect(errorClass.isInstance(impostor)).toBe(false);
    }
  });
});
