import { parseOptions as parseWithSchema } from '@mlinfra/core/schema';
import type { z } from 'zod';

/** Validates an options object once, at the boundary, with a message that names the field. */
export function parseOptions<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  // Omitted options mean all defaults.
  return parseWithSchema(schema, value ?? {}, what);
}
