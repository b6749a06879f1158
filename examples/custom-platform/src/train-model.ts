import type { Store } from '@mlinfra/core';
import { FeatureTransform } from '@mlinfra/datasets';
import { evaluate, type JsonValue, saveModelArtifact, train } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import type { Day } from './weather.js';

/** Weather classes in the model's output order. */
export const CLASSES = ['drizzle', 'fog', 'rain', 'snow', 'sun'] as const;

/** The features the model reads from a raw row, and how. */
export const FEATURES = {
  precipitation: 'standardize',
  temp_max: 'standardize',
  temp_min: 'standardize',
  wind: 'standardize',
} as const;

/**
 * Trains a small weather-type classifier on the wasm backend and saves it as an `mlinfra-model@1`
 * artifact (with its feature transform, so the server takes raw rows). Returns its id and test metrics.
 */
export async function trainWeatherModel(
  store: Store,
  days: readonly Day[],
  options: { epochs: number; seed: number },
): Promise<{ artifact: string; metrics: Record<string, number> }> {
  const trainDays = days.filter((_, index) => index % 5 !== 0);
  const testDays = days.filter((_, index) => index % 5 === 0);
  const transform = FeatureTransform.fit(trainDays, { ...FEATURES });
  const xy = (rows: readonly Day[]) => ({
    x: transform.transform(rows),
    y: Float32Array.from(rows, (day) => CLASSES.indexOf(day.weather as (typeof CLASSES)[number])),
  });
  const result = await train({
    model: () => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ inputShape: [transform.width], units: 16, activation: 'relu' }));
      model.add(tf.layers.dense({ units: CLASSES.length, activation: 'softmax' }));
      return model;
    },
    data: { train: xy(trainDays) },
    epochs: options.epochs,
    batchSize: 32,
    loss: 'sparseCategoricalCrossentropy',
    optimizer: { type: 'adam', learningRate: 0.01 },
    seed: options.seed,
    backend: 'wasm',
    progress: false,
    onSigterm: 'ignore',
  });
  const report = await evaluate(result.model, xy(testDays), {
    task: 'multiclass',
    metrics: ['accuracy', 'logLoss'],
  });
  const metrics = Object.fromEntries(
    Object.entries(report.overall).filter(([, value]) => Number.isFinite(value)),
  );
  const saved = await saveModelArtifact(store, result.model, {
    signature: { features: [...transform.featureNames], labels: [...CLASSES] },
    transform: transform.toJSON() as unknown as JsonValue,
    metadata: { metrics, epochs: options.epochs },
  });
  result.model.dispose();
  return { artifact: saved.id, metrics };
}
