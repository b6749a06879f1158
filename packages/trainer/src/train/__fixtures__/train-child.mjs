// Child process for the kill-and-resume tests: trains a tiny MLP on the cpu backend from the built
// package and writes the final weights. argv: storeDir runName outFile pauseAtStep ('none' or a step).
// When pausing, it waits at the end of that step until the file `${outFile}.go` exists (or forever),
// so the parent can kill it at an exact, mid-epoch point.
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStore } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import {
  cosineDecay,
  earlyStopping,
  reduceLROnPlateau,
  train,
  warmup,
} from '../../../dist/index.js';

const [storeDir, runName, outFile, pauseAt] = process.argv.slice(2);
const pauseStep = pauseAt === 'none' ? -1 : Number(pauseAt);

function data(rows, offset) {
  const x = [];
  const y = [];
  for (let i = 0; i < rows; i++) {
    const a = Math.sin(i + offset);
    const b = Math.cos(2 * i + offset);
    const c = ((i * 7 + offset) % 11) / 11;
    x.push([a, b, c]);
    y.push(a + b * c > 0.2 ? 1 : 0);
  }
  return { x, y };
}

// Tells the parent the signal arrived (the trainer's own listener runs in the same dispatch), so it
// releases the pause only after the trainer has seen SIGTERM. `once`: gone again before the trainer
// counts SIGTERM listeners at the end.
process.once('SIGTERM', () => process.stdout.write('sigterm\n'));

const pause = {
  name: 'pause',
  async onBatchEnd(step) {
    process.stdout.write(`step ${step}\n`);
    if (step !== pauseStep) return;
    process.stdout.write('paused\n');
    while (!existsSync(`${outFile}.go`)) await sleep(20);
  },
};

const result = await train({
  model: () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 8, inputShape: [3], activation: 'relu' }));
    model.add(tf.layers.dropout({ rate: 0.2 }));
    model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
    return model;
  },
  data: { train: data(60, 0), validation: data(20, 100) },
  epochs: 3,
  batchSize: 8,
  optimizer: { type: 'adam', learningRate: 0.05 },
  loss: 'binaryCrossentropy',
  metrics: ['accuracy', 'rocAuc'],
  lrSchedule: warmup({
    steps: 4,
    after: cosineDecay({ initial: 0.05, decaySteps: 20, alpha: 0.1 }),
  }),
  callbacks: [
    earlyStopping({ monitor: 'val_loss', patience: 10, restoreBestWeights: true }),
    reduceLROnPlateau({ monitor: 'val_loss', patience: 1, factor: 0.5 }),
    pause,
  ],
  seed: 1234,
  backend: 'cpu',
  progress: false,
  checkpoint: {
    store: createStore(storeDir),
    name: runName,
    everySteps: 5,
    keepLast: 2,
    keepBest: { monitor: 'val_loss', count: 2 },
  },
  resume: 'latest',
});
const weights = result.model
  .getWeights()
  .map((tensor) => Buffer.from(new Float32Array(tensor.dataSync()).buffer).toString('base64'));
writeFileSync(
  outFile,
  JSON.stringify({
    status: result.status,
    steps: result.steps,
    epochs: result.epochs,
    history: result.history,
    weights,
    resumedFrom: result.resumedFrom ?? null,
  }),
);
