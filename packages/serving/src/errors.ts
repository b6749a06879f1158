import { errorGuard, MlinfraError, type MlinfraErrorOptions } from '@mlinfra/core';

/**
 * A model's request queue is full (`batching.maxQueue`). HTTP answers 503 with `Retry-After`.
 * Retry after `retryAfterSeconds`, or raise `maxQueue` / add capacity.
 */
export class QueueFullError extends MlinfraError {
  /** True when `value` is a QueueFullError (also from another copy of this package). */
  static override isInstance = errorGuard<QueueFullError>('QueueFullError');
  /** Suggested wait before retrying, in seconds. */
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, options: MlinfraErrorOptions = {}) {
    super(message, 'UNAVAILABLE', options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request did not finish within its timeout (`limits.requestTimeoutMs`). HTTP answers 504. */
export class RequestTimeoutError extends MlinfraError {
  /** True when `value` is a RequestTimeoutError (also from another copy of this package). */
  static override isInstance = errorGuard<RequestTimeoutError>('RequestTimeoutError');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'TIMEOUT', options);
  }
}

/** The server or predictor is shutting down or closed. HTTP answers 503. */
export class ServerClosedError extends MlinfraError {
  /** True when `value` is a ServerClosedError (also from another copy of this package). */
  static override isInstance = errorGuard<ServerClosedError>('ServerClosedError');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'CLOSED', options);
  }
}
