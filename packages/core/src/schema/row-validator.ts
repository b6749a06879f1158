import { z } from 'zod';
import { fromZodIssues, ValidationError, type ValidationIssue } from '../errors/index.js';
import type { Rows } from './infer-schema.js';
import type { ColumnSchema, TableSchema } from './table-schema.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function withRange(validator: z.ZodNumber, column: ColumnSchema): z.ZodNumber {
  let result = validator;
  if (column.min !== undefined) result = result.min(column.min);
  if (column.max !== undefined) result = result.max(column.max);
  return result;
}

function columnValidator(column: ColumnSchema): z.ZodType {
  let validator: z.ZodType;
  switch (column.type) {
    case 'float64':
    case 'float32':
      validator = withRange(z.number(), column);
      break;
    case 'int32':
      validator = withRange(z.number().int().min(INT32_MIN).max(INT32_MAX), column);
      break;
    case 'int64': {
      const asNumber = withRange(z.number().int(), column);
      const asBigint = z
        .bigint()
        .refine(
          (value) =>
            (column.min === undefined || value >= BigInt(Math.ceil(column.min))) &&
            (column.max === undefined || value <= BigInt(Math.floor(column.max))),
          { message: `must be within [${column.min ?? '-inf'}, ${column.max ?? 'inf'}]` },
        );
      validator = z.union([asNumber, asBigint]);
      break;
    }
    case 'bool':
      validator = z.boolean();
      break;
    case 'string':
      validator = z.string();
      break;
    case 'category':
      validator =
        column.categories === undefined
          ? z.string()
          : z.enum(column.categories as [string, ...string[]], {
              error: `must be one of ${column.categories.join(', ')}`,
            });
      break;
    case 'timestamp':
      validator = z.union([z.date(), z.number()]).refine(
        (value) => {
          const time = typeof value === 'number' ? value : value.getTime();
          return (
            Number.isFinite(time) &&
            (column.min === undefined || time >= column.min) &&
            (column.max === undefined || time <= column.max)
          );
        },
        { message: 'must be a valid Date or epoch milliseconds within the column range' },
      );
      break;
  }
  return column.nullable === true ? validator.nullable().optional() : validator;
}

/**
 * Builds a zod validator for one row of `schema`. Unknown keys are rejected, so a typo in a
 * column name is an error rather than a silently dropped value.
 */
export function rowValidator(schema: TableSchema): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const column of schema.columns) shape[column.name] = columnValidator(column);
  return z.strictObject(shape) as unknown as z.ZodType<Record<string, unknown>>;
}

/**
 * Validates every row against `schema`, including `unique` constraints across rows.
 * @param maxIssues stop collecting after this many issues. Default 1000.
 * @throws ValidationError listing every issue found (up to `maxIssues`).
 */
export function validateRows(schema: TableSchema, rows: Rows, maxIssues = 1000): void {
  const validator = rowValidator(schema);
  const issues: ValidationIssue[] = [];
  const uniqueColumns = schema.columns.filter((column) => column.unique === true);
  const seen = uniqueColumns.map(() => new Map<unknown, number>());
  for (let index = 0; index < rows.length && issues.length < maxIssues; index++) {
    const row = rows[index]!;
    const result = validator.safeParse(row);
    if (!result.success) issues.push(...fromZodIssues(result.error.issues, [index]));
    uniqueColumns.forEach((column, position) => {
      const value = row[column.name];
      if (value === null || value === undefined) return;
      const key = value instanceof Date ? value.getTime() : value;
      const first = seen[position]!.get(key);
      if (first === undefined) seen[position]!.set(key, index);
      else
        issues.push({
          path: [index, column.name],
          message: `duplicate value ${String(value)} (first seen in row ${first}); the column is unique`,
        });
    });
  }
  if (issues.length > 0) {
    throw new ValidationError(`${issues.length} row value(s) do not match the schema`, issues);
  }
}
