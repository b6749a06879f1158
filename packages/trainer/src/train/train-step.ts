import * as tf from '@tensorflow/tfjs';
import type { PreparedBatch } from './data.js';
import type { SeededRandom } from './rng.js';

/** What one optimisation step needs. */
export interface StepParts {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  lossFn: (labels: tf.Tensor, predictions: tf.Tensor) => tf.Scalar;
  rng: SeededRandom;
  /** Read the loss synchronously (wasm and cpu compute synchronously). */
  syncRead: boolean;
}

/**
 * Builds the optimisation step: forward pass in training mode (dropout seeded by `rng`), loss plus
 * the model's regularisation losses, one optimizer update of the trainable weights. The step
 * returns the batch loss and disposes the batch's tensors when the trainer made them.
 */
export function createStep(parts: StepParts): (batch: PreparedBatch) => Promise<number> {
  const { model, optimizer, lossFn, rng, syncRead } = parts;
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  return async (batch) => {
    try {
      const lossTensor = rng.drive(() =>
        optimizer.minimize(
          () => {
            const predictions = model.apply(batch.x, { training: true }) as tf.Tensor;
            let loss = lossFn(batch.y, predictions);
            for (const regularization of model.calculateLosses())
              loss = tf.add(loss, regularization) as tf.Scalar;
            return loss;
          },
          true,
          variables,
        ),
      ) as tf.Scalar;
      // A sync read skips the promise machinery on every step.
      const values = syncRead ? lossTensor.dataSync() : await lossTensor.data();
      lossTensor.dispose();
      return values[0] as number;
    } finally {
      if (batch.owned) tf.dispose([batch.x, batch.y]);
    }
  };
}
