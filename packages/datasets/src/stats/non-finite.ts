import type { TableSchema } from '@mlinfra/core';
import type { ColumnChunk } from '../table/column-chunk.js';
import type { ColumnStats, TableStats } from './column-stats.js';

/**
 * The rule for float values that are not finite, the same in CSV, statistics and expectations:
 * `NaN` and `±Infinity` are values, not nulls. Statistics count them in `nan` and `infinite`
 * (min, max, mean and std are over finite values), `between` expectations see them (they fail),
 * and CSV reads `NaN`, `Infinity`, `-Infinity` and `inf` as those values.
 */
export class NonFiniteCounter {
  private readonly counts = new Map<string, { nan: number; infinite: number }>();

  constructor(schema: TableSchema) {
    for (const column of schema.columns) {
      if (column.type === 'float64' || column.type === 'float32') {
        this.counts.set(column.name, { nan: 0, infinite: 0 });
      }
    }
  }

  /** Counts one normalised chunk. */
  add(chunk: ColumnChunk): void {
    for (const [name, tally] of this.counts) {
      const values = chunk.columns[name] as ArrayLike<number | null> | undefined;
      if (values === undefined) continue;
      let nan = 0;
      let infinite = 0;
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        // Finite values and nulls fail the first test; most columns take one compare per value.
        if (value === null || value === undefined || value - value === 0) continue;
        // biome-ignore lint/suspicious/noSelfCompare: the NaN test, without a call in the hot loop
        if (value !== value) nan++;
        else infinite++;
      }
      tally.nan += nan;
      tally.infinite += infinite;
    }
  }

  /**
   * The statistics with `nan` and `infinite` set on float columns and taken out of `nulls` (both
   * statistics paths, the profile and the accumulator, count every non-finite value as missing).
   */
  apply(stats: TableStats): TableStats {
    const out: TableStats = { ...stats };
    for (const [name, { nan, infinite }] of this.counts) {
      const column = stats[name];
      if (column === undefined) continue;
      const fixed: ColumnStats = {
        ...column,
        nulls: Math.max(0, column.nulls - nan - infinite),
        nan,
        infinite,
      };
      out[name] = fixed;
    }
    return out;
  }
}
