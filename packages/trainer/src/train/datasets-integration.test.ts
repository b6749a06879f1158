import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '@mlinfra/core';
import { type BatchCursor, FeatureTransform, openDatasets } from '@mlinfra/datasets';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelArtifact } from '../artifact/load-model.js';
import { saveModelArtifact } from '../artifact/save-model.js';
import { type ColumnBatchLike, fromColumnBatches } from './column-batches.js';
import { train } from './train.js';

// Real @mlinfra/datasets streams and feature transforms, as a user wires them.
const ROWS = 96;

function build(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 4, inputShape: [5], activation: 'tanh' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  return model;
}

describe('with @mlinfra/datasets', () => {
  let folder: string;
  let store: Store;
  let transform: FeatureTransform;
  const rows = Array.from({ length: ROWS }, (_, index) => ({
    age: 20 + ((index * 7) % 50),
    income: 1000 + ((index * 131) % 4000),
    city: ['oslo', 'rome', 'lima'][index % 3] as string,
    churned: (index * 7) % 50 > 25 ? 1 : 0,
  }));
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trainer-datasets-'));
    store = createStore(join(folder, 'home'));
    const datasets = openDatasets({ store });
    await datasets.commit('churn', {
      age: Float64Array.from(rows, (row) => row.age),
      income: Float64Array.from(rows, (row) => row.income),
      city: rows.map((row) => row.city),
      churned: Int32Array.from(rows, (row) => row.churned),
    });
    transform = FeatureTransform.fit(rows, {
      age: 'standardize',
      income: 'minMax',
      city: 'oneHot',
    });
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('trains on a shuffled BatchSource, resumes from its cursor to identical weights, and serves raw rows through the stored transform', async () => {
    expect(transform.width).toBe(6);
    const datasets = openDatasets({ store });
    const width = transform.width - 1;
    // Drop the out-of-vocabulary column so the model sees 5 inputs; a user would size the model to transform.width.
    const features = {
      width,
      transform: (batch: ColumnBatchLike) => {
        const full = transform.transform(batch as Parameters<FeatureTransform['transform']>[0]);
        const rowsIn = full.length / transform.width;
        const out = new Float32Array(rowsIn * width);
        for (let row = 0; row < rowsIn; row++)
          out.set(full.subarray(row * transform.width, row * transform.width + width), row * width);
        return out;
      },
    };
    const data = fromColumnBatches(
      ({ epoch, cursor }) =>
        datasets.dataset('churn').batches({
          batchSize: 16,
          shuffle: { seed: 3 },
          epoch,
          ...(cursor === undefined ? {} : { cursor: cursor as BatchCursor }),
        }),
      { transform: features, label: 'churned' },
    );
    const options = {
      model: build,
      data: { train: data },
      epochs: 2,
      loss: 'binaryCrossentropy' as const,
      backend: 'cpu' as const,
      seed: 11,
      progress: false,
    };
    const reference = await train(options);
    expect(reference.steps).toBe(12);
    const stopped = await train({
      ...options,
      budget: { guard: { charge: () => ({ stop: true }) }, everySeconds: 1e-9 },
      checkpoint: { store, name: 'churn/run' },
    });
    expect(stopped.status).toBe('budget-exhausted');
    const resumed = await train({
      ...options,
      checkpoint: { store, name: 'churn/run' },
      resume: 'latest',
    });
    const weights = (model: tf.LayersModel) =>
      model.getWeights().map((tensor) => Array.from(tensor.dataSync()));
    expect(weights(resumed.model)).toEqual(weights(reference.model));

    // An artifact with the datasets transform predicts raw rows without any extra wiring.
    const wide = tf.sequential();
    wide.add(tf.layers.dense({ units: 1, inputShape: [transform.width], activation: 'sigmoid' }));
    const { id, manifest } = await saveModelArtifact(store, wide, {
      transform: transform.toJSON() as never,
    });
    expect(manifest.signature.features).toEqual(['age', 'income', 'city']);
    const loaded = await loadModelArtifact(store, id, { backend: 'cpu' });
    const raw = rows.slice(0, 5).map(({ age, income, city }) => ({ age, income, city }));
    const predicted = await loaded.predictRows(raw);
    const expected = (
      wide.predict(tf.tensor2d(transform.transform(raw), [5, transform.width])) as tf.Tensor
    ).dataSync();
    expect(predicted.map((row) => row[0])).toEqual(Array.from(expected));
  });
});
