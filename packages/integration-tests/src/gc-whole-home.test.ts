import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '@mlinfra/core';
import { budgetGuard, createBudget, money } from '@mlinfra/cost';
import { openDatasets } from '@mlinfra/datasets';
import { openRegistry } from '@mlinfra/registry';
import { createJsonlSink } from '@mlinfra/serving';
import { listCheckpoints, loadModelArtifact, saveModelArtifact, train } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The project's gc rule, end to end: refs are the only roots, and every package keeps what it
 * stores reachable from a ref. A home holding every package's data survives `gc({ graceMs: 0 })`
 * and everything reads back through the public APIs.
 */
describe('store.gc({ graceMs: 0 }) over a home shared by every package', () => {
  let home: string;
  let store: Store;
  const x = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(i)]);
  const y = x.map(([a, b]) => ((a ?? 0) > (b ?? 0) ? 1 : 0));
  const build = () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 4, inputShape: [2], activation: 'relu' }));
    model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
    return model;
  };
  /** Trains the small model with checkpoints in the home's store. */
  const trainRun = (epochs: number, resume: 'latest' | 'never' = 'never') =>
    train({
      model: build,
      data: { train: { x, y } },
      epochs,
      batchSize: 16,
      loss: 'binaryCrossentropy',
      seed: 1,
      backend: 'cpu',
      checkpoint: { store, name: 'home/run-1' },
      resume,
      progress: false,
    });
  const written: {
    version?: string;
    checkpoint?: string | undefined;
    artifact?: string;
    runArtifact?: string;
    predictions?: number[];
  } = {};

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mlinfra-home-'));
    store = createStore(home);

    // datasets: a version on a branch, tagged.
    const datasets = openDatasets({ store });
    const version = await datasets.commit('trips', [
      { id: 1, distance: 2.5, fare: 9.5 },
      { id: 2, distance: 7.1, fare: 21 },
      { id: 3, distance: 1.2, fare: 6 },
    ]);
    await datasets.tag('trips', 'v1', version.id);
    written.version = version.id;

    // trainer: a run with checkpoints, and a model artifact.
    const result = await trainRun(2);
    written.checkpoint = result.checkpoint;
    const artifact = await saveModelArtifact(store, result.model, {
      signature: { features: ['a', 'b'] },
    });
    written.artifact = artifact.id;
    const loaded = await loadModelArtifact(store, artifact.id);
    written.predictions = Array.from((await loaded.predictRows([{ a: 0.5, b: -0.2 }]))[0]!);

    // registry: a run artifact and a registered, promoted model naming the trainer's artifact.
    const registry = await openRegistry({ url: join(home, 'registry.db'), store });
    const run = await registry.startRun({ experiment: 'home' });
    const logged = await run.logArtifact('notes', new TextEncoder().encode('run notes'));
    written.runArtifact = logged.digest;
    await run.end();
    const registered = await registry.registerModel('trips-model', {
      artifact: artifact.id,
      metrics: { auc: 0.9 },
    });
    await registry.promote('trips-model', registered.version, 'champion');
    await registry.close();

    // cost: a budget with a charge.
    const budget = await createBudget({ store, name: 'team/home', limit: money(50, 'USD') });
    await budgetGuard(budget, { instance: 'g5.xlarge' }).charge(3600);

    // serving: a prediction log in the home folder.
    const sink = createJsonlSink({ path: join(home, 'predictions.jsonl') });
    await sink.write([
      {
        id: 'r1',
        row: 0,
        time: new Date(0).toISOString(),
        model: 'trips-model',
        version: '1',
        inputs: { a: 0.5, b: -0.2 },
        outputs: written.predictions,
        latencyMs: 1,
      },
    ]);
    await sink.close?.();

    await store.gc({ graceMs: 0 });
  }, 300_000);

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('datasets: the version, its Parquet files and its profile read back', async () => {
    // A fresh cache folder, so rows come from the store, not from files cached at commit time.
    const datasets = openDatasets({ store, cacheDir: join(home, 'fresh-cache') });
    const version = await datasets.resolve('trips', 'v1');
    expect(version.id).toBe(written.version);
    for (const file of version.files)
      expect((await store.read(file.digest)).byteLength).toBe(file.sizeBytes);
    expect(await datasets.dataset('trips', 'v1').rows()).toEqual([
      { id: 1, distance: 2.5, fare: 9.5 },
      { id: 2, distance: 7.1, fare: 21 },
      { id: 3, distance: 1.2, fare: 6 },
    ]);
    expect(await datasets.dataset('trips', 'v1').profile()).not.toBeNull();
  });

  it('trainer: checkpoints read back and a run resumes from the latest', async () => {
    const listing = await listCheckpoints(store, 'home/run-1');
    expect(listing.latest).toBe(written.checkpoint);
    for (const { digest } of listing.recent)
      expect((await store.read(digest)).byteLength).toBeGreaterThan(0);
    const resumed = await trainRun(3, 'latest');
    expect(resumed.resumedFrom?.digest).toBe(written.checkpoint);
  });

  it('registry: the champion resolves and its artifact (and the run artifact) read back', async () => {
    const registry = await openRegistry({ url: join(home, 'registry.db'), store });
    try {
      const champion = await registry.resolve('trips-model@champion');
      expect(champion.artifact).toBe(written.artifact);
      const model = await loadModelArtifact(store, champion.artifact);
      const predictions = await model.predictRows([{ a: 0.5, b: -0.2 }]);
      expect(Array.from(predictions[0]!)).toEqual(written.predictions);
      expect(Buffer.from(await store.read(written.runArtifact!)).toString()).toBe('run notes');
    } finally {
      await registry.close();
    }
  });

  it('cost: the budget keeps its charge', async () => {
    const budget = await createBudget({ store, name: 'team/home', limit: money(50, 'USD') });
    const status = await budget.status();
    expect(status.spent.micros).toBeGreaterThan(0);
  });

  it('serving: the prediction log is intact', async () => {
    const lines = (await readFile(join(home, 'predictions.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).outputs).toEqual(written.predictions);
  });
});
