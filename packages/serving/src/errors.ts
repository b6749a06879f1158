import { MlinfraError, type MlinfraErrorOptions } from '@mlinfra/core';

/**
 * The identity marker of one error class (`Symbol.for('mlinfra.error.<ClassName>')`), shared by
 * every copy of this package, so `X.isInstance(e)` holds only for an X or a subclass of X, even
 * across duplicate installs, where `instanceof` fails.
 */
function classMarker<T extends MlinfraError>(className: string) {
  const marker = Symbol.for(`mlinfra.error.${className}`);
  return {
    mark(error: T): void {
      Object.defineProperty(error, marker, { value: true, enumerable: false });
    },
    isInstance: (value: unknown): value is T =>
      MlinfraError.isInstance(value) && (value as { [marker]?: unknown })[marker] === true,
  };
}

const queueFull = classMarker<QueueFullError>('QueueFullError');
const requestTimeout = classMarker<RequestTimeoutError>('RequestTimeoutError');
const serverClosed = classMarker<ServerClosedError>('ServerClosedError');
const modelNotReady = classMarker<ModelNotReadyError>('ModelNotReadyError');

/**
 * A model's request queue is full (`batching.maxQueue`). HTTP answers 503 with `Retry-After`.
 * Retry after `retryAfterSeconds`, or raise `maxQueue` / add capacity.
 */
export class QueueFullError extends MlinfraError {
  /** True when `value` is a QueueFullError (also from another copy of this package). */
  static override isInstance = queueFull.isInstance;
  /** Suggested wait before retrying, in seconds. */
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, options: MlinfraErrorOptions = {}) {
    super(message, 'UNAVAILABLE', options);
    this.retryAfterSeconds = retryAfterSeconds;
    queueFull.mark(this);
  }
}

/** A request did not finish within its timeout (`limits.requestTimeoutMs`). HTTP answers 504. */
export class RequestTimeoutError extends MlinfraError {
  /** True when `value` is a RequestTimeoutError (also from another copy of this package). */
  static override isInstance = requestTimeout.isInstance;
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'TIMEOUT', options);
    requestTimeout.mark(this);
  }
}

/** The server or prediction service is shutting down or closed. HTTP answers 503. */
export class ServerClosedError extends MlinfraError {
  /** True when `value` is a ServerClosedError (also from another copy of this package). */
  static override isInstance = serverClosed.isInstance;
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'CLOSED', options);
    serverClosed.mark(this);
  }
}

/**
 * A model (or the version asked for by default routing) is still loading, or its load failed and
 * no version serves it yet. HTTP answers 503 with `Retry-After: 1`; retry once
 * `/v2/models/{name}/ready` answers 200.
 */
export class ModelNotReadyError extends MlinfraError {
  /** True when `value` is a ModelNotReadyError (also from another copy of this package). */
  static override isInstance = modelNotReady.isInstance;
  /** The served model's name. */
  readonly model: string;
  constructor(model: string, options: MlinfraErrorOptions = {}) {
    super(
      `Model "${model}" is not loaded yet; retry once /v2/models/${model}/ready answers 200 (a model that failed to load recovers when its source points to a loadable version).`,
      'UNAVAILABLE',
      options,
    );
    this.model = model;
    modelNotReady.mark(this);
  }
}
