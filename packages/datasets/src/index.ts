/**
 * `@mlinfra/datasets`: versioned Parquet datasets with validation, statistics, splits, feature
 * transforms and resumable batch streams, stored in an `@mlinfra/core` store.
 *
 * Contracts other packages rely on:
 * - {@link BatchSource} (to `@mlinfra/trainer`): `dataset(name, ref).batches({ batchSize, columns,
 *   shuffle: { seed }, cursor? })` returns an `AsyncIterable<Batch>` whose `cursor()` gives a
 *   JSON-serializable {@link BatchCursor}; pass it back as `batches({ ..., cursor })` to continue
 *   with exactly the next batch (same version, seed, epoch and split).
 * - {@link FeatureTransform} (trainer -> model artifact -> serving): fit with
 *   `fitFeatures(datasetOrSplit, spec)` or `FeatureTransform.fit(rows, spec)`; store
 *   `transform.toJSON()` in the artifact; serving calls `FeatureTransform.fromJSON(json)` then
 *   `transform.transform(rawRows)` for a row-major Float32Array (`rows x transform.width`).
 *   Also importable without Node modules from `@mlinfra/datasets/features`.
 *
 * @packageDocumentation
 */

export { type BatchOptions, BatchStream } from './batches/batch-stream.js';
export type {
  Batch,
  BatchColumn,
  BatchCursor,
  BatchSource,
  SplitSelection,
} from './batches/types.js';
export {
  type CategoricalFeatureKind,
  type FeatureColumnSpec,
  FeatureFitter,
  type FeatureSpec,
  FeatureTransform,
  type FeatureTransformJSON,
  type FittedFeature,
  type NullFill,
  type NumericFeatureKind,
  type TransformInput,
} from './features/feature-transform.js';
export { type BatchProvider, type FitSource, fitFeatures } from './features/fit-features.js';
export type { ArrowTableLike } from './io/arrow.js';
export type { CsvOptions } from './io/csv.js';
export {
  type ReadParquetOptions,
  readParquet,
  type WriteParquetOptions,
  writeParquet,
} from './io/parquet-files.js';
export type { ParquetCodec } from './io/parquet-write.js';
export type { DataChunk, DataInput } from './io/sources.js';
export { keyPosition, type SplitOptions, splitOf } from './splits/split.js';
export type { ColumnStats, TableStats } from './stats/column-stats.js';
export type { CellValue, ColumnChunk, ColumnData } from './table/column-chunk.js';
export type { Expectation } from './validation/expectations.js';
export {
  type ColumnDiff,
  type CommitOptions,
  DatasetHandle,
  Datasets,
  type DiffOptions,
  type OpenDatasetsOptions,
  openDatasets,
  type ReadOptions,
  type VersionDiff,
  type VersionRef,
} from './versions/datasets.js';
export type { Version, VersionFile, VersionManifest } from './versions/manifest.js';
