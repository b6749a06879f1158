import type { ColumnKind } from '../input/table-input.js';
import { numericCount, requireNonEmpty, unionDistinct } from './column-data.js';
import type { ParsedDetectDriftOptions } from './detect-drift-options.js';
import { categoricalDistribution, numericDistribution } from './distribution.js';
import type { ColumnDistribution, ColumnDriftResult } from './drift-report.js';
import { chooseTest, type DriftTestName, defaultThreshold } from './drift-tests.js';
import { categoricalSide, type InputSide, numericSide } from './input-side.js';
import { type ColumnStatistic, runCategorical, runNumeric } from './run-column-test.js';

/** One column compared on both sides, before thresholds apply. */
interface Comparison {
  test: DriftTestName;
  computed: ColumnStatistic;
  referenceCount: number;
  currentCount: number;
  referenceMissing: number;
  currentMissing: number;
  distribution: ColumnDistribution;
}

/**
 * Extracts column `name` from both sides with `extract`, in order, and checks that each keeps
 * values once missing ones are dropped.
 */
function bothSides<S>(
  extract: (side: InputSide, name: string, what: 'reference' | 'current') => S,
  count: (side: S) => number,
  reference: InputSide,
  current: InputSide,
  name: string,
): [S, S] {
  const a = extract(reference, name, 'reference');
  const b = extract(current, name, 'current');
  requireNonEmpty(count(a), name, 'reference');
  requireNonEmpty(count(b), name, 'current');
  return [a, b];
}

function compareNumeric(
  reference: InputSide,
  current: InputSide,
  name: string,
  options: ParsedDetectDriftOptions,
): Comparison {
  const [a, b] = bothSides(numericSide, numericCount, reference, current, name);
  const referenceCount = numericCount(a);
  const test =
    options.perColumn?.[name]?.test ??
    options.numericTest ??
    chooseTest('numeric', unionDistinct(a, b, 6), referenceCount + a.missing);
  return {
    test,
    computed: runNumeric(test, a, b, name, options.bins ?? 30, options.ksMethod ?? 'auto'),
    referenceCount,
    currentCount: numericCount(b),
    referenceMissing: a.missing,
    currentMissing: b.missing,
    distribution: numericDistribution(a, b),
  };
}

function compareCategorical(
  reference: InputSide,
  current: InputSide,
  name: string,
  options: ParsedDetectDriftOptions,
): Comparison {
  const [a, b] = bothSides(categoricalSide, (side) => side.total, reference, current, name);
  const test =
    options.perColumn?.[name]?.test ??
    options.categoricalTest ??
    chooseTest(
      'categorical',
      new Set([...a.counts.keys(), ...b.counts.keys()]).size,
      a.total + a.missing,
    );
  return {
    test,
    computed: runCategorical(test, a, b, name),
    referenceCount: a.total,
    currentCount: b.total,
    referenceMissing: a.missing,
    currentMissing: b.missing,
    distribution: categoricalDistribution(a, b),
  };
}

/**
 * Runs the chosen (or configured) test on column `name` of kind `kind` and returns its result with
 * the threshold resolved; `adjustedPValue` equals `pValue` and `drifted` is false until
 * `detectDrift` applies the multiple-testing correction across columns.
 */
export function compareColumn(
  reference: InputSide,
  current: InputSide,
  name: string,
  kind: ColumnKind,
  role: ColumnDriftResult['role'],
  options: ParsedDetectDriftOptions,
): ColumnDriftResult {
  const { test, computed, ...counts } =
    kind === 'numeric'
      ? compareNumeric(reference, current, name, options)
      : compareCategorical(reference, current, name, options);
  return {
    column: name,
    kind,
    role,
    test,
    statistic: computed.statistic,
    pValue: computed.pValue,
    adjustedPValue: computed.pValue,
    threshold: options.perColumn?.[name]?.threshold ?? options.threshold ?? defaultThreshold(test),
    drifted: false,
    referenceCount: counts.referenceCount,
    currentCount: counts.currentCount,
    referenceMissing: counts.referenceMissing,
    currentMissing: counts.currentMissing,
    approximate: computed.approximate,
    errorBound: computed.errorBound,
    distribution: counts.distribution,
  };
}
