import { MlinfraError, NotFoundError } from '../../errors/index.js';
import { UnavailableError } from '../../errors/unavailable-error.js';
import { redactSecrets } from '../redact-url.js';
import { NETWORK_ERROR_CODES } from './network-errors.js';

const CREDENTIAL_ERRORS = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
]);
function errorName(error: unknown): string {
  const value = error as { name?: unknown; Code?: unknown } | null;
  return String(value?.Code ?? value?.name ?? 'Error');
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

export function isMissingObject(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === 'NoSuchKey' ||
    name === 'NotFound' ||
    (httpStatus(error) === 404 && name !== 'NoSuchBucket')
  );
}

/** Whether the error means the server could not be reached, broke the connection or is overloaded. */
export function isUnreachable(error: unknown): boolean {
  const value = error as { code?: unknown; $retryable?: unknown; name?: unknown } | null;
  const status = httpStatus(error) ?? 0;
  return (
    NETWORK_ERROR_CODES.has(String(value?.code)) ||
    value?.name === 'TimeoutError' ||
    value?.$retryable !== undefined ||
    status >= 500 ||
    status === 429 ||
    ['SlowDown', 'RequestTimeout', 'ServiceUnavailable', 'InternalError'].includes(errorName(error))
  );
}

/** Where an S3 call failed, for the message. */
export interface S3FailureContext {
  action: string;
  bucket: string;
  /** The endpoint, already redacted. */
  endpoint: string;
  location: string;
  /** Values that must never appear in a message. */
  secrets: readonly (string | undefined)[];
}

/**
 * Maps an SDK error to a typed error that names the endpoint: NotFoundError for a missing bucket,
 * UnavailableError for refused credentials and for outages (after the SDK's retries). Mlinfra
 * errors and missing objects pass through unchanged.
 */
export function s3Failure(error: unknown, context: S3FailureContext): unknown {
  if (MlinfraError.isInstance(error) || isMissingObject(error)) return error;
  const { action, bucket, endpoint, location } = context;
  const name = errorName(error);
  const detail = redactSecrets(
    `${name}: ${(error as Error)?.message ?? String(error)}`,
    context.secrets,
  );
  if (name === 'NoSuchBucket') {
    return new NotFoundError(
      `Bucket "${bucket}" does not exist at ${endpoint}; create it, or fix the bucket in ${location}`,
      { cause: error },
    );
  }
  if (CREDENTIAL_ERRORS.has(name) || httpStatus(error) === 403) {
    return new UnavailableError(
      `S3 at ${endpoint} refused the credentials for ${action} on ${location} (${detail}); check the access key and secret (options s3.credentials or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and the bucket policy`,
      endpoint,
      { cause: error },
    );
  }
  if (isUnreachable(error)) {
    return new UnavailableError(
      `S3 at ${endpoint} is unavailable: ${action} on ${location} failed after retries (${detail}); check that the server is running and reachable, then retry`,
      endpoint,
      { cause: error },
    );
  }
  return new MlinfraError(
    `S3 at ${endpoint} refused ${action} on ${location} (${detail})`,
    'INTERNAL',
    {
      cause: error,
    },
  );
}
