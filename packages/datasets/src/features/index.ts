/**
 * `@mlinfra/datasets/features`: the feature transform alone, free of `node:` imports, for
 * serving and browsers. See {@link FeatureTransform}.
 * @packageDocumentation
 */

export type { Batch, BatchColumn } from '../batches/types.js';
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
} from './feature-transform.js';
export { type BatchProvider, type FitSource, fitFeatures } from './fit-features.js';
