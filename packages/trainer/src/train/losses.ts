import { ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';

/** A loss by name, or a function of (labels, predictions) returning a scalar. */
export type LossSpec =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'huber'
  | ((labels: tf.Tensor, predictions: tf.Tensor) => tf.Scalar);

/** Every named loss. */
export const LOSS_NAMES = [
  'meanSquaredError',
  'meanAbsoluteError',
  'binaryCrossentropy',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'huber',
] as const;

/** The loss as a function returning the batch mean. */
export function lossFunction(
  spec: LossSpec,
): (labels: tf.Tensor, predictions: tf.Tensor) => tf.Scalar {
  if (typeof spec === 'function') return spec;
  switch (spec) {
    case 'meanSquaredError':
      return (labels, predictions) => tf.mean(tf.squaredDifference(labels, predictions));
    case 'meanAbsoluteError':
      return (labels, predictions) => tf.mean(tf.abs(tf.sub(labels, predictions)));
    case 'huber':
      return (labels, predictions) => tf.losses.huberLoss(labels, predictions) as tf.Scalar;
    case 'binaryCrossentropy':
      return (labels, predictions) => tf.mean(tf.metrics.binaryCrossentropy(labels, predictions));
    case 'categoricalCrossentropy':
      return (labels, predictions) =>
        tf.mean(tf.metrics.categoricalCrossentropy(labels, predictions));
    case 'sparseCategoricalCrossentropy':
      return (labels, predictions) => {
        const classes = predictions.shape.at(-1) ?? 1;
        const oneHot = tf.oneHot(tf.cast(tf.reshape(labels, [-1]), 'int32'), classes);
        return tf.mean(tf.metrics.categoricalCrossentropy(oneHot, predictions));
      };
    default:
      throw new ValidationError(
        `Unknown loss ${JSON.stringify(spec)}; use one of ${LOSS_NAMES.join(', ')} or a function`,
      );
  }
}
