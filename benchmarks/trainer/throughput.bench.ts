// Training throughput per backend (ours vs stock tfjs model.fit, same backend, same run), the wasm/cpu
// ratio, checkpoint overhead at the default cadence, and the cost of a resume.
// Run: pnpm --filter @mlinfra/benchmarks exec node --import tsx trainer/throughput.bench.ts  (BENCH_QUICK=1 for a small setting)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { type ConcreteBackendName, train, useBackend } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';

const quick = process.env.BENCH_QUICK === '1';
const rows = quick ? 4096 : 32768;
const epochs = 2;
const batchSize = 256;
const features = 20;

function makeData(): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(rows * features);
  const y = new Float32Array(rows);
  let state = 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let column = 0; column < features; column++) {
      const value = next();
      x[row * features + column] = value;
      sum += value * ((column % 3) - 1);
    }
    y[row] = sum > 0 ? 1 : 0;
  }
  return { x, y };
}

function mlp(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 64, inputShape: [features], activation: 'relu' }));
  model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  return model;
}

const data = makeData();
const common = {
  data: { train: data },
  epochs,
  batchSize,
  loss: 'binaryCrossentropy' as const,
  seed: 1,
  progress: false,
};

async function ours(backend: ConcreteBackendName): Promise<number> {
  const started = performance.now();
  await train({ ...common, model: mlp, backend });
  return (rows * epochs) / ((performance.now() - started) / 1000);
}

async function stockFit(): Promise<number> {
  const model = mlp();
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'binaryCrossentropy' });
  const x = tf.tensor2d(data.x, [rows, features]);
  const y = tf.tensor2d(data.y, [rows, 1]);
  const started = performance.now();
  await model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 });
  const rate = (rows * epochs) / ((performance.now() - started) / 1000);
  tf.dispose([x, y]);
  model.dispose();
  return rate;
}

console.log(
  `trainer throughput: MLP ${features}-64-64-1, ${rows} rows x ${epochs} epochs, batch ${batchSize}${quick ? ' (BENCH_QUICK)' : ''}`,
);
const rates: Partial<Record<ConcreteBackendName, number>> = {};
for (const backend of ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const) {
  try {
    await useBackend(backend);
  } catch (error) {
    console.log(`  ${backend.padEnd(15)} not available: ${(error as Error).message.split('.')[0]}`);
    continue;
  }
  await ours(backend); // warm-up (kernels, wasm compile)
  const mine = await ours(backend);
  await useBackend(backend);
  const peer = await stockFit();
  rates[backend] = mine;
  console.log(
    `  ${backend.padEnd(15)} @mlinfra/trainer ${Math.round(mine).toString().padStart(7)} samples/s   tfjs model.fit ${Math.round(peer).toString().padStart(7)} samples/s   ratio trainer/fit ${(mine / peer).toFixed(2)}x`,
  );
}
if (rates.wasm !== undefined && rates.cpu !== undefined) {
  console.log(`  ratio wasm/cpu (trainer): ${(rates.wasm / rates.cpu).toFixed(2)}x (target >= 3x)`);
}

// Checkpoint overhead at the default cadence (each epoch end + every 300 s) and with everySteps: 20, on wasm.
const folder = await mkdtemp(join(tmpdir(), 'trainer-bench-'));
try {
  const store = createStore(join(folder, 'store'));
  const timed = async (extra: object) => {
    const started = performance.now();
    await train({ ...common, model: mlp, backend: 'wasm', ...extra });
    return (performance.now() - started) / 1000;
  };
  const repeats = quick ? 1 : 2;
  let plain = 0;
  let withDefault = 0;
  let withDense = 0;
  for (let index = 0; index < repeats; index++) {
    plain += await timed({});
    withDefault += await timed({ checkpoint: { store, name: `bench/default-${index}` } });
    withDense += await timed({
      checkpoint: { store, name: `bench/dense-${index}`, everySteps: 20 },
    });
  }
  const stepsPerEpoch = Math.ceil(rows / batchSize);
  console.log(
    `  checkpoint overhead (wasm), default cadence: ${(((withDefault - plain) / plain) * 100).toFixed(1)}% of training time (target <= 5%); every 20 steps (${Math.floor(stepsPerEpoch / 20)} per epoch): ${(((withDense - plain) / plain) * 100).toFixed(1)}%`,
  );
  const resumeStarted = performance.now();
  const resumed = await train({
    ...common,
    model: mlp,
    backend: 'wasm',
    checkpoint: { store, name: 'bench/default-0' },
    resume: 'latest',
  });
  const resumeSeconds = (performance.now() - resumeStarted) / 1000;
  const freshStarted = performance.now();
  await train({
    ...common,
    epochs: 1,
    data: { train: { x: data.x.subarray(0, features), y: data.y.subarray(0, 1) } },
    model: mlp,
    backend: 'wasm',
  });
  const setupSeconds = (performance.now() - freshStarted) / 1000;
  console.log(
    `  resume (read checkpoint, restore weights + Adam state, no steps left: ${resumed.status}): ${(resumeSeconds * 1000).toFixed(0)} ms; a fresh 1-step run: ${(setupSeconds * 1000).toFixed(0)} ms; resume adds ${((resumeSeconds - setupSeconds) * 1000).toFixed(0)} ms (target < 1000 ms)`,
  );
} finally {
  await rm(folder, { recursive: true, force: true });
}
