import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store, ValidationError } from '@mlinfra/core';
import { openDatasets } from '@mlinfra/datasets';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromColumnBatches } from '../train/column-batches.js';
import { train } from '../train/train.js';
import { loadModelArtifact } from './load-model.js';
import { saveModelArtifact } from './save-model.js';

const SPECIES = ['setosa', 'versicolor', 'virginica'];

function classifier(outputs: number): () => tf.LayersModel {
  return () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 8, inputShape: [2], activation: 'relu' }));
    model.add(
      tf.layers.dense({ units: outputs, activation: outputs === 1 ? 'sigmoid' : 'softmax' }),
    );
    return model;
  };
}

describe('label vocabulary and tensor names in the artifact', () => {
  let folder: string;
  let store: Store;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trainer-labels-'));
    store = createStore(join(folder, 'home'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('trains on a string label column of a datasets stream and stores the class names and names', async () => {
    const rows = Array.from({ length: 60 }, (_, index) => ({
      length: (index % 3) + Math.sin(index) * 0.1,
      width: (index % 3) * 0.5,
      species: SPECIES[index % 3] as string,
    }));
    const datasets = openDatasets({ store });
    await datasets.commit('iris', rows);
    const data = fromColumnBatches(
      ({ epoch }) =>
        datasets.dataset('iris').batches({ batchSize: 20, shuffle: { seed: 1 }, epoch }),
      { features: ['length', 'width'], label: 'species', classes: SPECIES },
    );
    const result = await train({
      model: classifier(3),
      data: { train: data },
      loss: 'sparseCategoricalCrossentropy',
      optimizer: { type: 'adam', learningRate: 0.05 },
      epochs: 30,
      backend: 'cpu',
      seed: 1,
      progress: false,
    });
    expect(result.classes).toEqual(SPECIES);
    const { manifest, id } = await saveModelArtifact(store, result.model, {
      signature: { features: ['length', 'width'] },
    });
    expect(manifest.signature.labels).toEqual(SPECIES);
    expect(manifest.signature.inputs.map((input) => input.name)).toEqual(['features']);
    expect(manifest.signature.outputs.map((output) => output.name)).toEqual(['species']);
    const loaded = await loadModelArtifact(store, id, { backend: 'cpu' });
    expect(loaded.manifest.signature.labels).toEqual(SPECIES);
    const [probabilities] = await loaded.predictRows([{ length: 2, width: 1 }]);
    const best = Array.from(probabilities as Float32Array).indexOf(
      Math.max(...(probabilities as Float32Array)),
    );
    expect(loaded.manifest.signature.labels?.[best]).toBe('virginica');
    loaded.dispose();
  });

  it('refuses a label value that is not one of classes, naming it', async () => {
    const datasets = openDatasets({ store });
    await datasets.commit('iris', [
      { length: 1, width: 1, species: 'setosa' },
      { length: 2, width: 1, species: 'rosa' },
    ]);
    const data = fromColumnBatches(() => datasets.dataset('iris').batches({ batchSize: 2 }), {
      features: ['length', 'width'],
      label: 'species',
      classes: SPECIES,
    });
    const failure = await train({
      model: classifier(3),
      data: { train: data },
      loss: 'sparseCategoricalCrossentropy',
      backend: 'cpu',
      progress: false,
    }).catch((error: unknown) => error);
    expect(ValidationError.isInstance(failure)).toBe(true);
    expect(String(failure)).toContain('"rosa" in row 1');
  });

  it('takes classes for in-memory data, checks their count against the outputs, and defaults names', async () => {
    const x = [
      [0, 1],
      [1, 0],
    ];
    const refused = await train({
      model: classifier(3),
      data: { train: { x, y: [0, 1] } },
      loss: 'sparseCategoricalCrossentropy',
      classes: ['a', 'b'],
      backend: 'cpu',
      progress: false,
    }).catch((error: unknown) => error);
    expect(ValidationError.isInstance(refused)).toBe(true);
    expect(String(refused)).toContain('classes has 2 names but the model has 3 outputs');
    const binary = await train({
      model: classifier(1),
      data: { train: { x, y: [0, 1] } },
      loss: 'binaryCrossentropy',
      classes: ['stay', 'churn'],
      backend: 'cpu',
      progress: false,
    });
    const { manifest } = await saveModelArtifact(store, binary.model);
    expect(manifest.signature.labels).toEqual(['stay', 'churn']);
    expect(manifest.signature.outputs[0]?.name).toBe('output');
    expect(manifest.signature.inputs[0]?.name).toBe('features');
  });
});
