import { type TableSchema, ValidationError } from '@mlinfra/core';
import { type DatasetProfile, mergeProfiles, profile } from '@mlinfra/drift';
import { type ColumnChunk, type ColumnData, concatChunks } from '../table/column-chunk.js';

/** Float columns with infinities: drift profiles reject them, so they count as missing there. */
function finiteOnly(values: ColumnData): ColumnData {
  if (!(values instanceof Float64Array || values instanceof Float32Array)) {
    if (!Array.isArray(values)) return values;
    let infinite = false;
    for (const value of values) {
      if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) {
        infinite = true;
        break;
      }
    }
    return infinite
      ? values.map((value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value))
      : values;
  }
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) {
      return values.map((entry) => (Number.isFinite(entry) ? entry : Number.NaN)) as ColumnData;
    }
  }
  return values;
}

/** Rows profiled together at least (smaller chunks are batched up to this). */
const PROFILE_BATCH_ROWS = 262144;

/**
 * Builds an `@mlinfra/drift` profile chunk by chunk (KLL quantiles, frequent items, distinct
 * counts, histograms), merging as it goes, so memory stays bounded.
 */
export class ProfileAccumulator {
  private current: DatasetProfile | undefined;
  private pending: ColumnChunk[] = [];
  private pendingRows = 0;

  constructor(private readonly schema: TableSchema) {}

  /**
   * Adds one normalised chunk. Small chunks are held (by reference: they must not change) until
   * {@link PROFILE_BATCH_ROWS} rows have arrived and profiled together: each profile call has a
   * fixed cost (sketch sampling and sorting), so a stream of small chunks would pay it per chunk.
   */
  add(chunk: ColumnChunk): void {
    if (chunk.length === 0) return;
    if (chunk.length >= PROFILE_BATCH_ROWS) {
      this.flush();
      this.profileChunk(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingRows += chunk.length;
    if (this.pendingRows >= PROFILE_BATCH_ROWS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk =
      this.pending.length === 1 ? this.pending[0]! : concatChunks(this.schema, this.pending);
    this.pending = [];
    this.pendingRows = 0;
    this.profileChunk(chunk);
  }

  private profileChunk(chunk: ColumnChunk): void {
    let next: DatasetProfile;
    try {
      next = profile(chunk.columns, { schema: this.schema });
    } catch (error) {
      // Drift rejects infinities: count them as missing and try once more (a second failure is
      // a real problem and propagates). Only float columns can hold them (timestamps are checked
      // finite when normalised).
      if (!ValidationError.isInstance(error)) throw error;
      const table: Record<string, ColumnData> = {};
      for (const column of this.schema.columns) {
        const values = chunk.columns[column.name]!;
        table[column.name] =
          column.type === 'float64' || column.type === 'float32' ? finiteOnly(values) : values;
      }
      next = profile(table, { schema: this.schema });
    }
    this.current = this.current === undefined ? next : mergeProfiles(this.current, next);
  }

  /** Merges a stored profile (for example the parent version's, on append). */
  merge(other: DatasetProfile): void {
    this.flush();
    this.current = this.current === undefined ? other : mergeProfiles(other, this.current);
  }

  /** The profile so far, or an empty one. */
  finish(): DatasetProfile {
    this.flush();
    return (
      this.current ??
      profile(Object.fromEntries(this.schema.columns.map((column) => [column.name, []])), {
        schema: this.schema,
      })
    );
  }
}
