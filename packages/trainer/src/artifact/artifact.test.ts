import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import {
  createStore,
  IntegrityError,
  MlinfraError,
  NotFoundError,
  type Store,
  ValidationError,
} from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/backend.js';
import { exportLayersModel, modelArtifactDigests } from './export-layers-model.js';
import { loadModelArtifact } from './load-model.js';
import { saveModelArtifact } from './save-model.js';

function tinyModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 8, inputShape: [3], activation: 'relu' }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  return model;
}

const rows = [
  [0.5, -1, 2],
  [1, 1, 1],
  [-3, 0.25, 0],
];

describe('model artifact', () => {
  let folder: string;
  let store: Store;
  beforeEach(async () => {
    await useBackend('cpu');
    folder = await mkdtemp(join(tmpdir(), 'trainer-artifact-'));
    store = createStore(join(folder, 'store'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('round-trips weights and predictions, and the same model saves to the same id', async () => {
    const model = tinyModel();
    const expected = (await (model.predict(tf.tensor2d(rows)) as tf.Tensor).array()) as number[][];
    const saved = await saveModelArtifact(store, model, {
      signature: { features: ['a', 'b', 'c'], labels: ['no', 'yes'] },
      lineage: { runId: 'run-1', datasets: ['sha256:abc'] },
      metadata: { auc: 0.9 },
    });
    expect(saved.manifest.format).toBe('mlinfra-model@1');
    expect(saved.manifest.signature.inputs[0]?.shape).toEqual([null, 3]);
    expect(saved.manifest.signature.outputs[0]?.shape).toEqual([null, 2]);
    expect(await store.readJson(saved.id)).toEqual(saved.manifest);
    expect(
      (
        await saveModelArtifact(store, model, {
          signature: { features: ['a', 'b', 'c'], labels: ['no', 'yes'] },
          lineage: { runId: 'run-1', datasets: ['sha256:abc'] },
          metadata: { auc: 0.9 },
        })
      ).id,
    ).toBe(saved.id);

    const loaded = await loadModelArtifact(store, saved.id, { backend: 'cpu' });
    expect(loaded.backend).toBe('cpu');
    const predicted = await loaded.predict(rows);
    expect(predicted.map((row) => Array.from(row))).toEqual(expected);
    const flat = await loaded.predict(new Float32Array(rows.flat()), 2);
    expect(flat.map((row) => Array.from(row))).toEqual(expected);
    const byName = await loaded.predictRows(rows.map(([a, b, c]) => ({ a, b, c: String(c) })));
    expect(byName.map((row) => Array.from(row))).toEqual(expected);
    loaded.dispose();
  });

  it('splits weights into shards and exports a folder that stock tf.loadLayersModel reads over HTTP', async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 64, inputShape: [20] }));
    model.add(tf.layers.dense({ units: 1 }));
    const saved = await saveModelArtifact(store, model, { shardBytes: 1024 });
    expect(saved.manifest.weights.length).toBe(Math.ceil(saved.manifest.weightBytes / 1024));
    const out = join(folder, 'export');
    const exported = await exportLayersModel(store, saved.id, out);
    expect((await readdir(out)).sort()).toEqual(
      ['model.json', ...saved.manifest.weights.map((file) => file.path)].sort(),
    );
    const server = createServer(async (request, response) => {
      try {
        const body = await readFile(join(out, (request.url ?? '/').slice(1)));
        response.writeHead(200, {
          'content-type':
            extname(request.url ?? '') === '.json'
              ? 'application/json'
              : 'application/octet-stream',
        });
        response.end(body);
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const stock = await tf.loadLayersModel(`http://127.0.0.1:${address.port}/model.json`);
      const x = tf.randomNormal([4, 20], 0, 1, 'float32', 7);
      expect(Array.from(await (stock.predict(x) as tf.Tensor).data())).toEqual(
        Array.from(await (model.predict(x) as tf.Tensor).data()),
      );
    } finally {
      await new Promise((done) => server.close(done));
    }
    expect(exported.files[0]).toBe(exported.modelJsonPath);
    expect(await modelArtifactDigests(store, saved.id)).toEqual([
      saved.id,
      saved.manifest.modelJson.digest,
      ...saved.manifest.weights.map((file) => file.digest),
    ]);
  });

  it('rejects ids that are not artifacts, missing blobs and corrupted weights with typed errors', async () => {
    const { digest } = await store.putJson({ format: 'something-else' });
    await expect(loadModelArtifact(store, digest, { backend: 'cpu' })).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) && /not a model artifact/.test((error as Error).message),
    );
    await expect(loadModelArtifact(store, 'not-a-digest')).rejects.toSatisfy((error) =>
      MlinfraError.isInstance(error),
    );
    const saved = await saveModelArtifact(store, tinyModel());
    const shard = saved.manifest.weights[0];
    if (shard === undefined) throw new Error('no shard');
    const path = join(
      store.location,
      'blobs',
      'sha256',
      shard.digest.slice(7, 9),
      shard.digest.slice(9),
    );
    const bytes = await readFile(path);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    await expect(loadModelArtifact(store, saved.id, { backend: 'cpu' })).rejects.toSatisfy(
      (error) => IntegrityError.isInstance(error),
    );
    await store.delete(shard.digest);
    await expect(loadModelArtifact(store, saved.id, { backend: 'cpu' })).rejects.toSatisfy(
      (error) => NotFoundError.isInstance(error),
    );
  });

  it('validates signatures, rows and predict input', async () => {
    const model = tinyModel();
    await expect(
      saveModelArtifact(store, model, { signature: { features: ['only-one'] } }),
    ).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) &&
        /one feature name per column/.test((error as Error).message),
    );
    const withTransform = await saveModelArtifact(store, model, {
      transform: { kind: 'standardize' },
    });
    const loaded = await loadModelArtifact(store, withTransform.id, { backend: 'current' });
    await expect(loaded.predictRows([{ x0: 1 }])).rejects.toSatisfy(
      (error) => MlinfraError.isInstance(error) && /applyTransform/.test((error as Error).message),
    );
    await expect(loaded.predict(new Float32Array(4))).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await expect(loaded.predict([[1, 2]])).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    const applied = await loadModelArtifact(store, withTransform.id, {
      backend: 'current',
      applyTransform: (_transform, input) => input.map((row) => [Number(row.v), 0, 0]),
    });
    expect((await applied.predictRows([{ v: 1 }, { v: 2 }])).length).toBe(2);
    const plain = await saveModelArtifact(store, model);
    const plainLoaded = await loadModelArtifact(store, plain.id, { backend: 'current' });
    await expect(plainLoaded.predictRows([{ x0: 1, x1: 'abc' }])).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) &&
        (error as ValidationError).issues.some((issue) => issue.path.join('.') === '0.x2'),
    );
  });
});
