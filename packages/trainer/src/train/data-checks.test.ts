import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { XYBatch } from './data.js';
import { type TrainOptions, train } from './train.js';

function classifier(classes: number, activation: 'relu' | 'tanh' = 'relu'): () => tf.LayersModel {
  return () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 4, inputShape: [2], activation }));
    model.add(
      tf.layers.dense({ units: classes, activation: classes === 1 ? 'sigmoid' : 'softmax' }),
    );
    return model;
  };
}

const x = [
  [0, 1],
  [1, 0],
  [0.5, 0.5],
  [1, 1],
];

function options(extra: Partial<TrainOptions>): TrainOptions {
  return {
    model: classifier(3),
    data: { train: { x, y: [0, 1, 2, 1] } },
    loss: 'sparseCategoricalCrossentropy',
    backend: 'cpu',
    seed: 3,
    batchSize: 2,
    progress: false,
    ...extra,
  };
}

/** Runs train(), expects a ValidationError and returns its message. */
async function refusal(trainOptions: TrainOptions): Promise<string> {
  const outcome = await train(trainOptions).then(
    (result) => ({ ok: true as const, status: result.status }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`train() ${outcome.status} instead of refusing the data`);
  expect(ValidationError.isInstance(outcome.error), String(outcome.error)).toBe(true);
  return (outcome.error as Error).message;
}

describe('train() validates labels against the loss and the output shape', () => {
  it.each([
    [5, 'not an integer class index in [0, 3)'],
    [-1, 'not an integer class index in [0, 3)'],
    [1e9, 'not an integer class index in [0, 3)'],
    [1.5, 'not an integer class index in [0, 3)'],
    [Number.NaN, 'label is NaN'],
  ])('refuses sparse label %s for a 3-class model, naming the row and value', async (bad, why) => {
    const message = await refusal(options({ data: { train: { x, y: [0, 1, bad, 2] } } }));
    expect(message).toContain('data.train row 2');
    expect(message).toContain(why);
    expect(message).toContain(String(bad === 1e9 ? 1000000000 : bad));
  });

  it('refuses binaryCrossentropy label 2 and accepts 0, 1 and probabilities', async () => {
    const binary = { model: classifier(1), loss: 'binaryCrossentropy' as const };
    const message = await refusal(options({ ...binary, data: { train: { x, y: [0, 1, 2, 1] } } }));
    expect(message).toMatch(/data\.train row 2: label 2 is not values in \[0, 1\]/);
    const result = await train(options({ ...binary, data: { train: { x, y: [0, 1, 0.25, 1] } } }));
    expect(result.status).toBe('completed');
  });

  it('refuses categorical rows that are not one-hot or probabilities, and sparse labels given to it', async () => {
    const categorical = { loss: 'categoricalCrossentropy' as const };
    const oneHot = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0.5, 0.5],
      [0, 0, 1],
    ];
    expect(
      (await train(options({ ...categorical, data: { train: { x, y: oneHot } } }))).status,
    ).toBe('completed');
    const bad = oneHot.map((row) => [...row]);
    bad[3] = [1, 1, 0];
    const message = await refusal(options({ ...categorical, data: { train: { x, y: bad } } }));
    expect(message).toContain('data.train row 3: label [1, 1, 0]');
    expect(message).toContain('summing to 1');
    const sparse = await refusal(
      options({ ...categorical, data: { train: { x, y: [0, 1, 2, 1] } } }),
    );
    expect(sparse).toContain('needs 3 values in [0, 1] summing to 1');
  });

  it('refuses bad labels in streamed batches (arrays and tensors), naming batch and row', async () => {
    const arrays: XYBatch[] = [
      { x: x.slice(0, 2), y: [0, 1] },
      { x: x.slice(2), y: [2, 3] },
    ];
    expect(await refusal(options({ data: { train: arrays } }))).toContain(
      'data.train batch 1 row 1: label 3 is not an integer class index in [0, 3)',
    );
    const tensors = () => [{ x: tf.tensor2d(x.slice(0, 2)), y: tf.tensor2d([[0], [-2]]) }];
    expect(await refusal(options({ data: { train: tensors() } }))).toContain(
      'data.train batch 0 row 1: label -2',
    );
  });
});

describe('train() refuses NaN and Infinity in features', () => {
  it('names the row and the value, in memory and in tensors', async () => {
    const features = x.map((row) => [...row]);
    features[1] = [0, Number.POSITIVE_INFINITY];
    const message = await refusal(options({ data: { train: { x: features, y: [0, 1, 2, 1] } } }));
    expect(message).toContain('data.train row 1: feature 1 is Infinity');
    const tensorBatch = [{ x: tf.tensor2d([[Number.NaN, 1]]), y: tf.tensor2d([[1]]) }];
    expect(await refusal(options({ data: { train: tensorBatch } }))).toContain(
      'data.train batch 0 row 0: feature 0 is NaN',
    );
  });

  it('refuses NaN in validation data before training (no NaN val_loss)', async () => {
    const features = x.map((row) => [...row]);
    features[3] = [Number.NaN, 0];
    let epochs = 0;
    const message = await refusal(
      options({
        data: { train: { x, y: [0, 1, 2, 1] }, validation: { x: features, y: [0, 1, 2, 1] } },
        callbacks: [{ name: 'count', onEpochEnd: () => void epochs++ }],
      }),
    );
    expect(message).toContain('data.validation row 3: feature 0 is NaN');
    expect(epochs).toBe(0);
    const streamed = await refusal(
      options({
        data: { train: { x, y: [0, 1, 2, 1] }, validation: [{ x: features, y: [0, 1, 2, 1] }] },
      }),
    );
    expect(streamed).toContain('data.validation batch 0 row 3: feature 0 is NaN');
  });
});

describe('resuming checks the model topology', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mlinfra-topology-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('refuses a checkpoint of the same shapes but another activation, naming both fingerprints and the difference', async () => {
    const store = createStore(folder);
    const checkpoint = { store, name: 'topology/run' };
    const first = await train(options({ model: classifier(3, 'tanh'), checkpoint, epochs: 1 }));
    expect(first.status).toBe('completed');
    const message = await refusal(
      options({ model: classifier(3, 'relu'), checkpoint, epochs: 2, resume: 'latest' }),
    );
    const fingerprints = message.match(/sha256:[0-9a-f]{64}/g) ?? [];
    // The checkpoint digest, then the checkpoint's topology and this model's: three distinct digests.
    expect(new Set(fingerprints).size).toBe(3);
    expect(message).toContain('layer 0 (Dense) activation: "tanh" in the checkpoint, "relu" now');
    const resumed = await train(
      options({ model: classifier(3, 'tanh'), checkpoint, epochs: 2, resume: 'latest' }),
    );
    expect(resumed.resumedFrom?.digest).toBe(first.checkpoint);
    expect(resumed.epochs).toBe(2);
  });
});
