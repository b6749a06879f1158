import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictError,
  createStore,
  MlinfraError,
  type Store,
  ValidationError,
} from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { earlyStopping } from '../callbacks/early-stopping.js';
import { reduceLROnPlateau } from '../callbacks/reduce-lr-on-plateau.js';
import type { TrainingCallback } from '../callbacks/types.js';
import { listCheckpoints } from './checkpoint-store.js';
import { fromColumnBatches } from './column-batches.js';
import type { XYBatch } from './data.js';
import type { RunLogger } from './interfaces.js';
import { type TrainOptions, train } from './train.js';

function build(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 6, inputShape: [2], activation: 'tanh' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  return model;
}

function dataset(rows: number, offset = 0): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (let index = 0; index < rows; index++) {
    const a = Math.sin(index * 1.3 + offset);
    const b = Math.cos(index * 0.7 + offset);
    x.push([a, b]);
    y.push(a - b > 0 ? 1 : 0);
  }
  return { x, y };
}

const base = (extra: Partial<TrainOptions> = {}): TrainOptions => ({
  model: build,
  data: { train: dataset(40) },
  epochs: 2,
  batchSize: 8,
  loss: 'binaryCrossentropy',
  optimizer: { type: 'adam', learningRate: 0.05 },
  backend: 'cpu',
  seed: 7,
  progress: false,
  ...extra,
});

const weightsOf = (model: tf.LayersModel) =>
  model.getWeights().map((tensor) => Array.from(tensor.dataSync()));

/** Replaces an epoch metric with scripted values, so callbacks see a known sequence. */
function scripted(name: string, values: number[]): TrainingCallback {
  return {
    name: `script-${name}`,
    onEpochEnd(epoch, logs) {
      logs[name] = values[epoch] ?? Number.NaN;
    },
  };
}

describe('train', () => {
  let folder: string;
  let store: Store;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trainer-train-'));
    store = createStore(join(folder, 'store'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('gives bit-identical weights for the same seed on cpu, and different ones for another seed', async () => {
    const first = await train(base());
    const second = await train(base());
    const other = await train(base({ seed: 8 }));
    expect(first.backend.name).toBe('cpu');
    expect(first.steps).toBe(10);
    expect(first.status).toBe('completed');
    expect(weightsOf(second.model)).toEqual(weightsOf(first.model));
    expect(weightsOf(other.model)).not.toEqual(weightsOf(first.model));
    expect(first.history).toHaveLength(2);
    expect(first.history[1]?.loss).toBeLessThan(first.history[0]?.loss as number);
    expect(first.samplesPerSecond).toBeGreaterThan(0);
    expect(first.checkpointSeconds).toBe(0);
  });

  it('on wasm, a budget-stopped and resumed run ends within 1e-6 of an uninterrupted one', async () => {
    const options = base({ backend: 'wasm', epochs: 3 });
    const reference = await train(options);
    expect(reference.backend.name).toBe('wasm');
    await train({
      ...options,
      budget: { guard: { charge: () => ({ stop: true }) }, everySeconds: 1e-9 },
      checkpoint: { store, name: 'wasm' },
    });
    const resumed = await train({
      ...options,
      checkpoint: { store, name: 'wasm' },
      resume: 'latest',
    });
    const expected = weightsOf(reference.model).flat();
    const actual = weightsOf(resumed.model).flat();
    const worst = Math.max(
      ...actual.map((value, index) => Math.abs(value - (expected[index] as number))),
    );
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('feeds a RunLogger params once and metrics per step and per epoch', async () => {
    const calls: Array<[string, unknown, unknown?]> = [];
    const logger: RunLogger = {
      logParams: async (params) => void calls.push(['params', params]),
      logMetrics: async (values, options) => void calls.push(['metrics', values, options]),
      setTags: async (tags) => void calls.push(['tags', tags]),
      logArtifact: async (name, data) => void calls.push(['artifact', name, data]),
    };
    const result = await train(
      base({
        logger,
        data: { train: dataset(40), validation: dataset(16, 3) },
        metrics: ['accuracy'],
        checkpoint: { store, name: 'logged' },
      }),
    );
    expect(calls.filter(([kind]) => kind === 'params')).toEqual([
      [
        'params',
        expect.objectContaining({
          epochs: 2,
          batchSize: 8,
          seed: 7,
          optimizer: 'Adam',
          learningRate: 0.05,
          backend: 'cpu',
        }),
      ],
    ]);
    const metrics = calls.filter(([kind]) => kind === 'metrics');
    expect(metrics).toHaveLength(10 + 2);
    expect(metrics[0]).toEqual(['metrics', { loss: expect.any(Number), lr: 0.05 }, { step: 1 }]);
    expect(metrics[5]).toEqual([
      'metrics',
      {
        epoch: 0,
        epoch_loss: expect.any(Number),
        val_loss: expect.any(Number),
        val_accuracy: expect.any(Number),
      },
      { step: 5 },
    ]);
    expect(calls).toContainEqual(['tags', { 'mlinfra.trainer.status': 'completed' }]);
    expect(calls).toContainEqual(['artifact', 'checkpoint', { digest: result.checkpoint }]);
  });

  it('stops with status budget-exhausted after checkpointing, and resumes to the same weights as an uninterrupted run', async () => {
    const reference = await train(base({ epochs: 3 }));
    let charged = 0;
    const stopper = {
      charge: (seconds: number, info?: { device?: string }) => {
        charged += seconds;
        expect(info?.device).toBe('cpu');
        return { stop: true, reason: 'budget "team-a" spent' };
      },
    };
    const stopped = await train(
      base({
        epochs: 3,
        budget: { guard: stopper, everySeconds: 1e-9 },
        checkpoint: { store, name: 'budget' },
      }),
    );
    expect(stopped.status).toBe('budget-exhausted');
    expect(stopped.stopReason).toBe('budget "team-a" spent');
    expect(stopped.steps).toBe(1);
    expect(charged).toBeGreaterThan(0);
    const listing = await listCheckpoints(store, 'budget');
    expect(listing.latest).toBe(stopped.checkpoint);
    const resumed = await train(
      base({
        epochs: 3,
        budget: { charge: () => ({ stop: false }) },
        checkpoint: { store, name: 'budget' },
        resume: 'latest',
      }),
    );
    expect(resumed.status).toBe('completed');
    expect(resumed.resumedFrom?.step).toBe(1);
    expect(resumed.seed).toBe(7);
    expect(resumed.steps).toBe(15);
    expect(weightsOf(resumed.model)).toEqual(weightsOf(reference.model));
  });

  it("with onSigterm: 'return', SIGTERM checkpoints after the current step and returns 'interrupted'; the handler is removed", async () => {
    const listeners = process.listenerCount('SIGTERM');
    const reference = await train(base());
    const signal: TrainingCallback = {
      name: 'signal',
      onBatchEnd: (step) => {
        // process.emit runs the listeners exactly as a delivered signal would, without signalling the test runner.
        if (step === 3) process.emit('SIGTERM', 'SIGTERM');
      },
    };
    const interrupted = await train(
      base({ callbacks: [signal], onSigterm: 'return', checkpoint: { store, name: 'signal' } }),
    );
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.steps).toBe(3);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
    const resumed = await train(base({ checkpoint: { store, name: 'signal' }, resume: 'latest' }));
    expect(resumed.resumedFrom?.step).toBe(3);
    expect(weightsOf(resumed.model)).toEqual(weightsOf(reference.model));
  });

  it('awaits an async model builder (seeded like a sync one) and rejects multi-output models', async () => {
    const sync = await train(base());
    const asyncBuilt = await train(base({ model: async () => build() }));
    expect(weightsOf(asyncBuilt.model)).toEqual(weightsOf(sync.model));
    const twoHeads = () => {
      const input = tf.input({ shape: [2] });
      return tf.model({
        inputs: input,
        outputs: [
          tf.layers.dense({ units: 1 }).apply(input),
          tf.layers.dense({ units: 1 }).apply(input),
        ] as tf.SymbolicTensor[],
      });
    };
    await expect(train(base({ model: twoHeads }))).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) &&
        /one input and one output/.test((error as Error).message),
    );
  });

  it('resumes from a chosen older checkpoint digest, and rejects digests that are not checkpoints', async () => {
    const reference = await train(base());
    await train(base({ checkpoint: { store, name: 'pick', everySteps: 1, keepLast: 10 } }));
    const listing = await listCheckpoints(store, 'pick');
    const third = listing.recent.find((entry) => entry.step === 3);
    const fromThird = await train(
      base({ checkpoint: { store, name: 'pick' }, resume: third?.digest as `sha256:${string}` }),
    );
    expect(fromThird.resumedFrom).toEqual({ digest: third?.digest, step: 3 });
    expect(weightsOf(fromThird.model)).toEqual(weightsOf(reference.model));
    const { digest } = await store.putJson({ not: 'a checkpoint' });
    await expect(
      train(base({ checkpoint: { store, name: 'pick' }, resume: digest })),
    ).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) &&
        /not a trainer checkpoint/.test((error as Error).message),
    );
  });

  it("fails with ConflictError when another writer moves the run's latest checkpoint meanwhile", async () => {
    const intruder: TrainingCallback = {
      name: 'intruder',
      onBatchEnd: async (step) => {
        if (step === 2)
          await store.refs.set(
            'trainer/shared/latest',
            (await store.putJson({ other: true })).digest,
          );
      },
    };
    await expect(
      train(base({ callbacks: [intruder], checkpoint: { store, name: 'shared', everySteps: 3 } })),
    ).rejects.toSatisfy(
      (error) =>
        ConflictError.isInstance(error) && /its own checkpoint.name/.test((error as Error).message),
    );
  });

  it('early stopping restores the best epoch weights', async () => {
    const snapshots: number[][][] = [];
    const recorder: TrainingCallback = {
      name: 'recorder',
      onEpochEnd: async (_epoch, _logs, context) =>
        void snapshots.push((await context.getWeights()).map((w) => Array.from(w))),
    };
    const result = await train(
      base({
        epochs: 10,
        callbacks: [
          scripted('val_score', [0.5, 0.9, 0.8, 0.7, 0.6, 0.95]),
          recorder,
          earlyStopping({
            monitor: 'val_score',
            mode: 'max',
            patience: 2,
            restoreBestWeights: true,
          }),
        ],
      }),
    );
    expect(result.status).toBe('early-stopped');
    expect(result.epochs).toBe(4);
    expect(result.stopReason).toContain(
      'val_score did not improve for 2 epoch(s); best 0.9 at epoch 1',
    );
    expect(weightsOf(result.model)).toEqual(snapshots[1]);
    expect(weightsOf(result.model)).not.toEqual(snapshots[3]);
  });

  it('ReduceLROnPlateau lowers the rate on a plateau and keeps the factor through a resume', async () => {
    const result = await train(
      base({
        epochs: 4,
        callbacks: [
          scripted('val_loss', [1, 1, 1, 1]),
          reduceLROnPlateau({ patience: 1, factor: 0.5 }),
        ],
        checkpoint: { store, name: 'plateau' },
      }),
    );
    // The rate an epoch used; a reduction at the end of epoch 1 applies from epoch 2 (Keras semantics).
    expect(result.history.map((logs) => logs.learningRate)).toEqual([0.05, 0.05, 0.025, 0.0125]);
    const more = await train(
      base({
        epochs: 5,
        callbacks: [
          scripted('val_loss', [1, 1, 1, 1, 1]),
          reduceLROnPlateau({ patience: 1, factor: 0.5 }),
        ],
        checkpoint: { store, name: 'plateau' },
        resume: 'latest',
      }),
    );
    expect(more.history).toHaveLength(5);
    expect(more.history.at(-1)?.learningRate).toBe(0.00625);
  });

  it('keeps the last k and best k checkpoints and deletes the rest', async () => {
    const result = await train(
      base({
        epochs: 4,
        callbacks: [scripted('val_metric', [0.3, 0.1, 0.4, 0.2])],
        checkpoint: {
          store,
          name: 'pruned',
          everySteps: 1,
          keepLast: 2,
          keepBest: { monitor: 'val_metric', mode: 'min', count: 2 },
        },
      }),
    );
    const listing = await listCheckpoints(store, 'pruned');
    expect(listing.recent.map((entry) => entry.step)).toEqual([19, 20]);
    expect(listing.best.map((entry) => entry.step)).toEqual([10, 20]);
    expect(result.bestCheckpoint).toBe(listing.best[0]?.digest);
    expect(result.checkpointSeconds).toBeGreaterThan(0);
    expect(result.checkpointSeconds).toBeLessThan(result.wallSeconds);
    expect(await store.has(listing.best[0]?.digest as string)).toBe(true);
    const blobs: string[] = [];
    for await (const digest of store.list()) blobs.push(digest);
    const named = new Set([...listing.recent, ...listing.best].map((entry) => entry.digest));
    expect(blobs.sort()).toEqual([...named].sort());
  });

  it('refuses to overwrite an existing run and rejects bad options with every issue listed', async () => {
    await train(base({ epochs: 1, checkpoint: { store, name: 'taken' } }));
    await expect(train(base({ checkpoint: { store, name: 'taken' } }))).rejects.toSatisfy(
      (error) =>
        MlinfraError.isInstance(error) &&
        (error as MlinfraError).code === 'CONFLICT' &&
        /resume: 'latest'/.test((error as Error).message),
    );
    await expect(train(base({ resume: 'latest' }))).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    const error = await train({ ...base(), epochs: 0, batchSize: -1, loss: 'nope' as never }).catch(
      (caught: unknown) => caught,
    );
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'batchSize',
      'epochs',
      'loss',
    ]);
    await expect(train(base({ data: { train: { x: [[1, 2, 3]], y: [1] } } }))).rejects.toSatisfy(
      (caught) =>
        ValidationError.isInstance(caught) && /the model needs 2/.test((caught as Error).message),
    );
    await expect(
      train(
        base({ epochs: 2, checkpoint: { store, name: 'taken' }, resume: 'latest', batchSize: 4 }),
      ),
    ).rejects.toSatisfy(
      (caught) =>
        ValidationError.isInstance(caught) && /same batchSize/.test((caught as Error).message),
    );
  });

  it('trains from an async iterable with a cursor and resumes it from the saved cursor', async () => {
    const all = dataset(32);
    const resumedWith: unknown[] = [];
    let position = 0;
    async function* iterate(from: number): AsyncGenerator<XYBatch> {
      position = from;
      while (position < 32) {
        const start = position;
        position += 8;
        yield { x: all.x.slice(start, start + 8), y: all.y.slice(start, start + 8) };
      }
    }
    const source = {
      [Symbol.asyncIterator]: () => iterate(0),
      cursor: () => ({ position }),
      resume(cursor: unknown) {
        resumedWith.push(cursor);
        return { [Symbol.asyncIterator]: () => iterate((cursor as { position: number }).position) };
      },
    };
    const reference = await train(base({ data: { train: source } }));
    expect(reference.steps).toBe(8);
    const stopped = await train(
      base({
        data: { train: source },
        budget: { guard: { charge: () => ({ stop: true }) }, everySeconds: 1e-9 },
        checkpoint: { store, name: 'stream' },
      }),
    );
    expect(stopped.steps).toBe(1);
    const resumed = await train(
      base({ data: { train: source }, checkpoint: { store, name: 'stream' }, resume: 'latest' }),
    );
    expect(resumedWith).toEqual([{ position: 8 }]);
    expect(weightsOf(resumed.model)).toEqual(weightsOf(reference.model));
  });

  it('adapts column batches (a datasets BatchSource) and passes the cursor back on resume', async () => {
    const all = dataset(24);
    const positions: Array<{ epoch: number; cursor: unknown }> = [];
    const open = ({ epoch, cursor }: { epoch: number; cursor: unknown }) => {
      positions.push({ epoch, cursor });
      let position = (cursor as { position?: number } | undefined)?.position ?? 0;
      return {
        async *[Symbol.asyncIterator]() {
          while (position < 24) {
            const from = position;
            position += 6;
            yield {
              size: 6,
              columns: {
                a: Float64Array.from(all.x.slice(from, from + 6).map((row) => row[0] as number)),
                b: Float32Array.from(all.x.slice(from, from + 6).map((row) => row[1] as number)),
                label: Uint8Array.from(all.y.slice(from, from + 6)),
              },
              nulls: {},
            };
          }
        },
        cursor: () => ({ kind: 'test-cursor', position, epoch }),
      };
    };
    const data = fromColumnBatches(open, { features: ['a', 'b'], label: 'label' });
    const interrupted = await train(
      base({
        data: { train: data },
        budget: { guard: { charge: () => ({ stop: true }) }, everySeconds: 1e-9 },
        checkpoint: { store, name: 'columns' },
      }),
    );
    expect(interrupted.status).toBe('budget-exhausted');
    const resumed = await train(
      base({ data: { train: data }, checkpoint: { store, name: 'columns' }, resume: 'latest' }),
    );
    expect(resumed.steps).toBe(8);
    expect(positions).toEqual([
      { epoch: 0, cursor: undefined },
      { epoch: 0, cursor: { kind: 'test-cursor', position: 6, epoch: 0 } },
      { epoch: 1, cursor: undefined },
    ]);
    const reference = await train(base({ data: { train: data } }));
    expect(weightsOf(resumed.model)).toEqual(weightsOf(reference.model));
    await expect(
      train(
        base({
          data: { train: fromColumnBatches(open, { features: ['a', 'missing'], label: 'label' }) },
        }),
      ),
    ).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) &&
        /"missing" is not in the batch/.test((error as Error).message),
    );
  });
});
