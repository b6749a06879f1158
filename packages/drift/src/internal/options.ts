import { fromZodIssues, ValidationError } from '@mlinfra/core/schema';
import type { z } from 'zod';

/** Validates an options object once, at the boundary, with a message that names the field. */
export function parseOptions<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new ValidationError(
      `Invalid ${what}; fix the fields listed`,
      fromZodIssues(result.error.issues),
    );
  }
  return result.data;
}
