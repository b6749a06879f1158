import * as z from 'zod/mini';
import { fromZodIssues, ValidationError } from '../errors/index.js';
import { safeParseWithMessages } from '../errors/parse-options.js';

/** Column types understood by every mlinfra package. */
export const COLUMN_TYPES = [
  'float64',
  'float32',
  'int32',
  'int64',
  'bool',
  'string',
  'category',
  'timestamp',
] as const;

/** One of {@link COLUMN_TYPES}. */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** One column of a table. JSON-serializable. */
export interface ColumnSchema {
  /** Column name, unique within the table. */
  name: string;
  /** Logical type. */
  type: ColumnType;
  /** Whether null (or undefined) is allowed. Default `false`. */
  nullable?: boolean;
  /** For `category` columns: the allowed values. Absent means any string. */
  categories?: string[];
  /** Smallest allowed value (inclusive) for numeric columns, epoch milliseconds for timestamps. */
  min?: number;
  /** Largest allowed value (inclusive) for numeric columns, epoch milliseconds for timestamps. */
  max?: number;
  /** Whether every non-null value must be distinct. Default `false`. */
  unique?: boolean;
  /** Free text shown in reports and docs. */
  description?: string;
}

/** A table schema: an ordered list of columns. JSON-serializable. */
export interface TableSchema {
  columns: ColumnSchema[];
}

// zod/mini: this module is in every drift browser bundle (issue 18).
const columnSchemaValidator = z.strictObject({
  name: z.string().check(
    z.minLength(1, 'a column name must not be empty'),
    // Rows are plain objects keyed by column name, where `__proto__` is not a property.
    z.refine((name) => name !== '__proto__', {
      message: 'the column name "__proto__" cannot be a key of a row object; rename the column',
    }),
  ),
  type: z.enum(COLUMN_TYPES, {
    error: `type must be one of ${COLUMN_TYPES.join(', ')}`,
  }),
  nullable: z.optional(z.boolean()),
  categories: z.optional(z.array(z.string())),
  min: z.optional(z.number()),
  max: z.optional(z.number()),
  unique: z.optional(z.boolean()),
  description: z.optional(z.string()),
});

const tableSchemaValidator = z.strictObject({ columns: z.array(columnSchemaValidator) }).check(
  z.superRefine((schema, context) => {
    const seen = new Set<string>();
    schema.columns.forEach((column, index) => {
      if (seen.has(column.name)) {
        context.addIssue({
          code: 'custom',
          path: ['columns', index, 'name'],
          message: `duplicate column name "${column.name}"; rename one of them`,
        });
      }
      seen.add(column.name);
      if (column.categories !== undefined && column.type !== 'category') {
        context.addIssue({
          code: 'custom',
          path: ['columns', index, 'categories'],
          message: `categories are only allowed on type "category", not "${column.type}"`,
        });
      }
      if (column.min !== undefined && column.max !== undefined && column.min > column.max) {
        context.addIssue({
          code: 'custom',
          path: ['columns', index],
          message: `min (${column.min}) is greater than max (${column.max})`,
        });
      }
    });
  }),
);

/**
 * Checks that `value` is a valid {@link TableSchema} (for example one read back from JSON).
 * @throws ValidationError listing every problem.
 */
export function parseSchema(value: unknown): TableSchema {
  const result = safeParseWithMessages(tableSchemaValidator, value);
  if (!result.success) {
    throw new ValidationError(
      'Invalid table schema; expected { columns: [{ name, type, nullable? }] }',
      fromZodIssues(result.error.issues),
    );
  }
  return result.data as TableSchema;
}

/** True for the column types whose values are numbers (timestamps excluded). */
export function isNumericType(type: ColumnType): boolean {
  return type === 'float64' || type === 'float32' || type === 'int32' || type === 'int64';
}
