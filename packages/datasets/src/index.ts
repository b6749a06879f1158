/**
 * `@mlinfra/datasets`: versioned Parquet datasets with validation, profiles, splits, feature
 * transforms and resumable batch streams.
 *
 * Cross-package contracts (work in progress; the shapes below are stable):
 * - {@link BatchSource}: what `dataset(name, ref).batches(...)` returns, an `AsyncIterable<Batch>`
 *   with `cursor()` giving a JSON-serializable {@link BatchCursor} to resume from.
 * - {@link FeatureTransform}: fitted, JSON-serializable (`toJSON()` / `FeatureTransform.fromJSON()`),
 *   `transform(rowsOrBatch)` returns a row-major Float32Array.
 * @packageDocumentation
 */
export type { Batch, BatchColumn, BatchCursor, BatchSource, SplitSelection } from './batches/types.js';
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
