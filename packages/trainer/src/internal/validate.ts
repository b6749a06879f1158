import { fromZodIssues, ValidationError } from '@mlinfra/core';
import type { z } from 'zod';

/** Parses `value` with `schema`, turning zod issues into one ValidationError that lists them all. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    `Invalid ${what}; fix the fields listed below`,
    fromZodIssues(result.error.issues),
  );
}
