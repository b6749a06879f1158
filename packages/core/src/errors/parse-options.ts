import { type $ZodType, type output, safeParse, type util } from 'zod/v4/core';
import { en } from 'zod/v4/locales';
import { ValidationError } from './mlinfra-error.js';
import { explainUnknownKeys } from './unknown-keys.js';
import { fromZodIssues } from './zod-issues.js';

/**
 * English messages for every parse, passed per call instead of set globally, so `zod/mini`
 * schemas (which load no locale) read as well as classic ones, and the user's own zod
 * configuration is left alone.
 */
const messages = en().localeError;

/**
 * Parses `value` with a zod schema (classic `zod` or `zod/mini`), with English messages.
 * @internal Used by {@link parseOptions} and core's schema parsing.
 */
export function safeParseWithMessages<Schema extends $ZodType>(
  schema: Schema,
  value: unknown,
): util.SafeParseResult<output<Schema>> {
  return safeParse(schema, value, { error: messages });
}

/**
 * Validates an options object (or any input) at a package boundary with a zod schema (classic
 * `zod` or `zod/mini`) and returns the parsed value with defaults applied.
 * @param what names the input in the message, such as "train() options".
 * @throws ValidationError listing every failing field; an unknown key (strict schemas) is named with
 * the nearest known key.
 */
export function parseOptions<Schema extends $ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): output<Schema> {
  refuseProtoKeys(value, what);
  const result = safeParseWithMessages(schema, value);
  if (result.success) return result.data;
  throw new ValidationError(
    `Invalid ${what}; fix the fields listed below`,
    result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? explainUnknownKeys(schema, issue)
        : fromZodIssues([issue]),
    ),
  );
}

/**
 * Refuses an own `__proto__` key (as `JSON.parse` makes) anywhere in plain objects and arrays of
 * objects: parsing would silently drop it (assigning `__proto__` sets a prototype), so a tag,
 * param or column of that name would vanish. Arrays of primitives (data) are not walked.
 */
function refuseProtoKeys(value: unknown, what: string): void {
  const stack: Array<{ node: unknown; path: PropertyKey[] }> = [{ node: value, path: [] }];
  let visited = 0;
  while (stack.length > 0 && visited < 100_000) {
    const { node, path } = stack.pop()!;
    visited++;
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      if (node.length === 0 || typeof node[0] !== 'object') continue;
      node.forEach((item, index) => {
        stack.push({ node: item, path: [...path, index] });
      });
      continue;
    }
    const prototype = Object.getPrototypeOf(node);
    if (prototype !== Object.prototype && prototype !== null) continue;
    if (Object.hasOwn(node, '__proto__')) {
      throw new ValidationError(`Invalid ${what}; fix the fields listed below`, [
        {
          path: [...path, '__proto__'].map((key) => (typeof key === 'symbol' ? String(key) : key)),
          message:
            'the key "__proto__" cannot be kept in a JavaScript object (it would be dropped silently); rename it',
        },
      ]);
    }
    for (const [key, child] of Object.entries(node))
      stack.push({ node: child, path: [...path, key] });
  }
}
