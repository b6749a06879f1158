import { MlinfraError, NotFoundError, ValidationError } from '@mlinfra/core';
import { ModelNotReadyError, QueueFullError, RequestTimeoutError } from '../errors.js';

/** The HTTP status an error maps to (also the `status` label of the request metric). */
export function statusOf(error: unknown): number {
  if (QueueFullError.isInstance(error) || ModelNotReadyError.isInstance(error)) return 503;
  if (RequestTimeoutError.isInstance(error)) return 504;
  if (ValidationError.isInstance(error)) return 400;
  if (NotFoundError.isInstance(error)) return 404;
  if (MlinfraError.isInstance(error)) {
    if (error.code === 'CLOSED' || error.code === 'UNAVAILABLE') return 503;
    if (error.code === 'TIMEOUT') return 504;
  }
  return 500;
}
