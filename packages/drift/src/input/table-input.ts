/** The part of an Apache Arrow `Vector` that is used (duck-typed; apache-arrow is not imported). */
export interface ArrowVectorLike {
  readonly length: number;
  readonly nullCount?: number;
  get(index: number): unknown;
  toArray(): ArrayLike<unknown>;
}

/** The part of an Apache Arrow `Table` that is used (duck-typed; apache-arrow is not imported). */
export interface ArrowTableLike {
  readonly numCols: number;
  readonly numRows: number;
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string }> };
  getChild(name: string): ArrowVectorLike | null;
}

/**
 * A dictionary-encoded string column: row i holds `dictionary[indices[i]]`; a negative index or a
 * `null` entry is missing. {@link profile} counts the indices instead of looking strings up, so
 * a writer that already dictionary-encodes (Parquet, Arrow) can pass its encoding as is.
 */
export interface DictionaryColumn {
  /** The distinct values (duplicates are allowed and count together). */
  readonly dictionary: ReadonlyArray<string | null>;
  /** One index into `dictionary` per row. */
  readonly indices: Int32Array | Uint32Array | Uint16Array | Uint8Array;
}

/**
 * Tabular input: row objects, column arrays keyed by name (plain or typed arrays, or
 * {@link DictionaryColumn}s), or an Apache Arrow `Table` (recognised structurally). Missing
 * values are `null`, `undefined` or `NaN`.
 */
export type TableInput =
  | ReadonlyArray<Readonly<Record<string, unknown>>>
  | Readonly<Record<string, ArrayLike<unknown> | DictionaryColumn>>
  | ArrowTableLike;

/** How drift treats a column. */
export type ColumnKind = 'numeric' | 'categorical';
