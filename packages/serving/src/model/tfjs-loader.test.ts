import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, MissingDependencyError } from '@mlinfra/core';
import { FeatureTransform, openDatasets } from '@mlinfra/datasets';
import { saveModelArtifact } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../__fixtures__/predictors.js';
import { createPredictionService, scoreDataset } from '../index.js';
import { createArtifactLocator } from './artifact-location.js';
import { tfjsLoader } from './tfjs-loader.js';

function mlp(width: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [width],
        units: 8,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
      tf.layers.dense({
        units: 1,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
      }),
    ],
  });
}

describe('tfjsLoader', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'serving-artifact-'));
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('serves a saved @mlinfra/trainer artifact by reference, V2 and /v1 by feature names', async () => {
    const store = createStore(folder);
    const model = mlp(3);
    const { id } = await saveModelArtifact(store, model, {
      signature: { features: ['age', 'income', 'tenure'] },
    });
    const source = new MemorySource();
    source.addVersion('churn', 1, id);
    const service = createPredictionService({
      models: ['churn'],
      source,
      store: folder,
      backend: 'cpu',
    });
    await service.ready();
    const rows = [
      [30, 1.5, 2],
      [60, 0.2, 10],
    ];
    const expected = Array.from((model.predict(tf.tensor2d(rows)) as tf.Tensor).dataSync());
    const metadata = service.metadata('churn');
    // The artifact's input columns are its features: V2 names one input per feature.
    expect(metadata.inputs).toEqual(
      ['age', 'income', 'tenure'].map((name) => ({ name, datatype: 'FP32', shape: [-1, 1] })),
    );
    const columns = await service.infer('churn', {
      inputs: ['age', 'income', 'tenure'].map((name, column) => ({
        name,
        shape: [2, 1],
        datatype: 'FP32',
        data: rows.map((row) => row[column]!),
      })),
    });
    // The single input as the artifact names it (the trainer calls it "features") is accepted too.
    const tensor = await service.infer('churn', {
      inputs: [{ name: 'features', shape: [2, 3], datatype: 'FP32', data: rows.flat() }],
    });
    for (const reply of [columns, tensor]) {
      (reply.outputs[0]!.data as number[]).forEach((value, i) => {
        expect(value).toBeCloseTo(expected[i]!, 5);
      });
    }
    const predictions = await service.predict('churn', [
      { age: 30, income: 1.5, tenure: 2 },
      { age: '60', income: 0.2, tenure: 10 },
    ]);
    expect((predictions[0] as number[])[0]).toBeCloseTo(expected[0]!, 5);
    expect((predictions[1] as number[])[0]).toBeCloseTo(expected[1]!, 5);
    await expect(service.predict('churn', [{ age: 30, income: 1 }])).rejects.toThrow(
      /instances\.0\.tenure: missing feature "tenure"/,
    );
    await expect(service.predict('churn', [{ age: 30, income: 'x', tenure: 1 }])).rejects.toThrow(
      /income.*not a number/s,
    );
    await service.close();
  });

  it("applies the artifact's @mlinfra/datasets feature transform to raw /v1 rows", async () => {
    const store = createStore(folder);
    const training = [
      { age: 20, city: 'Oslo' },
      { age: 40, city: 'Rome' },
      { age: 60, city: 'Oslo' },
    ];
    const transform = FeatureTransform.fit(training, { age: 'standardize', city: 'oneHot' });
    const model = mlp(transform.width);
    const { id } = await saveModelArtifact(store, model, {
      transform: transform.toJSON() as never,
    });
    const source = new MemorySource();
    source.addVersion('churn', 1, id);
    const service = createPredictionService({ models: ['churn'], source, store, backend: 'cpu' });
    await service.ready();
    const raw = [
      { age: 33, city: 'Rome' },
      { age: 51, city: 'Paris' },
    ];
    const expected = (
      model.predict(tf.tensor2d(transform.transform(raw), [2, transform.width])) as tf.Tensor
    ).dataSync();
    const predictions = await service.predict('churn', raw);
    expect((predictions[0] as number[])[0]).toBeCloseTo(expected[0]!, 5);
    expect((predictions[1] as number[])[0]).toBeCloseTo(expected[1]!, 5);
    await service.close();
  });

  it('serves an artifact by path: <store folder>#<digest>', async () => {
    const elsewhere = join(folder, 'elsewhere');
    const model = mlp(2);
    const { id } = await saveModelArtifact(createStore(elsewhere), model, {
      signature: { features: ['a', 'b'] },
    });
    const service = createPredictionService({
      models: [{ name: 'local', path: `${elsewhere}#${id}` }],
      backend: 'cpu',
    });
    await service.ready();
    const expected = (model.predict(tf.tensor2d([[1, 2]])) as tf.Tensor).dataSync()[0]!;
    const [prediction] = await service.predict('local', [{ a: 1, b: 2 }]);
    expect((prediction as number[])[0]).toBeCloseTo(expected, 5);
    await service.close();
  });

  it('batch-scores a dataset with a model reference through the default loader', async () => {
    const store = createStore(folder);
    const model = mlp(2);
    const { id } = await saveModelArtifact(store, model, { signature: { features: ['a', 'b'] } });
    const source = new MemorySource();
    source.addVersion('scorer', 4, id);
    const datasets = openDatasets({ store });
    await datasets.commit('inputs', [
      { key: 'x', a: 1, b: 2 },
      { key: 'y', a: -1, b: 0.5 },
    ]);
    const version = await scoreDataset('scorer', datasets.dataset('inputs'), {
      source,
      store,
      backend: 'cpu',
      keepColumns: ['key'],
      output: { datasets, name: 'scores' },
    });
    expect(version.message).toBe('scored by scorer/4');
    const expected = (
      model.predict(
        tf.tensor2d([
          [1, 2],
          [-1, 0.5],
        ]),
      ) as tf.Tensor
    ).dataSync();
    const rows = await datasets.dataset('scores').rows();
    expect(rows.map((row) => row.key)).toEqual(['x', 'y']);
    expect(rows[0]!.prediction as number).toBeCloseTo(expected[0]!, 5);
    expect(rows[1]!.prediction as number).toBeCloseTo(expected[1]!, 5);
  });

  it('serves a two-output tfjs artifact with one V2 tensor per output', async () => {
    const store = createStore(folder);
    const input = tf.input({ shape: [2] });
    const hidden = tf.layers
      .dense({
        units: 4,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
      })
      .apply(input) as tf.SymbolicTensor;
    const score = tf.layers
      .dense({
        units: 1,
        name: 'score',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }),
      })
      .apply(hidden) as tf.SymbolicTensor;
    const classes = tf.layers
      .dense({
        units: 3,
        activation: 'softmax',
        name: 'classes',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
      })
      .apply(hidden) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [score, classes] });
    const { id } = await saveModelArtifact(store, model, { signature: { features: ['a', 'b'] } });
    const service = createPredictionService({
      models: [{ name: 'two', path: id }],
      store,
      backend: 'cpu',
    });
    await service.ready();
    const metadata = service.metadata('two');
    expect(metadata.outputs.map((output) => output.shape)).toEqual([
      [-1, 1],
      [-1, 3],
    ]);
    const [expectedScore, expectedClasses] = (
      model.predict(tf.tensor2d([[1, 2]])) as tf.Tensor[]
    ).map((t) => Array.from(t.dataSync()));
    const reply = await service.infer('two', {
      inputs: [{ name: 'features', shape: [1, 2], datatype: 'FP32', data: [1, 2] }],
    });
    expect(reply.outputs.map((output) => output.shape)).toEqual([
      [1, 1],
      [1, 3],
    ]);
    (reply.outputs[0]!.data as number[]).forEach((value, i) => {
      expect(value).toBeCloseTo(expectedScore![i]!, 5);
    });
    (reply.outputs[1]!.data as number[]).forEach((value, i) => {
      expect(value).toBeCloseTo(expectedClasses![i]!, 5);
    });
    await service.close();
  });

  it('names the install command when @mlinfra/trainer is not installed', async () => {
    const load = tfjsLoader(
      { locate: createArtifactLocator(folder), backend: undefined },
      '@mlinfra/trainer-not-installed',
    );
    const error = await load({ name: 'churn', version: 1, artifact: 'sha256:00' }).catch(
      (e: unknown) => e,
    );
    expect(MissingDependencyError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/npm install @mlinfra\/trainer-not-installed/);
    expect((error as Error).cause).toBeDefined();
  });
});
