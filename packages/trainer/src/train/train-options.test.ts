import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store, ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SaveModelArtifactOptions, saveModelArtifact } from '../artifact/save-model.js';
import { earlyStopping } from '../callbacks/early-stopping.js';
import { progressBar } from '../callbacks/progress-bar.js';
import { reduceLROnPlateau } from '../callbacks/reduce-lr-on-plateau.js';
import { cosineDecay, stepDecay, warmup } from '../callbacks/schedules.js';
import { evaluate } from '../evaluate/evaluate.js';
import { type FromColumnBatchesOptions, fromColumnBatches } from './column-batches.js';
import { type TrainOptions, train } from './train.js';

function build(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 1, inputShape: [2], activation: 'sigmoid' }));
  return model;
}

const base: TrainOptions = {
  model: build,
  data: {
    train: {
      x: [
        [0, 1],
        [1, 0],
      ],
      y: [0, 1],
    },
  },
  loss: 'binaryCrossentropy',
  backend: 'cpu',
  seed: 1,
  progress: false,
};

/** Runs `run`, expects a ValidationError, and returns the issue at `path`. */
async function issueAt(run: () => unknown, path: Array<string | number>) {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(ValidationError.isInstance(caught), `no ValidationError: ${String(caught)}`).toBe(true);
  const issues = (caught as ValidationError).issues;
  const issue = issues.find((entry) => JSON.stringify(entry.path) === JSON.stringify(path));
  expect(issue, `issues: ${JSON.stringify(issues)}`).toBeDefined();
  return issue?.message ?? '';
}

describe('strict options', () => {
  let folder: string;
  let store: Store;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mlinfra-strict-'));
    store = createStore(folder);
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('train() refuses an unknown key and names the nearest known one', async () => {
    // @ts-expect-error epoch is not an option
    const message = await issueAt(() => train({ ...base, epoch: 5 }), ['epoch']);
    expect(message).toContain('did you mean "epochs"?');
  });

  it('train() refuses unknown keys in nested options objects', async () => {
    expect(
      await issueAt(
        // @ts-expect-error validaton is misspelt
        () => train({ ...base, data: { ...base.data, validaton: base.data.train } }),
        ['data', 'validaton'],
      ),
    ).toContain('"validation"');
    expect(
      await issueAt(
        // @ts-expect-error keepLats is misspelt
        () => train({ ...base, checkpoint: { store, name: 'r', keepLats: 2 } }),
        ['checkpoint', 'keepLats'],
      ),
    ).toContain('"keepLast"');
    expect(
      await issueAt(
        () =>
          train({
            ...base,
            // @ts-expect-error monitr is misspelt
            checkpoint: { store, name: 'r', keepBest: { monitr: 'val_loss' } },
          }),
        ['checkpoint', 'keepBest', 'monitr'],
      ),
    ).toContain('"monitor"');
    expect(
      await issueAt(
        // @ts-expect-error learnignRate is misspelt
        () => train({ ...base, optimizer: { type: 'adam', learnignRate: 0.1 } }),
        ['optimizer', 'learnignRate'],
      ),
    ).toContain('"learningRate"');
    expect(
      await issueAt(
        () =>
          train({
            ...base,
            // @ts-expect-error everySecond is misspelt
            budget: { guard: { charge: () => ({ stop: false }) }, everySecond: 1 },
          }),
        ['budget', 'everySecond'],
      ),
    ).toContain('"everySeconds"');
  });

  it('every other options object of the package is strict too', async () => {
    // @ts-expect-error patiance is misspelt
    expect(await issueAt(() => earlyStopping({ patiance: 2 }), ['patiance'])).toContain(
      '"patience"',
    );
    // @ts-expect-error factr is misspelt
    expect(await issueAt(() => reduceLROnPlateau({ factr: 0.5 }), ['factr'])).toContain('"factor"');
    // @ts-expect-error every is missing, evry is misspelt
    expect(await issueAt(() => stepDecay({ initial: 1, evry: 2 }), ['evry'])).toContain('"every"');
    expect(
      // @ts-expect-error decayStep is misspelt
      await issueAt(() => cosineDecay({ initial: 1, decaySteps: 2, decayStep: 3 }), ['decayStep']),
    ).toContain('"decaySteps"');
    // @ts-expect-error start is not an option
    expect(await issueAt(() => warmup({ steps: 2, after: 1, start: 0 }), ['start'])).toContain(
      '"startFactor"',
    );
    // @ts-expect-error epoch is misspelt
    expect(await issueAt(() => progressBar({ epochs: 1, epoch: 1 }), ['epoch'])).toContain(
      '"epochs"',
    );
    // @ts-expect-error labels is not an option (and label is missing)
    const columnOptions: FromColumnBatchesOptions = { features: ['a'], labels: 'y' };
    expect(
      await issueAt(() => fromColumnBatches(() => [] as never, columnOptions), ['labels']),
    ).toContain('"label"');
    const model = build();
    const data = { x: [[0, 1]], y: [1] };
    // @ts-expect-error metric is misspelt
    expect(await issueAt(() => evaluate(model, data, { metric: ['rmse'] }), ['metric'])).toContain(
      '"metrics"',
    );
    // @ts-expect-error feature is misspelt
    const saveOptions: SaveModelArtifactOptions = { signature: { feature: ['a'] } };
    expect(
      await issueAt(() => saveModelArtifact(store, model, saveOptions), ['signature', 'feature']),
    ).toContain('"features"');
  });
});
