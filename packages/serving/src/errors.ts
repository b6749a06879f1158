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

/** The server or prediction service is shutting down or closed. HTTP answers 503. */
export class ServerClosedError extends MlinfraError {
  /** True when `value` is a ServerClosedError (also from another copy of this package). */
  static override isInstance = errorGuard<ServerClosedError>('ServerClosedError');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'CLOSED', options);
  }
}

/**
 * A model (or the version asked for by default routing) is still loading, or its load failed and
 * no version serves it yet. HTTP answers 503 with `Retry-After: 1`; retry once
 * `/v2/models/{name}/ready` answers 200.
 */
export class ModelNotReadyError extends MlinfraError {
  /** True when `value` is a ModelNotReadyError (also from another copy of this package). */
  static override isInstance = errorGuard<ModelNotReadyError>('ModelNotReadyError');
  /** The served model's name. */
  readonly model: string;
  constructor(model: string, options: MlinfraErrorOptions = {}) {
    super(
      `Model "${model}" is not loaded yet; retry once /v2/models/${model}/ready answers 200 (a model that failed to load recovers when its source points to a loadable version).`,
      'UNAVAILABLE',
      options,
    );
    this.model = model;
  }
}
