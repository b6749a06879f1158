import type { TableSchema } from '@mlinfra/core/schema';
import * as z from 'zod/mini';
import type { PValueCorrection } from '../tests/multiple-testing.js';
import { DRIFT_TESTS, type DriftTestName } from './drift-tests.js';

/** Per-column settings of {@link detectDrift}. */
export interface ColumnDriftOptions {
  /** Test or distance to use instead of the automatic choice. */
  test?: DriftTestName;
  /** Threshold instead of the test's default. */
  threshold?: number;
}

/** Options of {@link detectDrift}. */
export interface DetectDriftOptions {
  /** Column types; listed columns are numeric or categorical by type, others are inferred from reference values. */
  schema?: TableSchema;
  /** Columns to compare (default: every column of the reference). */
  columns?: string[];
  /** Columns to skip (ids, timestamps). */
  ignore?: string[];
  /** Per-column test and threshold overrides, by column name. */
  perColumn?: Record<string, ColumnDriftOptions>;
  /** Test for every numeric column instead of the automatic choice. */
  numericTest?: DriftTestName;
  /** Test for every categorical column instead of the automatic choice. */
  categoricalTest?: DriftTestName;
  /** Threshold for every column instead of the test's default (per-column settings still win). */
  threshold?: number;
  /** The dataset drifts when the share of drifted columns reaches this. Default 0.5. */
  driftShare?: number;
  /** Multiple-testing correction applied to the p-values of all test-based columns before thresholding. Default `'none'` (as Evidently). */
  correction?: PValueCorrection;
  /** Equal-width bins for binned measures on numeric columns. Default 30. */
  bins?: number;
  /** KS p-value method on raw data. Default `'auto'`. */
  ksMethod?: 'auto' | 'exact' | 'asymp';
  /** Columns that hold model outputs; their results get `role: 'prediction'`. */
  predictionColumns?: string[];
}

// zod/mini keeps this entry point small in browser bundles (issue 18).
const columnOptionsSchema = z.strictObject({
  test: z.optional(z.enum(DRIFT_TESTS)),
  threshold: z.optional(z.number().check(z.gte(0))),
});

/** Strict schema of {@link DetectDriftOptions}; `schema` is checked apart by core's `parseSchema`. */
export const detectDriftOptionsSchema = z.strictObject({
  schema: z.optional(z.unknown()),
  columns: z.optional(z.array(z.string())),
  ignore: z.optional(z.array(z.string())),
  perColumn: z.optional(z.record(z.string(), columnOptionsSchema)),
  numericTest: z.optional(z.enum(DRIFT_TESTS)),
  categoricalTest: z.optional(z.enum(DRIFT_TESTS)),
  threshold: z.optional(z.number().check(z.gte(0))),
  driftShare: z.optional(z.number().check(z.gt(0), z.lte(1))),
  correction: z.optional(z.enum(['none', 'bonferroni', 'benjamini-hochberg'])),
  bins: z.optional(z.int().check(z.gte(2), z.lte(10000))),
  ksMethod: z.optional(z.enum(['auto', 'exact', 'asymp'])),
  predictionColumns: z.optional(z.array(z.string())),
});

/** {@link DetectDriftOptions} after validation. */
export type ParsedDetectDriftOptions = z.output<typeof detectDriftOptionsSchema>;
