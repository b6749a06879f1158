import { type $ZodType, type output, safeParse, type util } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';
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
