import * as z from 'zod/mini';
import type { CategoricalSample, NumericSample } from '../input/samples.js';
import { parseOptions } from '../internal/options.js';
import { countCategories, finiteView } from '../internal/sample.js';
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

const binningSchema = z.strictObject({
  bins: z.optional(z.int().check(z.gte(1), z.lte(100000))),
  epsilon: z.optional(z.union([z.literal('evidently'), z.number().check(z.gt(0), z.lte(1))])),
});

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

// The hot loops below live in small functions of their own, each with one loop and no untaken
// paths: V8 optimizes a long loop mid-way (on-stack replacement), and code after the loop that has
// not run yet then has no type feedback and deoptimizes the whole function on every call.

/** Bin slot of `v` (see {@link histogramCountsUnsorted}): 0 outside the edges, else bin + 1. */
function binSlot(
  v: number,
  edges: Float64Array,
  bins: number,
  first: number,
  last: number,
  norm: number,
): number {
  if (v < first || v > last) return 0;
  // (v - first) * norm lies in [0, bins] here, where `| 0` truncates as Math.trunc does (and faster).
  let index = ((v - first) * norm) | 0;
  if (index === bins) index -= 1;
  if (v < (edges[index] as number)) index -= 1;
  else if (v >= (edges[index + 1] as number)) index += 1;
  return index + 1;
}

/** Counts values[0, 4 * floor(n / 4)) into four interleaved rows of `stride` slots. */
function countFour(
  values: Float64Array,
  edges: Float64Array,
  rows: Int32Array,
  stride: number,
): number {
  const bins = edges.length - 1;
  const first = edges[0] as number;
  const last = edges[bins] as number;
  const norm = bins / (last - first);
  const s1 = stride;
  const s2 = 2 * stride;
  const s3 = 3 * stride;
  const n = values.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const k0 = binSlot(values[i] as number, edges, bins, first, last, norm);
    const k1 = s1 + binSlot(values[i + 1] as number, edges, bins, first, last, norm);
    const k2 = s2 + binSlot(values[i + 2] as number, edges, bins, first, last, norm);
    const k3 = s3 + binSlot(values[i + 3] as number, edges, bins, first, last, norm);
    rows[k0] = (rows[k0] as number) + 1;
    rows[k1] = (rows[k1] as number) + 1;
    rows[k2] = (rows[k2] as number) + 1;
    rows[k3] = (rows[k3] as number) + 1;
  }
  return i;
}

/** Counts values[from, n) into the first row. */
function countRest(
  values: Float64Array,
  edges: Float64Array,
  rows: Int32Array,
  from: number,
): void {
  const bins = edges.length - 1;
  const first = edges[0] as number;
  const last = edges[bins] as number;
  const norm = bins / (last - first);
  for (let i = from; i < values.length; i++) {
    const k = binSlot(values[i] as number, edges, bins, first, last, norm);
    rows[k] = (rows[k] as number) + 1;
  }
}

/**
 * Counts of (unsorted) values per equal-width bin, with numpy.histogram's index arithmetic
 * (values outside the edges are dropped; the last bin includes its right edge).
 */
export function histogramCountsUnsorted(values: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  // A range too narrow to divide (subnormal widths) has no usable bin estimate, and edges that
  // coincide (a range a few ulps wide) send a value to the last of the equal edges, which the
  // estimate does not do: walk sorted edges in both cases.
  if (!(bins / ((edges[bins] as number) - (edges[0] as number)) < Infinity) || !increasing(edges)) {
    return histogramCounts(values.slice().sort(), edges);
  }
  // Slot 0 of each row takes values outside the edges, slots 1..bins the bins, and slot bins + 1
  // the values at the last edge that the upward correction moves past the last bin (merged back
  // into it below, which is numpy's "the last bin includes its right edge"). Four rows, used in
  // turn, keep runs of equal bins from waiting on one counter.
  const stride = bins + 2;
  const rows = new Int32Array(4 * stride);
  countRest(values, edges, rows, countFour(values, edges, rows, stride));
  const counts = new Float64Array(bins);
  for (let b = 0; b <= bins; b++) {
    const k = b + 1;
    const c =
      (rows[k] as number) +
      (rows[stride + k] as number) +
      (rows[2 * stride + k] as number) +
      (rows[3 * stride + k] as number);
    const to = b === bins ? bins - 1 : b;
    counts[to] = (counts[to] as number) + c;
  }
  return counts;
}

/** Whether every edge is above the one before it. */
function increasing(edges: Float64Array): boolean {
  for (let i = 1; i < edges.length; i++) {
    if (!((edges[i] as number) > (edges[i - 1] as number))) return false;
  }
  return true;
}

/** Minimum and maximum of a Float64Array, and whether every value is finite. */
function rangeFloat64(values: Float64Array): { min: number; max: number; finite: boolean } {
  let min = Infinity;
  let max = -Infinity;
  let finite = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v - v !== 0) finite = false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, finite };
}

/**
 * A plain array of finite numbers copied into `out`, with its range; `finite` false (and the copy
 * partial) at the first value that is not a finite number.
 */
function copyRangeArray(
  values: readonly unknown[],
  out: Float64Array,
): { min: number; max: number; finite: boolean } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || v - v !== 0) return { min, max, finite: false };
    out[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, finite: true };
}

/**
 * The sample as a Float64Array (the input itself when it is one, else a copy) with its minimum and
 * maximum, in one pass. Bad input is handed to {@link finiteView}, which names the first bad value.
 */
function finiteWithRange(values: NumericSample, name: string): [Float64Array, number, number] {
  if (values instanceof Float64Array && values.length > 0) {
    const { min, max, finite } = rangeFloat64(values);
    if (!finite) finiteView(values, name);
    return [values, min, max];
  }
  if (Array.isArray(values) && values.length > 0) {
    const out = new Float64Array(values.length);
    const { min, max, finite } = copyRangeArray(values, out);
    if (finite) return [out, min, max];
  }
  const array = finiteView(values, name);
  const { min, max } = rangeFloat64(array);
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
