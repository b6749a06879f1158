import { parseOptions } from '@mlinfra/core/schema';
import { z } from 'zod';
import type { SplitSelection } from '../batches/types.js';

/** The options of `split`, one strict schema. */
export const splitOptionsSchema = z
  .object({
    /** Column whose value decides a row's split. Use a stable id, so rows keep their split across versions. */
    key: z.string().min(1),
    /** Split name to share of rows; shares must sum to 1. Default `{ train: 0.8, validation: 0.1, test: 0.1 }`. */
    fractions: z
      .record(z.string().min(1), z.number().positive().max(1))
      .refine((fractions) => Object.keys(fractions).length > 0, 'give at least one split')
      .refine(
        (fractions) =>
          Math.abs(Object.values(fractions).reduce((sum, share) => sum + share, 0) - 1) < 1e-9,
        'fractions must sum to 1',
      )
      .optional(),
    /** Salt mixed into the hash, to draw a different (still deterministic) assignment. Default `''`. */
    salt: z.string().optional(),
  })
  .strict();

/** Options of `split`; `Name` types the split names of `fractions`. */
export type SplitOptions<Name extends string = string> = Omit<
  z.input<typeof splitOptionsSchema>,
  'fractions'
> & {
  /** Split name to share of rows; shares must sum to 1. Default `{ train: 0.8, validation: 0.1, test: 0.1 }`. */
  fractions?: Record<Name, number>;
};

/** The selections of every split, in the order given. @throws ValidationError for bad options. */
export function splitSelections(options: SplitOptions): SplitSelection[] {
  const parsed = parseOptions(
    splitOptionsSchema,
    options,
    "split options (expected { key: 'id', fractions?: { train: 0.8, validation: 0.1, test: 0.1 }, salt? })",
  );
  const fractions = parsed.fractions ?? { train: 0.8, validation: 0.1, test: 0.1 };
  const selections: SplitSelection[] = [];
  let from = 0;
  const entries = Object.entries(fractions);
  entries.forEach(([name, share], index) => {
    const to = index === entries.length - 1 ? 1 : from + share;
    selections.push({ key: parsed.key, name, from, to, salt: parsed.salt ?? '' });
    from = to;
  });
  return selections;
}

const encoder = new TextEncoder();

/**
 * Position of a key in the unit interval `[0, 1)`: 32-bit FNV-1a of the salt and the key's text,
 * then a murmur3 finaliser. Integers hash the same as int32, int64 (bigint) or text ("42"), so a
 * column's type change keeps assignments.
 */
export function keyPosition(value: unknown, salt = ''): number {
  const text = value instanceof Date ? value.toISOString() : String(value);
  const bytes = encoder.encode(`${salt}\u0000${text}`);
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

/** Whether a row with key `value` belongs to `selection`. Null keys belong to no split. */
export function inSplit(value: unknown, selection: SplitSelection): boolean {
  if (value === null || value === undefined) return false;
  const position = keyPosition(value, selection.salt);
  return position >= selection.from && (position < selection.to || selection.to === 1);
}

/**
 * The split a key value falls in, for assigning a single new row (for example in serving).
 * @returns the split name, or undefined for a null key.
 */
export function splitOf(value: unknown, options: SplitOptions): string | undefined {
  return splitSelections(options).find((selection) => inSplit(value, selection))?.name;
}
