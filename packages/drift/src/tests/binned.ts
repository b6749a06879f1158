import { z } from 'zod';
import { parseOptions } from '../internal/options.js';
import {
  type CategoricalSample,
  countCategories,
  finiteView,
  type NumericSample,
} from '../internal/sample.js';
import { sortFloat64 } from '../internal/sort.js';
import type { TestResult } from './types.js';

/**
 * Options of the binned measures ({@link psi}, {@link klDivergence}, {@link jensenShannonDistance},
 * {@link hellingerDistance}).
 *
 * Binning rule (Evidently's `get_binned_data`): numbers are cut into `bins` equal-width bins over the
 * range of both samples together (`numpy.histogram_bin_edges(concat, bins)`; the last bin includes
 * its right edge) when the reference has more than 20 distinct values; otherwise, and for
 * categories, every distinct value seen on either side is its own bin. Proportions are counts
 * divided by the sample size.
 */
export interface BinningOptions {
  /** Number of equal-width bins for numeric data. Default 30. */
  bins?: number;
  /**
   * How a zero proportion is replaced before taking logarithms (PSI and KL only; Jensen-Shannon
   * and Hellinger need none). Default `'evidently'`: 0.0001, or the smallest non-zero proportion
   * divided by 10^6 when that is at most 0.0001. A number uses that value.
   */
  epsilon?: 'evidently' | number;
}

const binningSchema = z
  .object({
    bins: z.number().int().min(1).max(100000).optional(),
    epsilon: z.union([z.literal('evidently'), z.number().positive().max(1)]).optional(),
  })
  .strict();

/** Two aligned probability vectors over the same bins. */
export interface BinnedDistributions {
  reference: Float64Array;
  current: Float64Array;
  /** Bin labels: category names, or `[low, high)` edges for numeric bins. */
  labels: string[];
}

/** numpy.histogram_bin_edges(values, bins) for a uniform range [min, max]. */
export function histogramEdges(min: number, max: number, bins: number): Float64Array {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  const step = (hi - lo) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = i * step + lo;
  edges[bins] = hi;
  return edges;
}

/** Counts of sorted values per bin, as numpy.histogram (values outside the edges are dropped). */
export function histogramCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (v < (edges[0] as number) || v > (edges[bins] as number)) continue;
    while (bin < bins - 1 && v >= (edges[bin + 1] as number)) bin++;
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}

/** Counts of (unsorted) values per equal-width bin, with numpy.histogram's index arithmetic. */
export function histogramCountsUnsorted(values: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const first = edges[0] as number;
  const last = edges[bins] as number;
  const norm = bins / (last - first);
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < first || v > last) continue;
    let index = Math.trunc((v - first) * norm);
    if (index === bins) index -= 1;
    if (v < (edges[index] as number)) index -= 1;
    else if (index !== bins - 1 && v >= (edges[index + 1] as number)) index += 1;
    counts[index] = (counts[index] as number) + 1;
  }
  return counts;
}

function finiteWithRange(values: NumericSample, name: string): [Float64Array, number, number] {
  let min = Infinity;
  let max = -Infinity;
  if (values instanceof Float64Array && values.length > 0) {
    let finite = true;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v - v !== 0) finite = false;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // Let finiteView name the first bad value.
    if (!finite) finiteView(values, name);
    return [values, min, max];
  }
  const array = finiteView(values, name);
  for (let i = 0; i < array.length; i++) {
    const v = array[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [array, min, max];
}

/** Up to `limit + 1` distinct values of a sample (enough to apply the 20-distinct-values rule). */
function fewDistinct(values: Float64Array, limit: number): Set<number> {
  const seen = new Set<number>();
  for (let i = 0; i < values.length && seen.size <= limit; i++) seen.add(values[i] as number);
  return seen;
}

/** Binned proportions of two numeric samples by the rule of {@link BinningOptions} (no sorting: O(n)). */
export function binNumeric(
  reference: NumericSample,
  current: NumericSample,
  bins = 30,
): BinnedDistributions {
  // One pass per sample checks finiteness and finds the range (NaN and ±Infinity fail x - x === 0).
  const [a, minA, maxA] = finiteWithRange(reference, 'reference');
  const [b, minB, maxB] = finiteWithRange(current, 'current');
  if (fewDistinct(a, 20).size > 20) {
    const edges = histogramEdges(Math.min(minA, minB), Math.max(maxA, maxB), bins);
    const ref = histogramCountsUnsorted(a, edges).map((c) => c / a.length);
    const cur = histogramCountsUnsorted(b, edges).map((c) => c / b.length);
    const labels = Array.from(
      { length: bins },
      (_, i) => `[${edges[i]}, ${edges[i + 1]}${i === bins - 1 ? ']' : ')'}`,
    );
    return { reference: ref, current: cur, labels };
  }
  const sa = sortFloat64(a.slice());
  const sb = sortFloat64(b.slice());
  const keys = [...new Set([...sa, ...sb])].sort((x, y) => x - y);
  return { reference: recount(sa, keys), current: recount(sb, keys), labels: keys.map(String) };
}

function recount(sorted: Float64Array, keys: number[]): Float64Array {
  const out = new Float64Array(keys.length);
  let k = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (keys[k] !== sorted[i]) k++;
    out[k] = (out[k] as number) + 1;
  }
  return out.map((c) => c / sorted.length);
}

/** Proportions of each category seen on either side, in order of first appearance (reference first). */
export function binCategorical(
  reference: CategoricalSample,
  current: CategoricalSample,
): BinnedDistributions {
  const ref = countCategories(reference, 'reference');
  const cur = countCategories(current, 'current');
  const keys = [...new Set([...ref.keys(), ...cur.keys()])];
  return {
    reference: Float64Array.from(keys, (k) => (ref.get(k) ?? 0) / reference.length),
    current: Float64Array.from(keys, (k) => (cur.get(k) ?? 0) / current.length),
    labels: keys,
  };
}

/** Replaces zero proportions as Evidently's `feel_zeroes` does (or with a fixed epsilon). */
export function fillZeros(p: Float64Array, epsilon: 'evidently' | number): Float64Array {
  let fill: number;
  if (epsilon === 'evidently') {
    let min = Infinity;
    for (const v of p) if (v !== 0 && v < min) min = v;
    fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  } else {
    fill = epsilon;
  }
  return p.map((v) => (v === 0 ? fill : v));
}

/** Categorical when the first value is not a number (a later non-number in a numeric sample is rejected by name). */
function isCategorical(values: ArrayLike<unknown>): boolean {
  if (ArrayBuffer.isView(values)) return false;
  return values.length > 0 && typeof values[0] !== 'number';
}

function bin(
  reference: ArrayLike<unknown>,
  current: ArrayLike<unknown>,
  bins: number,
): BinnedDistributions {
  if (isCategorical(reference) || isCategorical(current)) {
    return binCategorical(reference as CategoricalSample, current as CategoricalSample);
  }
  return binNumeric(reference as NumericSample, current as NumericSample, bins);
}

/** A sample for binned measures: numbers (binned) or categories (one bin per value). */
export type BinnableSample = NumericSample | CategoricalSample;

/** PSI over two aligned probability vectors: Σ (r - c) · ln(r / c). */
export function psiFromProportions(reference: Float64Array, current: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const c = current[i] as number;
    sum += (r - c) * Math.log(r / c);
  }
  return sum;
}

/** KL(reference || current) in nats over aligned vectors, as `scipy.stats.entropy(r, c)` (normalizes both). */
export function klFromProportions(reference: Float64Array, current: Float64Array): number {
  const rs = reference.reduce((s, v) => s + v, 0);
  const cs = current.reduce((s, v) => s + v, 0);
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = (reference[i] as number) / rs;
    const c = (current[i] as number) / cs;
    if (r > 0) sum += c > 0 ? r * Math.log(r / c) : Infinity;
  }
  return sum;
}

/** `scipy.spatial.distance.jensenshannon(r, c)` (natural log) over aligned vectors. */
export function jensenShannonFromProportions(
  reference: Float64Array,
  current: Float64Array,
): number {
  const rs = reference.reduce((s, v) => s + v, 0);
  const cs = current.reduce((s, v) => s + v, 0);
  let js = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = (reference[i] as number) / rs;
    const q = (current[i] as number) / cs;
    const m = (p + q) / 2;
    if (p > 0) js += p * Math.log(p / m);
    if (q > 0) js += q * Math.log(q / m);
  }
  return Math.sqrt(Math.max(0, js / 2));
}

/** Hellinger distance over aligned vectors: sqrt(Σ (√r - √c)²) / √2, in [0, 1]. */
export function hellingerFromProportions(reference: Float64Array, current: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.sqrt(reference[i] as number) - Math.sqrt(current[i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum) / Math.SQRT2;
}

function prepare(
  options: BinningOptions | undefined,
  what: string,
): { bins: number; epsilon: 'evidently' | number } {
  const parsed = parseOptions(binningSchema, options ?? {}, `${what} options`);
  return { bins: parsed.bins ?? 30, epsilon: parsed.epsilon ?? 'evidently' };
}

/**
 * Population stability index, Σ (r - c) · ln(r / c) over bins (natural log), with zero
 * proportions replaced as {@link BinningOptions.epsilon} says. Rules of thumb: < 0.1 stable,
 * 0.1-0.25 moderate shift, > 0.25 major shift.
 */
export function psi(
  reference: BinnableSample,
  current: BinnableSample,
  options?: BinningOptions,
): TestResult {
  const { bins, epsilon } = prepare(options, 'psi');
  const binned = bin(reference, current, bins);
  return {
    statistic: psiFromProportions(
      fillZeros(binned.reference, epsilon),
      fillZeros(binned.current, epsilon),
    ),
  };
}

/**
 * Kullback-Leibler divergence KL(reference ‖ current) in nats over bins
 * (`scipy.stats.entropy(r, c)` after zero filling as {@link BinningOptions.epsilon}).
 */
export function klDivergence(
  reference: BinnableSample,
  current: BinnableSample,
  options?: BinningOptions,
): TestResult {
  const { bins, epsilon } = prepare(options, 'klDivergence');
  const binned = bin(reference, current, bins);
  return {
    statistic: klFromProportions(
      fillZeros(binned.reference, epsilon),
      fillZeros(binned.current, epsilon),
    ),
  };
}

/**
 * Jensen-Shannon distance (the square root of the divergence), natural log, in [0, √ln 2]:
 * `scipy.spatial.distance.jensenshannon(r, c)` of the binned proportions (no zero filling).
 */
export function jensenShannonDistance(
  reference: BinnableSample,
  current: BinnableSample,
  options?: BinningOptions,
): TestResult {
  const { bins } = prepare(options, 'jensenShannonDistance');
  const binned = bin(reference, current, bins);
  return { statistic: jensenShannonFromProportions(binned.reference, binned.current) };
}

/** Hellinger distance of the binned proportions, in [0, 1] (no zero filling). */
export function hellingerDistance(
  reference: BinnableSample,
  current: BinnableSample,
  options?: BinningOptions,
): TestResult {
  const { bins } = prepare(options, 'hellingerDistance');
  const binned = bin(reference, current, bins);
  return { statistic: hellingerFromProportions(binned.reference, binned.current) };
}
