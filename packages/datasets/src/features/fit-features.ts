import type { Batch } from '../batches/types.js';
import {
  FeatureFitter,
  type FeatureSpec,
  type FeatureTransform,
  type TransformInput,
} from './feature-transform.js';

/** Anything with a `batches()` method, such as a dataset handle or one of its splits. */
export interface BatchProvider {
  batches(options: { batchSize?: number; columns?: string[] }): AsyncIterable<Batch>;
}

/** What {@link fitFeatures} learns from. */
export type FitSource = BatchProvider | AsyncIterable<Batch> | TransformInput;

function isBatchProvider(value: unknown): value is BatchProvider {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BatchProvider).batches === 'function'
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Batch> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Learns a {@link FeatureTransform} from a dataset (handle or split, streamed in batches with
 * bounded memory), a batch stream, or in-memory rows/columns.
 *
 * @example
 * ```ts
 * const { train } = datasets.dataset('taxi').split({ key: 'trip_id' });
 * const transform = await fitFeatures(train, { distance: 'standardize', zone: { kind: 'oneHot', maxCategories: 50 } });
 * const matrix = transform.transform(rows); // Float32Array, rows x transform.width
 * ```
 * @throws ValidationError for a bad spec or a numeric column without finite values.
 */
export async function fitFeatures(source: FitSource, spec: FeatureSpec): Promise<FeatureTransform> {
  const fitter = new FeatureFitter(spec);
  if (isBatchProvider(source)) {
    for await (const batch of source.batches({ batchSize: 65536, columns: fitter.columns }))
      fitter.add(batch);
  } else if (isAsyncIterable(source)) {
    for await (const batch of source) fitter.add(batch);
  } else {
    fitter.add(source);
  }
  return fitter.finish();
}
