import { ValidationError } from '../errors/index.js';

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const SEGMENT_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._@+-]*$/;

/** Longest ref name accepted, in characters. */
export const MAX_REF_NAME_LENGTH = 512;
const MAX_SEGMENT_LENGTH = 128;

/** A content digest: `sha256:` followed by 64 lowercase hex digits. */
export type Digest = `sha256:${string}`;

/** True when `value` is a well-formed digest. */
export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST_PATTERN.test(value);
}

/**
 * Returns `value` as a {@link Digest}.
 * @throws ValidationError unless it is `sha256:` plus 64 lowercase hex digits.
 */
export function assertDigest(value: unknown): Digest {
  if (isDigest(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  throw new ValidationError(
    `Invalid digest ${shown}; expected "sha256:" followed by 64 lowercase hex digits, as returned by store.put()`,
  );
}

/**
 * Checks a ref name: `/`-separated segments of letters, digits and `._@+-`, each starting with a
 * letter, digit or underscore (so never `.` or `..`), at most 128 characters a segment and
 * {@link MAX_REF_NAME_LENGTH} in all. Returns the name.
 * @throws ValidationError naming what is wrong.
 */
export function assertRefName(name: unknown, what = 'ref name'): string {
  if (typeof name !== 'string') {
    throw new ValidationError(`The ${what} must be a string, got ${typeof name}`);
  }
  const problem = refNameProblem(name);
  if (problem !== undefined) {
    throw new ValidationError(
      `Invalid ${what} ${JSON.stringify(name.slice(0, 80))}: ${problem}. Use segments of letters, digits and ._@+- separated by "/", such as "datasets/iris/branches/main"`,
    );
  }
  return name;
}

/** Checks a ref prefix for listing: empty, or a ref name optionally ending in `/`. */
export function assertRefPrefix(prefix: unknown): string {
  if (prefix === '' || prefix === undefined) return '';
  if (typeof prefix !== 'string') {
    throw new ValidationError(`The ref prefix must be a string, got ${typeof prefix}`);
  }
  assertRefName(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'ref prefix');
  return prefix;
}

function refNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_REF_NAME_LENGTH)
    return `it is longer than ${MAX_REF_NAME_LENGTH} characters`;
  if (name.includes('\0')) return 'it contains a NUL byte';
  if (name.includes('\\')) return 'it contains a backslash';
  if (name.startsWith('/')) return 'it is an absolute path';
  for (const segment of name.split('/')) {
    if (segment === '') return 'it has an empty segment ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return `it contains a "${segment}" segment`;
    if (segment.length > MAX_SEGMENT_LENGTH) {
      return `a segment is longer than ${MAX_SEGMENT_LENGTH} characters`;
    }
    if (!SEGMENT_PATTERN.test(segment))
      return `segment ${JSON.stringify(segment)} has a forbidden character`;
  }
  return undefined;
}
