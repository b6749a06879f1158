import type { ColumnType, TableSchema } from '@mlinfra/core';
import type { DatasetProfile } from '@mlinfra/drift';
import type { ColumnChunk, ColumnData } from '../table/column-chunk.js';

/** Distinct values tracked per column before counting stops. */
export const MAX_TRACKED_CATEGORIES = 1000;

/**
 * Summary statistics of one column of a version, stored in its manifest. JSON-serializable.
 * Numbers are over finite non-null values; timestamps in epoch milliseconds; booleans as 0/1.
 * Float `NaN` and `±Infinity` are counted in `nan` and `infinite`, neither in `count` nor `nulls`.
 */
export interface ColumnStats {
  /** The column's type. */
  type: ColumnType;
  /** Values that are neither null nor (floats) NaN or infinite. */
  count: number;
  /** Null values. */
  nulls: number;
  /** Float columns: `NaN` values (counted apart from nulls). */
  nan?: number;
  /** Float columns: `Infinity` and `-Infinity` values. */
  infinite?: number;
  /** Smallest value (numeric, bool and timestamp columns). */
  min?: number;
  /** Largest value. */
  max?: number;
  /** Mean. */
  mean?: number;
  /** Population standard deviation. */
  std?: number;
  /** Value counts, for string, category and bool columns with at most 1000 distinct values. */
  valueCounts?: Record<string, number>;
  /**
   * Distinct non-null values: exact while `valueCounts` is present, else an estimate
   * (HyperLogLog, about ±2%) or, for versions committed without a profile, a lower bound.
   */
  distinct?: number;
}

/** Per-column statistics of a whole table. */
export type TableStats = Record<string, ColumnStats>;

interface Moments {
  count: number;
  nulls: number;
  min: number;
  max: number;
  mean: number;
  m2: number;
}

/**
 * A fresh closure computing count, NaN count, min, max, mean and M2 in two passes. Each column
 * gets its own (V8 keeps type feedback per closure), so a column of Int32Array and one of
 * Float64Array do not share one slow polymorphic loop.
 */
function momentsFunction(): (values: ArrayLike<number>) => Moments {
  return (values) => {
    let count = 0;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    const length = values.length;
    for (let index = 0; index < length; index++) {
      const value = values[index]!;
      // NaN (a null timestamp, or a float NaN) and infinities stay out of the moments.
      if (value - value !== 0) continue;
      count++;
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    const mean = count === 0 ? 0 : sum / count;
    let m2 = 0;
    if (count > 0) {
      for (let index = 0; index < length; index++) {
        const value = values[index]!;
        if (value - value === 0) m2 += (value - mean) * (value - mean);
      }
    }
    return { count, nulls: length - count, min, max, mean, m2 };
  };
}

class Accumulator {
  count = 0;
  nulls = 0;
  nan = 0;
  infinite = 0;
  mean = 0;
  m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  counts: Map<string, number> | undefined;
  overflowDistinct = 0;

  constructor(readonly type: ColumnType) {
    if (type === 'string' || type === 'category' || type === 'bool') this.counts = new Map();
  }

  /** This column's own copy of the moments loop, so its element loads stay monomorphic. */
  private readonly moments = momentsFunction();

  private addNumbers(values: ArrayLike<number>): void {
    const { count, nulls, min, max, mean, m2 } = this.moments(values);
    this.nulls += nulls;
    if (count === 0) return;
    this.mergeMoments(count, mean, m2);
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);
  }

  mergeMoments(count: number, mean: number, m2: number): void {
    const total = this.count + count;
    const delta = mean - this.mean;
    this.mean += (delta * count) / total;
    this.m2 += m2 + (delta * delta * this.count * count) / total;
    this.count = total;
  }

  add(values: ColumnData): void {
    if (
      values instanceof Float64Array ||
      values instanceof Float32Array ||
      values instanceof Int32Array
    ) {
      this.addNumbers(values);
      return;
    }
    if (values instanceof BigInt64Array) {
      this.addNumbers(Float64Array.from(values, Number));
      return;
    }
    if (this.type === 'bool') {
      this.addBooleans(values);
      return;
    }
    if (this.counts !== undefined && this.countStrings(values)) return;
    if (this.counts !== undefined) {
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        if (value === null || value === undefined) {
          this.nulls++;
          continue;
        }
        const key = String(value);
        const counted = this.counts.get(key);
        if (counted !== undefined) this.counts.set(key, counted + 1);
        else if (this.counts.size < MAX_TRACKED_CATEGORIES) this.counts.set(key, 1);
        else {
          // This value and the rest are counted by addRest.
          this.overflowDistinct = this.counts.size;
          this.counts = undefined;
          this.addRest(values, index);
          return;
        }
        this.count++;
      }
      return;
    }
    this.addRest(values, 0);
  }

  /** A bool column: counts, then moments of 0/1 in closed form. */
  private addBooleans(values: ArrayLike<unknown>): void {
    let trues = 0;
    let falses = 0;
    for (let index = 0; index < values.length; index++) {
      const value = values[index];
      if (value === true) trues++;
      else if (value === false) falses++;
    }
    this.nulls += values.length - trues - falses;
    const count = trues + falses;
    const counts = this.counts!;
    if (trues > 0) counts.set('true', (counts.get('true') ?? 0) + trues);
    if (falses > 0) counts.set('false', (counts.get('false') ?? 0) + falses);
    if (count === 0) return;
    const mean = trues / count;
    this.mergeMoments(count, mean, trues * (1 - mean) ** 2 + falses * mean ** 2);
    this.min = Math.min(this.min, falses > 0 ? 0 : 1);
    this.max = Math.max(this.max, trues > 0 ? 1 : 0);
  }

  /**
   * A string column while categories are tracked: counts by first-seen index (one map lookup
   * per value, none for a repeat of the previous value). False, with nothing counted, when the
   * values hold something other than strings and nulls or exceed the tracked categories.
   */
  private countStrings(values: ArrayLike<unknown>): boolean {
    const counts = this.counts!;
    const ids = new Map<string, number>();
    const keys: string[] = [];
    let tallies = new Int32Array(64);
    let previous: unknown;
    let previousId = -1;
    let nulls = 0;
    for (let index = 0; index < values.length; index++) {
      const value = values[index];
      if (value === previous) {
        tallies[previousId]!++;
        continue;
      }
      if (typeof value !== 'string') {
        if (value === null || value === undefined) {
          nulls++;
          continue;
        }
        return false;
      }
      let id = ids.get(value);
      if (id === undefined) {
        id = keys.length;
        if (id + counts.size >= MAX_TRACKED_CATEGORIES * 2) return false;
        if (id === tallies.length) {
          const grown = new Int32Array(id * 2);
          grown.set(tallies);
          tallies = grown;
        }
        ids.set(value, id);
        keys.push(value);
      }
      tallies[id]!++;
      previous = value;
      previousId = id;
    }
    const known = new Set(counts.keys());
    for (const key of keys) known.add(key);
    if (known.size > MAX_TRACKED_CATEGORIES) return false;
    this.nulls += nulls;
    this.count += values.length - nulls;
    for (let id = 0; id < keys.length; id++)
      counts.set(keys[id]!, (counts.get(keys[id]!) ?? 0) + tallies[id]!);
    return true;
  }

  /** Values after category tracking stopped (or that never had it). */
  private addRest(values: ArrayLike<unknown>, start: number): void {
    const isNumeric = this.type !== 'string' && this.type !== 'category';
    const converted = isNumeric ? new Float64Array(values.length - start) : undefined;
    for (let index = start; index < values.length; index++) {
      const value = values[index];
      if (value === null || value === undefined) {
        if (converted !== undefined) converted[index - start] = Number.NaN;
        else this.nulls++;
        continue;
      }
      if (converted !== undefined) {
        converted[index - start] = value instanceof Date ? value.getTime() : Number(value);
      } else this.count++;
    }
    if (converted !== undefined) this.addNumbers(converted);
  }

  merge(stats: ColumnStats): void {
    this.nulls += stats.nulls;
    this.nan += stats.nan ?? 0;
    this.infinite += stats.infinite ?? 0;
    const isText = this.type === 'string' || this.type === 'category';
    if (isText) this.count += stats.count;
    else if (stats.count > 0) {
      this.mergeMoments(stats.count, stats.mean ?? 0, (stats.std ?? 0) ** 2 * stats.count);
      this.min = Math.min(this.min, stats.min ?? this.min);
      this.max = Math.max(this.max, stats.max ?? this.max);
    }
    if (this.counts !== undefined && stats.valueCounts !== undefined) {
      for (const [key, count] of Object.entries(stats.valueCounts)) {
        this.counts.set(key, (this.counts.get(key) ?? 0) + count);
      }
      if (this.counts.size > MAX_TRACKED_CATEGORIES) {
        this.overflowDistinct = this.counts.size;
        this.counts = undefined;
      }
    } else if (this.counts !== undefined) {
      this.overflowDistinct = Math.max(this.counts.size, stats.distinct ?? 0);
      this.counts = undefined;
    } else {
      this.overflowDistinct = Math.max(this.overflowDistinct, stats.distinct ?? 0);
    }
  }

  finish(): ColumnStats {
    const stats: ColumnStats = { type: this.type, count: this.count, nulls: this.nulls };
    if (this.type === 'float64' || this.type === 'float32') {
      stats.nan = this.nan;
      stats.infinite = this.infinite;
    }
    if (this.type !== 'string' && this.type !== 'category' && this.count > 0) {
      stats.min = this.min;
      stats.max = this.max;
      stats.mean = this.mean;
      stats.std = Math.sqrt(this.m2 / this.count);
    }
    if (this.counts !== undefined) {
      stats.valueCounts = Object.fromEntries(
        [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
      );
      stats.distinct = this.counts.size;
    } else if (this.overflowDistinct > 0) {
      stats.distinct = this.overflowDistinct;
    }
    return stats;
  }
}

/**
 * The statistics of a table read off its drift profile, which holds everything they need (exact
 * moments, min and max; frequent items that are exact up to 1000 categories): a commit that
 * profiles its data does not scan it a second time for statistics.
 */
export function statsFromProfile(schema: TableSchema, profile: DatasetProfile): TableStats {
  const stats: TableStats = {};
  for (const { name, type } of schema.columns) {
    const column = profile.columns[name];
    const out: ColumnStats = { type, count: column?.count ?? 0, nulls: column?.missing ?? 0 };
    if (column?.kind === 'numeric') {
      if (column.count > 0) {
        out.min = column.min!;
        out.max = column.max!;
        out.mean = column.mean;
        out.std = Math.sqrt(column.variance);
      }
    } else if (column?.kind === 'categorical') {
      const { items, error } = column.frequent;
      const exact = error === 0 && items.length <= MAX_TRACKED_CATEGORIES;
      if (type === 'bool' && column.count > 0) {
        const trues = items.find(([value]) => value === 'true')?.[1] ?? 0;
        const mean = trues / column.count;
        out.min = trues === column.count ? 1 : 0;
        out.max = trues > 0 ? 1 : 0;
        out.mean = mean;
        out.std = Math.sqrt(mean * (1 - mean));
      }
      if (exact) {
        out.valueCounts = Object.fromEntries(
          [...items].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
        );
        out.distinct = items.length;
      } else out.distinct = column.distinctEstimate;
    }
    stats[name] = out;
  }
  return stats;
}

/** Accumulates {@link TableStats} over chunks; merges stored stats for appends. */
export class StatsAccumulator {
  private readonly columns: Map<string, Accumulator>;

  constructor(schema: TableSchema) {
    this.columns = new Map(
      schema.columns.map((column) => [column.name, new Accumulator(column.type)]),
    );
  }

  /** Adds one normalised chunk. */
  add(chunk: ColumnChunk): void {
    for (const [name, accumulator] of this.columns) {
      const values = chunk.columns[name];
      if (values !== undefined) accumulator.add(values);
    }
  }

  /** Merges statistics computed earlier (for example those of the parent version). */
  merge(stats: TableStats): void {
    for (const [name, accumulator] of this.columns) {
      const columnStats = stats[name];
      if (columnStats !== undefined) accumulator.merge(columnStats);
    }
  }

  /** The statistics so far. */
  finish(): TableStats {
    return Object.fromEntries(
      [...this.columns].map(([name, accumulator]) => [name, accumulator.finish()]),
    );
  }
}
