import { type TableSchema, ValidationError, type ValidationIssue } from '@mlinfra/core';
import { type DatasetProfile, type DetectDriftOptions, detectDrift } from '@mlinfra/drift';
import { z } from 'zod';
import type { TableStats } from '../stats/column-stats.js';
import type { CellValue, ColumnChunk } from '../table/column-chunk.js';

/**
 * A statistical expectation checked on commit. `mostly` (0..1, default 1) is the fraction of
 * values (or, for `classBalance`, of classes) that must pass, as in Great Expectations.
 * Expectations on values look at the rows of this commit; `rowCount` at the resulting version;
 * `*Change` ones compare the resulting version with its parent (and pass when there is none).
 */
export type Expectation =
  /** Volume bounds of the resulting version, in rows (inclusive). */
  | { type: 'rowCount'; min?: number; max?: number }
  /** Largest relative change in row count from the parent: `0.1` = 10 %. */
  | { type: 'rowCountChange'; maxDecrease?: number; maxIncrease?: number }
  /** At least `mostly` of the column's values are non-null (null fraction at most `1 - mostly`). */
  | { type: 'notNull'; column: string; mostly?: number }
  /** Largest increase of the null fraction from the parent, in absolute fraction (`0.05` = 5 points). */
  | { type: 'nullFractionChange'; column: string; maxIncrease: number }
  /** At least `mostly` of the non-null values lie in `[min, max]` (timestamps: epoch ms). */
  | { type: 'between'; column: string; min?: number; max?: number; mostly?: number }
  /** At least `mostly` of the non-null values are in `values`. */
  | { type: 'inSet'; column: string; values: Array<string | number | boolean>; mostly?: number }
  /** At least `mostly` of the non-null values are distinct. */
  | { type: 'unique'; column: string; mostly?: number }
  /**
   * Class balance: each class's share of non-null values lies in `[minShare, maxShare]`, for at
   * least `mostly` of the classes.
   */
  | { type: 'classBalance'; column: string; minShare?: number; maxShare?: number; mostly?: number }
  /** The column mean lies in `[min, max]`. */
  | { type: 'meanBetween'; column: string; min?: number; max?: number }
  /** The mean moved at most `maxStd` parent standard deviations from the parent's mean. */
  | { type: 'meanChange'; column: string; maxStd: number }
  /**
   * No dataset drift between the parent version and this commit's rows, by `@mlinfra/drift`'s
   * `detectDrift` on the two stored profiles (`options` as there, for example `{ columns,
   * threshold, driftShare }`). Needs profiles (`profile: true`, the default).
   */
  | { type: 'drift'; options?: DetectDriftOptions };

const fraction = z.number().min(0).max(1);
const column = z.string().min(1);
const expectationValidator = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('rowCount'),
      min: z.number().int().min(0).optional(),
      max: z.number().int().min(0).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('rowCountChange'),
      maxDecrease: z.number().min(0).optional(),
      maxIncrease: z.number().min(0).optional(),
    })
    .strict(),
  z.object({ type: z.literal('notNull'), column, mostly: fraction.optional() }).strict(),
  z.object({ type: z.literal('nullFractionChange'), column, maxIncrease: fraction }).strict(),
  z
    .object({
      type: z.literal('between'),
      column,
      min: z.number().optional(),
      max: z.number().optional(),
      mostly: fraction.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('inSet'),
      column,
      values: z.array(z.union([z.string(), z.number(), z.boolean()])),
      mostly: fraction.optional(),
    })
    .strict(),
  z.object({ type: z.literal('unique'), column, mostly: fraction.optional() }).strict(),
  z
    .object({
      type: z.literal('classBalance'),
      column,
      minShare: fraction.optional(),
      maxShare: fraction.optional(),
      mostly: fraction.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('meanBetween'),
      column,
      min: z.number().optional(),
      max: z.number().optional(),
    })
    .strict(),
  z.object({ type: z.literal('meanChange'), column, maxStd: z.number().min(0) }).strict(),
  z
    .object({ type: z.literal('drift'), options: z.record(z.string(), z.unknown()).optional() })
    .strict(),
]);

/**
 * The expectations of a commit, checked in shape at the boundary (inside the commit options
 * schema, so issue paths start at `expectations`); typed as the documented {@link Expectation}.
 */
export const expectationsSchema = z.array(expectationValidator) as unknown as z.ZodType<
  Expectation[],
  Expectation[]
>;

/** Checks that expectations (already shape-checked) name columns of `schema`. */
export function checkExpectationColumns(
  expectations: readonly Expectation[],
  schema: TableSchema,
): Expectation[] {
  const names = new Set(schema.columns.map((entry) => entry.name));
  const issues: ValidationIssue[] = [];
  expectations.forEach((expectation, index) => {
    if ('column' in expectation && !names.has(expectation.column)) {
      issues.push({
        path: ['expectations', index, 'column'],
        message: `column "${expectation.column}" is not in the schema (${[...names].join(', ')})`,
      });
    }
  });
  if (issues.length > 0) throw new ValidationError('Invalid expectations', issues);
  return [...expectations];
}

function toNumber(value: CellValue): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' ? value : Number.NaN;
}

/** Counters one value-level expectation needs from a pass over the rows. */
interface Tally {
  passed: number;
  checked: number;
  distinct?: Set<unknown>;
}

/** Checks expectations: a pass over the committed rows, then a check against the statistics. */
export class ExpectationChecker {
  private readonly tallies: Tally[];

  /** Columns where NaN marks a null (timestamps); in float columns NaN is a value. */
  private readonly nanIsNull: Set<string>;
  private readonly hasSchema: boolean;

  constructor(
    private readonly expectations: readonly Expectation[],
    schema?: TableSchema,
  ) {
    this.hasSchema = schema !== undefined;
    this.nanIsNull = new Set(
      (schema?.columns ?? [])
        .filter((column) => column.type !== 'float64' && column.type !== 'float32')
        .map((column) => column.name),
    );
    this.tallies = expectations.map((expectation) =>
      expectation.type === 'unique'
        ? { passed: 0, checked: 0, distinct: new Set() }
        : { passed: 0, checked: 0 },
    );
  }

  /** Counts value-level results on one normalised chunk. */
  add(chunk: ColumnChunk): void {
    this.expectations.forEach((expectation, index) => {
      const tally = this.tallies[index]!;
      if (
        expectation.type !== 'between' &&
        expectation.type !== 'inSet' &&
        expectation.type !== 'unique'
      )
        return;
      const values = chunk.columns[expectation.column];
      if (values === undefined) return;
      const allowed =
        expectation.type === 'inSet' ? new Set(expectation.values.map(String)) : undefined;
      const schemaless = this.nanIsNull.size === 0 && !this.hasSchema;
      for (let row = 0; row < chunk.length; row++) {
        const value = values[row] as CellValue;
        if (
          value === null ||
          (typeof value === 'number' &&
            Number.isNaN(value) &&
            (schemaless || this.nanIsNull.has(expectation.column)))
        )
          continue;
        tally.checked++;
        if (expectation.type === 'between') {
          const number = toNumber(value);
          if (
            (expectation.min === undefined || number >= expectation.min) &&
            (expectation.max === undefined || number <= expectation.max)
          ) {
            tally.passed++;
          }
        } else if (expectation.type === 'inSet') {
          if (allowed!.has(String(value))) tally.passed++;
        } else {
          const key = value instanceof Date ? value.getTime() : value;
          if (!tally.distinct!.has(key)) {
            tally.distinct!.add(key);
            tally.passed++;
          }
        }
      }
    });
  }

  /**
   * Issues for failed expectations. `commitStats` describe this commit's rows, `versionStats` and
   * `rowCount` the resulting version, `parent` its parent (if any).
   */
  finish(
    commitStats: TableStats,
    commitRows: number,
    version: { rowCount: number; stats: TableStats },
    parent: { rowCount: number; stats: TableStats } | undefined,
  ): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    const fail = (index: number, message: string) =>
      issues.push({ path: ['expectations', index, this.expectations[index]!.type], message });
    const pct = (value: number) => `${(value * 100).toFixed(2)} %`;
    this.expectations.forEach((expectation, index) => {
      const tally = this.tallies[index]!;
      switch (expectation.type) {
        case 'rowCount':
          if (expectation.min !== undefined && version.rowCount < expectation.min) {
            fail(
              index,
              `the version would have ${version.rowCount} rows, fewer than the minimum ${expectation.min}`,
            );
          }
          if (expectation.max !== undefined && version.rowCount > expectation.max) {
            fail(
              index,
              `the version would have ${version.rowCount} rows, more than the maximum ${expectation.max}`,
            );
          }
          break;
        case 'rowCountChange': {
          if (parent === undefined || parent.rowCount === 0) break;
          const change = (version.rowCount - parent.rowCount) / parent.rowCount;
          if (expectation.maxDecrease !== undefined && -change > expectation.maxDecrease) {
            fail(
              index,
              `row count fell by ${pct(-change)} from the parent (${parent.rowCount} -> ${version.rowCount}), more than ${pct(expectation.maxDecrease)}`,
            );
          }
          if (expectation.maxIncrease !== undefined && change > expectation.maxIncrease) {
            fail(
              index,
              `row count grew by ${pct(change)} from the parent (${parent.rowCount} -> ${version.rowCount}), more than ${pct(expectation.maxIncrease)}`,
            );
          }
          break;
        }
        case 'notNull': {
          const stats = commitStats[expectation.column];
          if (stats === undefined || commitRows === 0) break;
          // NaN and infinities are values (see NonFiniteCounter): only nulls count against it.
          const share = (commitRows - stats.nulls) / commitRows;
          const mostly = expectation.mostly ?? 1;
          if (share < mostly) {
            fail(
              index,
              `column "${expectation.column}" is non-null in ${pct(share)} of rows (${stats.nulls} nulls), expected at least ${pct(mostly)}`,
            );
          }
          break;
        }
        case 'nullFractionChange': {
          const before = parent?.stats[expectation.column];
          const after = version.stats[expectation.column];
          if (
            before === undefined ||
            after === undefined ||
            parent === undefined ||
            parent.rowCount === 0 ||
            version.rowCount === 0
          )
            break;
          const increase = after.nulls / version.rowCount - before.nulls / parent.rowCount;
          if (increase > expectation.maxIncrease) {
            fail(
              index,
              `column "${expectation.column}" null fraction rose by ${pct(increase)} from the parent, more than ${pct(expectation.maxIncrease)}`,
            );
          }
          break;
        }
        case 'between':
        case 'inSet':
        case 'unique': {
          if (tally.checked === 0) break;
          const share = tally.passed / tally.checked;
          const mostly = expectation.mostly ?? 1;
          if (share < mostly) {
            const what =
              expectation.type === 'between'
                ? `within [${expectation.min ?? '-inf'}, ${expectation.max ?? 'inf'}]`
                : expectation.type === 'inSet'
                  ? `in the allowed set`
                  : 'distinct';
            fail(
              index,
              `${pct(share)} of column "${expectation.column}" values are ${what} (${tally.checked - tally.passed} are not), expected at least ${pct(mostly)}`,
            );
          }
          break;
        }
        case 'classBalance': {
          const stats = commitStats[expectation.column];
          if (stats?.valueCounts === undefined || stats.count === 0) {
            if (stats !== undefined && stats.count > 0) {
              fail(
                index,
                `column "${expectation.column}" has more than 1000 classes; class balance needs a categorical column`,
              );
            }
            break;
          }
          const classes = Object.entries(stats.valueCounts);
          const bad = classes.filter(([, count]) => {
            const share = count / stats.count;
            return (
              (expectation.minShare !== undefined && share < expectation.minShare) ||
              (expectation.maxShare !== undefined && share > expectation.maxShare)
            );
          });
          const mostly = expectation.mostly ?? 1;
          if (classes.length > 0 && (classes.length - bad.length) / classes.length < mostly) {
            const shown = bad
              .slice(0, 5)
              .map(([name, count]) => `${name}: ${pct(count / stats.count)}`)
              .join(', ');
            fail(
              index,
              `column "${expectation.column}" classes outside shares [${expectation.minShare ?? 0}, ${expectation.maxShare ?? 1}]: ${shown}${bad.length > 5 ? ', ...' : ''}`,
            );
          }
          break;
        }
        case 'meanBetween': {
          const mean = commitStats[expectation.column]?.mean;
          if (mean === undefined) break;
          if (
            (expectation.min !== undefined && mean < expectation.min) ||
            (expectation.max !== undefined && mean > expectation.max)
          ) {
            fail(
              index,
              `column "${expectation.column}" mean is ${mean}, outside [${expectation.min ?? '-inf'}, ${expectation.max ?? 'inf'}]`,
            );
          }
          break;
        }
        case 'meanChange': {
          const before = parent?.stats[expectation.column];
          const after = version.stats[expectation.column];
          if (before?.mean === undefined || after?.mean === undefined) break;
          const scale = before.std !== undefined && before.std > 0 ? before.std : 1;
          const moved = Math.abs(after.mean - before.mean) / scale;
          if (moved > expectation.maxStd) {
            fail(
              index,
              `column "${expectation.column}" mean moved ${moved.toFixed(3)} parent standard deviations (${before.mean} -> ${after.mean}), more than ${expectation.maxStd}`,
            );
          }
          break;
        }
      }
    });
    return issues;
  }
}

/**
 * Issues for failed `drift` expectations: drift between the parent's profile and the commit's.
 * Passes when either profile is missing (first commit, or profiles turned off).
 */
export function driftIssues(
  expectations: readonly Expectation[],
  parentProfile: DatasetProfile | undefined,
  commitProfile: DatasetProfile | undefined,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  expectations.forEach((expectation, index) => {
    if (expectation.type !== 'drift' || parentProfile === undefined || commitProfile === undefined)
      return;
    if (parentProfile.rowCount === 0 || commitProfile.rowCount === 0) return;
    const report = detectDrift(parentProfile, commitProfile, expectation.options ?? {});
    if (report.datasetDrift) {
      const drifted = report.columns
        .filter((column) => column.drifted)
        .map((column) => `${column.column} (${column.test} ${column.statistic.toPrecision(3)})`);
      issues.push({
        path: ['expectations', index, 'drift'],
        message: `the data drifted from the parent version in ${drifted.length} column(s): ${drifted.slice(0, 8).join(', ')}; share ${(report.driftShare * 100).toFixed(0)} % >= ${(report.driftShareThreshold * 100).toFixed(0)} %`,
      });
    }
  });
  return issues;
}
