import { ValidationError } from '@mlinfra/core';

export { parseOptions } from '@mlinfra/core';

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const ALIAS_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const MAX_KEY_LENGTH = 250;
const MAX_TAG_VALUE_LENGTH = 5000;

/** Aliases the registry computes itself; they cannot be set. */
export const RESERVED_ALIASES: ReadonlySet<string> = new Set(['latest']);

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
}

/** Checks a model or experiment name: letters, digits and `._-`, 1 to 128 characters. */
export function assertName(value: unknown, what: 'model' | 'experiment'): string {
  if (typeof value === 'string' && NAME_PATTERN.test(value)) return value;
  throw new ValidationError(
    `Invalid ${what} name ${shown(value)}; use 1 to 128 letters, digits, "_", "." or "-", starting with a letter, digit or "_" (such as "churn-classifier")`,
  );
}

/** Checks an alias: a letter or `_` then letters, digits, `_` or `-`; not a reserved alias. */
export function assertAlias(value: unknown): string {
  if (typeof value !== 'string' || !ALIAS_PATTERN.test(value)) {
    throw new ValidationError(
      `Invalid alias ${shown(value)}; use up to 64 letters, digits, "_" or "-", starting with a letter or "_" (such as "champion")`,
    );
  }
  if (RESERVED_ALIASES.has(value)) {
    throw new ValidationError(
      `The alias "${value}" is reserved: the registry points it at the highest version itself; choose another name`,
    );
  }
  return value;
}

/** Checks a version number: an integer >= 1. */
export function assertVersion(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  throw new ValidationError(
    `Invalid model version ${typeof value === 'number' ? value : shown(value)}; versions are integers starting at 1`,
  );
}

/** Checks a param, tag or metric key. */
export function assertKey(value: unknown, what: string): string {
  if (value === '__proto__') {
    // Tags, params and metrics come back as plain objects, where `__proto__` is not a key.
    throw new ValidationError(
      `Invalid ${what} key "__proto__": it cannot be a key of the plain objects the registry returns; rename it`,
    );
  }
  if (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_KEY_LENGTH &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    !/[\u0000-\u001f\u007f]/.test(value)
  ) {
    return value;
  }
  throw new ValidationError(
    `Invalid ${what} key ${shown(value)}; use 1 to ${MAX_KEY_LENGTH} printable characters`,
  );
}

/** Checks a record of string tags. */
export function assertTags(value: unknown, what: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`The ${what} tags must be an object of strings, got ${shown(value)}`);
  }
  const tags: Record<string, string> = {};
  for (const [key, tag] of Object.entries(value)) {
    assertKey(key, `${what} tag`);
    if (typeof tag !== 'string' || tag.length > MAX_TAG_VALUE_LENGTH) {
      throw new ValidationError(
        `The ${what} tag "${key}" must be a string of at most ${MAX_TAG_VALUE_LENGTH} characters, got ${shown(tag)}; convert numbers with String()`,
      );
    }
    tags[key] = tag;
  }
  return tags;
}

/** A parsed `name@alias`, `name/3` or `name@latest`. */
export type ModelReference =
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'alias'; alias: string }
  | { name: string; kind: 'latest' };

/** Parses a model reference string; a bare name means its latest version. */
export function parseModelReference(value: unknown): ModelReference {
  if (typeof value === 'string') {
    if (NAME_PATTERN.test(value)) return { name: value, kind: 'latest' };
    const at = value.lastIndexOf('@');
    if (at > 0) {
      const name = assertName(value.slice(0, at), 'model');
      const alias = value.slice(at + 1);
      if (alias === 'latest') return { name, kind: 'latest' };
      if (typeof alias === 'string' && ALIAS_PATTERN.test(alias))
        return { name, kind: 'alias', alias };
    }
    const slash = value.lastIndexOf('/');
    if (slash > 0 && at < 0) {
      const name = assertName(value.slice(0, slash), 'model');
      const version = value.slice(slash + 1);
      if (/^[1-9][0-9]{0,15}$/.test(version))
        return { name, kind: 'version', version: Number(version) };
    }
  }
  throw new ValidationError(
    `Invalid model reference ${shown(value)}; write "name@alias" (such as "churn@champion"), "name/3" for version 3, or "name" / "name@latest" for the highest version`,
  );
}

/** Encodes a page token. Tokens are opaque to callers. */
export function encodePageToken(value: JsonObject): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

type JsonObject = Record<string, string | number>;

/** Decodes a page token made by {@link encodePageToken} for the same listing. */
export function decodePageToken(token: string, kind: string): JsonObject {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && (value as JsonObject).k === kind) {
      return value as JsonObject;
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    `Invalid page token ${shown(token)}; pass the nextPageToken of the previous page of the same listing, or omit it to start at the first page`,
  );
}
