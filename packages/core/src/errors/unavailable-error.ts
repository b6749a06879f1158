import { errorGuard, MlinfraError, type MlinfraErrorOptions } from './mlinfra-error.js';

/**
 * A server the operation needs (PostgreSQL, S3) cannot be used right now: it is down,
 * unreachable, timing out, overloaded, or refuses the credentials. Safe operations were already
 * retried. `endpoint` names the server with its password redacted; the message says what to check.
 */
export class UnavailableError extends MlinfraError {
  /** True when `value` is an UnavailableError (any copy of the package). */
  static override isInstance = errorGuard<UnavailableError>('UnavailableError');
  /** The server, as a URL with its password replaced by `***`. */
  readonly endpoint: string;

  constructor(message: string, endpoint: string, options: MlinfraErrorOptions = {}) {
    super(message, 'UNAVAILABLE', options);
    this.endpoint = endpoint;
  }
}
