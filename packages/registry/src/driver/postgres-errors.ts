import {
  ConflictError,
  IntegrityError,
  MlinfraError,
  NotFoundError,
  ValidationError,
} from '@mlinfra/core';
import { scrub } from '../internal/redact.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * Maps a `pg` error to an mlinfra error whose message names the fix and shows the database only
 * as `location` (the redacted URL). `password` is removed from any text taken from the error.
 */
export function translatePostgresError(
  error: unknown,
  location: string,
  password: string | undefined,
  lockTimeoutMs: number,
): unknown {
  if (MlinfraError.isInstance(error)) return error;
  if (typeof error !== 'object' || error === null) return error;
  const code = (error as { code?: unknown }).code;
  const detail = scrub(String((error as { message?: unknown }).message ?? ''), password);
  const options = { cause: error };
  const unreachable =
    (typeof code === 'string' &&
      (NETWORK_CODES.has(code) ||
        code.startsWith('08') ||
        code === '57P01' ||
        code === '57P02' ||
        code === '57P03' ||
        code === '53300')) ||
    /Connection terminated|timeout expired|connect ETIMEDOUT/i.test(detail);
  if (unreachable) {
    return new MlinfraError(
      `The registry database ${location} is unavailable (${detail}); check that PostgreSQL runs there and accepts connections, then retry`,
      'UNAVAILABLE',
      options,
    );
  }
  if (typeof code !== 'string') return error;
  if (code === '28P01' || code === '28000') {
    return new ValidationError(
      `PostgreSQL at ${location} refused the login (${detail}); check the user and password in the database URL`,
      [],
      options,
    );
  }
  if (code === '3D000') {
    return new NotFoundError(
      `The database of ${location} does not exist (${detail}); create it (createdb) or fix the URL`,
      options,
    );
  }
  if (code === '55P03' || code === '57014') {
    return new MlinfraError(
      `The registry database ${location} stayed locked by another writer for more than ${lockTimeoutMs} ms; retry, or open the registry with a larger busyTimeoutMs`,
      'TIMEOUT',
      options,
    );
  }
  if (code === '40001' || code === '40P01') {
    return new ConflictError(
      `A concurrent change to the registry database ${location} conflicted with this one (${detail}); retry`,
      options,
    );
  }
  if (code === '25006' || code === '42501') {
    return new MlinfraError(
      `The registry database ${location} is read-only for this connection (${detail}); open it with a user allowed to write, or without readonly`,
      'UNSUPPORTED',
      options,
    );
  }
  if (code.startsWith('22')) {
    return new ValidationError(
      `PostgreSQL refused a value (${detail}); check the types of the values in the filter or options`,
      [],
      options,
    );
  }
  if (code.startsWith('XX')) {
    return new IntegrityError(
      `The registry database ${location} reported an internal error (${detail}); check the server's log`,
      options,
    );
  }
  return error;
}
