import { fromZodIssues, ValidationError } from '@mlinfra/core/schema';
import type { z } from 'zod';

/** Parses options once at the boundary; a failure is a ValidationError naming every bad field. */
export function parseOptions<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ValidationError(
      `Invalid ${what}; fix these fields`,
      fromZodIssues(result.error.issues),
    );
  }
  return result.data;
}
