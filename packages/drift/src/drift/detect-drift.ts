import { parseSchema } from '@mlinfra/core/schema';
import type { TableInput } from '../input/table-input.js';
import { parseOptions } from '../internal/options.js';
import type { DatasetProfile } from '../profile/profile.js';
import { adjustPValues } from '../tests/multiple-testing.js';
import { compareColumn } from './compare-column.js';
import { type DetectDriftOptions, detectDriftOptionsSchema } from './detect-drift-options.js';
import type { ColumnDriftResult, DriftReport } from './drift-report.js';
import { columnsToCompare, kindOf, rowCount, sideOf } from './input-side.js';

/**
 * Compares two datasets column by column and decides whether each column, and the dataset,
 * drifted. `reference` and `current` may each be raw data (row objects, column arrays, an Apache
 * Arrow Table) or a {@link DatasetProfile}; with a profile the measures are computed from its
 * sketches and marked `approximate` with an error bound.
 *
 * The test per column is chosen as Evidently documents it: with a reference of at most 1000 rows,
 * KS for numeric columns with more than 5 distinct values, chi-square for other columns with more
 * than 2 values, and the two-proportion Z-test for binary ones; above 1000 rows, the normed
 * Wasserstein distance for numeric columns and Jensen-Shannon for the others. A test drifts when
 * p < threshold (default 0.05), a distance when statistic >= threshold (default 0.1). The dataset
 * drifts when the share of drifted columns reaches `driftShare` (default 0.5).
 *
 * Missing values (null, undefined, NaN) are dropped before testing and counted per side.
 *
 * @throws ValidationError naming the column for mismatched columns, empty samples, wrong types
 * or infinities; and for invalid options.
 */
export function detectDrift(
  reference: TableInput | DatasetProfile,
  current: TableInput | DatasetProfile,
  options: DetectDriftOptions = {},
): DriftReport {
  const parsed = parseOptions(detectDriftOptionsSchema, options, 'detectDrift options');
  const schema = parsed.schema === undefined ? undefined : parseSchema(parsed.schema);
  const ref = sideOf(reference, 'reference');
  const cur = sideOf(current, 'current');
  const names = columnsToCompare(ref, cur, parsed.columns, parsed.ignore);
  const referenceRows = rowCount(ref);
  const predictionColumns = new Set(parsed.predictionColumns ?? []);
  const results: ColumnDriftResult[] = names.map((name) =>
    compareColumn(
      ref,
      cur,
      name,
      kindOf(ref, name, schema),
      predictionColumns.has(name) ? 'prediction' : 'feature',
      parsed,
    ),
  );
  const correction = parsed.correction ?? 'none';
  const withP = results.filter((r) => r.pValue !== null);
  const adjusted = adjustPValues(
    withP.map((r) => r.pValue as number),
    correction,
  );
  withP.forEach((r, i) => {
    r.adjustedPValue = adjusted[i] ?? null;
  });
  for (const r of results) {
    r.drifted =
      r.adjustedPValue !== null ? r.adjustedPValue < r.threshold : r.statistic >= r.threshold;
  }
  const driftedColumns = results.filter((r) => r.drifted).length;
  const driftShareThreshold = parsed.driftShare ?? 0.5;
  const share = driftedColumns / results.length;
  return {
    format: 'mlinfra.drift.report',
    version: 1,
    createdAt: new Date().toISOString(),
    datasetDrift: share >= driftShareThreshold,
    driftShare: share,
    driftShareThreshold,
    driftedColumns,
    columnCount: results.length,
    referenceRows,
    currentRows: rowCount(cur),
    correction,
    source: { reference: ref.kind, current: cur.kind },
    columns: results,
  };
}
