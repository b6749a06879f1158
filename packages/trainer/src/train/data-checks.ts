import { ValidationError, type ValidationIssue } from '@mlinfra/core';
import { z } from 'zod';
import type { LossSpec } from './losses.js';

/** Issues listed per bad input before the scan stops. */
const MAX_ISSUES = 10;

/** What the labels must hold for a loss, given the model's output shape. */
export interface LabelRule {
  /** The loss, for messages. */
  loss: string;
  /** Label values per row the loss needs (undefined: any width). */
  width: number | undefined;
  /** What a valid label row is, for messages. */
  expected: string;
  /** Whether one label row is valid. */
  valid(row: Float32Array): boolean;
}

/**
 * The label rule of a named loss: `sparseCategoricalCrossentropy` takes one integer class index
 * in [0, classes) per row, `binaryCrossentropy` values in [0, 1], `categoricalCrossentropy` rows of
 * `classes` values in [0, 1] summing to 1 (one-hot or probabilities). Other losses (and custom
 * ones) take any finite label.
 */
export function labelRule(
  loss: LossSpec | undefined,
  outputShape: readonly (number | null)[],
): LabelRule | undefined {
  const last = outputShape.at(-1);
  const classes = typeof last === 'number' ? last : undefined;
  switch (loss) {
    case 'sparseCategoricalCrossentropy':
      return {
        loss,
        width: 1,
        expected: `an integer class index in [0, ${classes ?? 'classes'})`,
        valid: (row) => {
          const value = row[0] as number;
          return (
            Number.isInteger(value) && value >= 0 && (classes === undefined || value < classes)
          );
        },
      };
    case 'binaryCrossentropy':
      return {
        loss,
        width: undefined,
        expected: 'values in [0, 1]',
        valid: (row) => row.every((value) => value >= 0 && value <= 1),
      };
    case 'categoricalCrossentropy':
      return {
        loss,
        width: classes,
        expected: `${classes ?? 'classes'} values in [0, 1] summing to 1 (one-hot or probabilities)`,
        valid: (row) => {
          let sum = 0;
          for (const value of row) {
            if (!(value >= 0 && value <= 1)) return false;
            sum += value;
          }
          return Math.abs(sum - 1) <= 1e-3;
        },
      };
    default:
      return undefined;
  }
}

/** Where the rows being checked come from, for messages: `data.train`, batch 3, first row 0. */
export interface RowOrigin {
  what: string;
  /** Batch number within the epoch (streams), from 0. */
  batch?: number;
}

function place(origin: RowOrigin, row: number): string {
  return origin.batch === undefined
    ? `${origin.what} row ${row}`
    : `${origin.what} batch ${origin.batch} row ${row}`;
}

function format(values: Float32Array): string {
  return values.length === 1 ? String(values[0]) : `[${Array.from(values).join(', ')}]`;
}

/**
 * Refuses NaN or Infinity in `data` (row-major, `width` values per row), naming the rows and values.
 * @throws ValidationError
 */
export function assertFinite(
  data: Float32Array,
  width: number,
  role: 'features' | 'labels',
  origin: RowOrigin,
): void {
  const issues: ValidationIssue[] = [];
  for (let index = 0; index < data.length; index++) {
    const value = data[index] as number;
    // NaN and ±Infinity are the only values for which value - value is not 0.
    if (value - value === 0) continue;
    const row = Math.floor(index / width);
    issues.push({
      path: [origin.what, role === 'features' ? 'x' : 'y', row],
      message: `${place(origin, row)}: ${role === 'features' ? `feature ${index % width}` : 'label'} is ${value}`,
    });
    if (issues.length >= MAX_ISSUES) break;
    index = (row + 1) * width - 1;
  }
  if (issues.length === 0) return;
  throw new ValidationError(
    `${origin.what} has NaN or Infinity in its ${role}; clean or impute them before training (first at ${place(origin, issues[0]?.path[2] as number)})`,
    issues,
  );
}

/**
 * Refuses labels the loss cannot learn from (see {@link labelRule}), naming the rows and values.
 * @throws ValidationError
 */
export function assertLabels(
  labels: Float32Array,
  width: number,
  rule: LabelRule,
  origin: RowOrigin,
): void {
  if (rule.width !== undefined && width !== rule.width) {
    throw new ValidationError(
      `${origin.what} has ${width} label values per row but ${rule.loss} needs ${rule.expected} per row; ${rule.loss === 'sparseCategoricalCrossentropy' ? 'give one class index per row, or use categoricalCrossentropy for one-hot labels' : 'give one value per model output'}`,
    );
  }
  const issues: ValidationIssue[] = [];
  const rows = labels.length / width;
  for (let row = 0; row < rows && issues.length < MAX_ISSUES; row++) {
    const values = labels.subarray(row * width, (row + 1) * width);
    if (rule.valid(values)) continue;
    issues.push({
      path: [origin.what, 'y', row],
      message: `${place(origin, row)}: label ${format(values)} is not ${rule.expected}`,
    });
  }
  if (issues.length === 0) return;
  throw new ValidationError(
    `${origin.what} has labels that ${rule.loss} cannot learn from: it needs ${rule.expected} per row; fix the labels (or the loss) listed below`,
    issues,
  );
}

/** Class names of a classifier's output, in index order: distinct, non-empty. */
export const classNamesSchema = z
  .array(z.string().min(1))
  .min(1)
  .refine((names) => new Set(names).size === names.length, 'class names must be distinct');

/**
 * Refuses class names that do not match the model's output: one per output unit, or two (the
 * names of 0 and 1) for a single output.
 * @throws ValidationError
 */
export function assertClasses(
  classes: readonly string[],
  outputShape: readonly (number | null)[],
): void {
  const units = outputShape.at(-1);
  if (typeof units !== 'number') return;
  const expected = units === 1 ? 2 : units;
  if (classes.length !== expected) {
    throw new ValidationError(
      `classes has ${classes.length} names but the model has ${units} output${units === 1 ? ' (give the names of 0 and 1)' : 's (one name per output, in index order)'}`,
    );
  }
}
