// Shared by the serving benchmark and its server child: the 20-feature MLP (20-64-64-1) on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { Predictor } from '@mlinfra/serving';

export const FEATURES = 20;

export async function buildModel(): Promise<tf.LayersModel> {
  await tf.setBackend('wasm');
  await tf.ready();
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [FEATURES],
        units: 64,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({
        units: 64,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
      tf.layers.dense({
        units: 1,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
    ],
  });
}

/** Runs the model on a row-major batch: the same call both servers make. */
export function predictBatch(
  model: tf.LayersModel,
  batch: Float32Array,
  rows: number,
): Float32Array {
  return tf.tidy(
    () =>
      (
        model.predict(tf.tensor2d(batch, [rows, FEATURES]), {
          batchSize: Math.max(rows, 1),
        }) as tf.Tensor
      ).dataSync() as Float32Array,
  );
}

export function predictorOf(model: tf.LayersModel): Predictor {
  return {
    signature: {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, FEATURES] }],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
    },
    predict: (batch, rows) => predictBatch(model, batch, rows),
  };
}
