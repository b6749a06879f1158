import { parseOptions as parseWithSchema } from '@mlinfra/core/schema';
import type { $ZodType, output } from 'zod/v4/core';

/** Validates an options object once, at the boundary, with a message that names the field. */
export function parseOptions<T extends $ZodType>(
  schema: T,
  value: unknown,
  what: string,
): output<T> {
  // Omitted options mean all defaults.
  return parseWithSchema(schema, value ?? {}, what);
}
