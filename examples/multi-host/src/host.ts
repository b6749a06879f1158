// One host of the multi-host example. It shares nothing with the others but PostgreSQL and S3:
// its store comes from MLINFRA_STORE (s3://...) and MLINFRA_DATABASE_URL, and it runs in a
// working folder of its own. Roles:
//   commit                     commits the dataset `points` (branch main)
//   train <run> <pauseAtStep> [register]
//                              trains on points@main with checkpoints in the shared store,
//                              resuming from the newest one; charges the budget `<run>` for
//                              every step; with a step number it stops there and waits (to be
//                              killed). With `register`, registers the model in the registry on
//                              PostgreSQL and moves the alias @champion to it.
//   serve                      serves points@champion over HTTP and follows the alias.
// Prints one JSON line per event.
import { setTimeout as sleep } from 'node:timers/promises';
import { createStore } from '@mlinfra/core';
import { createBudget, money } from '@mlinfra/cost';
import { openDatasets } from '@mlinfra/datasets';
import { openRegistry } from '@mlinfra/registry';
import { createServer } from '@mlinfra/serving';
import { saveModelArtifact, train } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';

const [role, runName = 'run', pauseAt = 'none', then] = process.argv.slice(2);
const store = createStore(); // MLINFRA_STORE + MLINFRA_DATABASE_URL
const datasets = openDatasets({ store, author: `host ${process.pid}` });
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

if (role === 'commit') {
  const rows = Array.from({ length: 240 }, (_, index) => {
    const a = Math.sin(index);
    const b = Math.cos(2 * index);
    const c = ((index * 7) % 11) / 11;
    return { a, b, c, label: a + b * c > 0.2 ? 1 : 0 };
  });
  const version = await datasets.commit('points', rows, { message: 'synthetic points' });
  say({ event: 'committed', version: version.id, rows: version.rowCount });
} else if (role === 'train') {
  const rows = await datasets.dataset('points').rows();
  const x = rows.map((row) => [Number(row.a), Number(row.b), Number(row.c)]);
  const y = rows.map((row) => Number(row.label));
  const budget = await createBudget({
    store,
    name: `budgets/${runName}`,
    limit: money('10', 'USD'),
  });
  const pauseStep = pauseAt === 'none' ? -1 : Number(pauseAt);
  let charged = 0;
  const result = await train({
    model: () => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ units: 8, inputShape: [3], activation: 'relu' }));
      model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
      return model;
    },
    data: {
      train: { x: x.slice(0, 200), y: y.slice(0, 200) },
      validation: { x: x.slice(200), y: y.slice(200) },
    },
    epochs: 3,
    batchSize: 16,
    optimizer: { type: 'adam', learningRate: 0.05 },
    loss: 'binaryCrossentropy',
    seed: 7,
    backend: 'cpu', // bit-for-bit deterministic, so a resumed run can be compared exactly
    progress: false,
    checkpoint: { store, name: `checkpoints/${runName}`, everySteps: 5, keepLast: 2 },
    resume: 'latest',
    callbacks: [
      {
        name: 'charge-and-pause',
        async onBatchEnd(step: number) {
          // One cent of compute per step, charged to the shared budget with compare-and-set.
          await budget.charge({ amount: money('0.01', 'USD'), resource: 'training' });
          charged++;
          say({ event: 'step', step, charged });
          if (step !== pauseStep) return;
          say({ event: 'paused', step });
          for (;;) await sleep(1000);
        },
      },
    ],
  });
  const weights = result.model
    .getWeights()
    .map((tensor) => Buffer.from(new Float32Array(tensor.dataSync()).buffer).toString('base64'));
  say({
    event: 'trained',
    steps: result.steps,
    resumedFrom: result.resumedFrom ?? null,
    charged,
    weights,
  });
  if (then === 'register') {
    const registry = await openRegistry(); // MLINFRA_DATABASE_URL, artifacts in MLINFRA_STORE
    const artifact = await saveModelArtifact(store, result.model, {
      signature: { features: ['a', 'b', 'c'] },
      lineage: { run: runName },
    });
    const registered = await registry.registerModel('points', {
      artifact: artifact.id,
      metrics: { loss: result.history.at(-1)?.loss ?? Number.NaN },
      tags: { run: runName },
    });
    await registry.setAlias('points', 'champion', registered.version);
    say({ event: 'registered', version: registered.version });
    await registry.close();
  }
} else if (role === 'serve') {
  const registry = await openRegistry();
  const server = createServer({
    models: ['points@champion'],
    source: registry,
    store,
    backend: 'cpu',
    shutdown: { signals: ['SIGTERM'], exit: true },
  });
  const address = await server.listen(0, '127.0.0.1');
  await server.ready();
  say({ event: 'serving', url: `http://127.0.0.1:${address.port}` });
} else {
  throw new Error(`unknown role ${role}; use commit, train or serve`);
}
