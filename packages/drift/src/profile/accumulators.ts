import type { DictionaryColumn } from '../input/table-input.js';
import { FrequentItems, type FrequentItemsJson } from './frequent-items.js';
import { HyperLogLog, hashNumber, hashString } from './hyperloglog.js';
import {
  KllSampler,
  KllSketch,
  type KllSketchJson,
  SketchCdf,
  SORTED_BATCH_MIN,
  samplingLevel,
} from './kll.js';
import {
  BATCH_BLOCK,
  blockStats,
  countExact,
  deviations,
  ExactValueTable,
  firstInfinite,
  type NumericTypedArray,
  scanBlock,
} from './numeric-batch.js';

/** Numeric columns keep exact value counts while they have at most this many distinct values. */
export const MAX_EXACT_NUMERIC_VALUES = 32;
/** Bins of the equal-width histogram stored in numeric column profiles. */
export const PROFILE_HISTOGRAM_BINS = 20;

/** Summary of a numeric column. JSON-serializable and mergeable. */
export interface NumericColumnProfile {
  kind: 'numeric';
  /** Non-missing values. */
  count: number;
  /** Missing values (null, undefined, NaN). */
  missing: number;
  /** Smallest value (exact); `null` when count is 0. */
  min: number | null;
  /** Largest value (exact); `null` when count is 0. */
  max: number | null;
  /** Mean (exact up to rounding: Welford value by value; per block two-pass + Chan merge for whole columns). */
  mean: number;
  /** Population variance (ddof 0; Welford/Chan as for `mean`, exact up to rounding). */
  variance: number;
  /** Sum of squared deviations from the mean (Welford's M2), kept for exact merging. */
  m2: number;
  /**
   * KLL quantile sketch (k = 200: rank error ≤ ~1.7% of count at 99% confidence; exact for small
   * columns). Columns of 51,200 values or more are sampled first (one value per run of 2^h, see
   * `KllSketch.updateMany`) within the same bound.
   */
  sketch: KllSketchJson;
  /** Exact [value, count] pairs while the column has at most 32 distinct values, else `null`. */
  values: [number, number][] | null;
  /** HyperLogLog registers (2^11; ±2.3% standard error). */
  distinct: string;
  /** Estimated number of distinct values (exact when `values` is not null). */
  distinctEstimate: number;
  /** Equal-width histogram over [min, max] with 20 bins, estimated from the sketch (derived; recomputed on merge). */
  histogram: { edges: number[]; counts: number[] };
}

/** Summary of a categorical column. JSON-serializable and mergeable. */
export interface CategoricalColumnProfile {
  kind: 'categorical';
  count: number;
  missing: number;
  /** Frequent items (Misra-Gries, 1000 counters; exact while at most 1000 categories). */
  frequent: FrequentItemsJson;
  distinct: string;
  distinctEstimate: number;
}

/** Profile of one column. */
export type ColumnProfile = NumericColumnProfile | CategoricalColumnProfile;

export class NumericAccumulator {
  count = 0;
  missing = 0;
  min = Infinity;
  max = -Infinity;
  mean = 0;
  m2 = 0;
  sketch: KllSketch;
  values: Map<number, number> | null = new Map();
  hll = new HyperLogLog();

  constructor(seed = 0x9e3779b9) {
    this.sketch = new KllSketch(200, seed);
  }

  add(value: number): void {
    this.count++;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sketch.update(value);
    this.hll.add(hashNumber(value));
    const values = this.values;
    if (values !== null) {
      const c = values.get(value);
      if (c !== undefined) values.set(value, c + 1);
      else if (values.size >= MAX_EXACT_NUMERIC_VALUES) this.values = null;
      else values.set(value === 0 ? 0 : value, 1);
    }
  }

  /**
   * Adds a whole column at once: NaN is missing, every other value is added as by {@link add},
   * in tight loops over blocks of the array. Count, missing, min, max, the exact values and the
   * HyperLogLog registers come out identical to adding the values one by one; mean and variance
   * agree up to rounding (two-pass per block, merged Chan-style); the KLL sketch samples large
   * batches (see {@link KllSketch.updateMany}).
   *
   * Calls `onInfinite(row)` for the first ±Infinity, which must throw; the accumulator is then
   * partly updated and must be discarded.
   */
  addBatch(values: NumericTypedArray, onInfinite: (row: number) => never): void {
    const stats = blockStats();
    const registers = this.hll.registers;
    let table: ExactValueTable | null =
      this.values === null ? null : ExactValueTable.from(this.values, MAX_EXACT_NUMERIC_VALUES);
    const direct = values instanceof Float64Array;
    const data = direct ? values : new Float64Array(Math.min(BATCH_BLOCK, values.length));
    const words = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
    // Sample each block for the KLL sketch while it is in cache. The level comes from the length,
    // an upper bound on the non-missing count; see the fallback below.
    const h = samplingLevel(values.length, this.sketch.k);
    const sampler =
      values.length >= SORTED_BATCH_MIN ? new KllSampler(this.sketch, h, values.length) : null;
    let nonMissing = 0;
    for (let start = 0; start < values.length; start += BATCH_BLOCK) {
      const end = Math.min(start + BATCH_BLOCK, values.length);
      let from = start;
      let to = end;
      if (!direct) {
        data.set(values.subarray(start, end));
        from = 0;
        to = end - start;
      }
      // Deviations from the running mean (or the block's first value): one pass when that is
      // close to the block's mean, else a rescan from the block's mean, below.
      let center = this.count > 0 ? this.mean : (data[from] as number);
      if (!Number.isFinite(center)) center = 0;
      if (table !== null && !countExact(data, from, to, table)) table = null;
      scanBlock(data, words, from, to, center, registers, stats);
      if (stats.min === -Infinity || stats.max === Infinity) {
        onInfinite(firstInfinite(values, start, end));
        return;
      }
      this.missing += stats.missing;
      nonMissing += stats.count;
      if (stats.count === 0) continue;
      sampler?.scan(data, from, to, stats.missing === 0);
      let shift = stats.deviations / stats.count;
      let m2 = stats.squares - stats.deviations * shift;
      // Σ d² - (Σ d)² / n loses about log10(Σ d² / m2) digits: past 2, rescan from the mean.
      if (!(stats.squares <= ILL_CONDITIONED * m2)) {
        center += shift;
        deviations(data, from, to, center, stats);
        shift = stats.deviations / stats.count;
        m2 = stats.squares - stats.deviations * shift;
      }
      this.mergeMoments(stats.count, center + shift, Math.max(0, m2), stats.min, stats.max);
    }
    this.values = table === null ? null : table.toMap();
    // With many missing values the samples may be too few for the sketch's error bound: sample
    // again at the level the non-missing count calls for (the discarded sampler only drew random
    // numbers, so the result stays deterministic).
    if (
      sampler !== null &&
      nonMissing >= SORTED_BATCH_MIN &&
      samplingLevel(nonMissing, this.sketch.k) === h
    )
      sampler.finish(values);
    else this.sketch.updateMany(values, nonMissing);
  }

  /** Chan et al.'s pairwise update of count, mean and M2 (and min/max) with a summarized part. */
  private mergeMoments(count: number, mean: number, m2: number, min: number, max: number): void {
    if (this.count === 0) {
      // No cross term: delta² could overflow, and Infinity * 0 is NaN.
      this.mean = mean;
      this.m2 += m2;
    } else {
      const n = this.count + count;
      const delta = mean - this.mean;
      this.mean += (delta * count) / n;
      this.m2 = this.m2 + m2 + (delta * delta * this.count * count) / n;
    }
    this.count += count;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
  }

  merge(other: NumericAccumulator): void {
    if (other.count > 0) this.mergeMoments(other.count, other.mean, other.m2, other.min, other.max);
    this.missing += other.missing;
    this.sketch.merge(other.sketch);
    this.hll.merge(other.hll);
    if (this.values !== null && other.values !== null) {
      for (const [v, c] of other.values) this.values.set(v, (this.values.get(v) ?? 0) + c);
      if (this.values.size > MAX_EXACT_NUMERIC_VALUES) this.values = null;
    } else {
      this.values = null;
    }
  }

  toProfile(): NumericColumnProfile {
    const empty = this.count === 0;
    const values =
      this.values === null ? null : [...this.values.entries()].sort((a, b) => a[0] - b[0]);
    return {
      kind: 'numeric',
      count: this.count,
      missing: this.missing,
      min: empty ? null : this.min,
      max: empty ? null : this.max,
      mean: empty ? 0 : this.mean,
      variance: empty ? 0 : this.m2 / this.count,
      m2: this.m2,
      sketch: this.sketch.toJSON(),
      values,
      distinct: this.hll.toJSON(),
      distinctEstimate: values !== null ? values.length : Math.round(this.hll.estimate()),
      histogram: empty
        ? { edges: [], counts: [] }
        : sketchHistogram(this.sketch, this.min, this.max, PROFILE_HISTOGRAM_BINS),
    };
  }

  static fromProfile(profile: NumericColumnProfile): NumericAccumulator {
    const a = new NumericAccumulator();
    a.count = profile.count;
    a.missing = profile.missing;
    a.min = profile.min ?? Infinity;
    a.max = profile.max ?? -Infinity;
    a.mean = profile.mean;
    a.m2 = profile.m2;
    a.sketch = KllSketch.fromJSON(profile.sketch);
    a.values = profile.values === null ? null : new Map(profile.values);
    a.hll = HyperLogLog.fromJSON(profile.distinct);
    return a;
  }
}

/** Equal-width histogram counts estimated from a sketch's CDF. */
export function sketchHistogram(
  sketch: KllSketch,
  min: number,
  max: number,
  bins: number,
): { edges: number[]; counts: number[] } {
  const cdf = new SketchCdf(sketch);
  const lo = min === max ? min - 0.5 : min;
  const hi = min === max ? max + 0.5 : max;
  const edges = Array.from({ length: bins + 1 }, (_, i) =>
    i === bins ? hi : lo + (i * (hi - lo)) / bins,
  );
  const counts: number[] = [];
  for (let i = 0; i < bins; i++) {
    const upper = i === bins - 1 ? 1 : cdf.cdfBelow(edges[i + 1] as number);
    const lower = i === 0 ? 0 : cdf.cdfBelow(edges[i] as number);
    counts.push(Math.round((upper - lower) * sketch.n));
  }
  return { edges, counts };
}

/** Ratio Σ d² / M2 above which a block's one-pass moments are recomputed from its mean. */
const ILL_CONDITIONED = 100;

/** Slots of the string cache in front of the Map in {@link CategoricalAccumulator.addBatch}. */
const CATEGORY_CACHE_SLOTS = 1024;
const CATEGORY_CACHE_SHIFT = 32 - Math.log2(CATEGORY_CACHE_SLOTS);

export class CategoricalAccumulator {
  count = 0;
  missing = 0;
  frequent: FrequentItems;
  hll = new HyperLogLog();

  constructor(capacity = 1000) {
    this.frequent = new FrequentItems(capacity);
  }

  add(value: string): void {
    this.count++;
    this.frequent.add(value);
    this.hll.add(hashString(value));
  }

  /**
   * Adds a whole column at once: null, undefined and NaN are missing; strings and booleans are
   * counted in a Map first (with a small cache in front, keyed by the string's length and three of
   * its characters, since a column usually repeats the same string objects), then each distinct
   * value enters the HyperLogLog once and the frequent items with its count. Other values become
   * categories through `toCategory(value, row)`, which throws for what is not one. Count, missing,
   * registers and frequent items equal adding the values one by one while there are at most
   * `capacity` distinct values, and stay within the Misra-Gries bound above that.
   */
  addBatch(values: ArrayLike<unknown>, toCategory: (value: unknown, row: number) => string): void {
    const { index, keys, counts, trues, falses, missing } = countCategories(values, toCategory);
    for (const [key, count] of [
      ['true', trues],
      ['false', falses],
    ] as const) {
      if (count === 0) continue;
      const id = index.get(key);
      if (id === undefined) {
        keys.push(key);
        counts.push(count);
      } else {
        counts[id] = (counts[id] as number) + count;
      }
    }
    this.addCounts(keys, counts, missing);
  }

  /**
   * Adds a dictionary-encoded column (see `DictionaryColumn`): counts the indices, then adds
   * each dictionary entry once with its count, as {@link addCounts}. Negative indices and `null`
   * entries are missing; `onBadIndex(row, index)` is called for an index past the dictionary and
   * must throw.
   */
  addDictionary(column: DictionaryColumn, onBadIndex: (row: number, index: number) => never): void {
    const { dictionary } = column;
    const counted = countIndices(column.indices, dictionary.length);
    if (counted.badRow >= 0) {
      onBadIndex(counted.badRow, column.indices[counted.badRow] as number);
      return;
    }
    let missing = counted.missing;
    const keys: string[] = [];
    const counts: number[] = [];
    for (let i = 0; i < dictionary.length; i++) {
      const count = counted.counts[i] as number;
      if (count === 0) continue;
      const entry = dictionary[i];
      if (typeof entry === 'string') {
        keys.push(entry);
        counts.push(count);
      } else {
        missing += count;
      }
    }
    this.addCounts(keys, counts, missing);
  }

  /**
   * Adds precounted categories: `counts[i]` occurrences of `values[i]` (distinct strings) and
   * `missing` missing values. The same as adding each occurrence with {@link add} while there are
   * at most `capacity` distinct values.
   */
  addCounts(values: readonly string[], counts: ArrayLike<number>, missing = 0): void {
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      const count = counts[i] as number;
      if (count <= 0) continue;
      total += count;
      this.hll.add(hashString(values[i] as string));
    }
    this.frequent.addCounts(values, counts);
    this.count += total;
    this.missing += missing;
  }

  merge(other: CategoricalAccumulator): void {
    this.count += other.count;
    this.missing += other.missing;
    this.frequent.merge(other.frequent);
    this.hll.merge(other.hll);
  }

  toProfile(): CategoricalColumnProfile {
    const frequent = this.frequent.toJSON();
    return {
      kind: 'categorical',
      count: this.count,
      missing: this.missing,
      frequent,
      distinct: this.hll.toJSON(),
      distinctEstimate:
        frequent.error === 0 ? frequent.items.length : Math.round(this.hll.estimate()),
    };
  }

  static fromProfile(profile: CategoricalColumnProfile): CategoricalAccumulator {
    const a = new CategoricalAccumulator(profile.frequent.capacity);
    a.count = profile.count;
    a.missing = profile.missing;
    a.frequent = FrequentItems.fromJSON(profile.frequent);
    a.hll = HyperLogLog.fromJSON(profile.distinct);
    return a;
  }
}

/**
 * Distinct categories of a column with their counts (booleans counted apart), and its missing
 * values (null, undefined, NaN). Only the loops, so that code optimized on-stack during them
 * does not run into untried code after them.
 */
function countCategories(
  values: ArrayLike<unknown>,
  toCategory: (value: unknown, row: number) => string,
): {
  index: Map<string, number>;
  keys: string[];
  counts: number[];
  trues: number;
  falses: number;
  missing: number;
} {
  const index = new Map<string, number>();
  const keys: string[] = [];
  const counts: number[] = [];
  const cacheKeys = new Array<string | undefined>(CATEGORY_CACHE_SLOTS).fill(undefined);
  const cacheIds = new Int32Array(CATEGORY_CACHE_SLOTS);
  let trues = 0;
  let falses = 0;
  let missing = 0;
  let i = 0;
  // Boolean columns: a loop of two comparisons until something else shows up.
  for (; i < values.length; i++) {
    const v = values[i];
    if (v === true) trues++;
    else if (v === false) falses++;
    else if (v === null || v === undefined) missing++;
    else break;
  }
  for (; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string') {
      const length = v.length;
      // Length, first and last two characters (NaN, that is 0, past the end): enough to tell
      // apart the values of typical category columns ("zone_15" and "zone_25" differ at
      // length - 2); a collision only sends the value to the Map.
      const slot =
        Math.imul(
          (length ^
            (v.charCodeAt(0) << 7) ^
            (v.charCodeAt(length - 2) << 14) ^
            (v.charCodeAt(length - 1) << 21)) |
            0,
          0x9e3779b1,
        ) >>> CATEGORY_CACHE_SHIFT;
      if (cacheKeys[slot] === v) {
        const id = cacheIds[slot] as number;
        counts[id] = (counts[id] as number) + 1;
        continue;
      }
      let id = index.get(v);
      if (id === undefined) {
        id = keys.length;
        index.set(v, id);
        keys.push(v);
        counts.push(1);
      } else {
        counts[id] = (counts[id] as number) + 1;
      }
      cacheKeys[slot] = v;
      cacheIds[slot] = id;
    } else if (v === true) {
      trues++;
    } else if (v === false) {
      falses++;
    } else if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      missing++;
    } else {
      const key = toCategory(v, i);
      const id = index.get(key);
      if (id === undefined) {
        index.set(key, keys.length);
        keys.push(key);
        counts.push(1);
      } else {
        counts[id] = (counts[id] as number) + 1;
      }
    }
  }
  return { index, keys, counts, trues, falses, missing };
}

/** Occurrences of each index below `size`, negative indices (missing), and the first row past `size` (or -1). */
function countIndices(
  indices: DictionaryColumn['indices'],
  size: number,
): { counts: Float64Array; missing: number; badRow: number } {
  const counts = new Float64Array(size);
  let missing = 0;
  let badRow = -1;
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    if (index < size) {
      if (index >= 0) counts[index] = (counts[index] as number) + 1;
      else missing++;
    } else {
      badRow = i;
      break;
    }
  }
  return { counts, missing, badRow };
}

export type ColumnAccumulator = NumericAccumulator | CategoricalAccumulator;
