import * as tf from '@tensorflow/tfjs';
import type { Predictor } from '../index.js';

/** A real tfjs MLP (features -> 16 -> 1) with fixed weights, served through the Predictor contract. */
export function tfPredictor(features = 20, seed = 1): Predictor & { model: tf.LayersModel } {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [features],
        units: 16,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: 1,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
  return {
    model,
    signature: {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, features] }],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
    },
    predict(batch, rows) {
      return tf.tidy(() => {
        const output = model.predict(tf.tensor2d(batch, [rows, features])) as tf.Tensor;
        return output.dataSync() as Float32Array;
      });
    },
    dispose() {
      model.dispose();
    },
  };
}
