import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '@mlinfra/core';
import { FeatureTransform } from '@mlinfra/datasets';
import { saveModelArtifact } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall } from '../__fixtures__/http.js';
import { MemorySource } from '../__fixtures__/predictors.js';
import { createServer, type LabeledPrediction, type ModelServer } from '../index.js';

function dense(inputs: number, units: number, activation: 'softmax' | 'sigmoid'): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [inputs],
        units,
        activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }),
        biasInitializer: tf.initializers.constant({ value: 0.1 }),
      }),
    ],
  });
}

/** A `/v1` answer: predictions and the model that gave them, or an error. */
interface V1Body {
  error: string;
  predictions: unknown[];
  model_name: string;
  model_version: string;
}

async function predict(port: number, path: string, body: unknown) {
  const reply = await httpCall(port, 'POST', path, JSON.stringify(body));
  return { status: reply.status, body: reply.json as V1Body };
}

describe('/v1 predict does not guess', () => {
  let folder: string;
  let store: Store;
  let server: ModelServer;
  let port: number;
  const source = new MemorySource();
  let species: tf.LayersModel;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    folder = await mkdtemp(join(tmpdir(), 'serving-v1-'));
    store = createStore(folder);
    // A multiclass model with its label vocabulary, no transform: features are input columns.
    species = dense(2, 3, 'softmax');
    const multiclass = await saveModelArtifact(store, species, {
      signature: { features: ['length', 'width'], labels: ['setosa', 'versicolor', 'virginica'] },
    });
    source.addVersion('species', 1, multiclass.id);
    // A binary model whose class names sit in the artifact's metadata.
    const binary = await saveModelArtifact(store, dense(2, 1, 'sigmoid'), {
      signature: { features: ['a', 'b'] },
      metadata: { labels: ['stay', 'churn'] },
    });
    source.addVersion('churn', 1, binary.id);
    // A datasets transform: "age" is numeric (fitted fill), "city" categorical (no fill).
    const transform = FeatureTransform.fit(
      [
        { age: 20, city: 'Oslo' },
        { age: 40, city: 'Rome' },
      ],
      { age: 'standardize', city: 'oneHot' },
    );
    const transformed = await saveModelArtifact(store, dense(transform.width, 1, 'sigmoid'), {
      transform: transform.toJSON() as never,
    });
    source.addVersion('visits', 1, transformed.id);
    server = createServer({
      models: [
        'species',
        'churn',
        'visits',
        { reference: 'visits', name: 'lenient', unknownFields: 'ignore' },
      ],
      source,
      store,
      backend: 'cpu',
      shutdown: { signals: [] },
    });
    port = (await server.listen(0)).port;
    await server.ready();
  });
  afterAll(async () => {
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('answers 400 naming a missing feature the transform does not fill', async () => {
    const noTransform = await predict(port, '/v1/models/species:predict', {
      instances: [{ length: 1, width: 2 }, { length: 1 }],
    });
    expect(noTransform.status).toBe(400);
    expect(noTransform.body.error).toMatch(/instances\.1\.width: missing feature "width"/);
    const categorical = await predict(port, '/v1/models/visits:predict', {
      instances: [{ age: 30 }],
    });
    expect(categorical.status).toBe(400);
    expect(categorical.body.error).toMatch(/instances\.0\.city: missing feature "city"/);
    // "age" has a fitted fill value in the transform, so leaving it out is allowed.
    const filled = await predict(port, '/v1/models/visits:predict', {
      instances: [{ city: 'Rome' }],
    });
    expect(filled.status).toBe(200);
  });

  it('refuses unknown fields by default, naming them, and ignores them when configured', async () => {
    const rejected = await predict(port, '/v1/models/visits:predict', {
      instances: [{ age: 30, city: 'Oslo', foo: 'bar' }],
    });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error).toMatch(
      /instances\.0\.foo: unknown field "foo".*unknownFields: 'ignore'/,
    );
    const ignored = await predict(port, '/v1/models/lenient:predict', {
      instances: [{ age: 30, city: 'Oslo', foo: 'bar' }],
    });
    expect(ignored.status).toBe(200);
    const plain = await predict(port, '/v1/models/visits:predict', {
      instances: [{ age: 30, city: 'Oslo' }],
    });
    expect(ignored.body.predictions).toEqual(plain.body.predictions);
  });

  it('returns class names and scores when the artifact knows its labels', async () => {
    const reply = await predict(port, '/v1/models/species:predict', {
      instances: [
        { length: 5, width: -1 },
        { length: -3, width: 4 },
      ],
    });
    expect(reply.status).toBe(200);
    const expected = (
      species.predict(
        tf.tensor2d([
          [5, -1],
          [-3, 4],
        ]),
      ) as tf.Tensor
    ).arraySync() as number[][];
    const labels = ['setosa', 'versicolor', 'virginica'];
    (reply.body.predictions as LabeledPrediction[]).forEach((prediction, row) => {
      const scores = expected[row]!;
      expect(prediction.label).toBe(labels[scores.indexOf(Math.max(...scores))]);
      labels.forEach((label, i) => {
        expect(prediction.scores[label]).toBeCloseTo(scores[i]!, 5);
      });
    });
    const binary = await predict(port, '/v1/models/churn:predict', { instances: [{ a: 1, b: 2 }] });
    const [prediction] = binary.body.predictions as {
      label: string;
      scores: Record<string, number>;
    }[];
    expect(prediction!.scores.stay! + prediction!.scores.churn!).toBeCloseTo(1, 6);
    expect(prediction!.label).toBe(prediction!.scores.churn! >= 0.5 ? 'churn' : 'stay');
  });

  it('names /v1 answers with the model and the version that answered', async () => {
    const before = await predict(port, '/v1/models/species:predict', { instances: [[1, 2]] });
    expect(before.body).toMatchObject({ model_name: 'species', model_version: '1' });
    const again = await saveModelArtifact(store, dense(2, 3, 'softmax'), {
      signature: { features: ['length', 'width'], labels: ['setosa', 'versicolor', 'virginica'] },
    });
    source.addVersion('species', 2, again.id);
    await server.predictor.refresh();
    const after = await predict(port, '/v1/models/species:predict', { instances: [[1, 2]] });
    expect(after.body).toMatchObject({ model_name: 'species', model_version: '2' });
    const pinned = await predict(port, '/v1/models/species/versions/2:predict', {
      instances: [[1, 2]],
    });
    expect(pinned.body.model_version).toBe('2');
  });

  it('takes V2 inputs named by feature and names what is missing or inconsistent', async () => {
    const service = server.predictor;
    const missing = await service
      .infer('species', { inputs: [{ name: 'length', shape: [1], datatype: 'FP32', data: [1] }] })
      .catch((error: unknown) => error);
    expect(String(missing)).toMatch(/missing input for feature "width"/);
    const uneven = await service
      .infer('species', {
        inputs: [
          { name: 'length', shape: [2], datatype: 'FP32', data: [1, 2] },
          { name: 'width', shape: [1], datatype: 'FP32', data: [1] },
        ],
      })
      .catch((error: unknown) => error);
    expect(String(uneven)).toMatch(
      /inputs\.1\.shape: input "width" must have shape \[n\] or \[n, 1\], with the same n for every feature \(2\)/,
    );
    const unknown = await service
      .infer('species', { inputs: [{ name: 'height', shape: [1], datatype: 'FP32', data: [1] }] })
      .catch((error: unknown) => error);
    expect(String(unknown)).toMatch(
      /unknown input "height"; send one input per feature \(length, width\)/,
    );
  });
});
