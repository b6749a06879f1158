import type { z } from 'zod';
import { ValidationError } from './mlinfra-error.js';
import { explainUnknownKeys } from './unknown-keys.js';
import { fromZodIssues } from './zod-issues.js';

/**
 * Validates an options object (or any input) at a package boundary with a zod schema and returns
 * the parsed value with defaults applied.
 * @param what names the input in the message, such as "train() options".
 * @throws ValidationError listing every failing field; an unknown key (strict schemas) is named with
 * the nearest known key.
 */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
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
