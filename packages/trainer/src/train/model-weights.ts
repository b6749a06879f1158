import { ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';

/** Whether `value` looks like a tfjs LayersModel (structurally, so another tfjs copy's model passes too). */
export function isLayersModel(value: unknown): value is tf.LayersModel {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as tf.LayersModel).apply === 'function' &&
    Array.isArray((value as tf.LayersModel).trainableWeights) &&
    Array.isArray((value as tf.LayersModel).inputs)
  );
}

/**
 * Copies of all model weights, in `model.getWeights()` order. Reads are async: webgpu in Node has
 * no synchronous readback.
 */
export async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(
    model.getWeights().map(async (tensor) => new Float32Array(await tensor.data())),
  );
}

/** Overwrites all model weights from {@link weightsOf}'s arrays. */
export function setWeightsOf(model: tf.LayersModel, arrays: readonly Float32Array[]): void {
  const current = model.getWeights();
  if (arrays.length !== current.length) {
    throw new ValidationError(`Expected ${current.length} weight arrays, got ${arrays.length}`);
  }
  const tensors = arrays.map((array, index) =>
    tf.tensor(array, (current[index] as tf.Tensor).shape, 'float32'),
  );
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** The checkpoint array name of the model's `index`-th weight. */
export function modelArrayName(index: number): string {
  return `model/${String(index).padStart(6, '0')}`;
}

/** The checkpoint array name of a callback's `index`-th state array. */
export function callbackArrayName(callback: string, index: number): string {
  return `callback/${callback}/${index}`;
}
